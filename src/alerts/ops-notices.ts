import { answer, type Reply } from '../core/reply.js';
import { parseChannelRef, type Platform } from '../domain/channel.js';
import type { Delivery } from '../domain/delivery.js';
import type { OpsChannel } from '../domain/ops.js';
import type { Scope, Subscription } from '../domain/subscription.js';
import type { Store } from '../store/types.js';
import { newDeliveryId } from './fanout.js';

/**
 * Trouble is said where admins work: a problem (a subscription paused after a permanent failure, a feed failing
 * for hours, the platform refusing the bot) opens once per scope and cause, and the one caller that opens it queues
 * one notice to the scope's operations channel (/alerts ops); the one that closes it queues the recovery. Notices
 * are outbox rows like any alert (paced, retried, exactly once across instances), keyed (ops:<cause>:<day>,
 * ops:<scope>): at most one notice per cause and day, whatever races.
 */
export interface OpsNotices {
  /** Opens the problem in the scope; true when this call opened it (and queued the notice, if there is a channel). */
  problem(scope: Scope, cause: string, text: string): Promise<boolean>;
  /** Closes it; true when it was open (and the recovery was queued, if there is a channel). */
  recovered(scope: Scope, cause: string, text: string): Promise<boolean>;
  /** Newsroom-wide trouble (a feed, a platform refusing the bot): every scope that named an operations channel. */
  problemEverywhere(cause: string, text: string): Promise<number>;
  recoveredEverywhere(cause: string, text: string): Promise<number>;
}

export interface OpsNoticesOptions {
  store: Store;
  now: () => Date;
  /** The newsroom's TIMEZONE: a "day" of the one-notice-per-day rule is a local day. */
  timeZone: string;
  /** Called after a commit that queued a notice. */
  wake: () => void;
}

/** The outbox's subscription key of a scope's notices. */
export function opsKey(scope: Scope): string {
  return `ops:${scope.platform}:${scope.workspace}`;
}

export function createOpsNotices(opts: OpsNoticesOptions): OpsNotices {
  const { store } = opts;

  function localDay(at: Date): string {
    // en-CA formats as YYYY-MM-DD.
    return new Intl.DateTimeFormat('en-CA', { timeZone: opts.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  }

  async function queue(channel: OpsChannel, storyId: string, text: string, at: Date): Promise<void> {
    const inserted = await store.outbox.insert({
      id: newDeliveryId(), storyId, articleId: null, subscriptionId: opsKey(channel), kind: 'notice',
      platform: channel.platform, channel: channel.channel, priorityRank: 0, state: 'pending', targetVersion: 1,
      dueAt: at.getTime(), payload: JSON.stringify({ text }),
    }, at.getTime());
    if (inserted) store.afterCommit(opts.wake);
  }

  async function problem(scope: Scope, cause: string, text: string): Promise<boolean> {
    const at = opts.now();
    return store.transaction(async () => {
      if (!(await store.ops.openProblem(scope, cause, text, at.getTime()))) return false;
      const channel = await store.ops.channel(scope);
      if (channel) await queue(channel, `ops:${cause}:${localDay(at)}`, text, at);
      return true;
    });
  }

  async function recovered(scope: Scope, cause: string, text: string): Promise<boolean> {
    const at = opts.now();
    return store.transaction(async () => {
      if (!(await store.ops.closeProblem(scope, cause))) return false;
      const channel = await store.ops.channel(scope);
      if (channel) await queue(channel, `ops:${cause}:ok:${localDay(at)}`, text, at);
      return true;
    });
  }

  async function everywhere(act: (scope: Scope) => Promise<boolean>): Promise<number> {
    let n = 0;
    for (const c of await store.ops.channels()) if (await act({ platform: c.platform, workspace: c.workspace })) n++;
    return n;
  }

  return {
    problem,
    recovered,
    problemEverywhere: (cause, text) => everywhere((scope) => problem(scope, cause, text)),
    recoveredEverywhere: (cause, text) => everywhere((scope) => recovered(scope, cause, text)),
  };
}

/** What a notice row posts: its one line, as a channel message. */
export function renderNotice(row: Pick<Delivery, 'payload'>): Reply {
  const { text } = JSON.parse(row.payload ?? '{}') as { text?: string };
  return answer({ text: text ?? 'Newsdesk notice', visibility: 'channel' });
}

export function channelLabel(sub: Pick<Subscription, 'channel' | 'channelName'>): string {
  return `#${sub.channelName ?? parseChannelRef(sub.channel).channel}`;
}

/** The words of each notice, in one place. */
export const noticeText = {
  paused: (sub: Subscription, reason: string) =>
    `⚠️ Alerts to ${channelLabel(sub)} (${sub.id}) are paused: ${reason}. Fix that, then /alerts resume ${sub.id}.`,
  resumed: (sub: Subscription, by: string) => `✅ Alerts to ${channelLabel(sub)} (${sub.id}) flow again (resumed by ${by}).`,
  removed: (sub: Subscription, by: string) => `✅ The paused subscription ${sub.id} (${channelLabel(sub)}) was removed by ${by}.`,
  feedFailing: (name: string, hours: number, error: string | null) =>
    `⚠️ The feed "${name}" has failed for over ${hours} h${error ? ` (${error})` : ''}: its stories are not arriving. /alerts sources shows every feed.`,
  feedRecovered: (name: string) => `✅ The feed "${name}" works again.`,
  platformRefused: (platform: string, reason: string) =>
    `⚠️ ${platformName(platform)} refused the bot itself: ${reason}. Every ${platformName(platform)} alert is held until that is fixed.`,
  platformRecovered: (platform: string) => `✅ ${platformName(platform)} takes Newsdesk's posts again; held alerts are going out.`,
};

function platformName(platform: string): string {
  return platform === 'slack' ? 'Slack' : platform === 'discord' ? 'Discord' : platform;
}

/**
 * The dispatcher's map of platforms refusing the bot, telling `observer` when a platform starts refusing (once)
 * and when it takes posts again.
 */
export function observedProblems(observer?: (platform: Platform, problem: string | null) => void): Map<Platform, string> {
  return new (class extends Map<Platform, string> {
    override set(platform: Platform, problem: string): this {
      const fresh = !this.has(platform);
      super.set(platform, problem);
      if (fresh) observer?.(platform, problem);
      return this;
    }
    override delete(platform: Platform): boolean {
      const had = super.delete(platform);
      if (had) observer?.(platform, null);
      return had;
    }
  })();
}
