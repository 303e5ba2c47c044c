import { existsSync } from 'node:fs';
import { z } from 'zod';
import { isValidTimeZone } from './domain/clock.js';

/**
 * The whole environment, read once, through zod. An invalid value stops start-up with a message
 * naming the variable. Every variable is documented in .env.example.
 */
const optionalString = z.string().trim().min(1).optional();
/** 1/true, 0/false, or unset (undefined): "unset" decides by itself (TERMINAL: by the platforms and stdin). */
const triState = z.enum(['0', '1', 'true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === '1' || v === 'true'));
const idList = z.string().optional().transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean));
const url = z.url().optional();
/** A Discord bot token: three base64url parts joined by dots (the Developer Portal's Bot → Reset Token). */
const DISCORD_TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** `0,2`, `0-3`, `0-3,7`: shard ids, ascending, each once. */
const shardIds = z.string().trim().optional().transform((v, ctx) => {
  if (!v) return undefined;
  const ids = new Set<number>();
  for (const part of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
    const from = Number(m?.[1]);
    const to = Number(m?.[2] ?? m?.[1]);
    if (!m || to < from) {
      ctx.addIssue({ code: 'custom', message: `shard ids like 0,2 or 0-3 (not ${part})` });
      return z.NEVER;
    }
    for (let id = from; id <= to; id++) ids.add(id);
  }
  return ids.size ? [...ids].sort((a, b) => a - b) : undefined;
});

export const configSchema = z.object({
  /** Unset: warnings and errors on a terminal, info elsewhere (src/log.ts). */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'notice', 'info', 'debug', 'trace', 'silent']).optional(),
  DATA_DIR: z.string().default('data'),
  DATABASE_PATH: z.string().optional(),
  // The message never echoes the value: it may hold a password.
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'a postgres://… connection string').optional(),
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case schema name').default('public'),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HOST: z.string().default('127.0.0.1'),
  /** 1: the terminal runs; 0: never (a service); unset: when no platform is configured and stdin can be read (app.ts). */
  TERMINAL: triState,
  TERMINAL_CHANNEL: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only').default('newsroom'),
  CACHE_TTL_SECONDS: z.coerce.number().int().min(1).default(300),
  // Checked through Intl: an unknown zone would throw a RangeError wherever a time is shown.
  TIMEZONE: z.string().default('UTC').refine(isValidTimeZone),

  DISCORD_TOKEN: z.string().trim().regex(DISCORD_TOKEN_SHAPE).optional(),
  DISCORD_APPLICATION_ID: z.string().regex(/^\d+$/, 'a numeric application id').optional(),
  DISCORD_GUILD_ID: z.string().regex(/^\d+$/, 'a numeric server id').optional(),
  DISCORD_API_URL: url,
  DISCORD_PUBLIC_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, '64 hex characters').optional(),
  DISCORD_EDITOR_ROLE_IDS: idList,
  /** Unset: what Discord recommends (GET /gateway/bot), or the count the running instances already use. */
  DISCORD_SHARD_COUNT: z.coerce.number().int().min(1, 'at least 1').max(100_000).optional(),
  /** The shards this instance runs (pinned); unset: all of them alone, or what the leases let it take. */
  DISCORD_SHARD_IDS: shardIds,

  SLACK_BOT_TOKEN: z.string().trim().regex(/^xoxb-[A-Za-z0-9-]+$/).optional(),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: z.string().trim().regex(/^xapp-[A-Za-z0-9-]+$/).optional(),
  SLACK_API_URL: url,
  SLACK_ADMIN_USER_IDS: idList,
  SLACK_POSTS_PER_MINUTE: z.coerce.number().int().min(1, 'at least 1').max(100_000).optional(),
  /** How long an approval preview stays open before its alerts are skipped ("Expired, not sent"). */
  APPROVAL_EXPIRY_MINUTES: z.coerce.number({ error: 'whole minutes from 5 to 1440' }).int('whole minutes from 5 to 1440')
    .min(5, 'at least 5 (minutes)').max(1440, 'at most 1440 (minutes: one day)').default(120),
  // Many workspaces (Add to Slack, src/adapters/slack/oauth.ts): instead of SLACK_BOT_TOKEN, never with it.
  SLACK_CLIENT_ID: optionalString,
  SLACK_CLIENT_SECRET: optionalString,
  SLACK_STATE_SECRET: optionalString,
  /** Slack's authorize page (a test points it at the stand-in). */
  SLACK_AUTHORIZE_URL: z.url().default('https://slack.com/oauth/v2/authorize'),
  /** The redirect URL registered in the app (…/slack/oauth_redirect); unset: the one the app has. */
  SLACK_REDIRECT_URI: url,
  /** 32 bytes (64 hex characters or base64) sealing tokens at rest; the message never echoes the value. */
  NEWSDESK_SECRET_KEY: z.string().trim().refine((v) => /^[0-9a-fA-F]{64}$/.test(v) || /^[A-Za-z0-9+/_-]{43}=?$/.test(v), '32 random bytes as 64 hex characters (openssl rand -hex 32) or base64').optional(),

  INGEST_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  FEEDS_FILE: z.string().optional(),
  /** /metrics (Prometheus text) on its own port; unset: no metrics endpoint. Bound to METRICS_HOST (default loopback). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().default('127.0.0.1'),
  /** On SIGTERM/SIGINT: how long in-flight work may take to finish before the process exits anyway (code 1). */
  DRAIN_TIMEOUT_SECONDS: z.coerce.number().min(1).max(600).default(20),
  /** A feed failing this long is said in the operations channels (/alerts ops): 90m, 6h, 1d. */
  FEED_ALERT_AFTER: z.string().trim().default('6h').transform((v, ctx) => {
    const m = /^(\d{1,4})\s*(m|h|d)$/i.exec(v);
    const ms = m ? Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2].toLowerCase() as 'm' | 'h' | 'd'] : 0;
    if (ms <= 0) {
      ctx.addIssue({ code: 'custom', message: 'a duration like 90m, 6h or 1d' });
      return z.NEVER;
    }
    return ms;
  }),
  INBOX_WATCH: z.enum(['0', '1', 'true', 'false']).default('1').transform((v) => v === '1' || v === 'true'),
});

