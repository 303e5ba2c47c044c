/**
 * What an outbound port tells the alerts pacer about its platform's rate limits: the documented rules it can state
 * up front (beside the adapter that knows them: src/adapters/<platform>/rate-rules.ts), and what the platform reports
 * while we send (Discord's X-RateLimit-* headers). The pacer (src/alerts/pacing.ts) applies both.
 */

/** `check`: asking the platform whether an in-doubt post went out (Slack conversations.history). */
export type RateOp = 'post' | 'edit' | 'check' | 'delete';

/**
 * At most `limit` requests of `ops` per `windowMs`, counted per bot, per workspace or per channel.
 * Without `burst`: a sliding window (any `windowMs` holds at most `limit`). With `burst`: a token bucket —
 * `burst` calls at once, then `limit` per `windowMs` sustained.
 */
export interface RateRule {
  id: string;
  ops: readonly RateOp[];
  scope: 'bot' | 'workspace' | 'channel';
  limit: number;
  windowMs: number;
  burst?: number;
  /**
   * The platform reports this bucket's real state with every answer (Discord's X-RateLimit-* headers): the rule is
   * only what we assume for a channel until its first answer, then the reported bucket is followed instead.
   */
  reported?: boolean;
}

/**
 * A ceiling the platform enforces but does not publish (Slack: posts per workspace, "several hundred per minute").
 * The pacer learns it per workspace from 429s (additive increase, multiplicative decrease), stores what it learned,
 * and starts from `startPerMinute` where it knows nothing: a rate the platform surely allows.
 */
export interface LearnedCeilingRule {
  id: string;
  ops: readonly RateOp[];
  scope: 'workspace';
  startPerMinute: number;
}

export interface PlatformRateRules {
  rules: readonly RateRule[];
  learned?: LearnedCeilingRule;
}

/** One answer's report of its route bucket (Discord: X-RateLimit-Bucket, -Limit, -Remaining, -Reset-After). */
export interface BucketReport {
  /** The platform's channel id the request was for (the major parameter). */
  channelId: string;
  op: RateOp;
  bucket: string;
  limit: number;
  remaining: number;
  resetAfterMs: number;
}

/**
 * What a 429 said was limited: the bot everywhere (`global`), one route bucket (`bucket`), a resource shared with
 * others (`shared`: Discord does not count it against us), or nothing said (`unattributed`: Slack's 429 names no
 * bucket, so the pacer decides from what it knows).
 */
export type RateLimitScope = 'global' | 'bucket' | 'shared' | 'unattributed';
