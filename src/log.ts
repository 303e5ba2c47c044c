import pino from 'pino';
import pretty from 'pino-pretty';

/**
 * One logger. Logs go to stderr so the terminal adapter's answers on stdout stay clean.
 * Secrets are redacted by key wherever they appear in a logged object, and scrubbed from error text:
 * library errors carry request URLs (Discord interaction tokens live in webhook paths) and messages.
 * On a terminal (stderr is a TTY) the lines are short and readable (pino-pretty) and only warnings and errors
 * show unless LOG_LEVEL says otherwise; anywhere else (a pipe, a file, a service manager) they are JSON, one per line.
 * main.ts applies LOG_LEVEL once the configuration is validated.
 */
const SECRET_KEYS = [
  'token', 'DISCORD_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'INGEST_TOKEN',
  'signingSecret', 'appToken', 'botToken', 'authorization', 'Authorization', 'password',
  'DATABASE_URL', 'databaseUrl', 'connectionString',
  'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET', 'NEWSDESK_SECRET_KEY', 'clientSecret', 'client_secret', 'stateSecret',
  'refreshToken', 'refresh_token', 'access_token', 'sealed',
];

const SECRET_PATTERNS: Array<[RegExp, string]> = [
  // Discord interaction tokens: /webhooks/<app id>/<token>… and /interactions/<id>/<token>/callback
  [/(\/(?:webhooks|interactions)\/\d+\/)[A-Za-z0-9_.-]{20,}/g, '$1[redacted]'],
  // Slack tokens (bot, user, app-level, config)
  [/\bx(?:ox[abeprs]|app)-[A-Za-z0-9-]+/g, '[redacted]'],
  // A bot token in an Authorization header echoed into a message
  [/\b(Bot|Bearer)\s+[A-Za-z0-9._-]{20,}/g, '$1 [redacted]'],
  // Slack's OAuth client secret in a logged request body (web-api's debug lines redact only keys naming a token)
  [/("?client_secret"?\s*[:=]\s*"?)[^"&\s,}]+/g, '$1[redacted]'],
  // A PostgreSQL connection string (DATABASE_URL may hold a password)
  [/\bpostgres(?:ql)?:\/\/[^\s'"]+/gi, '[redacted]'],
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

export type LogLevel = 'fatal' | 'error' | 'warn' | 'notice' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * `notice`, between info and warn: the lifecycle lines a person starting Newsdesk looks for (ready, listening,
 * connected, joined, stopping), shown on a terminal by default; per-request detail stays at info and debug.
 */
const CUSTOM_LEVELS = { notice: 35 };

/** The level when LOG_LEVEL is not set: a person at a terminal sees lifecycle lines, warnings and errors; a log collector gets info. */
export function defaultLogLevel(tty: boolean): LogLevel {
  return tty ? 'notice' : 'info';
}

/** Readable lines for a person: time, level and message, then the fields on the same line. */
function prettyStream(destination: NodeJS.WritableStream | number): pino.DestinationStream {
  return pretty({
    destination, sync: true, colorize: destination === 2, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', singleLine: true,
    customLevels: 'notice:35', customColors: 'notice:green', useOnlyCustomProps: false,
  });
}

/**
 * The logger, writing to `destination` (stderr by default; tests pass a stream), as JSON lines or, with
 * `pretty`, as readable ones (the default when stderr is a TTY).
 */
export function createLogger(
  destination?: pino.DestinationStream,
  opts: { pretty?: boolean } = {},
): Logger {
  const readable = opts.pretty ?? (destination === undefined && Boolean(process.stderr.isTTY));
  const out = readable
    ? prettyStream((destination as NodeJS.WritableStream | undefined) ?? 2)
    : destination ?? pino.destination({ fd: 2, sync: true });
  return pino<'notice'>(
  {
    customLevels: CUSTOM_LEVELS,
    level: defaultLogLevel(readable),
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
  out,
  ) as unknown as Logger; // `notice` is reached through lifecycle(): the type stays every pino logger's
}

export const logger = createLogger();

/** Any pino logger (tests pass their own); ours also has `notice`. */
export type Logger = pino.Logger;

/** A lifecycle line (ready, listening, connected, joined, stopping): `notice` where the logger has it, else info. */
export function lifecycle(log: Logger, fields: Record<string, unknown>, message: string): void {
  const notice = (log as unknown as { notice?: pino.LogFn }).notice;
  if (typeof notice === 'function') notice.call(log, fields, message);
  else log.info(fields, message);
}
