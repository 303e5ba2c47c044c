import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../../log.js';

const ABORTED = /request aborted/i;
/** web-api's "http request failed fetch failed": a request that will be retried, said so. */
const RETRIED = /^http request failed (.*)$/;

/** Bolt, web-api and socket-mode log through our one pino logger (stderr, secrets redacted). */
export function boltLogger(logger: Logger): SlackLogger {
  const join = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => logger.debug(join(msg)),
    info: (...msg) => logger.info(join(msg)),
    // A client that hangs up mid-body is the client's business: one debug line, not a warning per request.
    warn: (...msg) => {
      const text = join(msg);
      const retried = RETRIED.exec(text);
      if (ABORTED.test(text)) logger.debug(text);
      else if (retried) logger.warn({ error: retried[1] }, 'slack: a request to Slack failed; trying again (check the network, or SLACK_API_URL)');
      else logger.warn(text);
    },
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
