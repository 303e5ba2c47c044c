import { parseChannelRef, type ChannelRef, type Platform } from '../domain/channel.js';
import type { BucketReport, PlatformRateRules, RateLimitScope, RateOp, RateRule } from '../outbound/rate-limits.js';
import type { PacingStateStore } from '../store/types.js';
import { LearnedCeiling } from './learned-ceiling.js';
import { RouteBuckets } from './route-buckets.js';
import { RuleMeters } from './rule-meters.js';

export type Operation = RateOp;

export interface PacerOptions {
  clock: () => number;
  /** Where learned ceilings are kept across restarts (and read by the instance that takes over the sending). */
  store?: PacingStateStore;
  /** Configured ceilings (posts per minute per workspace) that override anything learned. */
  configured?: Partial<Record<Platform, number>>;
  onError?(err: unknown): void;
}

export interface PaceOptions {
  /** The row was refused before (a 429): it waits until the platform surely has room (learned ceilings). */
  refused?: boolean;
}

/**
 * Client-side pacing so we stay under the platforms' limits instead of collecting 429s. Each platform's rules come
 * with its port (src/adapters/<platform>/rate-rules.ts): documented rules are metered here; route buckets the
 * platform reports (Discord headers) replace the rule's assumption once reported; a ceiling the platform keeps to
 * itself (Slack's workspace) is learned per workspace and stored. A 429's Retry-After blocks on top.
 */
export class Pacer {
  private readonly rules = new Map<Platform, PlatformRateRules>();
  private readonly meters = new RuleMeters();
  private readonly routes = new Map<Platform, RouteBuckets>();
  private readonly ceilings = new Map<string, LearnedCeiling>();
  private readonly stored = new Map<string, number>();
  private readonly blockedUntil = new Map<string, number>();
  /** Requests whose answer a report already told the bot-wide windows of (platform|op|channel id → how many). */
  private readonly answeredEarly = new Map<string, number>();
  /** Resolves once stored ceilings are read: until then, learned ceilings start from nothing. */
  readonly ready: Promise<void>;

  constructor(private readonly opts: PacerOptions) {
    this.ready = opts.store
      ? opts.store.loadCeilings().then(
        (rows) => { for (const r of rows) this.stored.set(`${r.platform}|${r.workspace}`, r.perMinute); },
        (err) => opts.onError?.(err),
      )
      : Promise.resolve();
  }

  /** A port came up: pace its platform by the rules it states. */
  setRules(platform: Platform, rules: PlatformRateRules | undefined): void {
    if (rules) this.rules.set(platform, rules);
    else this.rules.delete(platform);
  }

  /** Milliseconds until this request may go; 0 = now. */
  waitMs(platform: Platform, channel: ChannelRef, op: Operation, pace: PaceOptions = {}): number {
    const now = this.opts.clock();
    let wait = Math.max(this.blocked(platform, now), this.blocked(channel, now));
    const rules = this.rules.get(platform);
    if (!rules) return wait;
    const { workspace, channel: channelId } = parseChannelRef(channel);
    for (const rule of rules.rules) {
      if (!rule.ops.includes(op)) continue;
      if (rule.reported) {
        wait = Math.max(wait, this.routeBuckets(platform).waitMs(op, channelId, now));
        if (this.routeBuckets(platform).known(op, channelId, now)) continue;
      }
      wait = Math.max(wait, this.meters.waitMs(meterKey(rule, channel, workspace), rule, now));
    }
    // A 429 on a workspace-wide method bucket (chat.update, chat.delete) holds every channel of the workspace, with or
    // without a learned ceiling for the op.
    wait = Math.max(wait, this.blocked(`${platform}:${workspace}:${op}`, now));
    const ceiling = this.ceiling(platform, workspace, op, now);
    if (ceiling) wait = Math.max(wait, ceiling.waitMs(now, pace.refused ?? false));
    return wait;
  }

  /** Is the whole platform unavailable right now (bot-wide limit reached, or a global 429)? */
  platformWaitMs(platform: Platform): number {
    const now = this.opts.clock();
    let wait = this.blocked(platform, now);
    for (const rule of this.rules.get(platform)?.rules ?? []) {
      if (rule.scope === 'bot') wait = Math.max(wait, this.meters.waitMs(meterKey(rule, '', ''), rule, now));
    }
    return wait;
  }

  /** The request is going now. */
  record(platform: Platform, channel: ChannelRef, op: Operation): void {
    const rules = this.rules.get(platform);
    if (!rules) return;
    const now = this.opts.clock();
    const { workspace, channel: channelId } = parseChannelRef(channel);
    for (const rule of rules.rules) {
      if (!rule.ops.includes(op)) continue;
      if (rule.reported) this.routeBuckets(platform).record(op, channelId, now);
      this.meters.record(meterKey(rule, channel, workspace), rule, now);
    }
    this.ceiling(platform, workspace, op, now)?.record(now, channel);
  }

