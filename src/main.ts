import { ConfigError, loadConfig, loadEnvFile } from './config.js';
import { defaultLogLevel, logger } from './log.js';
import { startApp, type App } from './app.js';

/** How long a signal received during start-up waits for start-up to finish and stop cleanly. */
const START_UP_GRACE_MS = 2_000;

/** Entry point: config → app → signals. The terminal adapter runs when no platform is configured. */
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
    stopping ??= app
      .stop()
      .catch((err) => logger.error({ err }, 'shutdown failed'))
      .finally(() => process.exit(code));
  };
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  // A library's stray rejection (e.g. a Socket Mode reconnect) is logged, not fatal: the other adapters keep
  // serving. A thrown exception leaves the process in an unknown state: log it and stop cleanly.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception; shutting down');
    shutdown(1);
  });

  app = await startApp({ config, onTerminalEnd: () => shutdown(0) });
  if (exitRequested !== null) shutdown(exitRequested);
}

main().catch((err) => {
  // A short reason for whoever started it (bad feeds.json, a refused token, a busy port); details at debug.
  logger.debug({ err }, 'start-up failed');
  process.stderr.write(`Newsdesk failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
