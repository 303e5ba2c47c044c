import type { Readable, Writable } from 'node:stream';
import type { Config } from './config.js';
import { coreCommands } from '../commands/index.js';
import { createDispatcher, type Dispatcher } from './core/dispatcher.js';
import type { Services } from './core/services.js';
import { HttpServer } from './server/http.js';
import { lifecycle, logger as rootLogger, type Logger } from './log.js';
import { openStore } from './store/open.js';
import type { ArticleStore } from './store/types.js';
import { createDerivedCache } from './store/cache.js';
import { createSummarizer } from './summarize/summarizer.js';
import { loadArticleFiles } from './ingest/files.js';
import { watchInbox } from './ingest/inbox.js';
import { startAlerts } from './alerts/index.js';
import { startFeedWatch } from './alerts/feed-watch.js';
import { startTerminal } from './adapters/terminal/index.js';
import { TerminalPort } from './adapters/terminal/port.js';
import { startDiscord } from './adapters/discord/index.js';
import { startSlack } from './adapters/slack/index.js';
import { loadFeedsConfig } from './ingest/feeds/config.js';
import { startFeedPoller } from './ingest/feeds/poller.js';
import { mountIngestApi } from './ingest/push.js';
import { mountHealth, type ReadinessCheck } from './server/health.js';
import { systemClock, type Clock } from './domain/clock.js';
import { PortRegistry } from './outbound/registry.js';
import { createHash } from 'node:crypto';
import type { Coordination } from './store/types.js';

/**
 * The composition root: opens the store, starts the configured adapters and the alerts pipeline, loads
 * data/, and starts the terminal last so piped commands find everything ready. Nothing else wires parts.
 */
export interface AppOptions {
  config: Config;
  logger?: Logger;
  stdin?: Readable;
  stdout?: Writable;
  /** The application clock (default: the system's). */
  clock?: Clock;
  /** Called when the terminal's input ends and no platform keeps the bot running. */
  onTerminalEnd?: () => void;
}

export interface App {
  dispatcher: Dispatcher;
  services: Services;
  /** Set when the HTTP server runs. */
  httpPort?: number;
  stop(): Promise<void>;
}

