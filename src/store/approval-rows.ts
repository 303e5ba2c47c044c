import { outcomesBefore, VERIFICATIONS, type ApprovalDecision, type ApprovalOutcome, type StoryLabel, type Verification } from '../domain/approval.js';
import { APPROVAL_WAITING } from '../domain/delivery.js';

/**
 * What both backends share for editor approval and the verification label (newsroom controls II): the schema (after
 * the outbox's kind and state CHECKs are widened with 'preview' and 'waiting'), the row mapping and the guards.
 *
 * - alert_subscriptions.approval_channel: where a subscription's alerts wait for an editor.
 * - story_approvals: one decision per (story, approval channel); final decisions are conditional writes (first wins).
 * - story_labels: the label an editor set on a story (wins over the source's field).
 * - alert_outbox.expires_at: an open preview's expiry (its due time once posted, so expiry survives restarts and
 *   happens once); label_rev / label_claimed: a label change makes posted alerts due for one edit without a new
 *   version (claims copy the revision; an edit that finishes behind a newer revision is due again).
 */
export const APPROVALS_SCHEMA = `
ALTER TABLE articles ADD COLUMN verification TEXT CHECK (verification IN (${VERIFICATIONS.map((v) => `'${v}'`).join(',')}));
ALTER TABLE alert_subscriptions ADD COLUMN approval_channel TEXT;
ALTER TABLE alert_subscriptions ADD COLUMN approval_channel_name TEXT;
ALTER TABLE alert_outbox ADD COLUMN expires_at BIGINT;
ALTER TABLE alert_outbox ADD COLUMN label_rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alert_outbox ADD COLUMN label_claimed INTEGER NOT NULL DEFAULT 0;
CREATE TABLE story_approvals (
  story_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('held','approved','rejected','expired','retracted')),
  label TEXT,
  by_id TEXT NOT NULL,
  by_name TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (story_id, channel)
);
CREATE TABLE story_labels (
  story_id TEXT PRIMARY KEY,
  label TEXT NOT NULL CHECK (label IN (${VERIFICATIONS.map((v) => `'${v}'`).join(',')})),
  by_id TEXT NOT NULL,
  by_name TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX alert_outbox_waiting ON alert_outbox(story_id) WHERE state = 'waiting';`;

export const WAITING = APPROVAL_WAITING.map((st) => `'${st}'`).join(',');

/** `outcome IN (…)`: what a decision may replace (from the domain's table); FALSE when nothing (a hold replaces nothing). */
export function replaceableGuard(to: ApprovalOutcome, column: string): string {
  const from = outcomesBefore(to);
  return from.length === 0 ? '1 = 0' : `${column} IN (${from.map((o) => `'${o}'`).join(',')})`;
}

export interface ApprovalRow { story_id: string; channel: string; outcome: string; label: string | null; by_id: string; by_name: string; at: number | string }
export interface LabelRow { story_id: string; label: string; by_id: string; by_name: string; at: number | string }

export function approvalFromRow(r: ApprovalRow): ApprovalDecision {
  return {
    storyId: r.story_id, channel: r.channel, outcome: r.outcome as ApprovalOutcome, label: (r.label ?? null) as Verification | null,
    by: { id: r.by_id, name: r.by_name }, at: Number(r.at),
  };
}

export function labelFromRow(r: LabelRow): StoryLabel {
  return { storyId: r.story_id, label: r.label as Verification, by: { id: r.by_id, name: r.by_name }, at: Number(r.at) };
}

/**
 * The outbox statements' parts that read migration 910's columns, or nothing on a schema before it (a store opened
 * with earlier migrations, as the migration tests do): `claim` copies the label revision, `sentDue` / `editedDue` are
 * CASE branches (label edits due at once, an open preview due at its expiry).
 */
export function approvalSql(present: boolean, now: string, greatest: 'MAX' | 'GREATEST'): { claim: string; sentDue: string; editedDue: string; editedNow: string } {
  if (!present) return { claim: '', sentDue: '', editedDue: '', editedNow: '' };
  return {
    claim: ', label_claimed = label_rev',
    sentDue: `WHEN kind = 'alert' AND label_rev > label_claimed THEN ${now}
             WHEN kind = 'preview' AND expires_at IS NOT NULL THEN ${greatest}(expires_at, ${now})`,
    editedDue: `WHEN kind = 'preview' AND expires_at IS NOT NULL THEN ${greatest}(expires_at, ${now})`,
    editedNow: ' OR label_rev > label_claimed',
  };
}

/** A label change: an alert already posted on its own is due for one edit (a due row keeps its time; one in flight sees the revision). */
export function labelDueSql(now: string): string {
  return `CASE WHEN state = 'sent' AND folded_into IS NULL AND message_ref IS NOT NULL
    THEN (CASE WHEN due_at IS NOT NULL THEN due_at WHEN attempts > 0 THEN NULL ELSE ${now} END) ELSE due_at END`;
}
