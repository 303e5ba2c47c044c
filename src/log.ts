import pino from 'pino';

/**
 * One logger. Logs go to stderr so the terminal adapter's answers on stdout stay clean.
 * Secrets are redacted by key wherever they appear in a logged object.
 */
const SECRET_KEYS = [
  'token', 'DISCORD_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'INGEST_TOKEN',
  'signingSecret', 'appToken', 'authorization', 'Authorization', 'password',
];

export const logger = pino(
  {
    level: process.env.LOG_LEVEL ?? 'info',
    redact: {
      paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), 'headers.authorization', '*.headers.authorization'],
      censor: '[redacted]',
    },
    base: undefined,
  },
  pino.destination({ fd: 2, sync: true }),
);

export type Logger = typeof logger;
