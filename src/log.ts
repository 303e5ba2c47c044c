import pino from 'pino';

/**
 * One logger. Logs go to stderr so the terminal adapter's answers on stdout stay clean.
 * Secrets are redacted by key wherever they appear in a logged object, and scrubbed from error text:
 * library errors carry request URLs (Discord interaction tokens live in webhook paths) and messages.
 * The level starts at info; main.ts applies LOG_LEVEL once the configuration is validated.
 */
const SECRET_KEYS = [
  'token', 'DISCORD_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'INGEST_TOKEN',
  'signingSecret', 'appToken', 'botToken', 'authorization', 'Authorization', 'password',
];

const SECRET_PATTERNS: Array<[RegExp, string]> = [
  // Discord interaction tokens: /webhooks/<app id>/<token>… and /interactions/<id>/<token>/callback
  [/(\/(?:webhooks|interactions)\/\d+\/)[A-Za-z0-9_.-]{20,}/g, '$1[redacted]'],
  // Slack tokens (bot, user, app-level, config)
  [/\bx(?:ox[abeprs]|app)-[A-Za-z0-9-]+/g, '[redacted]'],
  // A bot token in an Authorization header echoed into a message
  [/\b(Bot|Bearer)\s+[A-Za-z0-9._-]{20,}/g, '$1 [redacted]'],
];

export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((t, [re, to]) => t.replace(re, to), text);
}

function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (depth > 3 || !value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValue(v, depth + 1)]));
}

/** The logger, writing to `destination` (stderr by default; tests pass a stream). */
export function createLogger(destination: pino.DestinationStream = pino.destination({ fd: 2, sync: true })) {
  return pino(
  {
    level: 'info',
    redact: {
      paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), 'headers.authorization', '*.headers.authorization'],
      censor: '[redacted]',
    },
    serializers: { err: (err: Error) => scrubValue(pino.stdSerializers.err(err)) as ReturnType<typeof pino.stdSerializers.err> },
    hooks: {
      logMethod(args, method) {
        // The message string itself (e.g. a library error's text) is scrubbed too.
        method.apply(this, args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a)) as Parameters<typeof method>);
      },
    },
    base: undefined,
  },
  destination,
  );
}

export const logger = createLogger();

export type Logger = ReturnType<typeof createLogger>;
