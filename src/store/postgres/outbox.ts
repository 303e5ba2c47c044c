import type { Platform } from '../../domain/channel.js';
import type { Delivery, NewDelivery } from '../../domain/delivery.js';
import { CLAIMABLE, deliveryFromRow, MEMBERS_FAILABLE, MEMBERS_SENDABLE, QUEUED, type OutboxRow, HOLDABLE, NOT_STOPPED, RECALL_SKIPPABLE, SOURCES_EDIT_EVERY_MS, SOURCES_ONLY_LAST, sourcesDueSql } from '../outbox-rows.js';
import type { OutboxStore } from '../types.js';
import type { PgDb } from './db.js';
import { approvalSql, labelDueSql, WAITING } from '../approval-rows.js';
import { approvalKey } from '../../domain/approval.js';

/** senderBucket (src/domain/channel.ts) in SQL: the Slack workspace part of the channel, else the platform. */
const BUCKET = `(CASE WHEN platform = 'slack' AND position('/' in channel) > 0 THEN split_part(channel, '/', 1) ELSE platform END)`;

/** Who claims rows when several instances share the outbox. */
export interface OutboxClaimant {
  instanceId: string;
  /** How long a claim holds without its instance's heartbeat (the database's clock). */
  claimTtlMs: number;
}

/** A claimant that stopped: its heartbeat row is gone or expired, or the claim itself ran out. */
const ABANDONED = `(claim_expires IS NULL OR claim_expires < now()
  OR NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = alert_outbox.claimed_by AND i.expires_at > now()))`;

/**
 * The outbox on PostgreSQL: the SQL of src/store/sqlite/outbox.ts, one statement per call. With a claimant
 * (several instances), a claim records who holds the row and until when, and is taken with SKIP LOCKED: two
 * instances never both hold a row, and neither waits on the other's open transaction.
 */
export class PgOutbox implements OutboxStore {
  constructor(private readonly db: PgDb, private readonly claimant?: OutboxClaimant) {}

  private claimSet(first: number): { sql: string; params: unknown[] } {
    if (!this.claimant) return { sql: 'claimed_by = NULL, claim_expires = NULL', params: [] };
    return {
      sql: `claimed_by = $${first}::text, claim_expires = now() + make_interval(secs => $${first + 1}::double precision / 1000)`,
      params: [this.claimant.instanceId, this.claimant.claimTtlMs],
    };
  }

  private has910?: Promise<boolean>;

  /** Migration 910's columns, or none (a schema opened with earlier migrations, as the migration tests do): approvalSql. */
  private async approval(now: string): Promise<ReturnType<typeof approvalSql>> {
    this.has910 ??= this.db.one<{ ok: number }>(
      `SELECT 1 AS ok FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'alert_outbox' AND column_name = 'label_rev'`,
    ).then((r) => r !== null && r !== undefined);
    return approvalSql(await this.has910, now, 'GREATEST');
  }

  private async changes(sql: string, params: unknown[]): Promise<number> {
    return (await this.db.query(sql, params)).rowCount ?? 0;
  }

  private async list(sql: string, params: unknown[]): Promise<Delivery[]> {
    return (await this.db.rows<OutboxRow>(sql, params)).map(deliveryFromRow);
  }

  async insert(d: NewDelivery, now: number): Promise<boolean> {
    const inserted = (await this.changes(
      `INSERT INTO alert_outbox (id, story_id, article_id, subscription_id, kind, platform, channel, priority_rank,
         state, reason, folded_into, target_version, due_at, payload, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) ON CONFLICT DO NOTHING`,
      [d.id, d.storyId, d.articleId, d.subscriptionId, d.kind, d.platform, d.channel, d.priorityRank, d.state,
        d.reason ?? null, d.foldedInto ?? null, d.targetVersion, d.dueAt ?? null, d.payload ?? null, now],
    )) === 1;
    // Set apart (the approvals migration's column): a schema that predates it still takes every other row.
    if (inserted && d.expiresAt != null) await this.db.query('UPDATE alert_outbox SET expires_at = $1 WHERE id = $2', [d.expiresAt, d.id]);
    return inserted;
  }

