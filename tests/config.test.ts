import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, loadEnvFile } from '../src/config.js';
import { defaultLogLevel } from '../src/log.js';

describe('config', () => {
  it('defaults to the terminal on an embedded SQLite store under data/', () => {
    const c = loadConfig({});
    expect(c.terminalEnabled).toBe(true);
    expect(c.discordEnabled).toBe(false);
    expect(c.databasePath).toBe('data/newsdesk.db');
    expect(c.inboxDir).toBe('data/inbox');
  });

  it('stops with a message naming the variable on an invalid value', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DISCORD_PUBLIC_KEY: 'nothex' })).toThrow("Invalid configuration: DISCORD_PUBLIC_KEY must be 64 hex characters (the application's Public Key), got 'nothex'");
    expect(() => loadConfig({ INGEST_TOKEN: 'short' })).toThrow(/INGEST_TOKEN/);
  });

  it('requires what a platform needs, and never echoes a secret', () => {
    let message = '';
    try {
      loadConfig({ DISCORD_TOKEN: 'very.secret.token-value' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe("Invalid configuration: DISCORD_APPLICATION_ID must be set when DISCORD_TOKEN is (the Developer Portal's Application ID)");
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(
      'Invalid configuration: SLACK_SIGNING_SECRET must be set when SLACK_BOT_TOKEN is set without SLACK_APP_TOKEN (HTTP mode)',
    );
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slackSocketMode).toBe(true);
  });

  it('Slack for many workspaces: OAuth variables, each problem in one line, never a secret echoed', () => {
    const oauth = { SLACK_CLIENT_ID: '123.456', SLACK_CLIENT_SECRET: 'client-secret-value', SLACK_STATE_SECRET: 'state-secret-value', SLACK_SIGNING_SECRET: 's', NEWSDESK_SECRET_KEY: 'ab'.repeat(32) };
    const c = loadConfig(oauth);
    expect([c.slackEnabled, c.slackOAuth, c.slackSocketMode, c.terminalEnabled]).toEqual([true, true, false, false]);
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }).slackOAuth).toBe(false);
    const message = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(message({ ...oauth, SLACK_BOT_TOKEN: 'xoxb-secret-bot-token' })).toBe(
      'Invalid configuration: SLACK_BOT_TOKEN and SLACK_CLIENT_ID: set one, not both (SLACK_BOT_TOKEN serves one workspace; SLACK_CLIENT_ID with SLACK_CLIENT_SECRET and SLACK_STATE_SECRET serves every workspace that installs Newsdesk)');
    expect(message({ ...oauth, NEWSDESK_SECRET_KEY: '' })).toBe(
      'Invalid configuration: NEWSDESK_SECRET_KEY: required with SLACK_CLIENT_ID (many workspaces; NEWSDESK_SECRET_KEY encrypts their tokens: openssl rand -hex 32)');
    expect(message({ ...oauth, SLACK_STATE_SECRET: '' })).toBe('Invalid configuration: SLACK_STATE_SECRET: required with SLACK_CLIENT_ID (many workspaces)');
    expect(message({ ...oauth, SLACK_APP_TOKEN: 'xapp-1' })).toMatch(/^Invalid configuration: SLACK_APP_TOKEN: the Add to Slack install runs over HTTP/);
    expect(message({ ...oauth, SLACK_SIGNING_SECRET: '' })).toBe('Invalid configuration: SLACK_SIGNING_SECRET must be set when SLACK_CLIENT_ID is set without SLACK_APP_TOKEN (HTTP mode)');
    const badKey = message({ ...oauth, NEWSDESK_SECRET_KEY: 'too-short-secret-key' });
    expect(badKey).toBe('Invalid configuration: NEWSDESK_SECRET_KEY must be 32 random bytes as 64 hex characters (openssl rand -hex 32) or base64');
    expect(message({ ...oauth, SLACK_REDIRECT_URI: 'https://news.example/oauth' })).toBe(
      'Invalid configuration: SLACK_REDIRECT_URI: must end with /slack/oauth_redirect (the route Newsdesk serves), e.g. https://news.example/slack/oauth_redirect');
    expect(loadConfig({ ...oauth, SLACK_REDIRECT_URI: 'https://news.example/slack/oauth_redirect' }).SLACK_REDIRECT_URI).toBe('https://news.example/slack/oauth_redirect');
    expect(message({ SLACK_CLIENT_SECRET: 'x' })).toBe('Invalid configuration: SLACK_CLIENT_SECRET: set only with SLACK_CLIENT_ID (many workspaces)');
  });

  it('reads DISCORD_SHARD_IDS as lists and ranges, within DISCORD_SHARD_COUNT', () => {
    expect(loadConfig({ DISCORD_SHARD_IDS: '0,2' }).DISCORD_SHARD_IDS).toEqual([0, 2]);
    expect(loadConfig({ DISCORD_SHARD_IDS: '4-6, 1' }).DISCORD_SHARD_IDS).toEqual([1, 4, 5, 6]);
    expect(loadConfig({}).DISCORD_SHARD_IDS).toBeUndefined();
    expect(() => loadConfig({ DISCORD_SHARD_IDS: '3-1' })).toThrow("Invalid configuration: DISCORD_SHARD_IDS must be shard ids like 0,2 or 0-3, got '3-1'");
    expect(() => loadConfig({ DISCORD_SHARD_IDS: 'one' })).toThrow(/DISCORD_SHARD_IDS/);
    // Editor approval: how long a preview stays open.
    expect(loadConfig({}).APPROVAL_EXPIRY_MINUTES).toBe(120);
    expect(loadConfig({ APPROVAL_EXPIRY_MINUTES: '30' }).APPROVAL_EXPIRY_MINUTES).toBe(30);
    expect(() => loadConfig({ APPROVAL_EXPIRY_MINUTES: '4' })).toThrow("Invalid configuration: APPROVAL_EXPIRY_MINUTES must be at least 5 (minutes), got '4'");
    expect(() => loadConfig({ APPROVAL_EXPIRY_MINUTES: '1441' })).toThrow("Invalid configuration: APPROVAL_EXPIRY_MINUTES must be at most 1440 (minutes: one day), got '1441'");
    expect(() => loadConfig({ APPROVAL_EXPIRY_MINUTES: 'two hours' })).toThrow("Invalid configuration: APPROVAL_EXPIRY_MINUTES must be whole minutes from 5 to 1440, got 'two hours'");
    expect(() => loadConfig({ DISCORD_SHARD_COUNT: '2', DISCORD_SHARD_IDS: '0-2' })).toThrow('Invalid configuration: DISCORD_SHARD_IDS names shard 2, outside 0-1 (DISCORD_SHARD_COUNT=2)');
    expect(() => loadConfig({ DISCORD_SHARD_COUNT: '0' })).toThrow(/DISCORD_SHARD_COUNT/);
  });

  it('says in plain words what a variable must be, with the value given when it is no secret', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow("Invalid configuration: PORT must be a number from 0 to 65535 (0 picks a free port), got 'abc'");
    expect(() => loadConfig({ PORT: '70000' })).toThrow("Invalid configuration: PORT must be a number from 0 to 65535 (0 picks a free port), got '70000'");
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow("Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, notice, info, debug, trace, silent, got 'loud'");
    expect(() => loadConfig({ INGEST_TOKEN: 'short-secret' })).toThrow(/^Invalid configuration: INGEST_TOKEN must be at least 16 characters$/);
    // Two problems: one line each.
    expect(() => loadConfig({ PORT: 'abc', CACHE_TTL_SECONDS: '0' })).toThrow(
      "Invalid configuration: PORT must be a number from 0 to 65535 (0 picks a free port), got 'abc'\n" +
        "Invalid configuration: CACHE_TTL_SECONDS must be a whole number of seconds, at least 1, got '0'",
    );
  });

  it('reads FEED_ALERT_AFTER as a duration (default 6 h)', () => {
    expect(loadConfig({}).FEED_ALERT_AFTER).toBe(21_600_000);
    expect(loadConfig({ FEED_ALERT_AFTER: '90m' }).FEED_ALERT_AFTER).toBe(5_400_000);
    expect(loadConfig({ FEED_ALERT_AFTER: '1d' }).FEED_ALERT_AFTER).toBe(86_400_000);
    expect(() => loadConfig({ FEED_ALERT_AFTER: 'soon' })).toThrow("Invalid configuration: FEED_ALERT_AFTER must be a duration like 90m, 6h or 1d, got 'soon'");
  });

  it('refuses a time zone Intl does not know', () => {
    expect(() => loadConfig({ TIMEZONE: 'Mars/Base' })).toThrow(
      "Invalid configuration: TIMEZONE must be a time zone such as UTC, Europe/London or America/New_York, got 'Mars/Base'",
    );
    expect(loadConfig({ TIMEZONE: 'Europe/Paris' }).TIMEZONE).toBe('Europe/Paris');
  });

  it('checks the shape of each token, never repeating it', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ DISCORD_TOKEN: 'not-a-token', DISCORD_APPLICATION_ID: '1' }, 'Invalid configuration: DISCORD_TOKEN must be a bot token (three parts joined by dots, without "Bot "): Developer Portal → Bot → Reset Token'],
      [{ DISCORD_TOKEN: 'Bot abc.def.ghi', DISCORD_APPLICATION_ID: '1' }, 'Invalid configuration: DISCORD_TOKEN must be a bot token (three parts joined by dots, without "Bot "): Developer Portal → Bot → Reset Token'],
      [{ SLACK_BOT_TOKEN: 'xoxp-user-token', SLACK_SIGNING_SECRET: 's' }, 'Invalid configuration: SLACK_BOT_TOKEN must be a bot token starting with xoxb- (OAuth & Permissions → Bot User OAuth Token)'],
      [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-2' }, 'Invalid configuration: SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information → App-Level Tokens)'],
    ];
    for (const [env, expected] of cases) {
      let message = '';
      try {
        loadConfig(env);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toBe(expected);
    }
    expect(loadConfig({ DISCORD_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abc-def_ghi', DISCORD_APPLICATION_ID: '1' }).discordEnabled).toBe(true);
  });

  it('keeps the terminal off when a platform is configured unless TERMINAL=1', () => {
    const slack = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };
    expect(loadConfig(slack).terminalEnabled).toBe(false);
    expect(loadConfig({ ...slack, TERMINAL: '1' }).terminalEnabled).toBe(true);
  });

  it('TERMINAL=0 turns the terminal off even without a platform (a service); unset leaves it to stdin', () => {
    expect(loadConfig({ TERMINAL: '0' }).terminalEnabled).toBe(false);
    expect(loadConfig({ TERMINAL: 'false' }).terminalEnabled).toBe(false);
    expect(loadConfig({ TERMINAL: '0' }).TERMINAL).toBe(false);
    expect(loadConfig({}).TERMINAL).toBeUndefined();
    expect(loadConfig({ TERMINAL: '1' }).TERMINAL).toBe(true);
  });

  it('reads METRICS_PORT (off unless set, loopback by default) and DRAIN_TIMEOUT_SECONDS', () => {
    expect(loadConfig({}).METRICS_PORT).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9464' })).toMatchObject({ METRICS_PORT: 9464, METRICS_HOST: '127.0.0.1' });
    expect(loadConfig({}).DRAIN_TIMEOUT_SECONDS).toBe(20);
    expect(() => loadConfig({ METRICS_PORT: 'metrics' })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig({ DRAIN_TIMEOUT_SECONDS: '0' })).toThrow(/DRAIN_TIMEOUT_SECONDS/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DISCORD_TOKEN: '', PORT: '' }).discordEnabled).toBe(false);
  });

  it('loads the .env file into the environment, the environment winning; NEWSDESK_ENV_FILE=none reads nothing', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'newsdesk-env-')), '.env');
    writeFileSync(file, 'NEWSDESK_TEST_FROM_FILE=file\nNEWSDESK_TEST_BOTH=file\n');
    process.env.NEWSDESK_TEST_BOTH = 'env';
    try {
      expect(loadEnvFile({ NEWSDESK_ENV_FILE: 'none' })).toBeNull();
      expect(process.env.NEWSDESK_TEST_FROM_FILE).toBeUndefined();
      expect(loadEnvFile({ NEWSDESK_ENV_FILE: file })).toBe(file);
      expect(process.env.NEWSDESK_TEST_FROM_FILE).toBe('file');
      expect(process.env.NEWSDESK_TEST_BOTH).toBe('env');
      expect(() => loadEnvFile({ NEWSDESK_ENV_FILE: `${file}.missing` })).toThrow(/NEWSDESK_ENV_FILE/);
    } finally {
      delete process.env.NEWSDESK_TEST_FROM_FILE;
      delete process.env.NEWSDESK_TEST_BOTH;
    }
  });

  it('without LOG_LEVEL: lifecycle lines, warnings and errors on a terminal, info elsewhere', () => {
    expect(loadConfig({}).LOG_LEVEL).toBeUndefined();
    expect(defaultLogLevel(true)).toBe('notice');
    expect(defaultLogLevel(false)).toBe('info');
  });
});
