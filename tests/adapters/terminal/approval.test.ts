import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTerminal, type TerminalAdapter } from '../../../src/adapters/terminal/index.js';
import { startAlerts, type Alerts } from '../../../src/alerts/index.js';
import type { SqliteStore } from '../../../src/store/sqlite/index.js';
import { quietLogger, realDispatcher, realServices } from '../../helpers/services.js';

/**
 * Editor approval on the terminal: the preview prints as alerts do ("🔔 Alert in #editors"), with its buttons, and
 * `:click N` presses button N of that printed preview; a reader is refused, an admin's press sends the alert.
 */
describe('terminal: :click on a printed approval preview', () => {
  let terminal: TerminalAdapter;
  let alerts: Alerts;
  let store: SqliteStore;
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => { printed += chunk.toString('utf8'); });
  const offset = Date.parse('2026-11-25T12:00:00Z') - Date.now();
  const now = () => new Date(Date.now() + offset);
  const type = async (line: string) => {
    input.write(`${line}\n`);
    await new Promise((r) => setTimeout(r, 20));
    await terminal.idle();
  };
  const waitFor = async (text: string) => {
    const end = Date.now() + 5_000;
    while (!printed.includes(text)) {
      if (Date.now() > end) throw new Error(`not printed: ${text}\n---\n${printed}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeAll(async () => {
    const real = await realServices({ loadSamples: false, now });
    store = real.store;
    alerts = startAlerts({ store, ports: real.ports, logger: quietLogger, config: { TIMEZONE: 'UTC' }, now });
    real.services.alerts = alerts.service;
    terminal = startTerminal({ dispatcher: realDispatcher(real.services, now), logger: quietLogger, input, output, channel: 'newsroom', interactive: false });
    real.ports.attach(terminal.port);
  });

  afterAll(async () => {
    terminal?.stop();
    input.end();
    await alerts?.stop();
    await store?.close();
  });

  it('prints the preview with its buttons; :click as a reader is refused; :click as admin approves and the alert prints', async () => {
    await type(':as admin');
    await type('/alerts subscribe #public approval:#editors');
    expect(printed).toContain('Subscribed');
    await store.articles.upsert({ id: 'dam-1', title: 'Dam fails upstream of the capital', priority: 'breaking', section: 'world' });
    await waitFor('🔔 Alert in #editors');
    expect(printed).toContain('Approval needed before this alert goes to #public.');
    expect(printed).toContain('[1] Approve  [2] Hold  [3] Reject  [4] Confirmed  [5] Developing  [6] Unverified');
    expect(printed).not.toContain('🔔 Alert in #public');

    await type(':as reader');
    printed = '';
    await type(':click 1');
    expect(printed).toContain('Only editors can decide on alerts (server or workspace admins, or the editor role). Nothing changed.');
    await new Promise((r) => setTimeout(r, 200));
    expect(printed).not.toContain('🔔 Alert in #public');

    await type(':as admin');
    await type(':click 1');
    expect(printed).toContain('Approved: “Dam fails upstream of the capital” goes out to #public.');
    await waitFor('🔔 Alert in #public');
    await waitFor('Approved by admin at 12:');
  });
});