export type RawConfig = z.infer<typeof configSchema>;

/** SLACK_COMMAND_<NAME>=/slash renames the core command <name> on Slack; one variable per renamed command, none to declare. */
const SLACK_RENAME = /^SLACK_COMMAND_([A-Z0-9_]+)$/;
const slashCommand = z.string().regex(/^\/[a-z0-9_-]{1,31}$/, 'a slash command like /news');

export interface Config extends RawConfig {
  databasePath: string;
  articlesDir: string;
  inboxDir: string;
  feedsFile: string;
  discordEnabled: boolean;
  slackEnabled: boolean;
  slackSocketMode: boolean;
  /** Many workspaces: Slack's OAuth install (SLACK_CLIENT_ID …) with installations in the store. */
  slackOAuth: boolean;
  /**
   * The terminal may run: TERMINAL=1, or TERMINAL unset and no platform configured (then it runs only when stdin is
   * a TTY, a pipe or a file: src/adapters/terminal/mode.ts). TERMINAL=0: never.
   */
  terminalEnabled: boolean;
  /** Core command name → the slash command Slack users type instead (from SLACK_COMMAND_<NAME>). */
  slackCommandRenames: Record<string, string>;
}

/** What stops start-up: one line per problem, each naming its variable. */
export class ConfigError extends Error {
  static of(problems: string[]): ConfigError {
    return new ConfigError(problems.map((p) => `Invalid configuration: ${p}`).join('\n'));
  }
}

/** Values never repeated in a message: they are secrets, or may hold one (a password in DATABASE_URL). */
const SECRET = new Set(['DISCORD_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'INGEST_TOKEN', 'DATABASE_URL',
  'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET', 'NEWSDESK_SECRET_KEY']);

