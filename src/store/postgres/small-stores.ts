import { recallFromRow, scopeStopFromRow, type RecallRow, type ScopeStopRow } from '../outbox-rows.js';
import type { StoryRecall } from '../../domain/delivery.js';
import type { ScopeStop } from '../../domain/subscription.js';
import { randomBytes, randomInt } from 'node:crypto';
import type { Platform } from '../../domain/channel.js';
import type { Origin, Priority } from '../../domain/article.js';
import type { StoryRecord } from '../../domain/delivery.js';
import type { Actor, AuditEntry, BriefingSchedule, MentionRule, NewSubscription, QuietHours, Scope, Subscription, SubscriptionHealth } from '../../domain/subscription.js';
import type { LearnedCeilingRow, PacingStateStore, ActionStateStore, AuditLog, FeedState, FeedStateStore, NewStoryMember, StoryStore, SubscriptionStore } from '../types.js';
import type { PgDb } from './db.js';
import { briefingColumn } from '../outbox-rows.js';
import { approvalFromRow, labelFromRow, replaceableGuard, type ApprovalRow, type LabelRow } from '../approval-rows.js';
import type { ApprovalDecision, StoryLabel } from '../../domain/approval.js';

const ID_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const ID_LENGTH = 5;

interface SubRow {
  id: string; platform: string; workspace: string; channel: string; channel_name: string | null;
  min_priority: string; sections: string; keywords: string; mention_role_id: string | null; mention_here: number;
  quiet_from: string | null; quiet_to: string | null; tz: string | null; threads: number; publish?: number; mention_rules?: string; thread_ts?: string | null; paused: number;
  approval_channel?: string | null; approval_channel_name?: string | null;
  paused_reason: string | null; created_by: string; created_by_name: string; created_at: string; briefing?: string | null;
}

function subFromRow(r: SubRow): Subscription {
  return {
    id: r.id, platform: r.platform as Platform, workspace: r.workspace, channel: r.channel, channelName: r.channel_name,
    minPriority: r.min_priority as Priority, sections: JSON.parse(r.sections) as string[], keywords: JSON.parse(r.keywords) as string[],
    mentionRoleId: r.mention_role_id, mentionHere: r.mention_here === 1,
    quiet: r.quiet_from && r.quiet_to ? { from: r.quiet_from, to: r.quiet_to, tz: r.tz ?? 'UTC' } : null,
    tz: r.tz, threads: r.threads === 1, briefing: r.briefing ? (JSON.parse(r.briefing) as BriefingSchedule) : null, publish: r.publish === 1, threadTs: r.thread_ts ?? null,
    approvalChannel: r.approval_channel ?? null, approvalChannelName: r.approval_channel_name ?? null, mentionRules: JSON.parse(r.mention_rules ?? '[]') as MentionRule[], paused: r.paused === 1, pausedReason: r.paused_reason,
    createdBy: r.created_by, createdByName: r.created_by_name, createdAt: r.created_at,
  };
}

/** Alert subscriptions (src/store/sqlite/subscriptions.ts). No in-process cache: other instances change them too. */
export class PgSubscriptions implements SubscriptionStore {
  constructor(private readonly db: PgDb) {}

