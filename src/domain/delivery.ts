import type { ChannelRef, MessageRef, Platform } from './channel.js';

/** Deliveries: the outbox's rows, one per (story, subscription), and the states a row may move through. */
/**
 * `notice`: a line for an operations channel (src/alerts/ops-notices.ts), keyed (ops:<cause>:<day>, ops:<scope>).
 * `briefing`: one run of a scheduled briefing (src/alerts/briefings.ts), keyed (briefing:<subscription id>:<local date>,
 * subscription), due at the run's instant.
 * `preview`: an approval preview in an editors' channel, keyed (story, `approval:<channel>`) (src/alerts/approvals.ts).
 */
export type DeliveryKind = 'alert' | 'digest' | 'fold' | 'test' | 'notice' | 'briefing' | 'preview';
/**
 * pending → sending → sent (→ edited: delivered_version grows); or held (quiet hours) / folded (into a
 * digest or "N more stories" row), skipped (reason), failed (reason).
 */
/** waiting: an alert of a subscription with an approval channel, not due until an editor approves the story. */
export type DeliveryState = 'waiting' | 'pending' | 'sending' | 'sent' | 'held' | 'folded' | 'skipped' | 'failed';
export const DELIVERY_STATES: readonly DeliveryState[] = ['waiting', 'pending', 'sending', 'sent', 'held', 'folded', 'skipped', 'failed'];

/**
 * The legal moves of a delivery, in one table: the store's statements take their `state IN (…)` guards from
 * it (src/store/*), so SQL and TypeScript cannot disagree. A move not listed here never happens.
 * - pending → sending: claimed for a post (committed before the request leaves: after a crash, "in doubt").
 * - sending → pending: retry later; → sent: the platform accepted it; → failed/skipped: permanent.
 * - sent → sent: an edit (delivered_version grows); a sent row is never posted again.
 * - held/folded → sent: their digest or fold went out; → failed: it failed; → skipped: subscription paused.
 * - pending/held/folded → skipped: the subscription was paused or removed.
 */
export const DELIVERY_TRANSITIONS: Readonly<Record<DeliveryState, readonly DeliveryState[]>> = {
  // waiting → pending: an editor approved the story; → skipped: rejected, expired, retracted, or the subscription went.
  waiting: ['pending', 'skipped'],
  // pending → held: rows held by /alerts stop for more than 30 minutes go out in one "While stopped" message.
  pending: ['sending', 'skipped', 'failed', 'held'],
  sending: ['pending', 'sent', 'failed', 'skipped'],
  sent: ['sent'],
  held: ['sent', 'failed', 'skipped'],
  folded: ['sent', 'failed', 'skipped'],
  skipped: [],
  failed: [],
};

export function canMove(from: DeliveryState, to: DeliveryState): boolean {
  return DELIVERY_TRANSITIONS[from].includes(to);
}

/** Every state a row may leave for `to`, e.g. statesBefore('skipped') → pending, sending, held, folded. */
export function statesBefore(to: DeliveryState, among: readonly DeliveryState[] = DELIVERY_STATES): DeliveryState[] {
  return among.filter((from) => canMove(from, to));
}

/** Waiting to go out: what pausing a subscription skips. */
export const QUEUED_STATES: readonly DeliveryState[] = ['waiting', 'pending', 'held', 'folded'];
/** Waiting for an editor's approval: approve moves these to pending, reject and expiry to skipped. */
export const APPROVAL_WAITING: readonly DeliveryState[] = ['waiting'];
/** Members of a digest or fold, waiting for it. */
export const MEMBER_STATES: readonly DeliveryState[] = ['held', 'folded'];

/** One outbox row: one (story, subscription) pair. */
export interface Delivery {
  /** The delivery id: Discord's enforced nonce (≤ 25 characters) and Slack's message metadata. */
  id: string;
  /** The story: an article id (the first of its duplicates), or `digest:…`, `fold:…`, `test:…`. */
  storyId: string;
  /** The article rendered (and edited on update); null for digests and folds. */
  articleId: string | null;
  subscriptionId: string;
  kind: DeliveryKind;
  platform: Platform;
  channel: ChannelRef;
  /** 0 breaking, 1 urgent, 2 routine: the dispatcher's order. */
  priorityRank: number;
  state: DeliveryState;
  reason: string | null;
  foldedInto: string | null;
  messageRef: MessageRef | null;
  sentAt: number | null;
  deliveredVersion: number | null;
  targetVersion: number;
  threadVersion: number | null;
  attempts: number;
  /** The last attempt's outcome is unknown (crash, timeout): ask the platform before posting again. */
  inDoubt: boolean;
  /** Epoch ms when there is work to do (a post or an edit); null when there is none. */
  dueAt: number | null;
  lastError: string | null;
  payload: string | null;
  createdAt: number;
  updatedAt: number;
  /**
   * A recall or kill: 'due' (the message, its thread replies, or its line in a digest are to be removed), then
   * 'deleted' or 'failed' (the platform refused: `deleteNote` says why). Null: never recalled.
   */
  deleteState: DeleteState | null;
  deleteNote: string | null;
  deletedAt: number | null;
  /** The thread replies posted under this alert (threads:yes), deleted with it. */
  threadRefs: MessageRef[];
  /** An approval preview still open: when it expires (epoch ms); null once decided or held, and on every other row. */
  expiresAt?: number | null;
}

export type DeleteState = 'due' | 'deleted' | 'failed';

/** An editorial overlay on a story: a recall in one server or workspace, or the newsroom's kill everywhere ('*'). */
export interface StoryRecall {
  storyId: string;
  /** The scope: a platform and workspace, or '*' and '*' for a kill. */
  platform: string;
  workspace: string;
  kind: 'recall' | 'kill';
  reason: string;
  by: { id: string; name: string };
  at: number;
}

/** How the alerts pipeline saw an article: the story it belongs to, and whether it was a quiet first poll. */
export interface StoryRecord {
  articleId: string;
  storyId: string;
  duplicateOf: string | null;
  duplicateReason: string | null;
  quiet: boolean;
  seenAt: number;
}


export type NewDelivery = Pick<Delivery, 'id' | 'storyId' | 'articleId' | 'subscriptionId' | 'kind' | 'platform' | 'channel' | 'priorityRank' | 'state' | 'targetVersion'> &
  Partial<Pick<Delivery, 'reason' | 'foldedInto' | 'dueAt' | 'payload' | 'expiresAt'>>;
