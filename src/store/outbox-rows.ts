import type { Platform } from '../domain/channel.js';
import { MEMBER_STATES, QUEUED_STATES, statesBefore, type Delivery, type DeliveryKind, type DeliveryState, type StoryRecall } from '../domain/delivery.js';

/** What both outbox backends share: the row mapping and the state guards of their statements. */
/** An `alert_outbox` row as both backends return it (times as epoch ms, in_doubt as 0/1). */
export interface OutboxRow {
  id: string; story_id: string; article_id: string | null; subscription_id: string; kind: string; platform: string;
  channel: string; priority_rank: number; state: string; reason: string | null; folded_into: string | null;
  message_ref: string | null; sent_at: number | null; delivered_version: number | null; target_version: number;
  thread_version: number | null; attempts: number; in_doubt: number; due_at: number | null; last_error: string | null;
  payload: string | null; created_at: number; updated_at: number;
  delete_state?: string | null; delete_note?: string | null; deleted_at?: number | null; thread_refs?: string | null;
  expires_at?: number | string | null;
}

export function deliveryFromRow(r: OutboxRow): Delivery {
  return {
    id: r.id, storyId: r.story_id, articleId: r.article_id, subscriptionId: r.subscription_id,
    kind: r.kind as DeliveryKind, platform: r.platform as Platform, channel: r.channel, priorityRank: r.priority_rank,
    state: r.state as DeliveryState, reason: r.reason, foldedInto: r.folded_into, messageRef: r.message_ref,
    sentAt: r.sent_at, deliveredVersion: r.delivered_version, targetVersion: r.target_version,
    threadVersion: r.thread_version, attempts: r.attempts, inDoubt: r.in_doubt === 1, dueAt: r.due_at, lastError: r.last_error,
    payload: r.payload, createdAt: r.created_at, updatedAt: r.updated_at,
    deleteState: (r.delete_state ?? null) as Delivery['deleteState'], deleteNote: r.delete_note ?? null, deletedAt: r.deleted_at ?? null,
    threadRefs: r.thread_refs ? (JSON.parse(r.thread_refs) as string[]) : [],
    expiresAt: r.expires_at === undefined || r.expires_at === null ? null : Number(r.expires_at),
  };
}

/** `'a','b'` for a SQL `state IN (…)` guard, from the domain's transition table (src/domain/delivery.ts). */
function states(list: readonly DeliveryState[]): string {
  return list.map((st) => `'${st}'`).join(',');
}
export const CLAIMABLE = states(statesBefore('sending'));
export const QUEUED = states(QUEUED_STATES.filter((st) => statesBefore('skipped').includes(st)));
export const MEMBERS_SENDABLE = states(MEMBER_STATES.filter((st) => statesBefore('sent').includes(st)));
export const MEMBERS_FAILABLE = states(MEMBER_STATES.filter((st) => statesBefore('failed').includes(st)));

/** Rows /alerts stop can move into a "While stopped" digest (from the transition table). */
export const HOLDABLE = states(statesBefore('held', ['pending']));

/**
 * The rows of a stopped scope (alert_scope_stops) are held on every instance: the clause every due-work query of the
 * outbox carries. With no stop stored, the subquery is empty.
 */
export const NOT_STOPPED = `(delete_state = 'due' OR subscription_id NOT IN (SELECT s.id FROM alert_subscriptions s
  JOIN alert_scope_stops st ON st.platform = s.platform AND st.workspace = s.workspace))`;

export const SCOPE_STOPS_SCHEMA = `
CREATE TABLE alert_scope_stops (
  platform TEXT NOT NULL,
  workspace TEXT NOT NULL,
  stopped_at TEXT NOT NULL,
  stopped_by TEXT NOT NULL,
  stopped_by_name TEXT NOT NULL,
  reason TEXT,
  PRIMARY KEY (platform, workspace)
);`;

export interface ScopeStopRow { platform: string; workspace: string; stopped_at: string; stopped_by: string; stopped_by_name: string; reason: string | null }

