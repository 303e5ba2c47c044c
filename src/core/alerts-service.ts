import type { ChannelRef } from '../domain/channel.js';
import type { Verification } from '../domain/approval.js';

/** A press on an approval preview (src/alerts/approvals.ts parses the button's action id into it). */
export type ApprovalPress = { kind: 'approve' | 'hold' | 'reject'; previewId: string } | { kind: 'label'; previewId: string; label: Verification };
import type { StoryRecall, DeliveryState } from '../domain/delivery.js';
import type { Actor, AuditEntry, BriefingSchedule, MentionRule, NewSubscription, QuietHours, Scope, Subscription, SubscriptionHealth, ScopeStop } from '../domain/subscription.js';

/**
 * What the /alerts command needs from the alerts module, declared here (core) so commands depend on this
 * port and alerts implements it: core never imports alerts.
 */
export interface SubscriptionView extends Subscription {
  health: SubscriptionHealth;
}

/** One line of `/alerts why`: what happened to an article for one subscription. */
export interface WhyLine {
  subscription: Subscription;
  delivered: boolean;
  explanation: string;
}

/** `/alerts briefing #channel at:07:30 tz:Europe/London sections:world days:mon-fri`. */
export interface NewBriefing {
  platform: NewSubscription['platform'];
  workspace: string;
  channel: ChannelRef;
  channelName?: string | null;
  schedule: BriefingSchedule;
  /** Lower-case section names; empty: every section. */
  sections: string[];
}

/** At most this many briefings in one server or workspace. */
export const MAX_BRIEFINGS_PER_SCOPE = 20;

export interface TestOutcome {
  state: DeliveryState;
  detail: string;
}

/** What `/alerts` uses. Every change is audited. */
export interface AlertsService {
  subscribe(input: NewSubscription, actor: Actor): Promise<Subscription>;
  /**
   * A scheduled briefing: a subscription of kind briefing (the channel checked as subscribe does, at most
   * MAX_BRIEFINGS_PER_SCOPE per scope, audited) with its first run's row written. Returns it and its first run.
   */
  briefing(input: NewBriefing, actor: Actor): Promise<{ subscription: Subscription; firstRunAt: number }>;
  list(scope: Scope): Promise<SubscriptionView[]>;
  /** A subscription of this scope, or null. */
  get(scope: Scope, id: string): Promise<Subscription | null>;
  remove(scope: Scope, id: string, actor: Actor): Promise<Subscription>;
  pause(scope: Scope, id: string, actor: Actor): Promise<Subscription>;
  resume(scope: Scope, id: string, actor: Actor): Promise<Subscription>;
  setQuiet(scope: Scope, id: string, quiet: QuietHours | null, actor: Actor): Promise<Subscription>;
  /** `/alerts mention`: the subscription's mention rules, replaced (an empty list clears them). */
  setMentionRules(scope: Scope, id: string, rules: MentionRule[], actor: Actor): Promise<Subscription>;
  /** Queues a TEST alert through the real outbox and waits (bounded) for its outcome. */
  test(scope: Scope, id: string, actor: Actor, waitMs?: number): Promise<TestOutcome>;
  why(scope: Scope, channel: ChannelRef, articleId: string): Promise<WhyLine[]>;
  /** Autocomplete: subscriptions of this scope whose id or channel contains `partial`. */
  suggest(scope: Scope, partial: string): Promise<Subscription[]>;
  audit(scope: Scope, limit: number): Promise<AuditEntry[]>;
  /** `/alerts stop`: holds every alert, edit and reply of this scope not yet sent. `changed` false: it was stopped already. */
  stop(scope: Scope, actor: Actor, reason: string | null): Promise<{ changed: boolean; stop: ScopeStop }>;
  /**
   * `/alerts start`: resumes; alerts held more than 30 minutes go out as one "While stopped" message per channel.
   * `stop` null: it was not stopped (nothing changed).
   */
  start(scope: Scope, actor: Actor): Promise<{ stop: ScopeStop | null; grouped: number; channels: number }>;
  stopState(scope: Scope): Promise<ScopeStop | null>;
  /**
   * `/alerts recall`: every posted copy of the story's alert in this scope is deleted (with its thread replies; digests
   * and folds that listed it are edited), what is not sent yet is skipped, and the story raises no further alert here.
   * `already`: the story was recalled here (or killed) before; nothing is repeated.
   */
  recall(scope: Scope, articleId: string, reason: string, actor: Actor): Promise<{ already: StoryRecall | null; channels: number; messages: number }>;
  /**
   * An editor pressed a button on an approval preview (Approve, Hold, Reject or a label): the decision or label is
   * written (first decision wins) and the private answer to the presser returned. UserError when the approval is closed.
   */
  press?(scope: Scope, actor: Actor, press: ApprovalPress): Promise<string>;
  /** The newsroom's time zone (TIMEZONE), for times in answers. */
  readonly timeZone: string;
  /** The operations channel (/alerts ops): where this scope's admins are told about trouble. */
  ops?: OpsService;
}

/** `/alerts ops`: one channel per server or workspace; every change audited. */
export interface OpsService {
  channel(scope: Scope): Promise<{ channel: ChannelRef; channelName: string | null; setByName: string } | null>;
  /** Checks the bot can post there (like subscribe), then names it; null clears it. */
  setChannel(scope: Scope, target: { channel: ChannelRef; channelName: string | null } | null, actor: Actor): Promise<{ channelName: string | null } | null>;
  /** Problems open in this scope, oldest first (what the notices said). */
  problems(scope: Scope): Promise<Array<{ detail: string; openedAt: number }>>;
}