  async create(input: NewSubscription, by: { id: string; name: string }, at: Date): Promise<Subscription> {
    for (;;) {
      let id = '';
      for (let i = 0; i < ID_LENGTH; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
      const inserted = await this.db.query(
        `INSERT INTO alert_subscriptions (id, platform, workspace, channel, channel_name, min_priority, sections,
           keywords, mention_role_id, mention_here, threads, created_by, created_by_name, created_at${briefingColumn(input)})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14${input.briefing ? ', $15' : ''}) ON CONFLICT (id) DO NOTHING`,
        [id, input.platform, input.workspace, input.channel, input.channelName ?? null, input.minPriority,
          JSON.stringify(input.sections ?? []), JSON.stringify(input.keywords ?? []), input.mentionRoleId ?? null,
          input.mentionHere ? 1 : 0, input.threads ? 1 : 0, by.id, by.name, at.toISOString(),
          ...(input.briefing ? [JSON.stringify(input.briefing)] : [])],
      );
      if (inserted.rowCount !== 1) continue;
      // Set apart (migration 900's column): a schema that predates it still takes every other subscription.
      if (input.publish) await this.db.query('UPDATE alert_subscriptions SET publish = 1 WHERE id = $1', [id]);
      if (input.approvalChannel) {
        await this.db.query('UPDATE alert_subscriptions SET approval_channel = $1, approval_channel_name = $2 WHERE id = $3', [input.approvalChannel, input.approvalChannelName ?? null, id]);
      }
      if (input.threadTs) await this.db.query('UPDATE alert_subscriptions SET thread_ts = $1 WHERE id = $2', [input.threadTs, id]);
      return (await this.get(id))!;
    }
  }

  async get(id: string): Promise<Subscription | null> {
    const r = await this.db.one<SubRow>('SELECT * FROM alert_subscriptions WHERE id = $1', [id]);
    return r ? subFromRow(r) : null;
  }

  async find(scope: Scope, id: string): Promise<Subscription | null> {
    const r = await this.db.one<SubRow>(
      'SELECT * FROM alert_subscriptions WHERE id = $1 AND platform = $2 AND workspace = $3 AND removed_at IS NULL',
      [id.trim().toLowerCase(), scope.platform, scope.workspace]);
    return r ? subFromRow(r) : null;
  }

  async list(scope: Scope): Promise<Subscription[]> {
    return (await this.db.rows<SubRow>(
      'SELECT * FROM alert_subscriptions WHERE platform = $1 AND workspace = $2 AND removed_at IS NULL ORDER BY created_at, id',
      [scope.platform, scope.workspace])).map(subFromRow);
  }

  async active(): Promise<readonly Subscription[]> {
    return (await this.db.rows<SubRow>('SELECT * FROM alert_subscriptions WHERE removed_at IS NULL ORDER BY created_at, id')).map(subFromRow);
  }

  async setPaused(id: string, paused: boolean, reason: string | null): Promise<void> {
    await this.db.query('UPDATE alert_subscriptions SET paused = $1, paused_reason = $2 WHERE id = $3', [paused ? 1 : 0, paused ? reason : null, id]);
  }

  async setQuiet(id: string, quiet: QuietHours | null): Promise<void> {
    await this.db.query('UPDATE alert_subscriptions SET quiet_from = $1, quiet_to = $2, tz = COALESCE($3, tz) WHERE id = $4',
      [quiet?.from ?? null, quiet?.to ?? null, quiet?.tz ?? null, id]);
  }

  async setMentionRules(id: string, rules: MentionRule[]): Promise<void> {
    await this.db.query('UPDATE alert_subscriptions SET mention_rules = $1 WHERE id = $2', [JSON.stringify(rules), id]);
  }

  async remove(id: string, at: Date): Promise<void> {
    await this.db.query('UPDATE alert_subscriptions SET removed_at = $1 WHERE id = $2', [at.toISOString(), id]);
  }

  async stopScope(stop: ScopeStop): Promise<boolean> {
    const r = await this.db.query(`INSERT INTO alert_scope_stops (platform, workspace, stopped_at, stopped_by, stopped_by_name, reason)
      VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (platform, workspace) DO NOTHING`,
    [stop.platform, stop.workspace, stop.stoppedAt, stop.by.id, stop.by.name, stop.reason]);
    return r.rowCount === 1;
  }

  async startScope(scope: Scope): Promise<ScopeStop | null> {
    const row = await this.db.one<ScopeStopRow>('DELETE FROM alert_scope_stops WHERE platform = $1 AND workspace = $2 RETURNING *', [scope.platform, scope.workspace]);
    return row ? scopeStopFromRow(row) : null;
  }

  async stopState(scope: Scope): Promise<ScopeStop | null> {
    const row = await this.db.one<ScopeStopRow>('SELECT * FROM alert_scope_stops WHERE platform = $1 AND workspace = $2', [scope.platform, scope.workspace]);
    return row ? scopeStopFromRow(row) : null;
  }

  async health(ids: string[]): Promise<Map<string, SubscriptionHealth>> {
    const out = new Map<string, SubscriptionHealth>();
    if (ids.length === 0) return out;
    const rows = await this.db.rows<{ id: string; last_sent_at: number | null; sent: number; failed: number; queued: number }>(
      `SELECT subscription_id AS id, max(sent_at) FILTER (WHERE state = 'sent') AS last_sent_at,
         count(*) FILTER (WHERE state = 'sent') AS sent, count(*) FILTER (WHERE state = 'failed') AS failed,
         count(*) FILTER (WHERE state IN ('pending','sending','held','folded')) AS queued
       FROM alert_outbox WHERE subscription_id = ANY($1::text[]) AND kind != 'test' GROUP BY subscription_id`,
      [ids]);
    const lastErrors = await this.db.rows<{ id: string; last_error: string }>(
      `SELECT DISTINCT ON (subscription_id) subscription_id AS id, last_error FROM alert_outbox
       WHERE subscription_id = ANY($1::text[]) AND last_error IS NOT NULL ORDER BY subscription_id, updated_at DESC`,
      [ids]);
    const errorOf = new Map(lastErrors.map((r) => [r.id, r.last_error]));
    const tests = await this.db.rows<{ id: string; at: string | number }>(
      `SELECT subscription_id AS id, max(sent_at) AS at FROM alert_outbox
       WHERE subscription_id = ANY($1::text[]) AND kind = 'test' AND state = 'sent' GROUP BY subscription_id`,
      [ids]);
    const testOf = new Map(tests.map((r) => [r.id, Number(r.at)]));
    for (const id of ids) out.set(id, { lastSentAt: null, sent: 0, failed: 0, queued: 0, lastError: errorOf.get(id) ?? null, lastTestAt: testOf.get(id) ?? null });
    for (const r of rows) {
      out.set(r.id, { lastSentAt: r.last_sent_at, sent: r.sent, failed: r.failed, queued: r.queued, lastError: errorOf.get(r.id) ?? null, lastTestAt: testOf.get(r.id) ?? null });
    }
    return out;
  }

  async pausedReasons(): Promise<Array<{ reason: string | null; count: number }>> {
    const rows = await this.db.rows<{ reason: string | null; count: string }>(
      'SELECT paused_reason AS reason, COUNT(*) AS count FROM alert_subscriptions WHERE paused = 1 AND removed_at IS NULL GROUP BY paused_reason');
    return rows.map((r) => ({ reason: r.reason, count: Number(r.count) }));
  }
}

export class PgStories implements StoryStore {
  constructor(private readonly db: PgDb) {}

