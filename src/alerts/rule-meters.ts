import type { RateRule } from '../outbound/rate-limits.js';

/**
 * Meters for documented rules: sliding windows (no `burst`) and token buckets (`burst`), keyed by rule and scope.
 * A small margin covers the time between our count and the platform's: we count a request when we claim it, and it
 * reaches the platform a little later (the benchmark saw ~45 ms with 1,000 deliveries in flight).
 */
const ARRIVAL_SLACK_MS = 60;

export class RuleMeters {
  private readonly sent = new Map<string, number[]>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Milliseconds until one more request may go under this rule; 0 = now. */
  waitMs(key: string, rule: RateRule, now: number): number {
    if (rule.burst !== undefined) {
      const tokens = this.tokens(key, rule, now);
      if (tokens >= 1) return 0;
      const b = this.buckets.get(key)!;
      return Math.max(0, b.at - now) + Math.ceil((1 - tokens) / refillPerMs(rule));
    }
    const times = this.prune(key, now - rule.windowMs - margin(rule));
    return times.length >= rule.limit ? Math.max(0, times[times.length - rule.limit] + rule.windowMs + margin(rule) - now) : 0;
  }

  record(key: string, rule: RateRule, now: number): void {
    if (rule.burst !== undefined) {
      // Taking from a full bucket starts a burst: the platform's refill starts when our first request arrives,
      // a little after we count it, so ours starts ARRIVAL_SLACK_MS later.
      const tokens = this.tokens(key, rule, now);
      const at = tokens >= rule.burst ? now + ARRIVAL_SLACK_MS : Math.max(now, this.buckets.get(key)?.at ?? now);
      this.buckets.set(key, { tokens: tokens - 1, at });
      return;
    }
    const times = this.sent.get(key);
    if (times) times.push(now);
    else this.sent.set(key, [now]);
  }

  private tokens(key: string, rule: RateRule, now: number): number {
    const b = this.buckets.get(key);
    if (!b) return rule.burst!;
    return Math.min(rule.burst!, b.tokens + Math.max(0, now - b.at) * refillPerMs(rule));
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

/** Sliding windows: extra time after the oldest request leaves the window (arrival jitter under load). */
function margin(rule: RateRule): number {
  return Math.max(ARRIVAL_SLACK_MS, Math.round(rule.windowMs * 0.05));
}

/** Token buckets: we refill a little slower than the platform, so arrival jitter does not cost a 429. */
function refillPerMs(rule: RateRule): number {
  const interval = rule.windowMs / rule.limit;
  return 1 / (interval + Math.max(10, interval * 0.03));
}
