import { parseChannelRef, type ChannelRef, type Platform } from '../domain/channel.js';

/** `check`: asking the platform whether an in-doubt post went out (Slack conversations.history). */
export type Operation = 'post' | 'edit' | 'check';

/**
 * At most `limit` requests of `ops` per `windowMs`, counted per bot, per workspace or per channel.
 * Without `burst`: a sliding window (any `windowMs` holds at most `limit`). With `burst`: a token bucket, as
 * Slack meters — `burst` calls at once, then `limit` per `windowMs` sustained.
 */
export interface RateRule {
  id: string;
  platform: Platform;
  ops: readonly Operation[];
  scope: 'bot' | 'workspace' | 'channel';
  limit: number;
  windowMs: number;
  burst?: number;
}

/**
 * The limits the platforms enforce, as documented, and the ONE place they live: the stand-ins used by the
 * tests and the benchmark are configured from these rules (tests/alerts/limits.ts), and the benchmark's
 * "minimum the limits allow" is computed from them.
 * - Discord: 50 requests/s per bot; 5 messages per 5 s per channel; edits have their own per-channel bucket.
 * - Slack chat.postMessage: 1 per second per channel, short bursts allowed; a workspace-wide ceiling Slack
 *   describes as "several hundred per minute" (300/min, bursts of 50). chat.update and conversations.history
 *   are Tier 3: 50+ per minute per workspace, bursts allowed (10).
 * Thread replies are posts (Discord: a message in the channel; Slack: chat.postMessage with thread_ts).
 */
export const PLATFORM_RATE_RULES: readonly RateRule[] = [
  { id: 'discord:global', platform: 'discord', ops: ['post', 'edit'], scope: 'bot', limit: 50, windowMs: 1000 },
  { id: 'discord:channel-messages', platform: 'discord', ops: ['post'], scope: 'channel', limit: 5, windowMs: 5000 },
  { id: 'discord:channel-edits', platform: 'discord', ops: ['edit'], scope: 'channel', limit: 5, windowMs: 5000 },
  { id: 'slack:channel-messages', platform: 'slack', ops: ['post'], scope: 'channel', limit: 60, windowMs: 60_000, burst: 3 },
  { id: 'slack:workspace-messages', platform: 'slack', ops: ['post'], scope: 'workspace', limit: 300, windowMs: 60_000, burst: 50 },
  { id: 'slack:chat.update', platform: 'slack', ops: ['edit'], scope: 'workspace', limit: 50, windowMs: 60_000, burst: 10 },
  { id: 'slack:conversations.history', platform: 'slack', ops: ['check'], scope: 'workspace', limit: 50, windowMs: 60_000, burst: 10 },
];

export function ruleById(rules: readonly RateRule[], id: string): RateRule {
  const rule = rules.find((r) => r.id === id);
  if (!rule) throw new Error(`no rate rule ${id}`);
  return rule;
}

/**
 * Client-side pacing by sliding windows and token buckets, so we stay under the platforms' limits instead of collecting 429s.
 * A small margin covers the time between our count and the platform's. `block` adds what a 429's
 * Retry-After says on top.
 */
/** How much later than we count it a request may reach the platform (under load), in ms. */
const ARRIVAL_SLACK_MS = 60;

export class Pacer {
  private readonly sent = new Map<string, number[]>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly rules: readonly RateRule[],
    private readonly clock: () => number,
  ) {}

  /**
   * Sliding windows: extra time after the oldest request leaves the window. We count a request when we claim
   * it; it reaches the platform a little later, and that delay varies with load (the benchmark saw ~45 ms with
   * 1,000 deliveries in flight), while Discord's window starts at the first arrival.
   */
  private margin(rule: RateRule): number {
    return Math.max(ARRIVAL_SLACK_MS, Math.round(rule.windowMs * 0.05));
  }

  /** Token buckets: we refill a little slower than the platform, so arrival jitter does not cost a 429. */
  private refillPerMs(rule: RateRule): number {
    const interval = rule.windowMs / rule.limit;
    return 1 / (interval + Math.max(10, interval * 0.03));
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

  /** Milliseconds until this request may go under one rule; 0 = now. */
  private ruleWait(key: string, rule: RateRule, now: number): number {
    if (rule.burst !== undefined) {
      const tokens = this.tokens(key, rule, now);
      if (tokens >= 1) return 0;
      const b = this.buckets.get(key)!;
      return Math.max(0, b.at - now) + Math.ceil((1 - tokens) / this.refillPerMs(rule));
    }
    const times = this.prune(key, now - rule.windowMs - this.margin(rule));
    return times.length >= rule.limit ? Math.max(0, times[times.length - rule.limit] + rule.windowMs + this.margin(rule) - now) : 0;
  }

  private tokens(key: string, rule: RateRule, now: number): number {
    const b = this.buckets.get(key);
    if (!b) return rule.burst!;
    return Math.min(rule.burst!, b.tokens + Math.max(0, now - b.at) * this.refillPerMs(rule));
  }

  /** Milliseconds until this request may go; 0 = now. */
  waitMs(platform: Platform, channel: ChannelRef, op: Operation): number {
    const now = this.clock();
    let wait = Math.max(0, (this.blockedUntil.get(platform) ?? 0) - now, (this.blockedUntil.get(channel) ?? 0) - now);
    for (const { key, rule } of this.keysFor(platform, channel, op)) wait = Math.max(wait, this.ruleWait(key, rule, now));
    return wait;
  }

  /** Is the whole platform unavailable right now (bot-wide window full, or a global 429)? */
  platformWaitMs(platform: Platform): number {
    const now = this.clock();
    let wait = Math.max(0, (this.blockedUntil.get(platform) ?? 0) - now);
    for (const rule of this.rules) {
      if (rule.platform !== platform || rule.scope !== 'bot') continue;
      wait = Math.max(wait, this.ruleWait(`${rule.id}|`, rule, now));
    }
    return wait;
  }

  record(platform: Platform, channel: ChannelRef, op: Operation): void {
    const now = this.clock();
    for (const { key, rule } of this.keysFor(platform, channel, op)) {
      if (rule.burst !== undefined) {
        // Taking from a full bucket starts a burst: the platform's refill starts when our first request
        // arrives, a little after we count it, so ours starts ARRIVAL_SLACK_MS later.
        const tokens = this.tokens(key, rule, now);
        const at = tokens >= rule.burst ? now + ARRIVAL_SLACK_MS : Math.max(now, this.buckets.get(key)?.at ?? now);
        this.buckets.set(key, { tokens: tokens - 1, at });
        continue;
      }
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
   * The least time `count` requests of `op` to distinct channels of one workspace can take under these rules
   * (first request at t = 0, as the platform meters, without our safety margins): the benchmark's yardstick.
   */
  static minimumSpanMs(rules: readonly RateRule[], platform: Platform, op: Operation, count: number): number {
    let span = 0;
    for (const rule of rules) {
      if (rule.platform !== platform || !rule.ops.includes(op) || rule.scope === 'channel') continue;
      const needed = rule.burst !== undefined
        ? (Math.max(0, count - rule.burst) * rule.windowMs) / rule.limit
        : Math.max(0, Math.ceil(count / rule.limit) - 1) * rule.windowMs;
      span = Math.max(span, needed);
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
