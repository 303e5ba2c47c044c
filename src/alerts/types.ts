import type { ChannelRef, MessageRef, Platform } from '../core/outbound.js';
import type { Priority } from '../core/reply.js';

/** Quiet hours: local wall-clock times in an IANA time zone. */
export interface QuietHours {
  /** 'HH:MM' */
  from: string;
  /** 'HH:MM' */
  to: string;
  tz: string;
}

/** Who is acting: an admin from a chat platform, or the system itself (auto-pause). */
export interface Actor {
  id: string;
  name: string;
  platform: Platform | 'system';
  workspace: string;
}

/** Which subscriptions an admin may see and change: those of their own server or workspace. */
export interface Scope {
  platform: Platform;
  workspace: string;
}

export interface Subscription {
  /** Short and typeable: `/alerts pause k7m2p`. */
  id: string;
  platform: Platform;
  workspace: string;
  channel: ChannelRef;
  channelName: string | null;
  minPriority: Priority;
  /** Lower-case section names; empty = every section. */
  sections: string[];
  /** Lower-case words or phrases matched on title, dek and topics; empty = no keyword filter. */
  keywords: string[];
  /** Discord role id pinged on breaking alerts. */
  mentionRoleId: string | null;
  /** Slack `@here` on breaking alerts. */
  mentionHere: boolean;
  quiet: QuietHours | null;
  /** Time zone for times shown in this channel's alerts (quiet hours' tz, else TIMEZONE). */
  tz: string | null;
  /** Story updates also arrive as thread replies under the alert. */
  threads: boolean;
  paused: boolean;
  pausedReason: string | null;
  createdBy: string;
  createdByName: string;
  /** ISO 8601 */
  createdAt: string;
}

export interface NewSubscription {
  platform: Platform;
  workspace: string;
  channel: ChannelRef;
  channelName?: string | null;
  minPriority: Priority;
  sections?: string[];
  keywords?: string[];
  mentionRoleId?: string | null;
  mentionHere?: boolean;
  threads?: boolean;
}

/** Health shown by `/alerts list`, derived from the outbox. */
export interface SubscriptionHealth {
  lastSentAt: number | null;
  sent: number;
  failed: number;
  queued: number;
  lastError: string | null;
  /** The platform refuses the bot itself (revoked token): every delivery there is held until it is fixed. */
  platformProblem?: string | null;
}

export type DeliveryKind = 'alert' | 'digest' | 'fold' | 'test';
/**
 * pending → sending → sent (→ edited: delivered_version grows); or held (quiet hours) / folded (into a
 * digest or "N more stories" row), skipped (reason), failed (reason).
 */
export type DeliveryState = 'pending' | 'sending' | 'sent' | 'held' | 'folded' | 'skipped' | 'failed';

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

export interface AuditEntry {
  id: number;
  at: string;
  actorId: string;
  actorName: string;
  platform: string;
  workspace: string;
  action: string;
  subscriptionId: string | null;
  detail: Record<string, unknown>;
}

export interface SubscriptionView extends Subscription {
  health: SubscriptionHealth;
}

/** One line of `/alerts why`: what happened to an article for one subscription. */
export interface WhyLine {
  subscription: Subscription;
  delivered: boolean;
  explanation: string;
}

export interface TestOutcome {
  state: DeliveryState;
  detail: string;
}

/** What `/alerts` uses. Every change is audited. */
export interface AlertsService {
  subscribe(input: NewSubscription, actor: Actor): Promise<Subscription>;
  list(scope: Scope): Promise<SubscriptionView[]>;
  /** A subscription of this scope, or null. */
  get(scope: Scope, id: string): Promise<Subscription | null>;
  remove(scope: Scope, id: string, actor: Actor): Promise<Subscription>;
  pause(scope: Scope, id: string, actor: Actor): Promise<Subscription>;
  resume(scope: Scope, id: string, actor: Actor): Promise<Subscription>;
  setQuiet(scope: Scope, id: string, quiet: QuietHours | null, actor: Actor): Promise<Subscription>;
  /** Queues a TEST alert through the real outbox and waits (bounded) for its outcome. */
  test(scope: Scope, id: string, actor: Actor, waitMs?: number): Promise<TestOutcome>;
  why(scope: Scope, channel: ChannelRef, articleId: string): Promise<WhyLine[]>;
  /** Autocomplete: subscriptions of this scope whose id or channel contains `partial`. */
  suggest(scope: Scope, partial: string): Promise<Subscription[]>;
  audit(scope: Scope, limit: number): Promise<AuditEntry[]>;
}

export const PRIORITY_RANK: Record<Priority, number> = { breaking: 0, urgent: 1, routine: 2 };
