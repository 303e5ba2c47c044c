/**
 * One workspace's posting ceiling that the platform enforces but does not publish (Slack), learned from its 429s.
 *
 * The platform meters a token bucket we cannot see: a burst, then a sustained rate r. We pace our own sends at a rate
 * R that changes with what we hear:
 * - Nothing learned yet (slow start, as TCP's): R starts at a rate any workspace allows and doubles every half second
 *   until the first 429. A fresh install's bucket is full and overflows while R < r, so a slow climb wastes what the
 *   platform would allow; a fast one costs only the posts already on their way when the first 429 comes back, so
 *   while probing only a few posts are in flight at once (more as posts keep being accepted without a 429).
 * - A 429 means the platform's bucket was empty when it arrived. Between two such moments the platform let through
 *   exactly r × (time between) posts, less whatever overflowed a full bucket: counting our accepted posts between
 *   two 429s measures r from below. The first 429 halves R and anchors the measure; a 429 too soon after it to
 *   measure halves R again and keeps the anchor, so the measure only grows longer. After a measure, R drops to just
 *   under it (multiplicative decrease when there is none), the workspace waits Retry-After, and R grows again,
 *   slowly at first, faster the longer no 429 comes (additive increase, so a raised limit is found too). Running a
 *   little under r costs nothing: the platform's bucket keeps what we leave and gives it back when R is over r.
 * - A post already refused once goes out only when the platform's bucket surely holds a token: nothing else in
 *   flight, and 1/floor since the last answer, where floor is a rate proven allowed (every answer leaves the bucket
 *   at 0 or more, and it refills at r ≥ floor). So the learning costs a channel at most one 429.
 * A configured ceiling is used as it is: nothing is learned.
 */
export interface CeilingOptions {
  /** A rate (per minute) the platform surely allows: where learning starts and the first proven floor. */
  startPerMinute: number;
  /** What was learned before (stored), or configured. */
  perMinute?: number;
  fixed?: boolean;
}

/** Nothing known: R doubles this often until the first 429. */
const DOUBLING_MS = 500;
/** While probing, at most this many posts in flight at once (each may meet the 429 that ends the probing)... */
const PROBE_IN_FLIGHT = 2;
/** ...and one more for every this many posts probed without a 429, so a generous workspace is not held back. */
const PROBE_IN_FLIGHT_GROWTH = 100;
/** A post unanswered this long no longer counts there: a slow or hung answer holds the probing up only this long. */
const PROBE_IN_FLIGHT_MS = 1_000;
/** After a 429 with a measure: R restarts this far under it. */
const UNDER_MEASURE = 0.97;
/** After a 429 without a measure: R is cut by this factor. */
const DECREASE = 0.7;
/** Additive increase: this share of the rate per minute, the step growing with the minutes since the last 429
 * (step × (m + 4m²) after m minutes): near the last ceiling at first, a raised limit found within minutes. */
const INCREASE_PER_MINUTE = 0.05;
/** A measure needs this much time between two 429s to mean anything... */
const MIN_MEASURE_MS = 1_500;
/** ...or this much time and this many posts (Retry-After is a second or more: a fast workspace measures sooner). */
const SHORT_MEASURE_MS = 900;
const SHORT_MEASURE_POSTS = 10;
/** Our own pacing smooths over timer jitter with this many posts of credit. */
const LOCAL_BURST = 2;
const MAX_PER_MINUTE = 100_000;

export class LearnedCeiling {
  private phase: 'probing' | 'steady' | 'fixed';
  private base: number;
  private baseAt: number;
  private tokens = 1;
  private tokensAt: number;
  private blockedUntil = 0;
  private anchorAt: number | null = null;
  private admitted = 0;
  private floor: number;
  /** When each post in flight was recorded, by channel (oldest first): a 429 counts against the interval it left in. */
  private readonly inFlight = new Map<string, number[]>();
  private inFlightCount = 0;
  private lastAnswerAt = Number.NEGATIVE_INFINITY;
  /** Posts sent while probing, before any 429. */
  private probed = 0;
  /** Cuts so far (each one a 429 that changed the rate). */
  cuts = 0;

  constructor(private readonly opts: CeilingOptions, now: number) {
    this.phase = opts.fixed ? 'fixed' : opts.perMinute ? 'steady' : 'probing';
    this.base = opts.perMinute ?? opts.startPerMinute;
    this.baseAt = now;
    this.tokensAt = now;
    this.floor = opts.startPerMinute;
  }

  /** The rate we allow ourselves now, per minute. */
  perMinute(now: number): number {
    const t = Math.max(0, now - this.baseAt);
    if (this.phase === 'fixed') return this.base;
    if (this.phase === 'probing') return Math.min(MAX_PER_MINUTE, this.base * 2 ** (t / DOUBLING_MS));
    const minutes = t / 60_000;
    const step = Math.max(1, this.base * INCREASE_PER_MINUTE);
    return Math.min(MAX_PER_MINUTE, this.base + step * (minutes + 4 * minutes * minutes));
  }

