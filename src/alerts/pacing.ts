import { parseChannelRef, type ChannelRef, type Platform } from '../core/outbound.js';

export type Operation = 'post' | 'edit';

/** At most `limit` requests of `ops` in any `windowMs`, counted per bot, per workspace or per channel. */
export interface RateRule {
  id: string;
  platform: Platform;
  ops: readonly Operation[];
  scope: 'bot' | 'workspace' | 'channel';
  limit: number;
  windowMs: number;
}

/**
 * The limits the platforms enforce, as documented: Discord 50 requests/s per bot and 5 messages per 5 s per
 * channel (edits share the channel's budget on their own route); Slack chat.postMessage about 1 per second
 * per channel with a workspace-wide ceiling, and chat.update Tier 3 (~50 per minute).
 * Thread replies are posts (Discord: a message in the channel; Slack: chat.postMessage with thread_ts).
 */
export const PLATFORM_RATE_RULES: readonly RateRule[] = [
  { id: 'discord:global', platform: 'discord', ops: ['post', 'edit'], scope: 'bot', limit: 50, windowMs: 1000 },
  { id: 'discord:channel-messages', platform: 'discord', ops: ['post'], scope: 'channel', limit: 5, windowMs: 5000 },
  { id: 'discord:channel-edits', platform: 'discord', ops: ['edit'], scope: 'channel', limit: 5, windowMs: 5000 },
  { id: 'slack:channel-messages', platform: 'slack', ops: ['post'], scope: 'channel', limit: 1, windowMs: 1000 },
  { id: 'slack:workspace-messages', platform: 'slack', ops: ['post'], scope: 'workspace', limit: 300, windowMs: 60_000 },
  { id: 'slack:chat.update', platform: 'slack', ops: ['edit'], scope: 'workspace', limit: 50, windowMs: 60_000 },
];

/**
 * Client-side pacing by sliding windows, so we stay under the platforms' limits instead of collecting 429s.
 * A small margin covers the time between our count and the platform's. `block` adds what a 429's
 * Retry-After says on top.
 */
export class Pacer {
  private readonly sent = new Map<string, number[]>();
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly rules: readonly RateRule[],
    private readonly clock: () => number,
  ) {}

  private margin(rule: RateRule): number {
    return Math.max(30, Math.round(rule.windowMs * 0.03));
  }

  private keysFor(platform: Platform, channel: ChannelRef, op: Operation): Array<{ key: string; rule: RateRule }> {
    const out: Array<{ key: string; rule: RateRule }> = [];
    for (const rule of this.rules) {
      if (rule.platform !== platform || !rule.ops.includes(op)) continue;
      const scope = rule.scope === 'bot' ? '' : rule.scope === 'channel' ? channel : parseChannelRef(channel).workspace;
      out.push({ key: `${rule.id}|${scope}`, rule });
    }
    return out;
  }

  /** Milliseconds until this request may go; 0 = now. */
  waitMs(platform: Platform, channel: ChannelRef, op: Operation): number {
    const now = this.clock();
    let wait = Math.max(0, (this.blockedUntil.get(platform) ?? 0) - now, (this.blockedUntil.get(channel) ?? 0) - now);
    for (const { key, rule } of this.keysFor(platform, channel, op)) {
      const times = this.prune(key, now - rule.windowMs - this.margin(rule));
      if (times.length >= rule.limit) {
        wait = Math.max(wait, times[times.length - rule.limit] + rule.windowMs + this.margin(rule) - now);
      }
    }
    return wait;
  }

  /** Is the whole platform unavailable right now (bot-wide window full, or a global 429)? */
  platformWaitMs(platform: Platform): number {
    const now = this.clock();
    let wait = Math.max(0, (this.blockedUntil.get(platform) ?? 0) - now);
    for (const rule of this.rules) {
      if (rule.platform !== platform || rule.scope !== 'bot') continue;
      const key = `${rule.id}|`;
      const times = this.prune(key, now - rule.windowMs - this.margin(rule));
      if (times.length >= rule.limit) wait = Math.max(wait, times[times.length - rule.limit] + rule.windowMs + this.margin(rule) - now);
    }
    return wait;
  }

  record(platform: Platform, channel: ChannelRef, op: Operation): void {
    const now = this.clock();
    for (const { key } of this.keysFor(platform, channel, op)) {
      const times = this.sent.get(key);
      if (times) times.push(now);
      else this.sent.set(key, [now]);
    }
  }

  /** A 429 (or 5xx) said wait: for the whole platform when the limit hit was global, else for the channel. */
  block(platform: Platform, channel: ChannelRef, delayMs: number, global: boolean): void {
    const key = global ? platform : channel;
    const until = this.clock() + delayMs;
    if ((this.blockedUntil.get(key) ?? 0) < until) this.blockedUntil.set(key, until);
  }

  /** Waits (bounded by the limits themselves) until the request may go, then records it. */
  async acquire(platform: Platform, channel: ChannelRef, op: Operation, sleep: (ms: number) => Promise<void>): Promise<void> {
    for (let wait = this.waitMs(platform, channel, op); wait > 0; wait = this.waitMs(platform, channel, op)) await sleep(wait);
    this.record(platform, channel, op);
  }

  /**
   * The least time `count` requests of `op` to distinct channels of one workspace can take under these rules:
   * the benchmark's yardstick, computed from the same rules the pacer obeys.
   */
  static minimumSpanMs(rules: readonly RateRule[], platform: Platform, op: Operation, count: number): number {
    let span = 0;
    for (const rule of rules) {
      if (rule.platform !== platform || !rule.ops.includes(op) || rule.scope === 'channel') continue;
      span = Math.max(span, Math.max(0, Math.ceil(count / rule.limit) - 1) * rule.windowMs);
    }
    return span;
  }

  private prune(key: string, after: number): number[] {
    const times = this.sent.get(key);
    if (!times) return [];
    let drop = 0;
    while (drop < times.length && times[drop] <= after) drop += 1;
    if (drop > 0) times.splice(0, drop);
    return times;
  }
}