export function scopeStopFromRow(r: ScopeStopRow): { platform: string; workspace: string; stoppedAt: string; by: { id: string; name: string }; reason: string | null } {
  return { platform: r.platform, workspace: r.workspace, stoppedAt: r.stopped_at, by: { id: r.stopped_by, name: r.stopped_by_name }, reason: r.reason };
}

/** Recalls and kills (editorial overlays on stories), and what a recall does to the outbox rows. */
export const RECALLS_SCHEMA = `
CREATE TABLE story_recalls (
  story_id TEXT NOT NULL,
  platform TEXT NOT NULL,
  workspace TEXT NOT NULL,
  kind TEXT NOT NULL,
  reason TEXT NOT NULL,
  by_id TEXT NOT NULL,
  by_name TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (story_id, platform, workspace)
);
ALTER TABLE alert_outbox ADD COLUMN delete_state TEXT;
ALTER TABLE alert_outbox ADD COLUMN delete_note TEXT;
ALTER TABLE alert_outbox ADD COLUMN deleted_at BIGINT;
ALTER TABLE alert_outbox ADD COLUMN thread_refs TEXT;`;

export interface RecallRow { story_id: string; platform: string; workspace: string; kind: string; reason: string; by_id: string; by_name: string; at: number }

export function recallFromRow(r: RecallRow): StoryRecall {
  return { storyId: r.story_id, platform: r.platform, workspace: r.workspace, kind: r.kind as StoryRecall['kind'], reason: r.reason, by: { id: r.by_id, name: r.by_name }, at: Number(r.at) };
}

/** Rows a recall skips before they go out (from the transition table). */
export const RECALL_SKIPPABLE = QUEUED;

/**
 * "+N sources" (newsroom controls III): a member from another origin joining a story whose alert is out edits the
 * alert to name it, at most once per story and channel per SOURCES_EDIT_EVERY_MS. `sources_rev` counts joins,
 * `sources_claimed` is the count the claimed post or edit was about to render (members are read after the claim),
 * `message_changed_at` when the message last changed (a post or any edit; the window counts from it). The due time of
 * a sources-only edit is the row's own due_at, so the rule holds across restarts and instances.
 */
export const SOURCES_SCHEMA = `
ALTER TABLE alert_outbox ADD COLUMN sources_rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alert_outbox ADD COLUMN sources_claimed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alert_outbox ADD COLUMN message_changed_at BIGINT;`;

/** Scheduled briefings (newsroom controls III): a subscription of kind briefing holds its schedule (JSON). */
export const BRIEFING_SCHEDULES_SCHEMA = `ALTER TABLE alert_subscriptions ADD COLUMN briefing TEXT;`;

/** The schedule column is written only for a briefing (an alert subscription is written as before migration 801). */
export function briefingColumn(input: { briefing?: unknown }): string {
  return input.briefing ? ', briefing' : '';
}

/** At most one sources-only edit per story and channel in this long. */
export const SOURCES_EDIT_EVERY_MS = 10 * 60_000;

/**
 * A sent row due for nothing but a sources-only edit (its text is current): after every post and content edit of
 * the due queue (Slack's chat.update is Tier 3; five feeds joining a story in 500 channels must not hold up news).
 */
export const SOURCES_ONLY_LAST = `(state = 'sent' AND delete_state IS NULL AND target_version <= COALESCE(delivered_version, 0))`;

/**
 * When a joining source makes a sent row due: a row already due keeps its time (a content edit carries the count, a
 * sources edit already waiting takes this one too); an edit in flight (claimed: due cleared, attempts counted) is
 * left to markEdited, which sees the join in sources_rev; otherwise one window after the message last changed.
 */
export function sourcesDueSql(now: string, greatest: 'MAX' | 'GREATEST'): string {
  return `CASE WHEN due_at IS NOT NULL THEN due_at WHEN attempts > 0 THEN NULL
    ELSE ${greatest}(${now}, COALESCE(message_changed_at, sent_at, 0) + ${SOURCES_EDIT_EVERY_MS}) END`;
}