  /** What is worth storing: the rate settled on after the last 429 (null while nothing is learned). */
  learned(): number | null {
    return this.phase === 'steady' ? Math.round(this.base) : null;
  }

  waitMs(now: number, refused: boolean): number {
    let wait = Math.max(0, this.blockedUntil - now);
    if (refused) {
      const gap = 60_000 / this.floor;
      wait = Math.max(wait, this.inFlightCount > 0 ? gap : this.lastAnswerAt + gap - now);
    }
    const tokens = this.refill(now);
    // While probing, every post on its way when the first 429 comes back meets the same empty bucket: few at a time.
    if (this.phase === 'probing' && this.recentInFlight(now) >= this.probeInFlight()) wait = Math.max(wait, Math.ceil(60_000 / this.perMinute(now)));
    if (tokens < 1) wait = Math.max(wait, Math.ceil(((1 - tokens) * 60_000) / this.perMinute(now)));
    return Math.max(0, wait);
  }

  record(now: number, channel: string): void {
    this.tokens = this.refill(now) - 1;
    this.tokensAt = now;
    this.admitted += 1;
    const times = this.inFlight.get(channel);
    if (times) times.push(now);
    else this.inFlight.set(channel, [now]);
    this.inFlightCount += 1;
    if (this.phase === 'probing' && this.anchorAt === null) this.probed += 1;
  }

  /** Any answer (accepted, refused, failed): the platform's bucket is at 0 or more after it. */
  settled(now: number, channel: string): void {
    const times = this.inFlight.get(channel);
    if (times) {
      times.shift();
      if (times.length === 0) this.inFlight.delete(channel);
      this.inFlightCount -= 1;
    }
    this.lastAnswerAt = now;
  }

  /** A 429 for a post in this workspace. Returns true when the rate changed (worth storing). */
  limited(now: number, retryAfterMs: number, channel: string): boolean {
    // Sent before the measure's anchor (on its way when that 429 came back): it was counted in an earlier interval.
    const sentAt = this.inFlight.get(channel)?.[0];
    if (this.anchorAt === null || sentAt === undefined || sentAt >= this.anchorAt) this.admitted -= 1;
    const inFlightEcho = now < this.blockedUntil;
    this.blockedUntil = Math.max(this.blockedUntil, now + retryAfterMs);
    // Retry-After promises a token after that long: the platform refills at least one per Retry-After.
    this.floor = Math.max(this.floor, 60_000 / Math.max(retryAfterMs, 1));
    if (this.phase === 'fixed' || inFlightEcho) return false;
    const current = this.perMinute(now);
    const since = this.anchorAt === null ? null : now - this.anchorAt;
    const measured = since !== null && (since >= MIN_MEASURE_MS || (since >= SHORT_MEASURE_MS && this.admitted >= SHORT_MEASURE_POSTS))
      ? (Math.max(0, this.admitted) * 60_000) / since
      : null;
    if (measured !== null) {
      this.floor = Math.max(this.floor, measured * 0.9);
      // Probing overshoots far: the measure alone says where r is. Later a measure may come out low (a quiet spell let
      // the platform's bucket overflow), so the cut is never deeper than a multiplicative decrease.
      const underMeasure = UNDER_MEASURE * Math.min(measured, current);
      this.base = this.phase === 'probing' ? underMeasure : Math.max(DECREASE * current, underMeasure);
      this.phase = 'steady';
    } else if (this.phase === 'probing') {
      // The first 429: the bucket is empty now, and a later 429 will measure its rate. Keep probing, from lower. A
      // 429 too soon after the first to measure anything keeps the first as the anchor: the measure only grows longer.
      this.base = Math.max(this.opts.startPerMinute, current / 2);
    } else {
      this.base = DECREASE * current;
    }
    this.base = Math.max(this.base, this.opts.startPerMinute);
    this.baseAt = this.blockedUntil;
    if (measured !== null || this.anchorAt === null || this.phase !== 'probing') {
      this.anchorAt = now;
      this.admitted = 0;
    }
    this.cuts += 1;
    return this.phase === 'steady';
  }

  private recentInFlight(now: number): number {
    let n = 0;
    for (const times of this.inFlight.values()) for (const t of times) if (now - t < PROBE_IN_FLIGHT_MS) n += 1;
    return n;
  }

  private probeInFlight(): number {
    return PROBE_IN_FLIGHT + Math.floor(this.probed / PROBE_IN_FLIGHT_GROWTH);
  }

  private refill(now: number): number {
    const dt = Math.max(0, now - this.tokensAt);
    return Math.min(LOCAL_BURST, this.tokens + (dt * this.perMinute(now)) / 60_000);
  }
}
