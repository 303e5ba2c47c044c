import type { ChannelRef } from '../domain/channel.js';
import type { DeliveryState } from '../domain/delivery.js';
import type { Actor, AuditEntry, NewSubscription, QuietHours, Scope, Subscription, SubscriptionHealth } from '../domain/subscription.js';

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

