import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../../log.js';

const ABORTED = /request aborted/i;

/** Bolt, web-api and socket-mode log through our one pino logger (stderr, secrets redacted). */
export function boltLogger(logger: Logger): SlackLogger {
  const join = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => logger.debug(join(msg)),
    info: (...msg) => logger.info(join(msg)),
    // A client that hangs up mid-body is the client's business: one debug line, not a warning per request.
    warn: (...msg) => (ABORTED.test(join(msg)) ? logger.debug(join(msg)) : logger.warn(join(msg))),
    error: (...msg) => logger.error(join(msg)),
    setLevel: () => {},
    getLevel: () => {
      const level = logger.level;
      if (level === 'debug' || level === 'trace') return LogLevel.DEBUG;
      if (level === 'info') return LogLevel.INFO;
      if (level === 'warn') return LogLevel.WARN;
      return LogLevel.ERROR;
    },
    setName: () => {},
  };
}
