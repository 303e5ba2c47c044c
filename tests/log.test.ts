import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, lifecycle, scrubSecrets } from '../src/log.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger(stream), text: () => lines.join('') };
}

describe('logger', () => {
  it('redacts secrets by key', () => {
    const { logger, text } = capture();
    logger.info({ token: 'abc', config: { SLACK_SIGNING_SECRET: 'shh' }, headers: { authorization: 'Bot zzz' } }, 'start');
    expect(text()).not.toMatch(/abc|shh|zzz/);
    expect(text()).toContain('[redacted]');
  });

  it('scrubs Discord interaction tokens and Slack tokens out of library errors and messages', () => {
    const { logger, text } = capture();
    const token = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTpzZWNyZXQtdG9rZW4tdmFsdWU';
    const err = Object.assign(new Error(`Unknown Webhook at /webhooks/123456789/${token}/messages/@original`), {
      url: `https://discord.com/api/v10/webhooks/123456789/${token}/messages/%40original`,
    });
    logger.error({ err }, `edit failed for /interactions/111111/${token}/callback with xoxb-123-456-abcdef`);
    expect(text()).not.toContain(token);
    expect(text()).not.toContain('xoxb-123-456-abcdef');
    expect(text()).toContain('/webhooks/123456789/[redacted]');
  });

  it('leaves ordinary text alone', () => {
    expect(scrubSecrets('GET /api/v10/channels/123/messages')).toBe('GET /api/v10/channels/123/messages');
  });

  it('writes short readable lines for a person at a terminal, and still redacts', () => {
    const lines: string[] = [];
    const stream = new Writable({ write(chunk, _enc, done) { lines.push(chunk.toString()); done(); } });
    const readable = createLogger(stream as never, { pretty: true });
    expect(readable.level).toBe('notice');
    readable.info('not shown by default');
    readable.warn({ feed: 'wire', token: 'abc' }, 'feed failing');
    const text = lines.join('');
    expect(text).not.toMatch(/^\{/m);
    expect(text).toMatch(/WARN.*feed failing/);
    expect(text).not.toContain('not shown');
    expect(text).not.toContain('abc');
    expect(text.trim().split('\n')).toHaveLength(1);
  });

  it('shows lifecycle lines on a terminal by default (README tells users to look for them), per-request detail not', () => {
    const lines: string[] = [];
    const stream = new Writable({ write(chunk, _enc, done) { lines.push(chunk.toString()); done(); } });
    const readable = createLogger(stream as never, { pretty: true });
    lifecycle(readable.child({ adapter: 'slack' }), {}, 'slack: taking requests at /slack/events');
    lifecycle(readable, { instance: 'i-1', others: 0 }, 'instance joined the shared store');
    readable.info({ delivery: 'd1' }, 'alert post will be retried');
    const text = lines.join('');
    expect(text).toMatch(/NOTICE.*slack: taking requests at \/slack\/events/);
    expect(text).toMatch(/NOTICE.*instance joined the shared store/);
    expect(text).not.toContain('will be retried');
    expect(text.trim().split('\n')).toHaveLength(2);
  });

  it('elsewhere (JSON, info by default) lifecycle lines are there too, at level 35', () => {
    const { logger, text } = capture();
    lifecycle(logger, { port: 3000 }, 'HTTP server listening');
    expect(JSON.parse(text())).toMatchObject({ level: 35, port: 3000, msg: 'HTTP server listening' });
  });
});
