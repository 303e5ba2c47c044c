import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startTerminal } from '../../../src/adapters/terminal/index.js';
import { TerminalPort } from '../../../src/adapters/terminal/port.js';
import type { Dispatcher } from '../../../src/core/dispatcher.js';
import { answer } from '../../../src/core/reply.js';
import { logger } from '../../../src/log.js';

/** The interactive terminal (a TTY): what the person sees, in order. */
describe('terminal prompt', () => {
  it('an alert arriving while a command is answered never leaves the answer printed after a redrawn prompt', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const dispatcher = { dispatch: async () => { await gate; return answer({ text: 'THE ANSWER' }); } } as unknown as Dispatcher;
    let out = '';
    const output = new Writable({ write(chunk, _enc, done) { out += chunk.toString(); done(); } });
    const input = new PassThrough();
    const port = new TerminalPort();
    const terminal = startTerminal({ dispatcher, logger: logger.child({}, { level: 'silent' }), input, output, port, channel: 'newsroom', interactive: true });
    try {
      input.write('/news\n');
      await new Promise((r) => setTimeout(r, 20));
      await port.post('terminal:desk', answer({ text: 'AN ALERT' }));
      release();
      await terminal.idle();
      // Strip terminal control sequences; what remains is what the person reads, in order.
      const seen = out.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
      const alert = seen.indexOf('AN ALERT');
      const reply = seen.indexOf('THE ANSWER');
      expect(alert).toBeGreaterThan(0);
      expect(reply).toBeGreaterThan(alert);
      expect(seen.slice(alert, reply)).not.toContain('newsdesk> ');
      expect(seen.trimEnd().endsWith('newsdesk>')).toBe(true);
    } finally {
      terminal.stop();
    }
  });
});
