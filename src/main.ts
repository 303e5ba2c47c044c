import { ConfigError, loadConfig } from './config.js';
import { logger } from './log.js';
import { startApp, type App } from './app.js';

/** Entry point: config → app → signals. The terminal adapter runs when no platform is configured. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every variable.\n`);
      process.exit(2);
    }
    throw err;
  }

  let app: App | null = null;
  let exitRequested = false;
  let stopping: Promise<void> | null = null;
  const shutdown = (code: number) => {
    if (!app) {
      exitRequested = true;
      return;
    }
    stopping ??= app
      .stop()
      .catch((err) => logger.error({ err }, 'shutdown failed'))
      .finally(() => process.exit(code));
  };
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));

  app = await startApp({ config, onTerminalEnd: () => shutdown(0) });
  if (exitRequested) shutdown(0);
}

main().catch((err) => {
  logger.fatal({ err }, 'Newsdesk failed to start');
  process.exit(1);
});
