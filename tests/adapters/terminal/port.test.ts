import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTerminal, type TerminalAdapter } from '../../../src/adapters/terminal/index.js';
import { answer } from '../../../src/core/reply.js';
import { parseMessageRef } from '../../../src/domain/channel.js';
import { Permanent } from '../../../src/outbound/port.js';
import { quietLogger, realDispatcher, realServices } from '../../helpers/services.js';

/** The terminal's outbound port as a user sees it: what lands on the terminal's output. */
describe('terminal outbound port', () => {
  let terminal: TerminalAdapter;
  let close: () => Promise<void>;
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => { printed += chunk.toString('utf8'); });
  const alert = answer({ visibility: 'channel', cards: [{ title: 'Dam breach feared', priority: 'breaking', badge: 'BREAKING' }] });

  beforeAll(async () => {
    const { store, services } = await realServices({ loadSamples: false });
    terminal = startTerminal({ dispatcher: realDispatcher(services), logger: quietLogger, input, output, channel: 'newsroom', interactive: false });
    close = () => store.close();
  });

  afterAll(async () => {
    terminal?.stop();
    input.end();
    await close?.();
  });

  it('a deleted alert prints one line naming it: 🗑 Alert <message id> in #<channel> deleted', async () => {
    const ref = await terminal.port.post('terminal:newsroom', alert);
    const { messageId } = parseMessageRef(ref);
    expect(printed).toContain(`🔔 Alert in #newsroom (message ${messageId})`);
    printed = '';
    await terminal.port.delete(ref);
    expect(printed).toBe(`\n🗑 Alert ${messageId} in #newsroom deleted\n`);
  });

  it('a message of another platform is refused, and nothing is printed', async () => {
    printed = '';
    await expect(terminal.port.delete('slack:T1/C1#1700000000.000100')).rejects.toBeInstanceOf(Permanent);
    expect(printed).toBe('');
  });
});
