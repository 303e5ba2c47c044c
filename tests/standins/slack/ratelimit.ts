import type { BucketLimit } from './limits.js';

/** Token buckets by key: `take` answers 0 (allowed) or how many milliseconds until a call would be allowed. */
export class Buckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  take(key: string, limit: BucketLimit): number {
    const t = this.now();
    const ratePerMs = limit.perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: limit.burst, at: t };
    b.tokens = Math.min(limit.burst, b.tokens + (t - b.at) * ratePerMs);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / ratePerMs);
  }

  /** Check several buckets at once: a call counts against all of them only when all allow it. */
  takeAll(entries: Array<[string, BucketLimit]>): number {
    const t = this.now();
    let wait = 0;
    for (const [key, limit] of entries) {
      const ratePerMs = limit.perMinute / 60_000;
      const b = this.buckets.get(key) ?? { tokens: limit.burst, at: t };
      const tokens = Math.min(limit.burst, b.tokens + (t - b.at) * ratePerMs);
      if (tokens < 1) wait = Math.max(wait, Math.ceil((1 - tokens) / ratePerMs));
    }
    if (wait > 0) return wait;
    for (const [key, limit] of entries) this.take(key, limit);
    return 0;
  }
}
