import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { logger } from '../../src/log.js';
import { startSlackStandIn, type SlackStandIn } from '../standins/slack/index.js';
import { dropSchema, PG_URL, postgresAvailable, schemaFor } from '../store/contract/backends.js';
import { pushArticles, until } from '../alerts/e2e/process.js';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Two instances on one PostgreSQL, many workspaces: an install started on one instance finishes on the other (the
 * state lives in the shared store); a rotating token that both instances find near its expiry at once is refreshed
 * once; Slack expiring the new token mid-fan-out costs one more refresh; every channel gets its alert once.
 */
const quiet = logger.child({}, { level: process.env.E2E_LOG ?? 'silent' });
const INGEST_TOKEN = 'slack-instances-ingest-token-0123';
const SECRET_KEY = '9a'.repeat(32);

describe.skipIf(!postgresAvailable)('Slack for many workspaces on two instances (PostgreSQL)', () => {
  const schema = schemaFor(import.meta.filename);
  let slack: SlackStandIn;
  const apps: App[] = [];
  const dirs: string[] = [];
  let offsetMs = 0;
  const url = (i: number, path: string) => `http://127.0.0.1:${apps[i].httpPort}${path}`;

  beforeAll(async () => {
    slack = await startSlackStandIn({
      teams: [{ id: 'T0DELTA', name: 'Delta', channels: 8, users: [{ id: 'U0DELTAADM', isAdmin: true }] }], oauth: { rotation: true },
    });
    for (let i = 0; i < 2; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'newsdesk-slack-inst-'));
      mkdirSync(join(dir, 'articles'));
      dirs.push(dir);
      const config = loadConfig({
        DATA_DIR: dir, DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, PORT: '0', HOST: '127.0.0.1', TERMINAL: '0', INBOX_WATCH: '0',
        INGEST_TOKEN, LOG_LEVEL: 'silent',
        SLACK_CLIENT_ID: slack.oauth.clientId, SLACK_CLIENT_SECRET: slack.oauth.clientSecret, SLACK_STATE_SECRET: 'state-secret-for-bolt',
        SLACK_SIGNING_SECRET: slack.signingSecret, NEWSDESK_SECRET_KEY: SECRET_KEY, SLACK_API_URL: slack.apiUrl, SLACK_AUTHORIZE_URL: slack.authorizeUrl,
      });
      apps.push(await startApp({ config, logger: quiet, clock: () => new Date(Date.now() + offsetMs) }));
    }
    slack.appUrl = url(0, '/slack/events');
    slack.redirectUrl = url(1, '/slack/oauth_redirect');
  }, 60_000);

  afterAll(async () => {
    for (const a of apps) await a.stop();
    await slack?.close();
    await dropSchema(schema);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const channels = () => slack.teams[0].channels.map((c) => c.id);
  const posts = () => slack.messages.filter((m) => !m.threadTs);
  const refreshes = () => slack.oauth.log.filter((e) => e.kind === 'refresh').map((e) => e.outcome);

  it('installs across instances, refreshes a token once for both, and survives an expiry mid-fan-out: each channel alerted once', async () => {
    // Started on instance 0, finished on instance 1 (Slack sends the browser to the registered redirect URL).
    const start = await fetch(url(0, '/slack/install'), { redirect: 'manual' });
    const cookie = start.headers.get('set-cookie')!.split(';')[0];
    const approved = await fetch(`${start.headers.get('location')!}&team=T0DELTA`, { redirect: 'manual' });
    expect(approved.headers.get('location')!.startsWith(url(1, '/slack/oauth_redirect'))).toBe(true);
    const done = await fetch(approved.headers.get('location')!, { headers: { cookie } });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Newsdesk is now installed in Delta (T0DELTA)');

    for (const [i, channel] of channels().slice(0, 7).entries()) {
      slack.appUrl = url(i % 2, '/slack/events');
      const sub = await slack.slashCommand({ command: '/alerts', text: 'subscribe min_priority:breaking', team: 'T0DELTA', user: 'U0DELTAADM', channel, via: 'http' });
      expect(JSON.stringify((await sub.waitForResponses(1))[0].body)).toMatch(/subscribed/i);
    }
    expect(refreshes()).toEqual([]);

    // Both instances' clocks now say the token has under 2 hours left. A command on instance 1 and the fan-out on
    // whichever instance sends for Delta need it at the same moment; a post is held so Slack can expire the new token
    // mid-fan-out.
    offsetMs = 11 * 3_600_000;
    const held = slack.hold('chat.postMessage', (b) => b.channel === channels()[3]);
    slack.appUrl = url(1, '/slack/events');
    const [pushed, sub] = await Promise.all([
      pushArticles(apps[0].httpPort!, INGEST_TOKEN, {
        id: 'storm-1', url: 'https://news.example/storm-1', title: 'Storm makes landfall', body: 'Storm makes landfall. More soon.',
        section: 'world', source: 'Desk', priority: 'breaking', published_at: new Date(Date.now() + offsetMs - 60_000).toISOString(),
      }),
      // A sport subscription: the command needs the token at the same moment, and whichever commits first, the world
      // story never matches it (the story and the subscription race; only the token is under test here).
      slack.slashCommand({ command: '/alerts', text: 'subscribe min_priority:urgent sections:sport', team: 'T0DELTA', user: 'U0DELTAADM', channel: channels()[7], via: 'http' }),
    ]);
    expect(pushed.status).toBe(201);
    expect(JSON.stringify((await sub.waitForResponses(1))[0].body)).toMatch(/subscribed/i);
    await held.arrived;
    expect(refreshes()).toEqual(['ok']);
    for (const t of slack.oauth.tokensOf('T0DELTA')) t.expiresAt = Date.now();
    held.release();

    await until(() => new Set(posts().map((m) => m.channel)).size === 7, 'an alert in each of the seven breaking channels', 30_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(posts().map((m) => m.channel).sort()).toEqual(channels().slice(0, 7).sort());
    // One refresh before use (both instances wanted it), one after Slack expired the token mid-fan-out; none refused.
    expect(refreshes()).toEqual(['ok', 'ok']);
    const postCalls = slack.callsTo('chat.postMessage');
    expect(postCalls.filter((c) => c.error).map((c) => c.error)).toEqual(['token_expired']);
  }, 60_000);
});
