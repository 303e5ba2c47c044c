import type { Invocation, OptionChoice } from '../core/command.js';
import { parseChannelRef, type Platform } from '../domain/channel.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import type { Summarizer } from '../summarize/types.js';
import { createAlertDispatcher, type AlertDispatcher } from './dispatcher.js';
import { fanOut } from './fanout.js';
import { HeadlineIndex } from './headline-index.js';
import { createAlertsService } from './service.js';
import type { Actor, Scope } from '../domain/subscription.js';
import type { AlertsService } from '../core/alerts-service.js';
import type { Services } from '../core/services.js';
import type { Verification } from '../domain/approval.js';
import type { Clock } from '../domain/clock.js';
import type { PortRegistry } from '../outbound/registry.js';
import { SenderLeases } from './senders.js';
import { startEmbargoLifter } from './embargo.js';
import { createOpsNotices, noticeText, type OpsNotices } from './ops-notices.js';
import { withOpsNotices } from './ops-service.js';
import { ensureBriefingRuns } from './briefings.js';
import { createApprovals } from './approvals.js';
import { APPROVAL_EXPIRY_DEFAULT_MINUTES } from '../domain/approval.js';

export interface StartAlertsOptions {
  /** Articles, subscriptions, stories, outbox and audit log, on whichever backend. */
  store: Store;
  /** The adapters' ports, attached as each adapter comes up. */
  ports: PortRegistry;
  summarizer?: Pick<Summarizer, 'tldr'>;
  logger: Logger;
  config: { TIMEZONE: string };
  /** The application clock (src/domain/clock.ts). */
  now: Clock;
  /** Configured posts-per-minute ceilings per platform (SLACK_POSTS_PER_MINUTE), overriding anything learned. */
  ceilings?: Partial<Record<Platform, number>>;
  concurrency?: number;
  /** Several instances: how long a sender bucket's lease lasts without renewal (default 3 s). */
  senderLeaseMs?: number;
  /** APPROVAL_EXPIRY_MINUTES in ms: how long an approval preview stays open (default 120 minutes). */
  approvalExpiryMs?: number;
}

export interface Alerts {
  service: AlertsService;
  /** Resolves once every briefing's next run is ensured (at start). */
  briefingsReady: Promise<unknown>;
  dispatcher: AlertDispatcher;
  /** Trouble said in the operations channels (src/alerts/ops-notices.ts). */
  notices: OpsNotices;
  /** The verification label each article's story shows, for /news and /summary (Services.labels). */
  labels: NonNullable<Services['labels']>;
  /** For the core dispatcher's `autocompleteSources`. */
  autocompleteSources: { subscriptions: (invocation: Invocation, partial: string) => Promise<OptionChoice[]> };
  stop(): Promise<void>;
}

const SYSTEM: Actor = { id: 'system', name: 'Newsdesk', platform: 'system', workspace: '' };

export function scopeOf(invocation: Pick<Invocation, 'platform' | 'workspace'>): Scope {
  return { platform: invocation.platform, workspace: invocation.workspace };
}

/**
 * Starts the alerts pipeline: the fan-out listener inside the article store's write transaction, and the
 * dispatcher that delivers the outbox through the adapters' ports. Call before articles are loaded, so files
 * that arrived while the bot was down are matched too.
 */
