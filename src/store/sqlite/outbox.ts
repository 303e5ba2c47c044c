import type { Database, Statement } from 'better-sqlite3';
import type { Platform } from '../../domain/channel.js';
import type { Delivery, NewDelivery } from '../../domain/delivery.js';
import { CLAIMABLE, deliveryFromRow, HOLDABLE, NOT_STOPPED, RECALL_SKIPPABLE, MEMBERS_FAILABLE, MEMBERS_SENDABLE, QUEUED, SOURCES_EDIT_EVERY_MS, SOURCES_ONLY_LAST, sourcesDueSql, type OutboxRow } from '../outbox-rows.js';
import { preparedOnce } from './statements.js';
import { approvalSql, labelDueSql, WAITING } from '../approval-rows.js';
import { approvalKey } from '../../domain/approval.js';

/**
 * The outbox: one row per (story, subscription), never two. A row carries its own state machine and the
 * platform message it became, so a story update edits that message instead of posting again.
 * `alert_stories` records how each article mapped onto a story (itself, or a duplicate of another).
 */
export const OUTBOX_SCHEMA = `
CREATE TABLE alert_stories (
  article_id TEXT PRIMARY KEY,
  story_id TEXT NOT NULL,
  canonical_url TEXT,
  title_key TEXT NOT NULL,
  duplicate_reason TEXT,
  quiet INTEGER NOT NULL DEFAULT 0,
  seen_at INTEGER NOT NULL
);
CREATE INDEX alert_stories_url ON alert_stories(canonical_url) WHERE canonical_url IS NOT NULL;
CREATE INDEX alert_stories_seen ON alert_stories(seen_at);

CREATE TABLE alert_outbox (
  id TEXT PRIMARY KEY,
  story_id TEXT NOT NULL,
  article_id TEXT,
  subscription_id TEXT NOT NULL REFERENCES alert_subscriptions(id),
  kind TEXT NOT NULL CHECK (kind IN ('alert','digest','fold','test')),
  platform TEXT NOT NULL,
  channel TEXT NOT NULL,
  priority_rank INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','sending','sent','held','folded','skipped','failed')),
  reason TEXT,
  folded_into TEXT,
  message_ref TEXT,
  sent_at INTEGER,
  delivered_version INTEGER,
  target_version INTEGER NOT NULL DEFAULT 1,
  thread_version INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  in_doubt INTEGER NOT NULL DEFAULT 0,
  due_at INTEGER,
  last_error TEXT,
  payload TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (story_id, subscription_id)
);
CREATE INDEX alert_outbox_due ON alert_outbox(priority_rank, due_at) WHERE due_at IS NOT NULL;
CREATE INDEX alert_outbox_article ON alert_outbox(article_id) WHERE article_id IS NOT NULL;
CREATE INDEX alert_outbox_subscription ON alert_outbox(subscription_id, state);
CREATE INDEX alert_outbox_folded ON alert_outbox(folded_into) WHERE folded_into IS NOT NULL;
CREATE INDEX alert_outbox_sending ON alert_outbox(platform) WHERE state = 'sending';
`;

/**
 * The fan-out asks, per matching subscription, how many routine alerts wait and which fold is open: with a
 * queue that grows while a platform is down, (subscription_id, state) alone scans every waiting row.
 */
export const OUTBOX_PENDING_INDEX = `
CREATE INDEX alert_outbox_pending ON alert_outbox(subscription_id, kind, priority_rank, created_at) WHERE state = 'pending';
`;

/** Synchronous SQL; the Store wraps it as the async OutboxStore (src/store/types.ts). */
/** senderBucket (src/domain/channel.ts) in SQL: the Slack workspace part of the channel, else the platform. */
const BUCKET = `(CASE WHEN platform = 'slack' AND instr(channel, '/') > 0 THEN substr(channel, 1, instr(channel, '/') - 1) ELSE platform END)`;

export class SqliteOutbox {
  private readonly stmt: (sql: string) => Statement;

  /** Migration 910's columns, or none (a store opened with earlier migrations): see approvalSql. */
  private readonly approval: ReturnType<typeof approvalSql>;

  constructor(db: Database) {
    this.stmt = preparedOnce(db);
    const present = db.prepare("SELECT 1 FROM pragma_table_info('alert_outbox') WHERE name = 'label_rev'").get() !== undefined;
    this.approval = approvalSql(present, '@now', 'MAX');
  }

