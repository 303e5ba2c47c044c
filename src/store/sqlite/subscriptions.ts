import { briefingColumn, scopeStopFromRow, type ScopeStopRow } from '../outbox-rows.js';
import type { ScopeStop } from '../../domain/subscription.js';
import { randomInt } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Platform } from '../../domain/channel.js';
import type { Priority } from '../../domain/article.js';
import type { BriefingSchedule, MentionRule, NewSubscription, QuietHours, Scope, Subscription, SubscriptionHealth } from '../../domain/subscription.js';

/** Alert subscriptions. Removal is soft, so `/alerts why` and the audit log can still name them. */
export const SUBSCRIPTIONS_SCHEMA = `
CREATE TABLE alert_subscriptions (
  id TEXT PRIMARY KEY,
  platform TEXT NOT NULL,
  workspace TEXT NOT NULL,
  channel TEXT NOT NULL,
  channel_name TEXT,
  min_priority TEXT NOT NULL CHECK (min_priority IN ('breaking','urgent','routine')),
  sections TEXT NOT NULL DEFAULT '[]',
  keywords TEXT NOT NULL DEFAULT '[]',
  mention_role_id TEXT,
  mention_here INTEGER NOT NULL DEFAULT 0,
  quiet_from TEXT,
  quiet_to TEXT,
  tz TEXT,
  threads INTEGER NOT NULL DEFAULT 0,
  paused INTEGER NOT NULL DEFAULT 0,
  paused_reason TEXT,
  created_by TEXT NOT NULL,
  created_by_name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  removed_at TEXT
);
CREATE INDEX alert_subscriptions_scope ON alert_subscriptions(platform, workspace) WHERE removed_at IS NULL;
`;

/** No 0/o, 1/l/i: ids are read aloud and typed. */
const ID_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const ID_LENGTH = 5;

interface Row {
  id: string; platform: string; workspace: string; channel: string; channel_name: string | null;
  min_priority: string; sections: string; keywords: string; mention_role_id: string | null; mention_here: number;
  quiet_from: string | null; quiet_to: string | null; tz: string | null; threads: number; publish?: number; mention_rules?: string; thread_ts?: string | null; paused: number;
  approval_channel?: string | null; approval_channel_name?: string | null;
  paused_reason: string | null; created_by: string; created_by_name: string; created_at: string; briefing?: string | null;
}

function fromRow(r: Row): Subscription {
  return {
    id: r.id,
    platform: r.platform as Platform,
    workspace: r.workspace,
    channel: r.channel,
    channelName: r.channel_name,
    minPriority: r.min_priority as Priority,
    sections: JSON.parse(r.sections) as string[],
    keywords: JSON.parse(r.keywords) as string[],
    mentionRoleId: r.mention_role_id,
    mentionHere: r.mention_here === 1,
    quiet: r.quiet_from && r.quiet_to ? { from: r.quiet_from, to: r.quiet_to, tz: r.tz ?? 'UTC' } : null,
    tz: r.tz,
    threads: r.threads === 1,
    briefing: r.briefing ? (JSON.parse(r.briefing) as BriefingSchedule) : null,
    publish: r.publish === 1,
    approvalChannel: r.approval_channel ?? null,
    approvalChannelName: r.approval_channel_name ?? null,
    threadTs: r.thread_ts ?? null,
    mentionRules: JSON.parse(r.mention_rules ?? '[]') as MentionRule[],
    paused: r.paused === 1,
    pausedReason: r.paused_reason,
    createdBy: r.created_by,
    createdByName: r.created_by_name,
    createdAt: r.created_at,
  };
}

/**
 * Bumped by every subscription change made through any SqliteSubscriptions on that connection: the parsed
 * active list is cached until then (the fan-out asks for it once per article of a bulk load).
 */
const generations = new WeakMap<Database, number>();

/** Synchronous on purpose: the fan-out reads subscriptions inside the article's write transaction. */
export class SqliteSubscriptions {
  private activeCache: { generation: number; list: readonly Subscription[] } | null = null;

  constructor(private readonly db: Database) {}

