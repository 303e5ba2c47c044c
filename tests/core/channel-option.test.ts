import { describe, expect, it } from 'vitest';
import { normalizeChannelOption } from '../../src/core/channel-option.js';
import type { Invocation } from '../../src/core/command.js';

/** A channel option, and (where the option takes them) a Slack message link naming that message's thread. */
describe('channel options: Slack message links', () => {
  const slack = { channel: 'slack:T1/C0HERE' } as Invocation;
  const discord = { channel: 'discord:111111/222222' } as Invocation;
  const threadLinks = { threadLinks: true };

  it('a message link becomes the message\'s reference in the invoker\'s workspace', () => {
    expect(normalizeChannelOption('https://newsroom.slack.com/archives/C0NEWS/p1765101234000200', slack, threadLinks)).toBe('slack:T1/C0NEWS#1765101234.000200');
    expect(normalizeChannelOption('<https://newsroom.slack.com/archives/G0DESK/p1765101234000200>', slack, threadLinks)).toBe('slack:T1/G0DESK#1765101234.000200');
  });

  it('a reply\'s link names its thread\'s first message', () => {
    expect(normalizeChannelOption('https://newsroom.slack.com/archives/C0NEWS/p1765101299000900?thread_ts=1765101234.000200&cid=C0NEWS', slack, threadLinks))
      .toBe('slack:T1/C0NEWS#1765101234.000200');
  });

  it('only where the option takes links, only on Slack, only Slack\'s links', () => {
    expect(normalizeChannelOption('https://newsroom.slack.com/archives/C0NEWS/p1765101234000200', slack)).toBeNull();
    expect(normalizeChannelOption('https://newsroom.slack.com/archives/C0NEWS/p1765101234000200', discord, threadLinks)).toBeNull();
    expect(normalizeChannelOption('https://slack.com.example/archives/C0NEWS/p1765101234000200', slack, threadLinks)).toBeNull();
    expect(normalizeChannelOption('<#C0NEWS|news>', slack, threadLinks)).toBe('slack:T1/C0NEWS');
  });
});