  async insertMany(ds: readonly NewDelivery[], now: number): Promise<number> {
    if (ds.length === 0) return 0;
    if (ds.some((d) => d.expiresAt != null)) {
      let inserted = 0;
      for (const d of ds) if (await this.insert(d, now)) inserted += 1;
      return inserted;
    }
    const col = <T>(f: (d: NewDelivery) => T) => ds.map(f);
    return this.changes(
      `INSERT INTO alert_outbox (id, story_id, article_id, subscription_id, kind, platform, channel, priority_rank,
         state, reason, folded_into, target_version, due_at, payload, created_at, updated_at)
       SELECT r.*, $15::bigint, $15::bigint FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
         $8::int[], $9::text[], $10::text[], $11::text[], $12::int[], $13::bigint[], $14::text[]) AS r
       ON CONFLICT DO NOTHING`,
      [col((d) => d.id), col((d) => d.storyId), col((d) => d.articleId), col((d) => d.subscriptionId), col((d) => d.kind),
        col((d) => d.platform), col((d) => d.channel), col((d) => d.priorityRank), col((d) => d.state), col((d) => d.reason ?? null),
        col((d) => d.foldedInto ?? null), col((d) => d.targetVersion), col((d) => d.dueAt ?? null), col((d) => d.payload ?? null), now],
    );
  }

  async get(id: string): Promise<Delivery | null> {
    return (await this.list('SELECT * FROM alert_outbox WHERE id = $1', [id]))[0] ?? null;
  }

  async forStory(storyId: string, subscriptionId: string): Promise<Delivery | null> {
    return (await this.list('SELECT * FROM alert_outbox WHERE story_id = $1 AND subscription_id = $2', [storyId, subscriptionId]))[0] ?? null;
  }

  retarget(articleId: string, version: number, priorityRank: number, now: number): Promise<number> {
    return this.changes(
      `UPDATE alert_outbox SET target_version = $1::int, updated_at = $2::bigint,
         priority_rank = CASE WHEN state IN ('pending','sent') THEN LEAST(priority_rank, $3::int) ELSE priority_rank END,
         due_at = CASE WHEN state = 'sent' AND folded_into IS NULL AND message_ref IS NOT NULL THEN $2::bigint ELSE due_at END
       WHERE article_id = $4 AND kind = 'alert' AND target_version < $1::int AND delete_state IS NULL`,
      [version, now, priorityRank, articleId],
    );
  }

  reassign(storyId: string, articleId: string, version: number, priorityRank: number, now: number): Promise<number> {
    return this.changes(
      `UPDATE alert_outbox SET article_id = $1::text, target_version = $2::int, updated_at = $3::bigint,
         delivered_version = CASE WHEN state = 'sent' THEN 0 ELSE delivered_version END,
         priority_rank = CASE WHEN state IN ('pending','sent') THEN LEAST(priority_rank, $4::int) ELSE priority_rank END,
         due_at = CASE WHEN state = 'sent' AND folded_into IS NULL AND message_ref IS NOT NULL THEN $3::bigint ELSE due_at END
       WHERE story_id = $5 AND kind = 'alert' AND article_id IS DISTINCT FROM $1::text AND delete_state IS NULL`,
      [articleId, version, now, priorityRank, storyId],
    );
  }

  async sourcesJoined(storyId: string, now: number): Promise<number> {
    return this.changes(
      `UPDATE alert_outbox SET sources_rev = sources_rev + 1, updated_at = $2::bigint,
         due_at = CASE WHEN state = 'sent' AND folded_into IS NULL AND message_ref IS NOT NULL THEN ${sourcesDueSql('$2::bigint', 'GREATEST')} ELSE due_at END
       WHERE story_id = $1 AND kind = 'alert' AND delete_state IS NULL`,
      [storyId, now],
    );
  }

  releaseWaiting(storyId: string, approvalChannel: string, now: number): Promise<number> {
    return this.changes(`UPDATE alert_outbox SET state = 'pending', due_at = $3::bigint, updated_at = $3::bigint
        WHERE story_id = $1 AND kind = 'alert' AND state IN (${WAITING})
          AND subscription_id IN (SELECT id FROM alert_subscriptions WHERE approval_channel = $2::text)`, [storyId, approvalChannel, now]);
  }

  skipWaiting(storyId: string, approvalChannel: string | null, reason: string, now: number): Promise<number> {
    return this.changes(`UPDATE alert_outbox SET state = 'skipped', reason = $3::text, due_at = NULL, updated_at = $4::bigint
        WHERE story_id = $1 AND kind = 'alert' AND state IN (${WAITING})
          AND ($2::text IS NULL OR subscription_id IN (SELECT id FROM alert_subscriptions WHERE approval_channel = $2::text))`,
    [storyId, approvalChannel, reason, now]);
  }

