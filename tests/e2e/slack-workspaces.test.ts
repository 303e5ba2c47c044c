import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.js';
import { startSlackStandIn, type PostedMessage, type SlackStandIn } from '../standins/slack/index.js';
import { emptyDataDir, pushArticles, until } from '../alerts/e2e/process.js';

/**
 * Issue 29, end to end in one process (the real composition root, SQLite, Bolt's own OAuth against the stand-in):
 * two workspaces install through /slack/install → Slack's authorize page → /slack/oauth_redirect; a replayed or
 * forged state is refused; each runs /news and /alerts with its own token; one pushed breaking story reaches both
 * channels, each post carrying that workspace's token; one workspace uninstalls: its token is deleted, its
 * subscription paused with the reason, nothing more is sent there, the other is untouched; installing again resumes
 * nothing by itself.
 */
/** Everything the app logs, at debug (Bolt's and web-api's own lines included): no secret may appear in it. */
const logLines: string[] = [];
const log = createLogger(new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } }) as never, { pretty: false });
log.level = 'debug';
const INGEST_TOKEN = 'slack-workspaces-ingest-token-0123';
const SECRET_KEY = '7e'.repeat(32);
const TEAMS = [
  { id: 'T0ALPHA', name: 'Alpha Desk', channels: [{ id: 'C0ALPHANEWS', name: 'news' }], users: [{ id: 'U0ALPHAADM', isAdmin: true }, { id: 'U0ALPHARDR' }] },
  { id: 'T0BETA', name: 'Beta & Co', channels: [{ id: 'C0BETANEWS', name: 'news' }], users: [{ id: 'U0BETAADM', isAdmin: true }, { id: 'U0BETARDR' }] },
];
const story = (id: string, title: string) => ({
  id, url: `https://news.example/${id}`, title, dek: 'What we know so far.', body: `${title}. More to follow.`,
  section: 'world', source: 'Desk', priority: 'breaking', published_at: new Date(Date.now() - 60_000).toISOString(),
});

