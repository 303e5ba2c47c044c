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
import { renderReply } from './adapters/terminal/render.js';
import { runMode, stdinKind, type StdinKind } from './adapters/terminal/mode.js';
import { Metrics } from './server/metrics.js';
import { sendJson } from './server/http.js';
import { startDiscord } from './adapters/discord/index.js';
import { startSlack } from './adapters/slack/index.js';
import { loadFeedsConfig } from './ingest/feeds/config.js';
import { startFeedPoller } from './ingest/feeds/poller.js';
import { mountIngestApi } from './ingest/push.js';
import { mountHealth, type ReadinessCheck } from './server/health.js';
import { systemClock, type Clock } from './domain/clock.js';
import { PortRegistry } from './outbound/registry.js';
import { createHash } from 'node:crypto';
import type { Coordination, Store } from './store/types.js';
import { SealedSlackInstallations } from './store/slack-installations.js';
import { workspaceGone } from './alerts/workspace-gone.js';
import { WORKSPACE_GONE } from './adapters/slack/oauth.js';

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
  /** What stdin is (decides terminal or headless when TERMINAL is unset); default: read from fd 0, or 'pipe' with `stdin`. */
  stdinKind?: StdinKind;
}

export interface App {
  dispatcher: Dispatcher;
  services: Services;
  /** Set when the HTTP server runs. */
  httpPort?: number;
  /** Set when /metrics is served (METRICS_PORT). */
  metricsPort?: number;
  /** The terminal reads stdin (false: headless, a service until a signal stops it). */
  terminal: boolean;
  /**
   * Drains and stops: /readyz answers 503 and pushes are refused from the first moment; the terminal, feeds and
   * inbox stop; the alert dispatcher finishes what is in flight and hands its leases over; then the HTTP server
   * closes (answers in flight finish), the adapters log out and the store closes.
   */
  stop(): Promise<void>;
}