  touchPreviews(storyId: string, approvalChannel: string | null, now: number, closed: boolean): Promise<number> {
    return this.changes(`UPDATE alert_outbox SET target_version = target_version + 1, updated_at = $3::bigint,
        expires_at = CASE WHEN $4::boolean THEN NULL ELSE expires_at END,
        due_at = CASE WHEN state = 'sent' AND message_ref IS NOT NULL AND attempts = 0 THEN $3::bigint ELSE due_at END
        WHERE story_id = $1 AND kind = 'preview' AND state IN ('pending','sending','sent') AND ($2::text IS NULL OR subscription_id = $2::text)`,
    [storyId, approvalChannel === null ? null : approvalKey(approvalChannel), now, closed]);
  }

  relabel(storyId: string, now: number): Promise<number> {
    return this.changes(`UPDATE alert_outbox SET label_rev = label_rev + 1, updated_at = $2::bigint, due_at = ${labelDueSql('$2::bigint')}
        WHERE story_id = $1 AND kind = 'alert' AND delete_state IS NULL`, [storyId, now]);
  }

  async countPendingRoutine(subscriptionId: string): Promise<number> {
    return (await this.db.one<{ n: number }>(
      `SELECT count(*) AS n FROM alert_outbox WHERE subscription_id = $1 AND state = 'pending' AND kind = 'alert' AND priority_rank = 2`,
      [subscriptionId],
    ))!.n;
  }

  async openGroup(subscriptionId: string, kind: 'fold' | 'digest', storyId?: string): Promise<Delivery | null> {
    const rows = storyId
      ? await this.list(
        `SELECT * FROM alert_outbox WHERE subscription_id = $1 AND kind = $2 AND state = 'pending'
           AND (story_id = $3::text OR left(story_id, length($3::text) + 1) = $3::text || ':') ORDER BY created_at DESC LIMIT 1`,
        [subscriptionId, kind, storyId])
      : await this.list(`SELECT * FROM alert_outbox WHERE subscription_id = $1 AND kind = $2 AND state = 'pending' ORDER BY created_at DESC LIMIT 1`, [subscriptionId, kind]);
    return rows[0] ?? null;
  }

  members(groupId: string): Promise<Delivery[]> {
    return this.list('SELECT * FROM alert_outbox WHERE folded_into = $1 ORDER BY priority_rank, created_at', [groupId]);
  }

  async due(now: number, platforms: Platform[], limit: number, buckets?: readonly string[]): Promise<Delivery[]> {
    if (platforms.length === 0 || buckets?.length === 0) return [];
    return this.list(
      `SELECT * FROM alert_outbox WHERE due_at IS NOT NULL AND due_at <= $1 AND platform = ANY($2::text[])
         AND ($4::text[] IS NULL OR ${BUCKET} = ANY($4::text[])) AND ${NOT_STOPPED}
       ORDER BY delete_state IS NULL, ${SOURCES_ONLY_LAST}, priority_rank, due_at LIMIT $3`,
      [now, platforms, limit, buckets ?? null],
    );
  }

  async nextDueAt(platforms: Platform[], after: number, buckets?: readonly string[]): Promise<number | null> {
    if (platforms.length === 0 || buckets?.length === 0) return null;
    return (await this.db.one<{ t: number | null }>(
      `SELECT min(due_at) AS t FROM alert_outbox WHERE due_at > $1 AND platform = ANY($2::text[])
         AND ($3::text[] IS NULL OR ${BUCKET} = ANY($3::text[])) AND ${NOT_STOPPED}`,
      [after, platforms, buckets ?? null],
    ))!.t;
  }

  async dueBuckets(before: number, platforms: Platform[]): Promise<string[]> {
    if (platforms.length === 0) return [];
    return (await this.db.rows<{ b: string }>(
      `SELECT DISTINCT ${BUCKET} AS b FROM alert_outbox WHERE due_at IS NOT NULL AND due_at <= $1 AND platform = ANY($2::text[]) AND ${NOT_STOPPED} ORDER BY b`,
      [before, platforms],
    )).map((r) => r.b);
  }

  async claimPost(id: string, now: number): Promise<boolean> {
    const claim = this.claimSet(3);
    const ap = await this.approval('$1');
    return (await this.changes(
      `UPDATE alert_outbox SET state = 'sending', attempts = attempts + 1, due_at = NULL, sources_claimed = sources_rev${ap.claim}, updated_at = $1, ${claim.sql}
       WHERE id = (SELECT id FROM alert_outbox WHERE id = $2 AND state IN (${CLAIMABLE}) AND due_at IS NOT NULL FOR UPDATE SKIP LOCKED)`,
      [now, id, ...claim.params])) === 1;
  }

