import { ConfigError, loadConfig, loadEnvFile } from './config.js';
import { defaultLogLevel, logger } from './log.js';
import { startApp, type App } from './app.js';

/** How long a signal received during start-up waits for start-up to finish and stop cleanly. */
const START_UP_GRACE_MS = 2_000;

/**
 * Entry point: config → app → signals. The terminal adapter runs when no platform is configured and stdin can be
 * read; otherwise (or with TERMINAL=0) Newsdesk runs headless, as a service. SIGTERM or SIGINT drains the app
 * (src/app.ts, App.stop) and exits 0; past DRAIN_TIMEOUT_SECONDS, or on a second signal, it exits 1 at once.
 */
async function main(): Promise<void> {
  let config;
  try {
    loadEnvFile();
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message} (see .env.example)\n`);
      process.exit(2);
    }
    throw err;
  }

  logger.level = config.LOG_LEVEL ?? defaultLogLevel(Boolean(process.stderr.isTTY));

  let app: App | null = null;
  let exitRequested: number | null = null;
  let stopping: Promise<void> | null = null;
  const shutdown = (code: number) => {
    if (!app) {
      // Start-up may be waiting on a platform; a signal still stops the process promptly. Start-up that finishes
      // within the grace period stops cleanly instead (below).
      if (exitRequested === null) {
        logger.warn('stopping during start-up');
        setTimeout(() => process.exit(code), START_UP_GRACE_MS).unref();
      }
      exitRequested ??= code;
      return;
    }
    if (stopping) return;
    const drainMs = config.DRAIN_TIMEOUT_SECONDS * 1000;
    setTimeout(() => {
      logger.error({ drainTimeoutSeconds: config.DRAIN_TIMEOUT_SECONDS }, 'drain did not finish in time (DRAIN_TIMEOUT_SECONDS); exiting');
      process.exit(1);
    }, drainMs).unref();
    stopping = app
      .stop()
      .then(() => logger.info('stopped'))
      .catch((err) => {
        logger.error({ err }, 'shutdown failed');
        code = code || 1;
      })
      .finally(() => process.exit(code));
  };
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal while draining (Ctrl-C twice, a supervisor losing patience): stop now. Not within the first
    // second: Ctrl-C under `npm start` reaches the app twice at once (from the terminal, and forwarded by npm).
    if (stopping && Date.now() - firstSignalAt > 1_000) {
      logger.warn({ signal }, 'second signal while draining: exiting now');
      process.exit(1);
    }
    if (stopping) return;
    firstSignalAt = Date.now();
    logger.info({ signal }, 'stopping: draining (readiness 503, in-flight work finishes, leases handed over)');
    shutdown(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A library's stray rejection (e.g. a Socket Mode reconnect) is logged, not fatal: the other adapters keep
  // serving. A thrown exception leaves the process in an unknown state: log it and stop cleanly.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception; shutting down');
    shutdown(1);
  });

  app = await startApp({
    config,
    onTerminalEnd: () => {
      // The last line of a piped run, on stderr (stdout holds only answers).
      process.stderr.write('End of input: Newsdesk stops. To keep it running as a service without a terminal, start it with TERMINAL=0.\n');
      shutdown(0);
    },
  });
  if (exitRequested !== null) shutdown(exitRequested);
}

main().catch((err) => {
  // A short reason for whoever started it (bad feeds.json, a refused token, a busy port); details at debug.
  logger.debug({ err }, 'start-up failed');
  process.stderr.write(`Newsdesk failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