  /** The request was answered (whatever the outcome). */
  settled(platform: Platform, channel: ChannelRef, op: Operation): void {
    const { workspace, channel: channelId } = parseChannelRef(channel);
    const now = this.opts.clock();
    const early = `${platform}|${op}|${channelId}`;
    const toldEarly = (this.answeredEarly.get(early) ?? 0) > 0;
    if (toldEarly) this.answeredEarly.set(early, this.answeredEarly.get(early)! - 1);
    if (this.answeredEarly.get(early) === 0) this.answeredEarly.delete(early);
    for (const rule of this.rules.get(platform)?.rules ?? []) {
      if (rule.ops.includes(op) && !(toldEarly && rule.scope === 'bot')) this.meters.settled(meterKey(rule, channel, workspace), rule, now);
    }
    this.routes.get(platform)?.settled(op, channelId);
    this.ceiling(platform, workspace, op, now)?.settled(now, channel);
  }

  /** The platform reported a route bucket with an answer. */
  report(platform: Platform, report: BucketReport): void {
    const now = this.opts.clock();
    this.routeBuckets(platform).report(report, now);
    // The answer is here, before the sender's bookkeeping: the bot-wide window counts the request from now.
    const early = `${platform}|${report.op}|${report.channelId}`;
    for (const rule of this.rules.get(platform)?.rules ?? []) {
      if (rule.scope !== 'bot' || !rule.ops.includes(report.op) || !this.meters.settled(meterKey(rule, '', ''), rule, now)) continue;
      this.answeredEarly.set(early, (this.answeredEarly.get(early) ?? 0) + 1);
    }
  }

  /**
   * A 429. Global: the platform waits. Bucket or shared: the channel waits. Unattributed (Slack): a post counts
   * against the workspace's learned ceiling (we keep to the per-channel rule, so the workspace is what was hit).
   */
  limited(platform: Platform, channel: ChannelRef, op: Operation, retryAfterMs: number, scope: RateLimitScope): void {
    const now = this.opts.clock();
    if (scope === 'global') return this.block(platform, channel, retryAfterMs, true);
    this.block(platform, channel, retryAfterMs, false);
    if (scope !== 'unattributed') return;
    const { workspace } = parseChannelRef(channel);
    const ceiling = this.ceiling(platform, workspace, op, now);
    if (!ceiling) {
      // No learned ceiling for this operation: its workspace-wide rule (Slack's Tier 3) was hit; wait it out.
      this.extend(`${platform}:${workspace}:${op}`, now + retryAfterMs);
      return;
    }
    if (ceiling.limited(now, retryAfterMs, channel)) {
      const perMinute = ceiling.learned();
      const key = `${platform}|${workspace}`;
      if (perMinute !== null && this.opts.store && this.stored.get(key) !== perMinute) {
        this.stored.set(key, perMinute);
        this.opts.store.saveCeiling({ platform, workspace, perMinute, learnedAt: new Date(now) }).catch((err) => this.opts.onError?.(err));
      }
    }
  }

  /** Wait before trying again (a 5xx, a refused bot): the whole platform when `global`, else the channel. */
  block(platform: Platform, channel: ChannelRef, delayMs: number, global: boolean): void {
    this.extend(global ? platform : channel, this.opts.clock() + delayMs);
  }

  /** Waits (bounded by the limits themselves) until the request may go, then records it. */
  async acquire(platform: Platform, channel: ChannelRef, op: Operation, sleep: (ms: number) => Promise<void>): Promise<void> {
    for (let wait = this.waitMs(platform, channel, op); wait > 0; wait = this.waitMs(platform, channel, op)) await sleep(wait);
    this.record(platform, channel, op);
  }

  /** The rate a learned or configured ceiling allows now (posts per minute), or null when there is none. */
  ceilingPerMinute(platform: Platform, workspace: string): number | null {
    const now = this.opts.clock();
    const learned = this.rules.get(platform)?.learned;
    return learned ? this.ceiling(platform, workspace, learned.ops[0], now)?.perMinute(now) ?? null : null;
  }

  private ceiling(platform: Platform, workspace: string, op: Operation, now: number): LearnedCeiling | null {
    const rule = this.rules.get(platform)?.learned;
    if (!rule || !rule.ops.includes(op)) return null;
    const key = `${platform}|${workspace}`;
    let ceiling = this.ceilings.get(key);
    if (!ceiling) {
      const configured = this.opts.configured?.[platform];
      ceiling = new LearnedCeiling(
        configured ? { startPerMinute: rule.startPerMinute, perMinute: configured, fixed: true } : { startPerMinute: rule.startPerMinute, perMinute: this.stored.get(key) },
        now,
      );
      this.ceilings.set(key, ceiling);
    }
    return ceiling;
  }

  private routeBuckets(platform: Platform): RouteBuckets {
    let r = this.routes.get(platform);
    if (!r) this.routes.set(platform, (r = new RouteBuckets()));
    return r;
  }

  private blocked(key: string, now: number): number {
    return Math.max(0, (this.blockedUntil.get(key) ?? 0) - now);
  }

  private extend(key: string, until: number): void {
    if ((this.blockedUntil.get(key) ?? 0) < until) this.blockedUntil.set(key, until);
  }
}

function meterKey(rule: RateRule, channel: ChannelRef, workspace: string): string {
  return `${rule.id}|${rule.scope === 'bot' ? '' : rule.scope === 'channel' ? channel : workspace}`;
}