  // --- rows ---
  /** Inserts unless the (story, subscription) pair already has a row; true when inserted. */
  insert(d: NewDelivery, now: number): boolean {
    const info = this.stmt(
        `INSERT OR IGNORE INTO alert_outbox (id, story_id, article_id, subscription_id, kind, platform, channel, priority_rank,
           state, reason, folded_into, target_version, due_at, payload, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(d.id, d.storyId, d.articleId, d.subscriptionId, d.kind, d.platform, d.channel, d.priorityRank, d.state,
        d.reason ?? null, d.foldedInto ?? null, d.targetVersion, d.dueAt ?? null, d.payload ?? null, now, now);
    // Set apart (the approvals migration's column): a schema that predates it still takes every other row.
    if (info.changes === 1 && d.expiresAt != null) this.stmt('UPDATE alert_outbox SET expires_at = ? WHERE id = ?').run(d.expiresAt, d.id);
    return info.changes === 1;
  }

  insertMany(ds: readonly NewDelivery[], now: number): number {
    let inserted = 0;
    for (const d of ds) if (this.insert(d, now)) inserted += 1;
    return inserted;
  }

  get(id: string): Delivery | null {
    const r = this.stmt('SELECT * FROM alert_outbox WHERE id = ?').get(id) as OutboxRow | undefined;
    return r ? deliveryFromRow(r) : null;
  }

  forStory(storyId: string, subscriptionId: string): Delivery | null {
    const r = this.stmt('SELECT * FROM alert_outbox WHERE story_id = ? AND subscription_id = ?').get(storyId, subscriptionId) as OutboxRow | undefined;
    return r ? deliveryFromRow(r) : null;
  }

  /**
   * A new version of an article: every row rendering it will show that version; rows already posted on
   * their own (not inside a digest or fold) become due for an edit.
   */
  retarget(articleId: string, version: number, priorityRank: number, now: number): number {
    return this.stmt(
        `UPDATE alert_outbox SET target_version = ?, updated_at = ?,
           priority_rank = CASE WHEN state IN ('pending','sent') THEN MIN(priority_rank, ?) ELSE priority_rank END,
           due_at = CASE WHEN state = 'sent' AND folded_into IS NULL AND message_ref IS NOT NULL THEN ? ELSE due_at END
         WHERE article_id = ? AND kind = 'alert' AND target_version < ? AND delete_state IS NULL`,
      )
      .run(version, now, priorityRank, now, articleId, version).changes;
  }

  reassign(storyId: string, articleId: string, version: number, priorityRank: number, now: number): number {
    return this.stmt(
        `UPDATE alert_outbox SET article_id = ?, target_version = ?, updated_at = ?,
           delivered_version = CASE WHEN state = 'sent' THEN 0 ELSE delivered_version END,
           priority_rank = CASE WHEN state IN ('pending','sent') THEN MIN(priority_rank, ?) ELSE priority_rank END,
           due_at = CASE WHEN state = 'sent' AND folded_into IS NULL AND message_ref IS NOT NULL THEN ? ELSE due_at END
         WHERE story_id = ? AND kind = 'alert' AND article_id IS NOT ? AND delete_state IS NULL`,
      )
      .run(articleId, version, now, priorityRank, now, storyId, articleId).changes;
  }

  /**
   * A member from another origin joined the story: every alert row counts it (a post or edit claimed before the join
   * rendered without it); sent ones become due for a sources-only edit, coalesced (outbox-rows.ts). Returns the rows.
   */
  sourcesJoined(storyId: string, now: number): number {
    return this.stmt(
        `UPDATE alert_outbox SET sources_rev = sources_rev + 1, updated_at = @now,
           due_at = CASE WHEN state = 'sent' AND folded_into IS NULL AND message_ref IS NOT NULL THEN ${sourcesDueSql('@now', 'MAX')} ELSE due_at END
         WHERE story_id = @story AND kind = 'alert' AND delete_state IS NULL`,
      )
      .run({ story: storyId, now }).changes;
  }

  releaseWaiting(storyId: string, approvalChannel: string, now: number): number {
    return this.stmt(`UPDATE alert_outbox SET state = 'pending', due_at = @now, updated_at = @now
        WHERE story_id = @story AND kind = 'alert' AND state IN (${WAITING})
          AND subscription_id IN (SELECT id FROM alert_subscriptions WHERE approval_channel = @channel)`)
      .run({ story: storyId, channel: approvalChannel, now }).changes;
  }

  skipWaiting(storyId: string, approvalChannel: string | null, reason: string, now: number): number {
    return this.stmt(`UPDATE alert_outbox SET state = 'skipped', reason = @reason, due_at = NULL, updated_at = @now
        WHERE story_id = @story AND kind = 'alert' AND state IN (${WAITING})
          AND (@channel IS NULL OR subscription_id IN (SELECT id FROM alert_subscriptions WHERE approval_channel = @channel))`)
      .run({ story: storyId, channel: approvalChannel, reason, now }).changes;
  }

  touchPreviews(storyId: string, approvalChannel: string | null, now: number, closed: boolean): number {
    return this.stmt(`UPDATE alert_outbox SET target_version = target_version + 1, updated_at = @now,
        expires_at = CASE WHEN @closed = 1 THEN NULL ELSE expires_at END,
        due_at = CASE WHEN state = 'sent' AND message_ref IS NOT NULL AND attempts = 0 THEN @now ELSE due_at END
        WHERE story_id = @story AND kind = 'preview' AND state IN ('pending','sending','sent')
          AND (@key IS NULL OR subscription_id = @key)`)
      .run({ story: storyId, key: approvalChannel === null ? null : approvalKey(approvalChannel), now, closed: closed ? 1 : 0 }).changes;
  }

  relabel(storyId: string, now: number): number {
    return this.stmt(`UPDATE alert_outbox SET label_rev = label_rev + 1, updated_at = @now, due_at = ${labelDueSql('@now')}
        WHERE story_id = @story AND kind = 'alert' AND delete_state IS NULL`).run({ story: storyId, now }).changes;
  }

  countPendingRoutine(subscriptionId: string): number {
    return (this.stmt(`SELECT COUNT(*) AS n FROM alert_outbox WHERE subscription_id = ? AND state = 'pending' AND kind = 'alert' AND priority_rank = 2`)
      .get(subscriptionId) as { n: number }).n;
  }

  /**
   * The subscription's fold or digest row still open for members, if any. With `storyId`: that group, or one
   * started under it after it was sent early (`<storyId>:<suffix>`), newest first.
   */
  openGroup(subscriptionId: string, kind: 'fold' | 'digest', storyId?: string): Delivery | null {
    const r = (storyId
      ? this.stmt(
        `SELECT * FROM alert_outbox WHERE subscription_id = ? AND kind = ? AND state = 'pending'
           AND (story_id = ? OR substr(story_id, 1, length(?) + 1) = ? || ':') ORDER BY created_at DESC LIMIT 1`,
      ).get(subscriptionId, kind, storyId, storyId, storyId)
      : this.stmt(`SELECT * FROM alert_outbox INDEXED BY alert_outbox_pending WHERE subscription_id = ? AND kind = ? AND state = 'pending' ORDER BY created_at DESC LIMIT 1`).get(subscriptionId, kind)) as OutboxRow | undefined;
    return r ? deliveryFromRow(r) : null;
  }

  members(groupId: string): Delivery[] {
    return (this.stmt('SELECT * FROM alert_outbox WHERE folded_into = ? ORDER BY priority_rank, created_at').all(groupId) as OutboxRow[]).map(deliveryFromRow);
  }

  /** Rows with work due now, on the given platforms (and sender buckets): breaking before urgent before routine, oldest first. */
  due(now: number, platforms: Platform[], limit: number, buckets?: readonly string[]): Delivery[] {
    if (platforms.length === 0 || buckets?.length === 0) return [];
    if (buckets) {
      return (this.stmt(
          `SELECT * FROM alert_outbox WHERE due_at IS NOT NULL AND due_at <= ?
             AND platform IN (SELECT value FROM json_each(?)) AND ${BUCKET} IN (SELECT value FROM json_each(?)) AND ${NOT_STOPPED}
           ORDER BY delete_state IS NULL, ${SOURCES_ONLY_LAST}, priority_rank, due_at LIMIT ?`,
        )
        .all(now, JSON.stringify(platforms), JSON.stringify(buckets), limit) as OutboxRow[]).map(deliveryFromRow);
    }
    return (this.stmt(
        `SELECT * FROM alert_outbox WHERE due_at IS NOT NULL AND due_at <= ?
           AND platform IN (SELECT value FROM json_each(?)) AND ${NOT_STOPPED} ORDER BY delete_state IS NULL, ${SOURCES_ONLY_LAST}, priority_rank, due_at LIMIT ?`,
      )
      .all(now, JSON.stringify(platforms), limit) as OutboxRow[]).map(deliveryFromRow);
  }

  /** The earliest due time after `after` on these platforms (rows due by then are the caller's to pace). */
  nextDueAt(platforms: Platform[], after: number, buckets?: readonly string[]): number | null {
    if (platforms.length === 0 || buckets?.length === 0) return null;
    if (buckets) {
      return (this.stmt(`SELECT MIN(due_at) AS t FROM alert_outbox WHERE due_at > ? AND platform IN (SELECT value FROM json_each(?))
          AND ${BUCKET} IN (SELECT value FROM json_each(?)) AND ${NOT_STOPPED}`)
        .get(after, JSON.stringify(platforms), JSON.stringify(buckets)) as { t: number | null }).t;
    }
    return (this.stmt(`SELECT MIN(due_at) AS t FROM alert_outbox WHERE due_at > ? AND platform IN (SELECT value FROM json_each(?)) AND ${NOT_STOPPED}`)
      .get(after, JSON.stringify(platforms)) as { t: number | null }).t;
  }

  dueBuckets(before: number, platforms: Platform[]): string[] {
    if (platforms.length === 0) return [];
    return (this.stmt(`SELECT DISTINCT ${BUCKET} AS b FROM alert_outbox WHERE due_at IS NOT NULL AND due_at <= ?
        AND platform IN (SELECT value FROM json_each(?)) AND ${NOT_STOPPED} ORDER BY b`)
      .all(before, JSON.stringify(platforms)) as Array<{ b: string }>).map((r) => r.b);
  }

  /** Committed before the post goes out: after a crash, 'sending' means "outcome unknown, reconcile". */
  claimPost(id: string, now: number): boolean {
    return this.stmt(`UPDATE alert_outbox SET state = 'sending', attempts = attempts + 1, due_at = NULL, sources_claimed = sources_rev${this.approval.claim}, updated_at = ? WHERE id = ? AND state IN (${CLAIMABLE}) AND due_at IS NOT NULL`)
      .run(now, id).changes === 1;
  }

  /** Edits are idempotent: no 'sending' state needed, only "not due while in flight". */
  claimEdit(id: string, now: number): boolean {
    return this.stmt(`UPDATE alert_outbox SET due_at = NULL, attempts = attempts + 1, sources_claimed = sources_rev${this.approval.claim}, updated_at = ? WHERE id = ? AND state = 'sent' AND due_at IS NOT NULL AND delete_state IS NULL`)
      .run(now, id).changes === 1;
  }

  claimDelete(id: string, now: number): boolean {
    return this.stmt(`UPDATE alert_outbox SET due_at = NULL, attempts = attempts + 1, updated_at = ? WHERE id = ? AND delete_state = 'due' AND due_at IS NOT NULL`)
      .run(now, id).changes === 1;
  }

  markDeleted(id: string, state: 'deleted' | 'failed', note: string | null, now: number): void {
    // delete_note keeps the recall's reason; a refusal's reason is the row's last error.
    this.stmt(`UPDATE alert_outbox SET delete_state = ?, last_error = COALESCE(?, last_error), deleted_at = ?, due_at = NULL, attempts = 0, updated_at = ? WHERE id = ?`)
      .run(state, note, now, now, id);
  }

  recallRows(storyId: string, subscriptionIds: readonly string[] | null, reason: string, now: number): { deletes: Delivery[]; skipped: number } {
    const scoped = subscriptionIds === null ? '' : ' AND subscription_id IN (SELECT value FROM json_each(@subs))';
    const params = { story: storyId, now, reason: `recalled: ${reason}`, subs: JSON.stringify(subscriptionIds ?? []) };
    const skipped = this.stmt(`UPDATE alert_outbox SET state = 'skipped', reason = @reason, due_at = NULL, updated_at = @now
        WHERE story_id = @story AND kind = 'alert' AND state IN (${RECALL_SKIPPABLE}) AND delete_state IS NULL${scoped}`).run(params).changes;
    // Posted (or in flight: markSent makes it due once it is found posted): due for a delete, ahead of everything.
    this.stmt(`UPDATE alert_outbox SET delete_state = 'due', delete_note = @reason, attempts = 0, updated_at = @now,
        due_at = CASE WHEN state = 'sent' THEN @now ELSE NULL END
        WHERE story_id = @story AND kind = 'alert' AND state IN ('sent','sending') AND delete_state IS NULL${scoped}`).run(params);
    const deletes = (this.stmt(`SELECT * FROM alert_outbox WHERE story_id = @story AND kind = 'alert' AND delete_state = 'due'${scoped}`)
      .all({ story: storyId, subs: params.subs }) as OutboxRow[]).map(deliveryFromRow);
    return { deletes, skipped };
  }

  forStoryAll(storyId: string): Delivery[] {
    return (this.stmt('SELECT * FROM alert_outbox WHERE story_id = ? ORDER BY created_at').all(storyId) as OutboxRow[]).map(deliveryFromRow);
  }

  markSent(id: string, messageRef: string, version: number, now: number): void {
    this.stmt(
        `UPDATE alert_outbox SET state = 'sent', message_ref = @ref, sent_at = @now, delivered_version = @version, thread_version = @version,
           attempts = 0, in_doubt = 0, last_error = NULL, updated_at = @now, message_changed_at = @now,
           due_at = CASE WHEN delete_state = 'due' THEN @now WHEN target_version > @version AND kind IN ('alert','preview') THEN @now
             ${this.approval.sentDue}
             WHEN kind = 'alert' AND sources_rev > sources_claimed THEN @now + ${SOURCES_EDIT_EVERY_MS} ELSE NULL END
         WHERE id = @id`,
      )
      .run({ ref: messageRef, now, version, id });
  }

  /**
   * A thread follow-up was accepted: committed on its own, right away, so that whatever fails after it (the rest
   * of the edit's bookkeeping, a crash) retries without posting the follow-up again (Slack has no nonce).
   */
  markThreaded(id: string, version: number, now: number, threadRef?: string): void {
    this.stmt(`UPDATE alert_outbox SET thread_version = MAX(COALESCE(thread_version, 0), ?), updated_at = ?,
        thread_refs = CASE WHEN ? IS NULL THEN thread_refs ELSE json_insert(COALESCE(thread_refs, '[]'), '$[#]', ?) END WHERE id = ?`)
      .run(version, now, threadRef ?? null, threadRef ?? null, id);
  }

  markEdited(id: string, version: number, threadVersion: number | null, now: number): void {
    this.stmt(
        `UPDATE alert_outbox SET delivered_version = @version, thread_version = COALESCE(@thread, thread_version), attempts = 0,
           last_error = NULL, updated_at = @now, message_changed_at = @now,
           due_at = CASE WHEN delete_state = 'due' OR target_version > @version${this.approval.editedNow} THEN @now
             ${this.approval.editedDue}
             WHEN sources_rev > sources_claimed THEN @now + ${SOURCES_EDIT_EVERY_MS} ELSE NULL END
         WHERE id = @id`,
      )
      .run({ version, thread: threadVersion, now, id });
  }

  /**
   * Back to the queue: posts become pending again, edits stay sent; both are due at `dueAt`. `inDoubt`: the
   * post may have reached the platform (a timeout), so the next attempt asks the platform first.
   */
  retry(id: string, dueAt: number, error: string, inDoubt: boolean, now: number): void {
    this.stmt(`UPDATE alert_outbox SET state = CASE WHEN state = 'sending' THEN 'pending' ELSE state END, due_at = ?, last_error = ?, in_doubt = ?, updated_at = ? WHERE id = ?`)
      .run(dueAt, error, inDoubt ? 1 : 0, now, id);
  }

  /** One process sends from a SQLite outbox: every claim is this sender's. */
  releaseClaim(id: string, reason: string, now: number): boolean {
    return this.stmt(
      `UPDATE alert_outbox SET state = CASE WHEN state = 'sending' THEN 'pending' ELSE state END,
         in_doubt = CASE WHEN state = 'sending' THEN 1 ELSE in_doubt END, due_at = ?, last_error = ?, updated_at = ?
       WHERE id = ? AND (state = 'sending' OR (state = 'sent' AND kind IN ('alert','preview') AND folded_into IS NULL AND due_at IS NULL
         AND target_version > delivered_version) OR (state = 'sent' AND delete_state = 'due' AND due_at IS NULL))`,
    ).run(now, reason, now, id).changes === 1;
  }

  finish(id: string, state: 'failed' | 'skipped', reason: string, now: number): void {
    this.stmt(`UPDATE alert_outbox SET state = ?, reason = ?, due_at = NULL, last_error = CASE WHEN ? = 'failed' THEN ? ELSE last_error END, updated_at = ? WHERE id = ?`)
      .run(state, reason, state, reason, now, id);
  }

  /** An edit that cannot succeed (the message was deleted): stop trying, keep the row sent. */
  giveUpEdit(id: string, reason: string, now: number): void {
    this.stmt(`UPDATE alert_outbox SET delivered_version = target_version, due_at = NULL, last_error = ?, updated_at = ? WHERE id = ?`).run(reason, now, id);
  }

  markMembersSent(groupId: string, messageRef: string, now: number): void {
    this.stmt(`UPDATE alert_outbox SET state = 'sent', message_ref = ?, sent_at = ?, delivered_version = target_version, updated_at = ? WHERE folded_into = ? AND state IN (${MEMBERS_SENDABLE})`)
      .run(messageRef, now, now, groupId);
  }

  failMembers(groupId: string, reason: string, now: number): void {
    this.stmt(`UPDATE alert_outbox SET state = 'failed', reason = ?, last_error = ?, updated_at = ? WHERE folded_into = ? AND state IN (${MEMBERS_FAILABLE})`)
      .run(reason, reason, now, groupId);
  }

  /** Pausing or removing a subscription: what was waiting will not go out. */
  skipQueued(subscriptionId: string, reason: string, now: number): number {
    return this.stmt(`UPDATE alert_outbox SET state = 'skipped', reason = ?, due_at = NULL, updated_at = ? WHERE subscription_id = ? AND state IN (${QUEUED})`)
      .run(reason, now, subscriptionId).changes;
  }

  failQueued(subscriptionId: string, reason: string, now: number): number {
    return this.stmt(`UPDATE alert_outbox SET state = 'failed', reason = ?, due_at = NULL, updated_at = ? WHERE subscription_id = ? AND state IN (${QUEUED})`)
      .run(reason, now, subscriptionId).changes;
  }

  /** Quiet hours changed or ended early: what was held goes out now, in its digest. */
  releaseDigests(subscriptionId: string, now: number): void {
    this.stmt(`UPDATE alert_outbox SET due_at = ? WHERE subscription_id = ? AND kind = 'digest' AND state = 'pending'`).run(now, subscriptionId);
  }

  /** Rows whose outcome is unknown after a crash, on one platform. */
  waitingSince(subscriptionId: string, before: number): Delivery[] {
    return (this.stmt(`SELECT * FROM alert_outbox WHERE subscription_id = ? AND kind = 'alert' AND state IN (${HOLDABLE})
        AND folded_into IS NULL AND in_doubt = 0 AND created_at < ? ORDER BY priority_rank, created_at`)
      .all(subscriptionId, before) as OutboxRow[]).map(deliveryFromRow);
  }

  holdInto(ids: readonly string[], groupId: string, now: number): void {
    this.stmt(`UPDATE alert_outbox SET state = 'held', folded_into = ?, due_at = NULL, updated_at = ?
        WHERE id IN (SELECT value FROM json_each(?)) AND state IN (${HOLDABLE})`)
      .run(groupId, now, JSON.stringify(ids));
  }

  nudge(subscriptionIds: readonly string[], now: number): void {
    this.stmt(`UPDATE alert_outbox SET due_at = due_at, updated_at = ? WHERE subscription_id IN (SELECT value FROM json_each(?)) AND due_at IS NOT NULL`)
      .run(now, JSON.stringify(subscriptionIds));
  }

  inDoubt(platform: Platform): Delivery[] {
    return (this.stmt(`SELECT * FROM alert_outbox WHERE state = 'sending' AND platform = ?`).all(platform) as OutboxRow[]).map(deliveryFromRow);
  }

  /** After a crash: edits that were in flight (due cleared, never finished) become due again. */
  resumeEdits(now: number): number {
    const edits = this.stmt(`UPDATE alert_outbox SET due_at = ? WHERE state = 'sent' AND kind IN ('alert','preview') AND folded_into IS NULL AND due_at IS NULL AND target_version > delivered_version`)
      .run(now).changes;
    // Deletes in flight at the crash: again (a delete is idempotent: "already gone" counts as done).
    return edits + this.stmt(`UPDATE alert_outbox SET due_at = ? WHERE delete_state = 'due' AND state = 'sent' AND due_at IS NULL`).run(now).changes;
  }

  stateCounts(now: number): Array<{ state: string; platform: string; rows: number; due: number }> {
    return this.stmt(`SELECT state, platform, COUNT(*) AS rows, COUNT(CASE WHEN due_at <= ? THEN 1 END) AS due FROM alert_outbox GROUP BY state, platform`)
      .all(now) as Array<{ state: string; platform: string; rows: number; due: number }>;
  }
}
