import type { RateRule } from '../outbound/rate-limits.js';

/**
 * Meters for documented rules: sliding windows (no `burst`) and token buckets (`burst`), keyed by rule and scope.
 *
 * A sliding window counts each request at its answer, not at its claim: the platform counts it when it arrives, and
 * the answer comes after that, whatever the delay between our claim and its arrival (under load the benchmark saw
 * ~45 ms, and more on a busy machine). A request not answered yet may arrive at any moment: it counts as now. So the
 * next window opens a round trip after the platform's, never before it, and a loaded machine costs time, not 429s.
 * A token bucket keeps a small margin instead: we count a request when we claim it, it reaches the platform later.
 */
const ARRIVAL_SLACK_MS = 60;
/** Sliding windows: the platform's window ends at its clock's millisecond; ours a little after. */
const ANSWERED_SLACK_MS = 5;
/** A request unanswered this long is given up by its sender (timeouts are shorter): it no longer holds a place. */
const UNANSWERED_MAX_MS = 60_000;

export class RuleMeters {
  /** Sliding windows: answer times, oldest first. */
  private readonly answered = new Map<string, number[]>();
  /** Sliding windows: claim times of requests not answered yet, oldest first. */
  private readonly unanswered = new Map<string, number[]>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Milliseconds until one more request may go under this rule; 0 = now. */
  waitMs(key: string, rule: RateRule, now: number): number {
    if (rule.burst !== undefined) {
      const tokens = this.tokens(key, rule, now);
      if (tokens >= 1) return 0;
      const b = this.buckets.get(key)!;
      return Math.max(0, b.at - now) + Math.ceil((1 - tokens) / refillPerMs(rule));
    }
    const pending = this.prune(this.unanswered, key, now - UNANSWERED_MAX_MS).length;
    const times = this.prune(this.answered, key, now - rule.windowMs - ANSWERED_SLACK_MS);
    if (times.length + pending < rule.limit) return 0;
    // Full: the next place frees when enough answered requests leave the window; if requests in flight fill it, a
    // window after the first of them is answered (not before a window from now; the answer wakes the dispatcher).
    const leaving = times.length + pending - rule.limit;
    return Math.max(1, (leaving < times.length ? times[leaving] : now) + rule.windowMs + ANSWERED_SLACK_MS - now);
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
    push(this.unanswered, key, now);
  }

  /** A request under this rule was answered (whatever the answer): it counts from now in sliding windows. */
  settled(key: string, rule: RateRule, now: number): boolean {
    if (rule.burst !== undefined) return false;
    const pending = this.unanswered.get(key);
    if (!pending?.length) return false;
    pending.shift();
    if (pending.length === 0) this.unanswered.delete(key);
    push(this.answered, key, now);
    return true;
  }

  private tokens(key: string, rule: RateRule, now: number): number {
    const b = this.buckets.get(key);
    if (!b) return rule.burst!;
    return Math.min(rule.burst!, b.tokens + Math.max(0, now - b.at) * refillPerMs(rule));
  }

  private prune(map: Map<string, number[]>, key: string, after: number): number[] {
    const times = map.get(key);
    if (!times) return [];
    let drop = 0;
    while (drop < times.length && times[drop] <= after) drop += 1;
    if (drop > 0) times.splice(0, drop);
    if (times.length === 0) map.delete(key);
    return times;
  }
}

function push(map: Map<string, number[]>, key: string, at: number): void {
  const times = map.get(key);
  if (!times) map.set(key, [at]);
  else if (at >= times[times.length - 1]) times.push(at);
  else times.splice(times.findIndex((t) => t > at), 0, at);
}

/** Token buckets: we refill a little slower than the platform, so arrival jitter does not cost a 429. */
function refillPerMs(rule: RateRule): number {
  const interval = rule.windowMs / rule.limit;
  return 1 / (interval + Math.max(10, interval * 0.03));
}