export async function startApp(opts: AppOptions): Promise<App> {
  const { config } = opts;
  const logger = opts.logger ?? rootLogger;
  const clock = opts.clock ?? systemClock;
  const stoppers: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    if (stoppers.length) lifecycle(logger, {}, 'stopping');
    for (const s of stoppers.splice(0).reverse()) {
      try {
        await s();
      } catch (err) {
        logger.warn({ err }, 'error while stopping');
      }
    }
  };

  try {
    // --- store and services ---
    const store = await openStore({ databasePath: config.databasePath, databaseUrl: config.DATABASE_URL, databaseSchema: config.DATABASE_SCHEMA, now: clock });
    stoppers.push(() => store.close());
    const cache = createDerivedCache(config.CACHE_TTL_SECONDS);
    store.articles.onChange(() => cache.clear());
    const feeds = loadFeedsConfig(config.feedsFile);
    if (store.coordination) {
      await joinInstances(store.coordination, { feeds: feedsFingerprint(feeds), timeZone: config.TIMEZONE }, logger);
      // Another instance's writes reach this one's cache through NOTIFY.
      store.coordination.listen('articles', () => cache.clear());
    }
    const ports = new PortRegistry();
    const services: Services = {
      articles: store.articles,
      summarizer: createSummarizer(),
      cache,
      actionState: store.actionState,
    };

    // --- alerts: the fan-out listens before any article is loaded, so files that arrived while down match ---
    const terminalPort = config.terminalEnabled ? new TerminalPort() : undefined;
    if (terminalPort) ports.attach(terminalPort);
    const alerts = startAlerts({
      store, ports, summarizer: services.summarizer, logger, config, now: clock,
      ceilings: config.SLACK_POSTS_PER_MINUTE ? { slack: config.SLACK_POSTS_PER_MINUTE } : undefined,
    });
    services.alerts = alerts.service;

    const dispatcher = createDispatcher({
      commands: coreCommands(),
      services,
      logger,
      now: clock,
      autocompleteSources: alerts.autocompleteSources,
    });
    const http = new HttpServer();
    const readiness: Record<string, ReadinessCheck> = {
      store: () => store.ping(),
    };

    // --- platform adapters (each mounts its HTTP routes before the server starts) ---
    if (config.discordEnabled) {
      const discord = await startDiscord({ config, dispatcher, logger, http, coordination: store.coordination });
      ports.attach(discord.port);
      readiness.discord = () => discord.isReady();
      stoppers.push(() => discord.stop());
    }
    // Slack: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on this server at /slack/events.
    if (config.slackEnabled) {
      const slack = await startSlack({ config, dispatcher, logger, http });
      ports.attach(slack.port);
      readiness.slack = () => slack.isReady();
      stoppers.push(() => slack.stop());
    }
    // Alerts stop before the adapters (reverse order), so in-flight deliveries drain first.
    stoppers.push(() => alerts.stop());

    // --- sources ---
    await loadData(config, store.articles, logger);
    if (config.INBOX_WATCH) {
      const inbox = watchInbox(config.inboxDir, store.articles, { logger });
      stoppers.push(() => inbox.stop());
    }

    if (feeds.length) {
      const poller = startFeedPoller({
        feeds, store: store.articles, feedState: store.feedState, logger, now: () => clock().getTime(), claimPolls: Boolean(store.coordination),
      });
      services.feeds = poller;
      stoppers.push(() => poller.stop());
      const watch = startFeedWatch({ feeds, feedState: store.feedState, notices: alerts.notices, now: clock, thresholdMs: config.FEED_ALERT_AFTER, logger });
      stoppers.push(() => watch.stop());
    }
    mountIngestApi(http, { token: config.INGEST_TOKEN, store: store.articles, logger });

    // --- the one HTTP server: only when something arrives over HTTP, or PORT asks for it ---
    let httpPort: number | undefined;
    if (http.hasRoutes || config.PORT !== undefined) {
      mountHealth(http, { checks: readiness });
      const address = await http.start(config.PORT ?? 3000, config.HOST);
      httpPort = address.port;
      stoppers.push(() => http.stop());
      lifecycle(logger, { port: address.port, host: config.HOST }, 'HTTP server listening');
    }

    // --- the terminal starts last, so piped commands find everything ready ---
    if (terminalPort) {
      const stdin = opts.stdin ?? process.stdin;
      const stdout = opts.stdout ?? process.stdout;
      const terminal = startTerminal({
        dispatcher,
        logger,
        input: stdin,
        output: stdout,
        port: terminalPort,
        channel: config.TERMINAL_CHANNEL,
        interactive: Boolean((stdin as { isTTY?: boolean }).isTTY && (stdout as { isTTY?: boolean }).isTTY),
        onEnd: () => {
          if (!config.discordEnabled && !config.slackEnabled) opts.onTerminalEnd?.();
        },
      });
      stoppers.push(() => terminal.stop());
    }

    return { dispatcher, services, httpPort, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** What instances compare at start: the feed list (ids and URLs), not secrets (feed headers are left out). */
function feedsFingerprint(feeds: ReturnType<typeof loadFeedsConfig>): string {
  const list = feeds.map((f) => `${f.id} ${f.url}`).sort().join('\n');
  return createHash('sha256').update(list).digest('hex').slice(0, 16);
}

/** Registers this instance (heartbeat, LISTEN) and warns when the others run with another feed list or time zone. */
async function joinInstances(coordination: Coordination, mine: { feeds: string; timeZone: string }, logger: Logger): Promise<void> {
  await coordination.start(mine);
  const others = await coordination.liveInstances();
  lifecycle(logger, { instance: coordination.instanceId, others: others.length }, 'instance joined the shared store');
  for (const o of others) {
    if (o.feeds !== null && o.feeds !== mine.feeds) {
      logger.warn({ instance: o.id, host: o.host }, 'another instance runs with a different data/feeds.json: every instance should share one feed list (a feed only some know is polled only while one of them holds it)');
    }
    if (o.timeZone !== null && o.timeZone !== mine.timeZone) {
      logger.warn({ instance: o.id, host: o.host, theirs: o.timeZone, ours: mine.timeZone }, 'another instance runs with a different TIMEZONE: alerts and briefings would read differently depending on who sends them');
    }
  }
}

/** Past this many written articles, the search indexes are merged once after the load (faster queries). */
const OPTIMIZE_AFTER_WRITES = 1_000;

async function loadData(config: Config, articles: ArticleStore, logger: Logger): Promise<void> {
  const tty = Boolean(process.stderr.isTTY);
  const result = await loadArticleFiles(config.articlesDir, articles, {
    onWarning: (file: string, problem: string) => logger.warn({ file }, `skipped ${file}: ${problem}`),
    onProgress: tty
      ? (done: number, total: number) => {
          process.stderr.write(`\rLoading articles… ${done}/${total}`);
          if (done === total) process.stderr.write('\n');
        }
      : undefined,
  });
  lifecycle(logger, { loaded: result.loaded, warnings: result.warnings.length }, 'articles loaded from data/');
  if (result.created + result.updated > OPTIMIZE_AFTER_WRITES) await articles.optimize?.();
}