/** What each variable must be, written for the person editing .env ("PORT must be …, got 'abc'"). */
const EXPECTED: Record<string, string> = {
  LOG_LEVEL: 'one of fatal, error, warn, notice, info, debug, trace, silent',
  DATABASE_URL: 'a postgres://… connection string',
  DATABASE_SCHEMA: 'a lower-case schema name (letters, digits, _)',
  PORT: 'a number from 0 to 65535 (0 picks a free port)',
  TERMINAL: 'one of 0, 1, true, false',
  TERMINAL_CHANNEL: 'a channel name of letters, digits, _ . - only',
  CACHE_TTL_SECONDS: 'a whole number of seconds, at least 1',
  TIMEZONE: 'a time zone such as UTC, Europe/London or America/New_York',
  DISCORD_TOKEN: 'a bot token (three parts joined by dots, without "Bot "): Developer Portal → Bot → Reset Token',
  DISCORD_APPLICATION_ID: 'the numeric Application ID',
  DISCORD_GUILD_ID: 'a numeric server id',
  DISCORD_API_URL: 'a URL such as https://discord.com/api',
  DISCORD_PUBLIC_KEY: '64 hex characters (the application\'s Public Key)',
  DISCORD_SHARD_COUNT: 'a whole number from 1 to 100000',
  DISCORD_SHARD_IDS: 'shard ids like 0,2 or 0-3',
  SLACK_BOT_TOKEN: 'a bot token starting with xoxb- (OAuth & Permissions → Bot User OAuth Token)',
  SLACK_APP_TOKEN: 'an app-level token starting with xapp- (Basic Information → App-Level Tokens)',
  SLACK_SIGNING_SECRET: 'the app\'s Signing Secret',
  SLACK_API_URL: 'a URL such as https://slack.com/api/',
  SLACK_POSTS_PER_MINUTE: 'a whole number from 1 to 100000',
  INGEST_TOKEN: 'at least 16 characters',
  FEED_ALERT_AFTER: 'a duration like 90m, 6h or 1d',
  INBOX_WATCH: 'one of 0, 1, true, false',
};

function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const key = String(issue.path[0] ?? '(environment)');
  const expected = EXPECTED[key] ?? issue.message;
  const value = env[key];
  if (SECRET.has(key) || value === undefined) return `${key} must be ${expected}`;
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return `${key} must be ${expected}, got '${shown}'`;
}

/**
 * `.env` (in the working directory, or the file NEWSDESK_ENV_FILE names) read into process.env at start: a
 * variable already in the environment wins over the file. NEWSDESK_ENV_FILE=none reads no file (tests and the
 * processes they spawn set it). Answers the file read, or null.
 */
