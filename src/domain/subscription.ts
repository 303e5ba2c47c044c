import type { Priority } from './article.js';
import type { ChannelRef, Platform } from './channel.js';

/** Subscriptions: which channel receives which alerts, set up by whom; and the audit trail of changes. */
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
  /**
   * A scheduled briefing (`/alerts briefing`): a subscription of kind briefing, in the same id space, which the fan-out
   * never matches; each run is one outbox row. Absent or null: an alert subscription.
   */
  briefing?: BriefingSchedule | null;
  /** Pings added to the alerts that match each rule (`/alerts mention`), besides `mentionRoleId`/`mentionHere`. */
  mentionRules?: MentionRule[];
  /** Discord announcement channels: breaking alerts are also published (crossposted) to following servers. */
  publish?: boolean;
  /** `approval:#editors`: each alert waits for an editor's decision on a preview in this channel (src/alerts/approvals.ts). */
  approvalChannel?: ChannelRef | null;
  approvalChannelName?: string | null;
  /** Slack: alerts go into this message's thread (its `ts`), a thread given as a message link at subscribe. */
  threadTs?: string | null;
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
  briefing?: BriefingSchedule | null;
  publish?: boolean;
  approvalChannel?: ChannelRef | null;
  approvalChannelName?: string | null;
  threadTs?: string | null;
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
/** Monday first, as a newsroom reads a week. */
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** When a scheduled briefing runs (src/alerts/briefing-schedule.ts), and what it covers. */
export interface BriefingSchedule {
  /** Local time of day, HH:MM. */
  at: string;
  /** IANA time zone. */
  tz: string;
  /** Days it runs on, Monday first. */
  days: readonly Weekday[];
}

/**
 * A ping added to the alerts that match it (`/alerts mention`): a Discord role id, or on Slack `here` or a user group
 * id (S…). Empty filters match every alert of the subscription; at most 3 mentions go on one alert.
 */
export interface MentionRule {
  mention: string;
  /** Lower-case section names. */
  sections: string[];
  /** Lower-case words or phrases matched on title, dek and topics. */
  keywords: string[];
  minPriority: Priority | null;
}

/** Health shown by `/alerts list`, derived from the outbox. */
export interface SubscriptionHealth {
  lastSentAt: number | null;
  sent: number;
  failed: number;
  queued: number;
  lastError: string | null;
  /** When the last /alerts test went out (tests are not counted as alerts). */
  lastTestAt?: number | null;
  /** The platform refuses the bot itself (revoked token): every delivery there is held until it is fixed. */
  platformProblem?: string | null;
  /** publish:yes subscriptions: breaking alerts published and held over the last hour, and publishes left this hour. */
  publishing?: { published: number; held: number; left: number; lastProblem: string | null };
  /** Briefings: the due instants of recent runs missed (skipped: every instance was down two hours or more), newest first. */
  missedRuns?: number[];
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


/** A server or workspace whose alerts an admin stopped (`/alerts stop`): nothing new leaves for it until `/alerts start`. */
export interface ScopeStop {
  platform: string;
  workspace: string;
  /** ISO 8601. */
  stoppedAt: string;
  by: { id: string; name: string };
  reason: string | null;
}
