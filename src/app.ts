import type { Config } from './config.js';
import { coreCommands } from '../commands/index.js';
import { createDispatcher, type Dispatcher } from './core/dispatcher.js';
import type { OutboundPort, Platform } from './core/outbound.js';
import type { Services } from './core/services.js';
import { HttpServer } from './server/http.js';
import { logger as rootLogger, type Logger } from './log.js';
import { openSqliteStore } from './store/sqlite/index.js';
import { createDerivedCache } from './store/cache.js';
import { createSummarizer } from './summarize/summarizer.js';
import { loadArticleFiles } from './ingest/files.js';
import { watchInbox } from './ingest/inbox.js';
import { startTerminal, type TerminalAdapter } from './adapters/terminal/index.js';

/**
 * The composition root: opens the store, loads data/, builds the dispatcher and starts whatever is
 * configured. Nothing else wires parts together.
 */
export interface AppOptions {
  config: Config;
  logger?: Logger;
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
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
  const stoppers: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) {
      try {
        await s();
      } catch (err) {
        logger.warn({ err }, 'error while stopping');
      }
    }
  };

  try {
    const store = openSqliteStore(config.databasePath);
    stoppers.push(() => store.close());
    const cache = createDerivedCache(config.CACHE_TTL_SECONDS);
    store.articles.onChange(() => cache.clear());

    const ports = new Map<Platform, OutboundPort>();
    const services: Services = {
      articles: store.articles,
      summarizer: createSummarizer(),
      cache,
      actionState: store.actionState,
      ports,
    };

    await loadData(config, store.articles, logger);

    const dispatcher = createDispatcher({ commands: coreCommands(), services, logger });
    const http = new HttpServer();

    // --- sources ---
    if (config.INBOX_WATCH) {
      const inbox = watchInbox(config.inboxDir, store.articles, { logger });
      stoppers.push(() => inbox.stop());
    }

    // --- the one HTTP server ---
    let httpPort: number | undefined;
    if (http.hasRoutes || config.PORT !== undefined) {
      const address = await http.start(config.PORT ?? 3000, config.HOST);
      httpPort = address.port;
      stoppers.push(() => http.stop());
      logger.info({ port: address.port, host: config.HOST }, 'HTTP server listening');
    }

    // --- the terminal starts last, so piped commands find everything ready ---
    let terminal: TerminalAdapter | undefined;
    if (config.terminalEnabled) {
      const stdin = opts.stdin ?? process.stdin;
      const stdout = opts.stdout ?? process.stdout;
      terminal = startTerminal({
        dispatcher,
        logger,
        input: stdin as NodeJS.ReadableStream & import('node:stream').Readable,
        output: stdout as NodeJS.WritableStream & import('node:stream').Writable,
        channel: config.TERMINAL_CHANNEL,
        interactive: Boolean((stdin as { isTTY?: boolean }).isTTY && (stdout as { isTTY?: boolean }).isTTY),
        onEnd: () => {
          if (!config.discordEnabled && !config.slackEnabled) opts.onTerminalEnd?.();
        },
      });
      ports.set('terminal', terminal.port);
      stoppers.push(() => terminal!.stop());
    }

    return { dispatcher, services, httpPort, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function loadData(config: Config, articles: Services['articles'], logger: Logger): Promise<void> {
  const tty = Boolean(process.stderr.isTTY);
  const result = await loadArticleFiles(config.articlesDir, articles, {
    onWarning: (file, problem) => logger.warn({ file }, `skipped ${file}: ${problem}`),
    onProgress: tty
      ? (done, total) => {
          process.stderr.write(`\rLoading articles… ${done}/${total}`);
          if (done === total) process.stderr.write('\n');
        }
      : undefined,
  });
  logger.info({ loaded: result.loaded, warnings: result.warnings }, 'articles loaded from data/');
}