export function loadEnvFile(env: NodeJS.ProcessEnv = process.env): string | null {
  const named = env.NEWSDESK_ENV_FILE;
  if (named === 'none' || named === '') return null;
  const path = named ?? '.env';
  if (!existsSync(path)) {
    if (named) throw new ConfigError(`Invalid configuration:\n  NEWSDESK_ENV_FILE: no file at ${named}`);
    return null;
  }
  try {
    process.loadEnvFile(path);
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  ${path}: ${(err as Error).message}`);
  }
  return path;
}

/** Slack's two ways to get tokens exclude each other; OAuth mode needs its secrets and runs over HTTP. One line. */
function slackOAuthProblem(c: RawConfig): string | null {
  if (c.SLACK_BOT_TOKEN && c.SLACK_CLIENT_ID) {
    return 'SLACK_BOT_TOKEN and SLACK_CLIENT_ID: set one, not both (SLACK_BOT_TOKEN serves one workspace; SLACK_CLIENT_ID with SLACK_CLIENT_SECRET and SLACK_STATE_SECRET serves every workspace that installs Newsdesk)';
  }
  if (!c.SLACK_CLIENT_ID) {
    const stray = (['SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET'] as const).find((k) => c[k]);
    return stray ? `${stray}: set only with SLACK_CLIENT_ID (many workspaces)` : null;
  }
  const missing = (['SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET', 'NEWSDESK_SECRET_KEY'] as const).filter((k) => !c[k]);
  if (missing.length) {
    return `${missing.join(', ')}: required with SLACK_CLIENT_ID (many workspaces${missing.includes('NEWSDESK_SECRET_KEY') ? '; NEWSDESK_SECRET_KEY encrypts their tokens: openssl rand -hex 32' : ''})`;
  }
  if (c.SLACK_APP_TOKEN) return 'SLACK_APP_TOKEN: the Add to Slack install runs over HTTP (/slack/install); unset SLACK_APP_TOKEN with SLACK_CLIENT_ID';
  if (c.SLACK_REDIRECT_URI && !new URL(c.SLACK_REDIRECT_URI).pathname.endsWith('/slack/oauth_redirect')) {
    return 'SLACK_REDIRECT_URI: must end with /slack/oauth_redirect (the route Newsdesk serves), e.g. https://news.example/slack/oauth_redirect';
  }
  return null;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings in .env files mean "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => describeIssue(i, cleaned));
  const slackCommandRenames: Record<string, string> = {};
  for (const [key, value] of Object.entries(cleaned)) {
    const name = SLACK_RENAME.exec(key)?.[1];
    if (!name) continue;
    const slash = slashCommand.safeParse(value);
    if (slash.success) slackCommandRenames[name.toLowerCase()] = slash.data;
    else problems.push(`${key} must be a slash command like /news, got '${value}'`);
  }
  if (!parsed.success || problems.length) throw ConfigError.of(problems);
  const c = parsed.data;
  const discordEnabled = Boolean(c.DISCORD_TOKEN);
  if (discordEnabled && !c.DISCORD_APPLICATION_ID) {
    throw ConfigError.of(['DISCORD_APPLICATION_ID must be set when DISCORD_TOKEN is (the Developer Portal\'s Application ID)']);
  }
  const outside = c.DISCORD_SHARD_COUNT !== undefined && c.DISCORD_SHARD_IDS?.find((id) => id >= c.DISCORD_SHARD_COUNT!);
  if (outside !== undefined && outside !== false) {
    throw ConfigError.of([`DISCORD_SHARD_IDS names shard ${outside}, outside 0-${c.DISCORD_SHARD_COUNT! - 1} (DISCORD_SHARD_COUNT=${c.DISCORD_SHARD_COUNT})`]);
  }
  const slackOAuth = Boolean(c.SLACK_CLIENT_ID);
  const oauthProblem = slackOAuthProblem(c);
  if (oauthProblem) throw ConfigError.of([oauthProblem]);
  const slackEnabled = Boolean(c.SLACK_BOT_TOKEN) || slackOAuth;
  const slackSocketMode = slackEnabled && Boolean(c.SLACK_APP_TOKEN);
  if (slackEnabled && !slackSocketMode && !c.SLACK_SIGNING_SECRET) {
    throw ConfigError.of([`SLACK_SIGNING_SECRET must be set when ${slackOAuth ? 'SLACK_CLIENT_ID' : 'SLACK_BOT_TOKEN'} is set without SLACK_APP_TOKEN (HTTP mode)`]);
  }
  return {
    ...c,
    databasePath: c.DATABASE_PATH ?? `${c.DATA_DIR}/newsdesk.db`,
    articlesDir: `${c.DATA_DIR}/articles`,
    inboxDir: `${c.DATA_DIR}/inbox`,
    feedsFile: c.FEEDS_FILE ?? `${c.DATA_DIR}/feeds.json`,
    discordEnabled,
    slackEnabled,
    slackSocketMode,
    slackOAuth,
    terminalEnabled: c.TERMINAL ?? (!discordEnabled && !slackEnabled),
    slackCommandRenames,
  };
}