  async claimEdit(id: string, now: number): Promise<boolean> {
    const claim = this.claimSet(3);
    const ap = await this.approval('$1');
    return (await this.changes(
      `UPDATE alert_outbox SET due_at = NULL, attempts = attempts + 1, sources_claimed = sources_rev${ap.claim}, updated_at = $1, ${claim.sql}
       WHERE id = (SELECT id FROM alert_outbox WHERE id = $2 AND state = 'sent' AND due_at IS NOT NULL AND delete_state IS NULL FOR UPDATE SKIP LOCKED)`,
      [now, id, ...claim.params])) === 1;
  }

  async claimDelete(id: string, now: number): Promise<boolean> {
    const claim = this.claimSet(3);
    return (await this.changes(
      `UPDATE alert_outbox SET due_at = NULL, attempts = attempts + 1, updated_at = $1, ${claim.sql}
       WHERE id = (SELECT id FROM alert_outbox WHERE id = $2 AND delete_state = 'due' AND due_at IS NOT NULL FOR UPDATE SKIP LOCKED)`,
      [now, id, ...claim.params])) === 1;
  }

  async markDeleted(id: string, state: 'deleted' | 'failed', note: string | null, now: number): Promise<void> {
    // delete_note keeps the recall's reason; a refusal's reason is the row's last error.
    await this.db.query(`UPDATE alert_outbox SET delete_state = $1, last_error = COALESCE($2, last_error), deleted_at = $3, due_at = NULL, attempts = 0, updated_at = $3,
        claimed_by = NULL, claim_expires = NULL WHERE id = $4`, [state, note, now, id]);
  }

  async recallRows(storyId: string, subscriptionIds: readonly string[] | null, reason: string, now: number): Promise<{ deletes: Delivery[]; skipped: number }> {
    const scoped = subscriptionIds === null ? '' : ' AND subscription_id = ANY($4::text[])';
    const params = [storyId, now, `recalled: ${reason}`, ...(subscriptionIds === null ? [] : [subscriptionIds])];
    const skipped = await this.changes(`UPDATE alert_outbox SET state = 'skipped', reason = $3, due_at = NULL, updated_at = $2
        WHERE story_id = $1 AND kind = 'alert' AND state IN (${RECALL_SKIPPABLE}) AND delete_state IS NULL${scoped}`, params);
    await this.db.query(`UPDATE alert_outbox SET delete_state = 'due', delete_note = $3, attempts = 0, updated_at = $2,
        due_at = CASE WHEN state = 'sent' THEN $2::bigint ELSE NULL END
        WHERE story_id = $1 AND kind = 'alert' AND state IN ('sent','sending') AND delete_state IS NULL${scoped}`, params);
    const deletes = await this.list(`SELECT * FROM alert_outbox WHERE story_id = $1 AND kind = 'alert' AND delete_state = 'due'${scoped.replace('$4', '$2')}`,
      subscriptionIds === null ? [storyId] : [storyId, subscriptionIds]);
    return { deletes, skipped };
  }

  forStoryAll(storyId: string): Promise<Delivery[]> {
    return this.list('SELECT * FROM alert_outbox WHERE story_id = $1 ORDER BY created_at', [storyId]);
  }

  async reclaimAbandoned(now: number): Promise<number> {
    if (!this.claimant) return 0;
    const posts = await this.changes(
      `UPDATE alert_outbox SET state = 'pending', in_doubt = 1, due_at = $1, claimed_by = NULL, claim_expires = NULL, updated_at = $1,
         last_error = 'outcome unknown: the instance sending it stopped; checked before any re-post'
       WHERE state = 'sending' AND claimed_by IS DISTINCT FROM $2 AND ${ABANDONED}`,
      [now, this.claimant.instanceId],
    );
    const edits = await this.changes(
      `UPDATE alert_outbox SET due_at = $1, claimed_by = NULL, claim_expires = NULL
       WHERE state = 'sent' AND kind IN ('alert','preview') AND folded_into IS NULL AND due_at IS NULL AND target_version > delivered_version
         AND claimed_by IS NOT NULL AND claimed_by <> $2 AND ${ABANDONED}`,
      [now, this.claimant.instanceId],
    );
    // Deletes a dead instance claimed and never finished come back (a delete is idempotent: "already gone" is done).
    const deletes = await this.changes(
      `UPDATE alert_outbox SET due_at = $1, claimed_by = NULL, claim_expires = NULL
       WHERE delete_state = 'due' AND state = 'sent' AND due_at IS NULL
         AND claimed_by IS NOT NULL AND claimed_by <> $2 AND ${ABANDONED}`,
      [now, this.claimant.instanceId],
    );
    return posts + edits + deletes;
  }