export function startAlerts(opts: StartAlertsOptions): Alerts {
  const now = opts.now;
  const { store } = opts;
  const { subscriptions, outbox, stories, audit } = store;
  const logger = opts.logger.child({ module: 'alerts' });

  // Several instances (PostgreSQL): one sends per platform bucket, under a lease; all are woken by NOTIFY.
  const coordination = store.coordination;
  let wakeDispatcher = (): void => {};
  const senders = coordination
    ? new SenderLeases({ coordination, outbox, ports: opts.ports, logger, now: () => now().getTime(), ttlMs: opts.senderLeaseMs, onChange: () => wakeDispatcher() })
    : undefined;

  const approvals = createApprovals({ store, now, timeZone: opts.config.TIMEZONE, expiryMs: opts.approvalExpiryMs ?? APPROVAL_EXPIRY_DEFAULT_MINUTES * 60_000 });
  const notices = createOpsNotices({ store, now, timeZone: opts.config.TIMEZONE, wake: () => dispatcher.wake() });
  const dispatcher = createAlertDispatcher({
    senders,
    outbox, subscriptions, articles: store.articles, stories, ports: opts.ports, summarizer: opts.summarizer, logger,
    timeZone: opts.config.TIMEZONE, now: () => now().getTime(), concurrency: opts.concurrency,
    pacingState: store.pacingState, ceilings: opts.ceilings, approvals, labels: stories,
    async pauseSubscription(sub, reason) {
      await store.transaction(async () => {
        await subscriptions.setPaused(sub.id, true, reason);
        await outbox.skipQueued(sub.id, `subscription paused: ${reason}`, now().getTime());
        await audit.append(now(), SYSTEM, { platform: sub.platform, workspace: sub.workspace }, 'auto-pause', sub.id, { reason });
        await notices.problem({ platform: sub.platform, workspace: sub.workspace }, `sub:${sub.id}`, noticeText.paused(sub, reason));
      });
      // Said where admins look: the operations channel (the notice above), /alerts list and /alerts why.
      logger.warn({ subscription: sub.id, channel: sub.channel, reason }, 'alert subscription paused after a permanent failure');
    },
    onPlatformProblem(platform, problem) {
      const cause = `platform:${platform}`;
      const told = problem
        ? notices.problemEverywhere(cause, noticeText.platformRefused(platform, problem))
        : notices.recoveredEverywhere(cause, noticeText.platformRecovered(platform));
      told.catch((err) => logger.warn({ err, platform }, 'operations notice could not be queued'));
    },
  });

  wakeDispatcher = () => dispatcher.wake();
  // Every committed outbox write that gives a row a due time (now or later: a digest at the end of quiet hours, a
  // retry, a held row) wakes the dispatcher, which arms its timer from the store's next due time: on SQLite the
  // store announces its own writes, on PostgreSQL every instance hears every instance's through NOTIFY.
  const unlistenOutbox = store.onOutboxChange(() => {
    dispatcher.wake();
    senders?.nudge();
  });
  // Story matching reads what other instances wrote: the article write lock serializes writers, and the index
  // reads rows added since it last looked before each match.
  const headlines = new HeadlineIndex(stories, { shared: Boolean(coordination) });
  const unlisten = store.articles.onChange(async (change) => {
    // Runs inside the write transaction: the dispatcher is woken once the rows it queued are committed.
    if ((await fanOut({ subscriptions, outbox, stories, headlines, now, articles: store.articles, approvals }, change)) > 0) store.afterCommit(() => dispatcher.wake());
  });

  const service = withOpsNotices(createAlertsService({
    store, ports: opts.ports, dispatcher, approvals,
    timeZone: opts.config.TIMEZONE, now,
  }), { store, ports: opts.ports, notices, now });
  dispatcher.start();
  senders?.start();
  // Every briefing's next run has its row (written when the last one was sent or skipped; again here, harmlessly, so
  // a crash between the two never loses a schedule). The rows arm the dispatcher's timer like any due row.
  const briefingsReady = ensureBriefingRuns({ subscriptions, outbox }, now().getTime())
    .catch((err) => logger.error({ err }, 'scheduled briefings: the next runs could not be written at start (runs already stored still go out)'));
  // Embargoes lift at their time, from the store: the lift is a stored change whose fan-out queues the alerts.
  const lifter = startEmbargoLifter({ articles: store.articles, coordination, now: () => now().getTime(), logger, afterCommit: (fn) => store.afterCommit(fn) });

  return {
    service,
    dispatcher,
    notices,
    briefingsReady,
    labels: {
      async forArticles(list) {
        const out = new Map<string, Verification>();
        for (const a of list) {
          const storyId = (await stories.story(a.id))?.storyId ?? a.id;
          const label = (await stories.label(storyId))?.label ?? a.verification;
          if (label) out.set(a.id, label);
        }
        return out;
      },
    },
    autocompleteSources: {
      subscriptions: async (invocation, partial) =>
        (await service.suggest(scopeOf(invocation), partial)).map((s) => ({
          name: `${s.id} · #${s.channelName ?? parseChannelRef(s.channel).channel} · ${s.briefing ? `briefing ${s.briefing.at}` : `${s.minPriority}+`}${s.paused ? ' · paused' : ''}`,
          value: s.id,
        })),
    },
    async stop() {
      lifter.stop();
      unlisten();
      unlistenOutbox();
      await dispatcher.stop();
      await senders?.stop();
    },
  };
}
