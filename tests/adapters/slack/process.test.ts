import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNewsdesk, tempDataDir, type Running } from '../../helpers/process.js';
import { startSlackStandIn, waitFor, type SlackStandIn } from '../../standins/slack/index.js';
import { allText } from './helpers.js';

/** The real entry point (`npm start`) configured as README "Run it on Slack" says, against the stand-in. */
describe('Newsdesk on Slack, as a process', () => {
  let standIn: SlackStandIn;
  const running: Running[] = [];

  beforeAll(async () => {
    standIn = await startSlackStandIn();
  });

  afterAll(async () => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await standIn?.close();
  });

  function start(env: Record<string, string>): Running {
    const r = startNewsdesk({ DATA_DIR: tempDataDir(), DATABASE_PATH: ':memory:', INBOX_WATCH: '0', SLACK_BOT_TOKEN: standIn.botToken, SLACK_API_URL: standIn.apiUrl, LOG_LEVEL: 'info', ...env });
    running.push(r);
    return r;
  }

  it('HTTP mode: takes /news on the one HTTP server, then stops cleanly on SIGTERM', async () => {
    const r = start({ SLACK_SIGNING_SECRET: standIn.signingSecret, PORT: '0' });
    const line = await waitFor(() => /"port":(\d+)[^\n]*HTTP server listening/.exec(r.stderr()) ?? (r.child.exitCode !== null && Promise.reject(new Error(r.stderr()))), 30_000);
    standIn.appUrl = `http://127.0.0.1:${(line as RegExpExecArray)[1]}/slack/events`;
    const cmd = await standIn.slashCommand({ command: '/news', via: 'http' });
    expect(cmd.status).toBe(200);
    const [answer] = await cmd.waitForResponses(1, 10_000);
    expect(allText(answer.body)).toMatch(/Latest news/);
    expect(r.stderr()).not.toContain(standIn.botToken);
    expect(r.stderr()).not.toContain(standIn.signingSecret);
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
  });

  it('Socket Mode: connects with the app token, answers over the socket, and closes it on SIGTERM', async () => {
    const r = start({ SLACK_APP_TOKEN: standIn.appToken });
    await waitFor(() => standIn.socketClients === 1 || (r.child.exitCode !== null && Promise.reject(new Error(r.stderr()))), 30_000);
    const cmd = await standIn.slashCommand({ command: '/newshelp', via: 'socket' });
    const [answer] = await cmd.waitForResponses(1, 10_000);
    expect(allText(answer.body)).toContain('/news');
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    await standIn.waitFor(() => standIn.socketClients === 0);
    // A clean close: the client sent a closing handshake rather than dropping the connection (1006).
    expect(standIn.socketCloseCodes).toHaveLength(1);
    expect(standIn.socketCloseCodes[0]).not.toBe(1006);
    expect(r.stderr()).not.toContain(standIn.appToken);
  });

  it('Socket Mode while apps.connections.open fails (HTTP 503): logs each failure, serves /healthz, stops on SIGTERM', async () => {
    standIn.failNext('apps.connections.open', { status: 503 }, 1_000);
    try {
      const r = start({ SLACK_APP_TOKEN: standIn.appToken, PORT: '0' });
      const failures = () => r.stderr().split('\n').filter((l) => /Socket Mode could not connect/.test(l) && /"level":40/.test(l));
      await waitFor(() => failures().length >= 2 || (r.child.exitCode !== null && Promise.reject(new Error(r.stderr()))), 30_000);
      expect(failures()[0]).toContain('HTTP 503');
      const line = /"port":(\d+)[^\n]*HTTP server listening/.exec(r.stderr());
      expect(line).not.toBeNull();
      const health = await fetch(`http://127.0.0.1:${line![1]}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${line![1]}/readyz`);
      expect(await ready.json()).toMatchObject({ status: 'not ready', failed: ['slack'] });
      r.child.kill('SIGTERM');
      expect(await r.exited).toBe(0);
      expect(standIn.socketClients).toBe(0);
    } finally {
      standIn.clearFailures();
    }
  }, 60_000);

  it('many workspaces: npm start with SLACK_CLIENT_ID serves /slack/install; with SLACK_BOT_TOKEN as well it refuses in one line', async () => {
    const oauth = {
      SLACK_CLIENT_ID: standIn.oauth.clientId, SLACK_CLIENT_SECRET: standIn.oauth.clientSecret, SLACK_STATE_SECRET: 'process-state-secret',
      NEWSDESK_SECRET_KEY: '2b'.repeat(32), SLACK_SIGNING_SECRET: standIn.signingSecret, SLACK_AUTHORIZE_URL: standIn.authorizeUrl, PORT: '0',
    };
    const both = start(oauth);
    expect(await both.exited).toBe(2);
    expect(both.stderr()).toContain('Invalid configuration: SLACK_BOT_TOKEN and SLACK_CLIENT_ID: set one, not both');
    expect(both.stderr()).not.toContain(standIn.botToken);

    const r = start({ ...oauth, SLACK_BOT_TOKEN: '' });
    const line = await waitFor(() => /"port":(\d+)[^\n]*HTTP server listening/.exec(r.stderr()) ?? (r.child.exitCode !== null && Promise.reject(new Error(r.stderr()))), 30_000);
    expect(r.stderr()).toContain('slack: taking requests at /slack/events; installs at /slack/install');
    const install = await fetch(`http://127.0.0.1:${(line as RegExpExecArray)[1]}/slack/install`, { redirect: 'manual' });
    expect(install.status).toBe(302);
    expect(install.headers.get('location')).toMatch(new RegExp(`^${standIn.authorizeUrl}\\?`));
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    for (const secret of [standIn.oauth.clientSecret, 'process-state-secret', '2b'.repeat(32), standIn.signingSecret]) expect(r.stderr()).not.toContain(secret);
  }, 60_000);
});