  async markSent(id: string, messageRef: string, version: number, now: number): Promise<void> {
    const ap = await this.approval('$2::bigint');
    await this.db.query(
      `UPDATE alert_outbox SET state = 'sent', message_ref = $1::text, sent_at = $2::bigint, delivered_version = $3::int, thread_version = $3::int,
         attempts = 0, in_doubt = 0, last_error = NULL, updated_at = $2::bigint, message_changed_at = $2::bigint,
         due_at = CASE WHEN delete_state = 'due' THEN $2::bigint WHEN target_version > $3::int AND kind IN ('alert','preview') THEN $2::bigint
           ${ap.sentDue}
           WHEN kind = 'alert' AND sources_rev > sources_claimed THEN $2::bigint + ${SOURCES_EDIT_EVERY_MS} ELSE NULL END
       WHERE id = $4`,
      [messageRef, now, version, id],
    );
  }

  async markThreaded(id: string, version: number, now: number, threadRef?: string): Promise<void> {
    await this.db.query(`UPDATE alert_outbox SET thread_version = GREATEST(COALESCE(thread_version, 0), $1), updated_at = $2,
        thread_refs = CASE WHEN $4::text IS NULL THEN thread_refs ELSE (COALESCE(thread_refs::jsonb, '[]'::jsonb) || to_jsonb($4::text))::text END
        WHERE id = $3`, [version, now, id, threadRef ?? null]);
  }

  async markEdited(id: string, version: number, threadVersion: number | null, now: number): Promise<void> {
    const ap = await this.approval('$3::bigint');
    await this.db.query(
      `UPDATE alert_outbox SET delivered_version = $1::int, thread_version = COALESCE($2::int, thread_version), attempts = 0,
         last_error = NULL, updated_at = $3::bigint, message_changed_at = $3::bigint,
         due_at = CASE WHEN delete_state = 'due' OR target_version > $1::int${ap.editedNow} THEN $3::bigint
           ${ap.editedDue}
           WHEN sources_rev > sources_claimed THEN $3::bigint + ${SOURCES_EDIT_EVERY_MS} ELSE NULL END
       WHERE id = $4`,
      [version, threadVersion, now, id],
    );
  }

  async retry(id: string, dueAt: number, error: string, inDoubt: boolean, now: number): Promise<void> {
    await this.db.query(
      `UPDATE alert_outbox SET state = CASE WHEN state = 'sending' THEN 'pending' ELSE state END, due_at = $1, last_error = $2,
         in_doubt = $3, updated_at = $4 WHERE id = $5`,
      [dueAt, error, inDoubt ? 1 : 0, now, id],
    );
  }

  async releaseClaim(id: string, reason: string, now: number): Promise<boolean> {
    return (await this.changes(
      `UPDATE alert_outbox SET state = CASE WHEN state = 'sending' THEN 'pending' ELSE state END,
         in_doubt = CASE WHEN state = 'sending' THEN 1 ELSE in_doubt END, due_at = $1, last_error = $2, updated_at = $1,
         claimed_by = NULL, claim_expires = NULL
       WHERE id = $3 AND ($4::text IS NULL OR claimed_by = $4::text) AND (state = 'sending' OR (state = 'sent' AND kind IN ('alert','preview') AND folded_into IS NULL AND due_at IS NULL
         AND target_version > delivered_version) OR (state = 'sent' AND delete_state = 'due' AND due_at IS NULL))`,
      [now, reason, id, this.claimant?.instanceId ?? null])) === 1;
  }

  async finish(id: string, state: 'failed' | 'skipped', reason: string, now: number): Promise<void> {
    await this.db.query(
      `UPDATE alert_outbox SET state = $1::text, reason = $2::text, due_at = NULL,
         last_error = CASE WHEN $1::text = 'failed' THEN $2::text ELSE last_error END, updated_at = $3 WHERE id = $4`,
      [state, reason, now, id],
    );
  }