  private changed(): void {
    generations.set(this.db, (generations.get(this.db) ?? 0) + 1);
  }

  private newId(): string {
    for (;;) {
      let id = '';
      for (let i = 0; i < ID_LENGTH; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
      if (!this.db.prepare('SELECT 1 FROM alert_subscriptions WHERE id = ?').get(id)) return id;
    }
  }

  create(input: NewSubscription, by: { id: string; name: string }, at: Date): Subscription {
    const id = this.newId();
    this.db
      .prepare(
        `INSERT INTO alert_subscriptions (id, platform, workspace, channel, channel_name, min_priority, sections,
           keywords, mention_role_id, mention_here, threads, created_by, created_by_name, created_at${briefingColumn(input)})
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?${input.briefing ? ', ?' : ''})`,
      )
      .run(
        id, input.platform, input.workspace, input.channel, input.channelName ?? null, input.minPriority,
        JSON.stringify(input.sections ?? []), JSON.stringify(input.keywords ?? []), input.mentionRoleId ?? null,
        input.mentionHere ? 1 : 0, input.threads ? 1 : 0, by.id, by.name, at.toISOString(),
        ...(input.briefing ? [JSON.stringify(input.briefing)] : []),
      );
    // Set apart (migration 900's column): a schema that predates it still takes every other subscription.
    if (input.publish) this.db.prepare('UPDATE alert_subscriptions SET publish = 1 WHERE id = ?').run(id);
    if (input.approvalChannel) {
      this.db.prepare('UPDATE alert_subscriptions SET approval_channel = ?, approval_channel_name = ? WHERE id = ?').run(input.approvalChannel, input.approvalChannelName ?? null, id);
    }
    if (input.threadTs) this.db.prepare('UPDATE alert_subscriptions SET thread_ts = ? WHERE id = ?').run(input.threadTs, id);
    this.changed();
    return this.get(id)!;
  }

  /** Any subscription by id, removed ones included (for explanations). */
  get(id: string): Subscription | null {
    const row = this.db.prepare('SELECT * FROM alert_subscriptions WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** A live subscription of this scope. */
  find(scope: Scope, id: string): Subscription | null {
    const row = this.db
      .prepare('SELECT * FROM alert_subscriptions WHERE id = ? AND platform = ? AND workspace = ? AND removed_at IS NULL')
      .get(id.trim().toLowerCase(), scope.platform, scope.workspace) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  list(scope: Scope): Subscription[] {
    const rows = this.db
      .prepare(
        'SELECT * FROM alert_subscriptions WHERE platform = ? AND workspace = ? AND removed_at IS NULL ORDER BY created_at, id',
      )
      .all(scope.platform, scope.workspace) as Row[];
    return rows.map(fromRow);
  }

  /**
   * Every live subscription, paused ones included (the fan-out records why those are skipped). Cached until a
   * subscription changes; shared, so callers must not modify it.
   */
  active(): readonly Subscription[] {
    const generation = generations.get(this.db) ?? 0;
    if (this.activeCache?.generation !== generation) {
      const list = (this.db.prepare('SELECT * FROM alert_subscriptions WHERE removed_at IS NULL').all() as Row[]).map(fromRow);
      this.activeCache = { generation, list };
    }
    return this.activeCache.list;
  }

  setPaused(id: string, paused: boolean, reason: string | null): void {
    this.db
      .prepare('UPDATE alert_subscriptions SET paused = ?, paused_reason = ? WHERE id = ?')
      .run(paused ? 1 : 0, paused ? reason : null, id);
    this.changed();
  }

  setQuiet(id: string, quiet: QuietHours | null): void {
    this.db
      .prepare('UPDATE alert_subscriptions SET quiet_from = ?, quiet_to = ?, tz = COALESCE(?, tz) WHERE id = ?')
      .run(quiet?.from ?? null, quiet?.to ?? null, quiet?.tz ?? null, id);
    this.changed();
  }

  setMentionRules(id: string, rules: MentionRule[]): void {
    this.db.prepare('UPDATE alert_subscriptions SET mention_rules = ? WHERE id = ?').run(JSON.stringify(rules), id);
    this.changed();
  }

  remove(id: string, at: Date): void {
    this.db.prepare('UPDATE alert_subscriptions SET removed_at = ? WHERE id = ?').run(at.toISOString(), id);
    this.changed();
  }

  /** Health of each subscription, derived from the outbox in one query. */
  health(ids: string[]): Map<string, SubscriptionHealth> {
    const out = new Map<string, SubscriptionHealth>();
    if (ids.length === 0) return out;
    const rows = this.db
      .prepare(
        `SELECT subscription_id AS id,
           MAX(CASE WHEN state = 'sent' THEN sent_at END) AS last_sent_at,
           SUM(state = 'sent') AS sent, SUM(state = 'failed') AS failed,
           SUM(state IN ('pending','sending','held','folded')) AS queued
         FROM alert_outbox WHERE subscription_id IN (SELECT value FROM json_each(?)) AND kind != 'test'
         GROUP BY subscription_id`,
      )
      .all(JSON.stringify(ids)) as Array<{ id: string; last_sent_at: number | null; sent: number; failed: number; queued: number }>;
    const lastErrors = this.db
      .prepare(
        `SELECT subscription_id AS id, last_error FROM alert_outbox o
         WHERE subscription_id IN (SELECT value FROM json_each(?)) AND last_error IS NOT NULL
           AND updated_at = (SELECT MAX(updated_at) FROM alert_outbox i
                             WHERE i.subscription_id = o.subscription_id AND i.last_error IS NOT NULL)`,
      )
      .all(JSON.stringify(ids)) as Array<{ id: string; last_error: string }>;
    const errorOf = new Map(lastErrors.map((r) => [r.id, r.last_error]));
    const tests = this.db
      .prepare(
        `SELECT subscription_id AS id, MAX(sent_at) AS at FROM alert_outbox
         WHERE subscription_id IN (SELECT value FROM json_each(?)) AND kind = 'test' AND state = 'sent' GROUP BY subscription_id`,
      )
      .all(JSON.stringify(ids)) as Array<{ id: string; at: number }>;
    const testOf = new Map(tests.map((r) => [r.id, r.at]));
    for (const id of ids) out.set(id, { lastSentAt: null, sent: 0, failed: 0, queued: 0, lastError: errorOf.get(id) ?? null, lastTestAt: testOf.get(id) ?? null });
    for (const r of rows) {
      out.set(r.id, { lastSentAt: r.last_sent_at, sent: r.sent, failed: r.failed, queued: r.queued, lastError: errorOf.get(r.id) ?? null, lastTestAt: testOf.get(r.id) ?? null });
    }
    return out;
  }

  stopScope(stop: ScopeStop): boolean {
    return this.db.prepare(`INSERT INTO alert_scope_stops (platform, workspace, stopped_at, stopped_by, stopped_by_name, reason)
      VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, workspace) DO NOTHING`)
      .run(stop.platform, stop.workspace, stop.stoppedAt, stop.by.id, stop.by.name, stop.reason).changes === 1;
  }

  startScope(scope: Scope): ScopeStop | null {
    const row = this.db.prepare('DELETE FROM alert_scope_stops WHERE platform = ? AND workspace = ? RETURNING *').get(scope.platform, scope.workspace) as ScopeStopRow | undefined;
    return row ? scopeStopFromRow(row) : null;
  }

  stopState(scope: Scope): ScopeStop | null {
    const row = this.db.prepare('SELECT * FROM alert_scope_stops WHERE platform = ? AND workspace = ?').get(scope.platform, scope.workspace) as ScopeStopRow | undefined;
    return row ? scopeStopFromRow(row) : null;
  }

  pausedReasons(): Array<{ reason: string | null; count: number }> {
    return this.db
      .prepare('SELECT paused_reason AS reason, COUNT(*) AS count FROM alert_subscriptions WHERE paused = 1 AND removed_at IS NULL GROUP BY paused_reason')
      .all() as Array<{ reason: string | null; count: number }>;
  }
}
