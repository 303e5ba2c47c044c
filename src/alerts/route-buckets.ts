import type { BucketReport, RateOp } from '../outbound/rate-limits.js';

/**
 * Route buckets as the platform reports them (Discord's X-RateLimit-* headers). A bucket is the reported bucket id
 * plus the channel (its major parameter), so routes that report the same id share one. A bucket whose reset has
 * passed is forgotten: the next answer reports it afresh. While a route's bucket is unknown, one request at a time
 * goes to find out (as discord.js does), with the rule's assumption on top.
 */
interface Bucket {
  limit: number;
  remaining: number;
  resetAt: number;
}

/** Our clock reads the answer a little after Discord computed Reset-After: waiting a bit longer costs nothing. */
const RESET_SLACK_MS = 10;
/** How soon to look again while the first request to a route is out (its answer wakes the dispatcher anyway). */
const UNKNOWN_POLL_MS = 100;

export class RouteBuckets {
  private readonly bucketOf = new Map<string, string>();
  private readonly buckets = new Map<string, Bucket>();
  /** Routes whose bucket is unknown and a request is out to learn it. */
  private readonly asking = new Set<string>();

  /** Is this route's bucket known (reported and not reset since)? */
  known(op: RateOp, channelId: string, now: number): boolean {
    return this.current(op, channelId, now) !== null;
  }

  /** Milliseconds until the reported bucket has room; 0 = now (or unknown: the caller's assumption applies). */
  waitMs(op: RateOp, channelId: string, now: number): number {
    const b = this.current(op, channelId, now);
    if (!b) return this.asking.has(`${op}|${channelId}`) ? UNKNOWN_POLL_MS : 0;
    return b.remaining <= 0 ? b.resetAt - now : 0;
  }

  record(op: RateOp, channelId: string, now: number): void {
    const b = this.current(op, channelId, now);
    if (b) b.remaining -= 1;
    else this.asking.add(`${op}|${channelId}`);
  }

  /** The request was answered (a report, if any, came with it). */
  settled(op: RateOp, channelId: string): void {
    this.asking.delete(`${op}|${channelId}`);
  }

  report(r: BucketReport, now: number): void {
    const key = `${r.bucket}|${r.channelId}`;
    this.bucketOf.set(`${r.op}|${r.channelId}`, key);
    this.buckets.set(key, { limit: r.limit, remaining: r.remaining, resetAt: now + r.resetAfterMs + RESET_SLACK_MS });
  }

  private current(op: RateOp, channelId: string, now: number): Bucket | null {
    const key = this.bucketOf.get(`${op}|${channelId}`);
    const b = key ? this.buckets.get(key) : undefined;
    if (!b) return null;
    if (now >= b.resetAt) {
      this.buckets.delete(key!);
      return null;
    }
    return b;
  }
}