  async giveUpEdit(id: string, reason: string, now: number): Promise<void> {
    await this.db.query('UPDATE alert_outbox SET delivered_version = target_version, due_at = NULL, last_error = $1, updated_at = $2 WHERE id = $3', [reason, now, id]);
  }

  async markMembersSent(groupId: string, messageRef: string, now: number): Promise<void> {
    await this.db.query(
      `UPDATE alert_outbox SET state = 'sent', message_ref = $1::text, sent_at = $2::bigint, delivered_version = target_version, updated_at = $2::bigint
       WHERE folded_into = $3 AND state IN (${MEMBERS_SENDABLE})`,
      [messageRef, now, groupId],
    );
  }

  async failMembers(groupId: string, reason: string, now: number): Promise<void> {
    await this.db.query(
      `UPDATE alert_outbox SET state = 'failed', reason = $1::text, last_error = $1::text, updated_at = $2 WHERE folded_into = $3 AND state IN (${MEMBERS_FAILABLE})`,
      [reason, now, groupId],
    );
  }

  skipQueued(subscriptionId: string, reason: string, now: number): Promise<number> {
    return this.changes(
      `UPDATE alert_outbox SET state = 'skipped', reason = $1, due_at = NULL, updated_at = $2 WHERE subscription_id = $3 AND state IN (${QUEUED})`,
      [reason, now, subscriptionId],
    );
  }

  failQueued(subscriptionId: string, reason: string, now: number): Promise<number> {
    return this.changes(
      `UPDATE alert_outbox SET state = 'failed', reason = $1, due_at = NULL, updated_at = $2 WHERE subscription_id = $3 AND state IN (${QUEUED})`,
      [reason, now, subscriptionId],
    );
  }

  async releaseDigests(subscriptionId: string, now: number): Promise<void> {
    await this.db.query(`UPDATE alert_outbox SET due_at = $1 WHERE subscription_id = $2 AND kind = 'digest' AND state = 'pending'`, [now, subscriptionId]);
  }

  /**
   * Rows left 'sending' with nobody alive to finish them: after a restart, this process's earlier run; with several
   * instances, only claims whose instance stopped (a live one is still sending them).
   */
  waitingSince(subscriptionId: string, before: number): Promise<Delivery[]> {
    return this.list(`SELECT * FROM alert_outbox WHERE subscription_id = $1 AND kind = 'alert' AND state IN (${HOLDABLE})
        AND folded_into IS NULL AND in_doubt = 0 AND created_at < $2 ORDER BY priority_rank, created_at`, [subscriptionId, before]);
  }

  async holdInto(ids: readonly string[], groupId: string, now: number): Promise<void> {
    await this.db.query(`UPDATE alert_outbox SET state = 'held', folded_into = $1, due_at = NULL, updated_at = $2
        WHERE id = ANY($3::text[]) AND state IN (${HOLDABLE})`, [groupId, now, ids]);
  }

  async nudge(subscriptionIds: readonly string[], now: number): Promise<void> {
    // Listing due_at fires the alert_outbox_due trigger: every instance's dispatcher hears of the rows again.
    await this.db.query(`UPDATE alert_outbox SET due_at = due_at, updated_at = $1 WHERE subscription_id = ANY($2::text[]) AND due_at IS NOT NULL`,
      [now, subscriptionIds]);
  }

  inDoubt(platform: Platform): Promise<Delivery[]> {
    return this.list(`SELECT * FROM alert_outbox WHERE state = 'sending' AND platform = $1${this.claimant ? ` AND ${ABANDONED}` : ''}`, [platform]);
  }

  resumeEdits(now: number): Promise<number> {
    return this.changes(
      `UPDATE alert_outbox SET due_at = $1 WHERE state = 'sent' AND kind IN ('alert','preview') AND due_at IS NULL
         AND ((folded_into IS NULL AND target_version > delivered_version) OR delete_state = 'due')
         ${this.claimant ? ` AND (claimed_by IS NULL OR ${ABANDONED})` : ''}`,
      [now],
    );
  }

  async stateCounts(now: number): Promise<Array<{ state: string; platform: string; rows: number; due: number }>> {
    const rows = await this.db.rows<{ state: string; platform: string; rows: string; due: string }>(
      `SELECT state, platform, COUNT(*) AS rows, COUNT(*) FILTER (WHERE due_at <= $1) AS due FROM alert_outbox GROUP BY state, platform`,
      [now],
    );
    return rows.map((r) => ({ state: r.state, platform: r.platform, rows: Number(r.rows), due: Number(r.due) }));
  }
}