  async story(articleId: string): Promise<StoryRecord | null> {
    const r = await this.db.one<{ article_id: string; story_id: string; duplicate_reason: string | null; quiet: number; seen_at: number }>(
      'SELECT * FROM alert_stories WHERE article_id = $1', [articleId]);
    if (!r) return null;
    return {
      articleId: r.article_id, storyId: r.story_id, duplicateOf: r.story_id === r.article_id ? null : r.story_id,
      duplicateReason: r.duplicate_reason, quiet: r.quiet === 1, seenAt: r.seen_at,
    };
  }

  async addStory(s: NewStoryMember): Promise<void> {
    await this.db.query(
      `INSERT INTO alert_stories (article_id, story_id, canonical_url, title_key, duplicate_reason, quiet, seen_at, origin)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [s.articleId, s.storyId, s.canonicalUrl, s.titleKey, s.duplicateReason, s.quiet ? 1 : 0, s.seenAt, s.origin]);
  }

  async storyByUrl(canonicalUrl: string, otherThan: Origin | null): Promise<string | null> {
    return (await this.db.one<{ story_id: string }>(
      'SELECT story_id FROM alert_stories WHERE canonical_url = $1 AND origin IS DISTINCT FROM $2::text ORDER BY seen_at, seq LIMIT 1',
      [canonicalUrl, otherThan]))?.story_id ?? null;
  }

  storiesSeenSince(sinceMs: number): Promise<Array<{ articleId: string; storyId: string; key: string; seenAt: number; origin: Origin | null }>> {
    return this.db.rows(
      `SELECT article_id AS "articleId", story_id AS "storyId", title_key AS key, seen_at AS "seenAt", origin FROM alert_stories
       WHERE seen_at >= $1 ORDER BY seen_at, seq`, [sinceMs]);
  }

  storiesAddedAfter(position: number, sinceMs: number): Promise<Array<{ articleId: string; storyId: string; key: string; seenAt: number; origin: Origin | null; position: number }>> {
    return this.db.rows(
      `SELECT article_id AS "articleId", story_id AS "storyId", title_key AS key, seen_at AS "seenAt", origin, seq AS position FROM alert_stories
       WHERE seq > $1 AND seen_at >= $2 ORDER BY seq`, [position, sinceMs]);
  }

  members(storyId: string): Promise<Array<{ articleId: string; origin: Origin | null; duplicateReason: string | null }>> {
    return this.db.rows(
      'SELECT article_id AS "articleId", origin, duplicate_reason AS "duplicateReason" FROM alert_stories WHERE story_id = $1 ORDER BY seen_at, seq', [storyId]);
  }

  async shown(storyId: string): Promise<string | null> {
    return (await this.db.one<{ article_id: string }>('SELECT article_id FROM story_shown WHERE story_id = $1', [storyId]))?.article_id ?? null;
  }

  async setShown(storyId: string, articleId: string): Promise<void> {
    await this.db.query('INSERT INTO story_shown (story_id, article_id) VALUES ($1, $2) ON CONFLICT (story_id) DO UPDATE SET article_id = excluded.article_id', [storyId, articleId]);
  }

  async addRecall(r: StoryRecall): Promise<boolean> {
    const res = await this.db.query(`INSERT INTO story_recalls (story_id, platform, workspace, kind, reason, by_id, by_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (story_id, platform, workspace) DO NOTHING`, [r.storyId, r.platform, r.workspace, r.kind, r.reason, r.by.id, r.by.name, r.at]);
    return res.rowCount === 1;
  }

  async recalls(storyId: string): Promise<StoryRecall[]> {
    return (await this.db.rows<RecallRow>('SELECT * FROM story_recalls WHERE story_id = $1 ORDER BY at', [storyId])).map(recallFromRow);
  }

  /**
   * The first final decision wins: one statement, over no decision or a hold (approval-rows.ts). Two instances pressing
   * at once: the second upsert waits on the first's row lock, then sees its decision and updates nothing.
   */
  async decide(d: ApprovalDecision): Promise<{ won: boolean; current: ApprovalDecision }> {
    const res = await this.db.query(`INSERT INTO story_approvals (story_id, channel, outcome, label, by_id, by_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (story_id, channel) DO UPDATE SET outcome = excluded.outcome, label = excluded.label, by_id = excluded.by_id,
          by_name = excluded.by_name, at = excluded.at WHERE ${replaceableGuard(d.outcome, 'story_approvals.outcome')}`,
    [d.storyId, d.channel, d.outcome, d.label, d.by.id, d.by.name, d.at]);
    return { won: res.rowCount === 1, current: (await this.approval(d.storyId, d.channel))! };
  }

  async approval(storyId: string, channel: string): Promise<ApprovalDecision | null> {
    const r = await this.db.one<ApprovalRow>('SELECT * FROM story_approvals WHERE story_id = $1 AND channel = $2', [storyId, channel]);
    return r ? approvalFromRow(r) : null;
  }

  async approvals(storyId: string): Promise<ApprovalDecision[]> {
    return (await this.db.rows<ApprovalRow>('SELECT * FROM story_approvals WHERE story_id = $1 ORDER BY at, channel', [storyId])).map(approvalFromRow);
  }

  async setLabel(l: StoryLabel): Promise<boolean> {
    const res = await this.db.query(`INSERT INTO story_labels (story_id, label, by_id, by_name, at) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (story_id) DO UPDATE SET label = excluded.label, by_id = excluded.by_id, by_name = excluded.by_name, at = excluded.at
        WHERE story_labels.label <> excluded.label`, [l.storyId, l.label, l.by.id, l.by.name, l.at]);
    return res.rowCount === 1;
  }

  async label(storyId: string): Promise<StoryLabel | null> {
    const r = await this.db.one<LabelRow>('SELECT * FROM story_labels WHERE story_id = $1', [storyId]);
    return r ? labelFromRow(r) : null;
  }
}

export class PgAuditLog implements AuditLog {
  constructor(private readonly db: PgDb) {}

  async append(at: Date, actor: Actor, scope: Scope, action: string, subscriptionId: string | null, detail: Record<string, unknown> = {}): Promise<void> {
    await this.db.query(
      `INSERT INTO alert_audit (at, actor_id, actor_name, platform, workspace, action, subscription_id, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [at.toISOString(), actor.id, actor.name, scope.platform, scope.workspace, action, subscriptionId, JSON.stringify(detail)]);
  }

  async recent(scope: Scope, limit: number): Promise<AuditEntry[]> {
    const rows = await this.db.rows<{ id: number; at: string; actor_id: string; actor_name: string; platform: string; workspace: string; action: string; subscription_id: string | null; detail: string }>(
      'SELECT * FROM alert_audit WHERE platform = $1 AND workspace = $2 ORDER BY id DESC LIMIT $3', [scope.platform, scope.workspace, limit]);
    return rows.map((r) => ({
      id: r.id, at: r.at, actorId: r.actor_id, actorName: r.actor_name, platform: r.platform, workspace: r.workspace,
      action: r.action, subscriptionId: r.subscription_id, detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  }
}

const SEEN_RETENTION_MS = 30 * 24 * 3600_000;

interface FeedStateRow {
  feed_id: string; url: string; etag: string | null; last_modified: string | null; first_poll_done: number;
  last_attempt_at: number | null; last_success_at: number | null; next_poll_at: number | null; consecutive_failures: number;
  failing_since: number | null; last_error: string | null;
}

function feedStateOf(r: FeedStateRow | undefined): FeedState | null {
  if (!r) return null;
  return {
    feedId: r.feed_id, url: r.url, etag: r.etag, lastModified: r.last_modified, firstPollDone: r.first_poll_done === 1,
    lastAttemptAt: r.last_attempt_at, lastSuccessAt: r.last_success_at, nextPollAt: r.next_poll_at,
    consecutiveFailures: r.consecutive_failures, failingSince: r.failing_since, lastError: r.last_error,
  };
}

export class PgFeedState implements FeedStateStore {
  constructor(private readonly db: PgDb) {}

  async get(feedId: string): Promise<FeedState | null> {
    return feedStateOf(await this.db.one<FeedStateRow>('SELECT * FROM feed_state WHERE feed_id = $1', [feedId]));
  }

  async claimPoll(feedId: string, url: string, now: number, holdUntil: number): Promise<FeedState | null> {
    return feedStateOf(await this.db.one<FeedStateRow>(
      `INSERT INTO feed_state (feed_id, url, next_poll_at) VALUES ($1, $2, $4)
       ON CONFLICT (feed_id) DO UPDATE SET next_poll_at = $4
         WHERE feed_state.next_poll_at IS NULL OR feed_state.next_poll_at <= $3
       RETURNING *`,
      [feedId, url, now, holdUntil]));
  }

  async save(s: FeedState): Promise<void> {
    await this.db.query(
      `INSERT INTO feed_state (feed_id, url, etag, last_modified, first_poll_done, last_attempt_at, last_success_at,
         next_poll_at, consecutive_failures, failing_since, last_error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (feed_id) DO UPDATE SET url = excluded.url, etag = excluded.etag, last_modified = excluded.last_modified,
         first_poll_done = excluded.first_poll_done, last_attempt_at = excluded.last_attempt_at,
         last_success_at = excluded.last_success_at, next_poll_at = excluded.next_poll_at,
         consecutive_failures = excluded.consecutive_failures, failing_since = excluded.failing_since, last_error = excluded.last_error`,
      [s.feedId, s.url, s.etag, s.lastModified, s.firstPollDone ? 1 : 0, s.lastAttemptAt, s.lastSuccessAt, s.nextPollAt,
        s.consecutiveFailures, s.failingSince, s.lastError]);
  }

  async forgetItems(feedId: string): Promise<void> {
    await this.db.query('DELETE FROM feed_items WHERE feed_id = $1', [feedId]);
  }

  async firstSeen(feedId: string, articleId: string): Promise<number | null> {
    return (await this.db.one<{ first_seen_at: number }>('SELECT first_seen_at FROM feed_items WHERE feed_id = $1 AND article_id = $2', [feedId, articleId]))?.first_seen_at ?? null;
  }

  /** This poll's items and the pruning of those long gone, in one transaction. */
  async markSeen(feedId: string, articleIds: string[], now: number): Promise<void> {
    await this.db.transaction(async () => {
      if (articleIds.length > 0) {
        await this.db.query(
          `INSERT INTO feed_items (feed_id, article_id, first_seen_at, last_seen_at)
           SELECT $1, a, $3, $3 FROM unnest($2::text[]) AS a
           ON CONFLICT (feed_id, article_id) DO UPDATE SET last_seen_at = excluded.last_seen_at`,
          [feedId, [...new Set(articleIds)], now]);
      }
      await this.db.query('DELETE FROM feed_items WHERE feed_id = $1 AND last_seen_at < $2', [feedId, now - SEEN_RETENTION_MS]);
    });
  }
}

const WEEK_MS = 7 * 86_400_000;
const SWEEP_EVERY = 100;
const MAX_STATE_BYTES = 16_384;

export class PgActionStateStore implements ActionStateStore {
  private puts = 0;

  constructor(private readonly db: PgDb, private readonly opts: { ttlMs?: number; now: () => number }) {}

  async put(state: unknown): Promise<string> {
    const json = JSON.stringify(state ?? null);
    if (Buffer.byteLength(json) > MAX_STATE_BYTES) throw new Error(`action state too large (${json.length} characters)`);
    const now = this.opts.now();
    if (++this.puts % SWEEP_EVERY === 0) await this.db.query('DELETE FROM action_state WHERE expires_ms <= $1', [now]);
    const key = randomBytes(9).toString('base64url');
    await this.db.query('INSERT INTO action_state (key, state, expires_ms) VALUES ($1, $2, $3)', [key, json, now + (this.opts.ttlMs ?? WEEK_MS)]);
    return key;
  }

  async get(key: string): Promise<unknown | null> {
    if (typeof key !== 'string' || key.length === 0 || key.length > 64) return null;
    const row = await this.db.one<{ state: string }>('SELECT state FROM action_state WHERE key = $1 AND expires_ms > $2', [key, this.opts.now()]);
    if (!row) return null;
    try {
      return JSON.parse(row.state);
    } catch {
      return null;
    }
  }
}

/** Posting ceilings learned per workspace (src/store/sqlite/pacing-state.ts): one row each, last write wins. */
export class PgPacingState implements PacingStateStore {
  constructor(private readonly db: PgDb) {}

  async loadCeilings(): Promise<LearnedCeilingRow[]> {
    const rows = await this.db.rows<{ platform: string; workspace: string; per_minute: number; learned_ms: number }>('SELECT * FROM pacing_ceilings ORDER BY platform, workspace');
    return rows.map((r) => ({ platform: r.platform, workspace: r.workspace, perMinute: r.per_minute, learnedAt: new Date(r.learned_ms) }));
  }

  async saveCeiling(row: LearnedCeilingRow): Promise<void> {
    await this.db.query(
      `INSERT INTO pacing_ceilings (platform, workspace, per_minute, learned_ms) VALUES ($1, $2, $3, $4)
       ON CONFLICT (platform, workspace) DO UPDATE SET per_minute = excluded.per_minute, learned_ms = excluded.learned_ms`,
      [row.platform, row.workspace, row.perMinute, row.learnedAt.getTime()]);
  }
}