export async function startApp(opts: AppOptions): Promise<App> {
  const { config } = opts;
  const logger = opts.logger ?? rootLogger;
  // Several instances (PostgreSQL): application time is the database's, read through this process's clock plus the
  // offset measured when it joins, so instances whose wall clocks disagree still agree on due times, quiet hours and
  // publication times (a row another instance queued "now" is due now here too, not when this clock gets there).
  let databaseOffsetMs = 0;
  const clock = opts.clock ?? (() => new Date(systemClock().getTime() + databaseOffsetMs));
  const stoppers: Array<() => Promise<void> | void> = [];
  let draining = false;
  const stop = async () => {
    draining = true;
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
      if (!opts.clock) databaseOffsetMs = await measureClockOffset(store.coordination, logger);
      await joinInstances(store.coordination, { feeds: feedsFingerprint(feeds), timeZone: config.TIMEZONE }, logger);
      // Another instance's writes reach this one's cache through NOTIFY.
      store.coordination.listen('articles', () => cache.clear());
    }
    const ports = new PortRegistry();
    // /metrics on its own port, only when METRICS_PORT is set; every port and the dispatcher are counted through it.
    const metrics = config.METRICS_PORT !== undefined ? new Metrics() : undefined;
    const attach = (port: Parameters<PortRegistry['attach']>[0]) => ports.attach(metrics ? metrics.instrumentPort(port) : port);
    if (metrics) store.articles.onChange((change) => metrics.countIngest(change));
    const services: Services = {
      articles: store.articles,
      summarizer: createSummarizer(),
      cache,
      actionState: store.actionState,
    };

    // --- terminal or service (headless): one log line says which and why ---
    const mode = runMode(config, opts.stdinKind ?? (opts.stdin ? 'pipe' : stdinKind(0)));
    const headless = !mode.terminal && (config.TERMINAL === false || (!config.discordEnabled && !config.slackEnabled));
    if (mode.terminal) logger.info({ mode: 'terminal', reason: mode.reason, pid: process.pid }, `terminal on stdin: ${mode.reason}`);
    // A person who started it with stdin at /dev/null on a terminal sees this line (warnings show there).
    else logger[process.stderr.isTTY ? 'warn' : 'info']({ mode: 'headless', reason: mode.reason, pid: process.pid }, `running headless (no terminal): ${mode.reason}; stop with SIGTERM or SIGINT`);

    // --- alerts: the fan-out listens before any article is loaded, so files that arrived while down match ---
    // Headless, alerts for terminal:<name> channels are printed on stdout (the service's log) instead of lost.
    const terminalPort = mode.terminal ? new TerminalPort() : headless ? new TerminalPort(printAlert(opts.stdout ?? process.stdout)) : undefined;
    if (terminalPort) attach(terminalPort);
    const alerts = startAlerts({
      store, ports, summarizer: services.summarizer, logger, config, now: clock,
      approvalExpiryMs: config.APPROVAL_EXPIRY_MINUTES * 60_000,
      ceilings: config.SLACK_POSTS_PER_MINUTE ? { slack: config.SLACK_POSTS_PER_MINUTE } : undefined,
    });
    services.alerts = alerts.service;
    services.labels = alerts.labels;

    const core = createDispatcher({
      commands: coreCommands(),
      services,
      logger,
      now: clock,
      autocompleteSources: alerts.autocompleteSources,
    });
    const dispatcher = metrics ? metrics.instrument(core) : core;
    const http = new HttpServer();
    const readiness: Record<string, ReadinessCheck> = {
      store: () => store.ping(),
    };

    // --- platform adapters (each mounts its HTTP routes before the server starts) ---
    if (config.discordEnabled) {
      const discord = await startDiscord({ config, dispatcher, logger, http, coordination: store.coordination, now: clock, publishLedger: store.publishLog });
      attach(discord.port);
      metrics?.setSources({ discordPing: () => discord.gatewayPing() });
      readiness.discord = () => discord.isReady();
      stoppers.push(() => discord.stop());
    }
    // Slack: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on this server at /slack/events.
    if (config.slackEnabled) {
      const slack = await startSlack({ config, dispatcher, logger, http, oauth: config.slackOAuth ? await slackOAuth(store, config, clock, logger) : undefined });
      attach(slack.port);
      readiness.slack = () => slack.isReady();
      stoppers.push(() => slack.stop());
    }
    // Stopping runs in reverse: alerts drain (in-flight deliveries finish, leases are handed over) while the HTTP
    // server still answers (/readyz 503); then the server closes, then the adapters whose ports the alerts used.
    stoppers.push(() => http.stop());
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
    mountIngestApi(refusedWhileDraining(http, () => draining), { token: config.INGEST_TOKEN, store: store.articles, logger });

    // --- the one HTTP server: only when something arrives over HTTP, or PORT asks for it, or headless without a
    // platform (then /healthz and /readyz are how a supervisor sees it) ---
    let httpPort: number | undefined;
    if (http.hasRoutes || config.PORT !== undefined || (headless && !config.discordEnabled && !config.slackEnabled)) {
      mountHealth(http, { checks: readiness, draining: () => draining });
      const address = await http.start(config.PORT ?? 3000, config.HOST);
      httpPort = address.port;
      lifecycle(logger, { port: address.port, host: config.HOST }, 'HTTP server listening');
    }
    let metricsPort: number | undefined;
    if (metrics) {
      metrics.setSources({
        outbox: () => store.outbox.stateCounts(clock().getTime()),
        feeds: () => (services.feeds?.health() ?? []) as ReadonlyArray<{ status: string }>,
        draining: () => draining,
        pausedSubscriptions: () => store.subscriptions.pausedReasons(),
        deliveryArticle: async (id) => (await store.outbox.get(id))?.articleId ?? null,
        leases: store.coordination ? () => leasesHeld(store.coordination!) : undefined,
      });
      const address = await metrics.serve(config.METRICS_PORT!, config.METRICS_HOST);
      metricsPort = address.port;
      // Last to stop: the drain can be watched.
      stoppers.unshift(() => metrics.stop());
      logger.info({ port: address.port, host: config.METRICS_HOST }, 'metrics listening (/metrics)');
    }

    // --- headless: the process runs until a signal, even with nothing else holding the event loop ---
    if (!mode.terminal) {
      const keepAlive = setInterval(() => {}, 2 ** 31 - 1);
      stoppers.unshift(() => clearInterval(keepAlive));
    }

    // --- the terminal starts last, so piped commands find everything ready ---
    if (mode.terminal && terminalPort) {
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

    return { dispatcher, services, httpPort, metricsPort, terminal: mode.terminal, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Many Slack workspaces: installations sealed with NEWSDESK_SECRET_KEY; a workspace gone pauses its alerts. A key that
 * does not open the stored installations stops start-up in one line (every workspace would otherwise look broken).
 */
async function slackOAuth(store: Store, config: Config, clock: Clock, logger: Logger) {
  const installations = new SealedSlackInstallations(store.slackInstallations, config.NEWSDESK_SECRET_KEY!);
  const stored = await installations.list();
  if (stored.length > 0) {
    const first = stored[0];
    try {
      await installations.fetch({ teamId: first.teamId, enterpriseId: first.enterpriseId, isEnterpriseInstall: first.isEnterpriseInstall });
    } catch {
      throw new Error(`NEWSDESK_SECRET_KEY does not open the ${stored.length} stored Slack installation(s): start with the key they were sealed with`);
    }
  }
  logger.info({ workspaces: stored.length }, 'slack: many workspaces (Add to Slack); installations read from the store');
  return {
    installations,
    states: store.oauthStates,
    coordination: store.coordination,
    now: () => clock().getTime(),
    onWorkspaceGone: async (teamId: string, event: keyof typeof WORKSPACE_GONE) => {
      await workspaceGone(store, { platform: 'slack', workspace: teamId }, { ...WORKSPACE_GONE[event], event }, clock, logger);
    },
  };
}

/** The HTTP server as the ingest API mounts on it: while draining, a push is refused (503) so the CMS sends it elsewhere or later. */
function refusedWhileDraining(http: HttpServer, draining: () => boolean): HttpServer {
  const gated = Object.create(http) as HttpServer;
  gated.mount = (method, path, handler) =>
    http.mount(method, path, (req, res) => {
      if (!draining()) return handler(req, res);
      res.setHeader('retry-after', '5');
      sendJson(res, 503, { error: 'this instance is stopping; send the push again (to another instance, or in a few seconds)' });
    });
  return gated;
}

/** Headless: alerts for terminal channels go to stdout as plain text, one block each. */
function printAlert(out: Writable) {
  return (heading: string, reply: Parameters<typeof renderReply>[0] | null) => {
    out.write(`${heading}\n${reply ? `${renderReply(reply, { color: false, width: 100 })}\n` : ''}`);
  };
}

/** Leases this instance holds, by kind (the part of the name before the first ':'). */
async function leasesHeld(coordination: Coordination): Promise<Record<string, number>> {
  const held: Record<string, number> = {};
  for (const l of await coordination.leases('')) {
    if (l.holder !== coordination.instanceId) continue;
    const kind = l.name.split(':')[0];
    held[kind] = (held[kind] ?? 0) + 1;
  }
  return held;
}

/** What instances compare at start: the feed list (ids and URLs), not secrets (feed headers are left out). */
function feedsFingerprint(feeds: ReturnType<typeof loadFeedsConfig>): string {
  const list = feeds.map((f) => `${f.id} ${f.url}`).sort().join('\n');
  return createHash('sha256').update(list).digest('hex').slice(0, 16);
}

/** Large differences are said once: they point at a machine whose clock is not synchronised. */
async function measureClockOffset(coordination: Coordination, logger: Logger): Promise<number> {
  const offset = (await coordination.clockOffsetMs?.()) ?? 0;
  if (Math.abs(offset) >= 1_000) {
    logger.warn({ offsetMs: offset }, "this machine's clock differs from the database's; application time follows the database's");
  }
  return offset;
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