describe('Slack for many workspaces: install, per-workspace tokens, uninstall', () => {
  let slack: SlackStandIn;
  let app: App;
  let base: string;
  let dataDir: string;
  let config: ReturnType<typeof loadConfig>;

  beforeAll(async () => {
    slack = await startSlackStandIn({ teams: TEAMS });
    dataDir = emptyDataDir();
    config = loadConfig({
      DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', TERMINAL: '0', INBOX_WATCH: '0', INGEST_TOKEN, LOG_LEVEL: 'silent',
      SLACK_CLIENT_ID: slack.oauth.clientId, SLACK_CLIENT_SECRET: slack.oauth.clientSecret, SLACK_STATE_SECRET: 'state-secret-for-bolt',
      SLACK_SIGNING_SECRET: slack.signingSecret, NEWSDESK_SECRET_KEY: SECRET_KEY, SLACK_API_URL: slack.apiUrl, SLACK_AUTHORIZE_URL: slack.authorizeUrl,
    });
    app = await startApp({ config, logger: log });
    base = `http://127.0.0.1:${app.httpPort}`;
    slack.appUrl = `${base}/slack/events`;
    slack.redirectUrl = `${base}/slack/oauth_redirect`;
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** The browser's way through: our install route, Slack's authorize page (the installer picks `team`), our redirect. */
  async function install(team: string): Promise<{ status: number; page: string; redirect: string; cookie: string }> {
    const start = await fetch(`${base}/slack/install`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const authorize = start.headers.get('location')!;
    expect(authorize.startsWith(slack.authorizeUrl)).toBe(true);
    const cookie = start.headers.get('set-cookie')!.split(';')[0];
    const approved = await fetch(`${authorize}&team=${team}`, { redirect: 'manual' });
    expect(approved.status).toBe(302);
    const redirect = approved.headers.get('location')!;
    expect(redirect.startsWith(`${base}/slack/oauth_redirect?`)).toBe(true);
    const done = await fetch(redirect, { headers: { cookie } });
    return { status: done.status, page: await done.text(), redirect, cookie };
  }

  const tokensOf = (team: string) => new Set([...slack.oauth.tokens.values()].filter((t) => t.team === team).map((t) => t.token));
  const postsIn = (channel: string): PostedMessage[] => slack.messages.filter((m) => m.channel === channel && !m.threadTs);
  const dbFiles = () => readdirSync(dataDir).filter((f) => f.startsWith('newsdesk.db')).map((f) => readFileSync(join(dataDir, f)).toString('latin1')).join('');

  it('two workspaces install through the real OAuth routes; a replayed or forged state is refused; no token on any page or on disk', async () => {
    const alpha = await install('T0ALPHA');
    expect(alpha.status).toBe(200);
    expect(alpha.page).toContain('Newsdesk is now installed in Alpha Desk (T0ALPHA)');
    const beta = await install('T0BETA');
    expect(beta.status).toBe(200);
    expect(beta.page).toContain('Newsdesk is now installed in Beta &#38; Co (T0BETA)');
    const issued = [...slack.oauth.tokens.keys()];
    expect(issued).toHaveLength(2);
    for (const page of [alpha.page, beta.page]) for (const token of issued) expect(page).not.toContain(token);

    // The same redirect again (a replay), and a state the server never issued (forged, with a matching cookie).
    const replay = await fetch(alpha.redirect, { headers: { cookie: alpha.cookie } });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('The install link expired, was used already, or was started in another browser.');
    const forged = await fetch(`${base}/slack/oauth_redirect?code=whatever&state=forged-state`, { headers: { cookie: 'slack-app-oauth-state=forged-state' } });
    expect(forged.status).toBe(400);
    // Neither exchanged a code: Slack saw exactly the two installs.
    expect(slack.oauth.log.filter((e) => e.kind === 'code').map((e) => [e.team, e.outcome])).toEqual([['T0ALPHA', 'ok'], ['T0BETA', 'ok']]);

    await until(() => dbFiles().includes('T0BETA'), 'the installations on disk', 5_000);
    for (const token of issued) expect(dbFiles()).not.toContain(token);
  });

  it('each workspace runs /news and /alerts with its own token; one breaking story reaches both, each post with its workspace token', async () => {
    expect((await pushArticles(app.httpPort!, INGEST_TOKEN, story('calm-1', 'Harbour reopens after the storm'))).status).toBe(201);
    for (const [team, user, channel] of [['T0ALPHA', 'U0ALPHARDR', 'C0ALPHANEWS'], ['T0BETA', 'U0BETARDR', 'C0BETANEWS']]) {
      const news = await slack.slashCommand({ command: '/news', team, user, channel, via: 'http' });
      expect(news.status).toBe(200);
      const [answer] = await news.waitForResponses(1);
      expect(JSON.stringify(answer.body)).toContain('Harbour reopens after the storm');
    }
    for (const [team, admin, channel] of [['T0ALPHA', 'U0ALPHAADM', 'C0ALPHANEWS'], ['T0BETA', 'U0BETAADM', 'C0BETANEWS']]) {
      const sub = await slack.slashCommand({ command: '/alerts', text: 'subscribe min_priority:breaking', team, user: admin, channel, via: 'http' });
      const [answer] = await sub.waitForResponses(1);
      expect(JSON.stringify(answer.body)).toMatch(/subscribed/i);
    }
    // The admin checks and the channel checks carried the token of the workspace they were about.
    for (const method of ['users.info', 'conversations.info']) {
      const calls = slack.callsTo(method);
      expect(calls.length).toBeGreaterThanOrEqual(2);
      for (const call of calls) {
        const team = String(call.body.user ?? call.body.channel).includes('ALPHA') ? 'T0ALPHA' : 'T0BETA';
        expect(tokensOf(team).has(call.token!)).toBe(true);
      }
    }

    expect((await pushArticles(app.httpPort!, INGEST_TOKEN, story('dam-1', 'Dam fails upstream of the capital'))).status).toBe(201);
    await until(() => postsIn('C0ALPHANEWS').length === 1 && postsIn('C0BETANEWS').length === 1, 'the alert in both workspaces', 15_000);
    const posts = slack.callsTo('chat.postMessage').filter((c) => c.status === 200 && !c.error);
    expect(posts.map((c) => [c.body.channel, tokensOf(c.body.channel === 'C0ALPHANEWS' ? 'T0ALPHA' : 'T0BETA').has(c.token!)]).sort())
      .toEqual([['C0ALPHANEWS', true], ['C0BETANEWS', true]]);
  });

  it('one workspace uninstalls: its token is deleted, its subscription paused with the reason, nothing more is sent there; the other is untouched', async () => {
    const betaTokens = tokensOf('T0BETA');
    const statuses = await slack.uninstall('T0BETA');
    expect(statuses).toEqual([200, 200]);
    await until(async () => !(await listInstallations()).includes('T0BETA'), 'the Beta installation to be deleted', 5_000);
    expect(await listInstallations()).toEqual(['T0ALPHA']);
    const callsBefore = slack.calls.length;

    expect((await pushArticles(app.httpPort!, INGEST_TOKEN, story('dam-2', 'Second dam holds, engineers say'))).status).toBe(201);
    await until(() => postsIn('C0ALPHANEWS').length === 2, 'the second alert in Alpha', 15_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(postsIn('C0BETANEWS')).toHaveLength(1);
    // Not one call to Slack with Beta's (revoked) token, nor about Beta's channel, since the uninstall.
    const since = slack.calls.slice(callsBefore);
    expect(since.filter((c) => betaTokens.has(c.token ?? '') || c.body.channel === 'C0BETANEWS')).toEqual([]);
    // Redelivered events (or the other order) change nothing more.
    expect(await slack.sendEvent('T0BETA', { type: 'app_uninstalled' })).toBe(200);

    // Installing again resumes nothing: /alerts list shows the subscription paused, with the reason.
    const again = await install('T0BETA');
    expect(again.status).toBe(200);
    const list = await slack.slashCommand({ command: '/alerts', text: 'list', team: 'T0BETA', user: 'U0BETAADM', channel: 'C0BETANEWS', via: 'http' });
    const [answer] = await list.waitForResponses(1);
    const text = JSON.stringify(answer.body);
    expect(text).toMatch(/paused/i);
    // Slack sends tokens_revoked first, then app_uninstalled: the first one's reason stands.
    expect(text).toContain("*PAUSED*\\nNewsdesk's token for this Slack workspace was revoked: install it again (Add to Slack), then /alerts resume");
    // Alpha was never paused.
    const alphaList = await slack.slashCommand({ command: '/alerts', text: 'list', team: 'T0ALPHA', user: 'U0ALPHAADM', channel: 'C0ALPHANEWS', via: 'http' });
    expect(JSON.stringify((await alphaList.waitForResponses(1))[0].body)).not.toMatch(/paused/i);
  });

  it('after a restart: installations are read back with the key, the events again (other order) change nothing', async () => {
    await app.stop();
    // Another key cannot open what is stored: start-up stops in one line, naming neither key.
    const wrongKey = { ...config, NEWSDESK_SECRET_KEY: '11'.repeat(32) };
    await expect(startApp({ config: wrongKey, logger: log.child({}, { level: 'silent' }) })).rejects.toThrow(
      'NEWSDESK_SECRET_KEY does not open the 2 stored Slack installation(s): start with the key they were sealed with');
    app = await startApp({ config, logger: log });
    base = `http://127.0.0.1:${app.httpPort}`;
    slack.appUrl = `${base}/slack/events`;
    slack.redirectUrl = `${base}/slack/oauth_redirect`;
    const alphaPosts = slack.callsTo('chat.postMessage').length;
    expect(await slack.uninstall('T0BETA', ['app_uninstalled', 'tokens_revoked'])).toEqual([200, 200]);
    const news = await slack.slashCommand({ command: '/alerts', text: 'list', team: 'T0ALPHA', user: 'U0ALPHAADM', channel: 'C0ALPHANEWS', via: 'http' });
    expect(JSON.stringify((await news.waitForResponses(1))[0].body)).toMatch(/1 alert subscription/);
    expect((await pushArticles(app.httpPort!, INGEST_TOKEN, story('dam-3', 'Dam repairs begin'))).status).toBe(201);
    await until(() => postsIn('C0ALPHANEWS').length === 3, 'the third alert in Alpha, after the restart', 15_000);
    expect(slack.callsTo('chat.postMessage').slice(alphaPosts).map((c) => [c.body.channel, tokensOf('T0ALPHA').has(c.token!)])).toEqual([['C0ALPHANEWS', true]]);
    expect(postsIn('C0BETANEWS')).toHaveLength(1);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(dataDir, 'newsdesk.db'), { readonly: true, fileMustExist: true });
    try {
      expect(db.prepare("SELECT count(*) AS n FROM alert_audit WHERE action = 'workspace-gone'").get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  });

  it('no token, client secret, state secret or key in any log line (debug level)', () => {
    const all = logLines.join('');
    expect(all).toContain('slack: Newsdesk installed in a workspace');
    expect(all).toContain('oauth.v2.access');
    // web-api's debug line of the code exchange names the client secret: it is scrubbed.
    expect(all).toMatch(/client_secret[^a-z0-9]+\[redacted\]/);
    for (const secret of [...slack.oauth.tokens.keys(), slack.oauth.clientSecret, slack.signingSecret, 'state-secret-for-bolt', SECRET_KEY, INGEST_TOKEN]) {
      expect(all).not.toContain(secret);
    }
  });

  async function listInstallations(): Promise<string[]> {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(dataDir, 'newsdesk.db'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT key FROM slack_installations ORDER BY key').all() as Array<{ key: string }>).map((r) => r.key);
    } finally {
      db.close();
    }
  }
});

describe('Slack for many workspaces with token rotation: refreshed before expiry, and when Slack says it expired mid-fan-out', () => {
  let slack: SlackStandIn;
  let app: App;
  let base: string;
  let dataDir: string;
  let offsetMs = 0;

  beforeAll(async () => {
    slack = await startSlackStandIn({ teams: [{ id: 'T0GAMMA', name: 'Gamma', channels: [{ id: 'C0GAMMANEWS', name: 'news' }], users: [{ id: 'U0GAMMAADM', isAdmin: true }] }], oauth: { rotation: true } });
    dataDir = emptyDataDir();
    const config = loadConfig({
      DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', TERMINAL: '0', INBOX_WATCH: '0', INGEST_TOKEN, LOG_LEVEL: 'silent',
      SLACK_CLIENT_ID: slack.oauth.clientId, SLACK_CLIENT_SECRET: slack.oauth.clientSecret, SLACK_STATE_SECRET: 'state-secret-for-bolt',
      SLACK_SIGNING_SECRET: slack.signingSecret, NEWSDESK_SECRET_KEY: SECRET_KEY, SLACK_API_URL: slack.apiUrl, SLACK_AUTHORIZE_URL: slack.authorizeUrl,
    });
    // The application clock, moved forward by the test (the stand-in keeps its own time).
    app = await startApp({ config, logger: log.child({}, { level: 'silent' }), clock: () => new Date(Date.now() + offsetMs) });
    base = `http://127.0.0.1:${app.httpPort}`;
    slack.appUrl = `${base}/slack/events`;
    slack.redirectUrl = `${base}/slack/oauth_redirect`;
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const posts = () => slack.messages.filter((m) => m.channel === 'C0GAMMANEWS' && !m.threadTs);
  const refreshes = () => slack.oauth.log.filter((e) => e.kind === 'refresh').map((e) => e.outcome);

  it('an install link is good for 10 minutes of the application clock, and a cancelled install installs nothing', async () => {
    const start = await fetch(`${base}/slack/install`, { redirect: 'manual' });
    const cookie = start.headers.get('set-cookie')!.split(';')[0];
    const approved = await fetch(`${start.headers.get('location')!}&team=T0GAMMA`, { redirect: 'manual' });
    offsetMs = 10 * 60_000 + 1_000;
    const late = await fetch(approved.headers.get('location')!, { headers: { cookie } });
    offsetMs = 0;
    expect(late.status).toBe(400);
    expect(await late.text()).toContain('The install link expired, was used already, or was started in another browser.');

    const again = await fetch(`${base}/slack/install`, { redirect: 'manual' });
    const denied = await fetch(`${again.headers.get('location')!}&team=T0GAMMA&deny=1`, { redirect: 'manual' });
    const cancelled = await fetch(denied.headers.get('location')!, { headers: { cookie: again.headers.get('set-cookie')!.split(';')[0] } });
    expect(await cancelled.text()).toContain('The installation was cancelled.');
    expect(slack.oauth.log.filter((e) => e.kind === 'code')).toEqual([]);
    expect(slack.oauth.tokensOf('T0GAMMA')).toEqual([]);
  });

  it('installs with a rotating token, subscribes, and survives its expiry without losing or doubling a post', async () => {
    const start = await fetch(`${base}/slack/install`, { redirect: 'manual' });
    const cookie = start.headers.get('set-cookie')!.split(';')[0];
    const approved = await fetch(`${start.headers.get('location')!}&team=T0GAMMA`, { redirect: 'manual' });
    expect((await fetch(approved.headers.get('location')!, { headers: { cookie } })).status).toBe(200);
    const [first] = slack.oauth.tokensOf('T0GAMMA');
    expect(first.token).toMatch(/^xoxe\.xoxb-/);
    const sub = await slack.slashCommand({ command: '/alerts', text: 'subscribe min_priority:breaking', team: 'T0GAMMA', user: 'U0GAMMAADM', channel: 'C0GAMMANEWS', via: 'http' });
    expect(JSON.stringify((await sub.waitForResponses(1))[0].body)).toMatch(/subscribed/i);

    // Slack decides the token has expired (its own clock) while our store still thinks it good: the post is refused
    // with token_expired, the token is refreshed once, and the alert goes out once, with the new token.
    first.expiresAt = Date.now();
    expect((await pushArticles(app.httpPort!, INGEST_TOKEN, story('flood-1', 'River bursts its banks'))).status).toBe(201);
    await until(() => posts().length === 1, 'the alert after the refresh', 15_000);
    const postCalls = slack.callsTo('chat.postMessage');
    expect(postCalls.map((c) => c.error ?? 'ok')).toEqual(['token_expired', 'ok']);
    expect(postCalls[0].token).toBe(first.token);
    const second = slack.oauth.tokensOf('T0GAMMA').at(-1)!;
    expect(postCalls[1].token).toBe(second.token);
    expect(refreshes()).toEqual(['ok']);

    // Our clock says the new token has under 2 hours left: refreshed before use, with no refusal at all.
    offsetMs = 11 * 3_600_000;
    expect((await pushArticles(app.httpPort!, INGEST_TOKEN, story('flood-2', 'Levee holds overnight'))).status).toBe(201);
    await until(() => posts().length === 2, 'the second alert', 15_000);
    const third = slack.oauth.tokensOf('T0GAMMA').at(-1)!;
    expect(third.token).not.toBe(second.token);
    expect(slack.callsTo('chat.postMessage').slice(2).map((c) => [c.error ?? 'ok', c.token === third.token])).toEqual([['ok', true]]);
    expect(refreshes()).toEqual(['ok', 'ok']);
    await new Promise((r) => setTimeout(r, 300));
    expect(posts()).toHaveLength(2);
  });
});

describe('three workspaces, one uninstalls mid-fan-out', () => {
  const teams = ['A', 'B', 'C'].map((l) => ({
    id: `T0${l}${l}${l}`, name: `Desk ${l}`,
    channels: [1, 2, 3, 4].map((n) => ({ id: `C0${l}${l}NEWS${n}`, name: `news-${n}` })),
    users: [{ id: `U0${l}${l}ADMIN`, isAdmin: true }],
  }));
  let slack: SlackStandIn;
  let app: App;
  let base: string;
  let dataDir: string;

  beforeAll(async () => {
    slack = await startSlackStandIn({ teams });
    dataDir = emptyDataDir();
    const config = loadConfig({
      DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', TERMINAL: '0', INBOX_WATCH: '0', INGEST_TOKEN, LOG_LEVEL: 'silent',
      SLACK_CLIENT_ID: slack.oauth.clientId, SLACK_CLIENT_SECRET: slack.oauth.clientSecret, SLACK_STATE_SECRET: 'state-secret-for-bolt',
      SLACK_SIGNING_SECRET: slack.signingSecret, NEWSDESK_SECRET_KEY: SECRET_KEY, SLACK_API_URL: slack.apiUrl, SLACK_AUTHORIZE_URL: slack.authorizeUrl,
    });
    app = await startApp({ config, logger: log.child({}, { level: 'silent' }) });
    base = `http://127.0.0.1:${app.httpPort}`;
    slack.appUrl = `${base}/slack/events`;
    slack.redirectUrl = `${base}/slack/oauth_redirect`;
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const teamOf = (channel: unknown) => teams.find((t) => t.channels.some((c) => c.id === channel))!.id;
  const postsOf = (team: string) => slack.messages.filter((m) => m.team === team && !m.threadTs);
  const tokensOf = (team: string) => new Set([...slack.oauth.tokens.values()].filter((t) => t.team === team).map((t) => t.token));

  it('the other two complete the fan-out once each with their own tokens; nothing more is posted in the gone one', async () => {
    for (const t of teams) {
      const start = await fetch(`${base}/slack/install`, { redirect: 'manual' });
      const cookie = start.headers.get('set-cookie')!.split(';')[0];
      const approved = await fetch(`${start.headers.get('location')!}&team=${t.id}`, { redirect: 'manual' });
      expect((await fetch(approved.headers.get('location')!, { headers: { cookie } })).status).toBe(200);
      for (const c of t.channels) {
        const sub = await slack.slashCommand({ command: '/alerts', text: 'subscribe min_priority:breaking', team: t.id, user: t.users[0].id, channel: c.id, via: 'http' });
        expect(JSON.stringify((await sub.waitForResponses(1))[0].body)).toMatch(/subscribed/i);
      }
    }

    // The fan-out starts; a post to B is held in flight while B uninstalls, then answered (with B's token revoked).
    const held = slack.hold('chat.postMessage', (b) => teamOf(b.channel) === 'T0BBB');
    expect((await pushArticles(app.httpPort!, INGEST_TOKEN, story('quake-1', 'Earthquake shakes the coast'))).status).toBe(201);
    const heldCall = await held.arrived;
    const bPostedBefore = postsOf('T0BBB').length;
    expect(await slack.uninstall('T0BBB')).toEqual([200, 200]);
    held.release();

    await until(() => postsOf('T0AAA').length === 4 && postsOf('T0CCC').length === 4, 'the fan-out in A and C', 20_000);
    await new Promise((r) => setTimeout(r, 500));
    for (const team of ['T0AAA', 'T0CCC']) {
      expect(new Set(postsOf(team).map((m) => m.channel)).size).toBe(4);
      const calls = slack.callsTo('chat.postMessage').filter((c) => teamOf(c.body.channel) === team);
      expect(calls.every((c) => !c.error && tokensOf(team).has(c.token!))).toBe(true);
    }
    expect(postsOf('T0BBB').length).toBe(bPostedBefore);
    expect(postsOf('T0BBB').length).toBeLessThan(4);
    // The held post was answered token_revoked: B's problem alone (A and C were not held back for it).
    expect(heldCall.error).toBe('token_revoked');

    // B's rows: each posted before the uninstall, or failed/skipped; none left to send.
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(dataDir, 'newsdesk.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare("SELECT state, count(*) AS n FROM alert_outbox WHERE channel LIKE 'slack:T0BBB/%' GROUP BY state ORDER BY state").all() as Array<{ state: string; n: number }>;
      const states = Object.fromEntries(rows.map((r) => [r.state, r.n]));
      expect((states.sent ?? 0)).toBe(bPostedBefore);
      expect((states.sent ?? 0) + (states.failed ?? 0) + (states.skipped ?? 0)).toBe(4);
      expect(states.pending ?? 0).toBe(0);
      expect(states.sending ?? 0).toBe(0);
      const paused = db.prepare("SELECT count(*) AS n FROM alert_subscriptions WHERE workspace = 'T0BBB' AND paused = 1").get() as { n: number };
      expect(paused.n).toBe(4);
      const others = db.prepare("SELECT count(*) AS n FROM alert_subscriptions WHERE workspace <> 'T0BBB' AND paused = 1").get() as { n: number };
      expect(others.n).toBe(0);
      // Rows that did not go out say why: the uninstall (queued when it came) or the revoked token (the held post).
      const reasons = db.prepare("SELECT DISTINCT reason FROM alert_outbox WHERE channel LIKE 'slack:T0BBB/%' AND state <> 'sent'").all() as Array<{ reason: string }>;
      for (const r of reasons) expect(r.reason).toMatch(/^uninstalled \(token revoked\)$|token_revoked|subscription paused/);
      const audit = db.prepare("SELECT action, detail FROM alert_audit WHERE workspace = 'T0BBB' AND action = 'workspace-gone'").all() as Array<{ action: string; detail: string }>;
      expect(audit).toHaveLength(1);
      expect(JSON.parse(audit[0].detail)).toMatchObject({ event: 'tokens_revoked' });
    } finally {
      db.close();
    }
  });
});
