import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import { SlackPort, type WorkspaceTokens } from '../../../src/adapters/slack/port.js';
import { NOT_INSTALLED_REASON } from '../../../src/adapters/slack/tokens.js';
import { answer } from '../../../src/core/reply.js';
import { Permanent, RetryLater } from '../../../src/outbound/port.js';
import { startSlackStandIn, type SlackStandIn } from '../../standins/slack/index.js';
import { UNLIMITED, UNLISTED_APP_HISTORY } from '../../standins/slack/limits.js';

/**
 * The outbound port with many workspaces: each call carries the token of the channel's workspace; a workspace with
 * no installation, or whose token Slack revoked, is that workspace's problem (scope channel: its subscriptions
 * pause), never the whole platform's; token_expired asks for a refresh and a retry.
 */
describe('Slack outbound port, many workspaces', () => {
  let slack: SlackStandIn;
  const installed = new Map<string, string>();
  const expired: string[] = [];
  const tokens: WorkspaceTokens = {
    async tokenFor(team) {
      const t = installed.get(team);
      if (!t) throw new Permanent('not_installed', NOT_INSTALLED_REASON, 'channel');
      return t;
    },
    expired: (team) => void expired.push(team),
  };
  let port: SlackPort;
  const alert = answer({ visibility: 'channel', cards: [{ title: 'Bridge closed', badge: 'breaking', priority: 'breaking', text: 'Traffic diverted.' }] });
  const rejection = async (p: Promise<unknown>) => p.then(() => null, (err: unknown) => err);

  beforeAll(async () => {
    slack = await startSlackStandIn({
      limits: UNLIMITED, oauth: { rotation: true },
      teams: [
        { id: 'T0ONE', channels: [{ id: 'C0ONE', name: 'news' }], users: [{ id: 'U0ONEADM', isAdmin: true }] },
        { id: 'T0TWO', channels: [{ id: 'C0TWO', name: 'news' }], users: [{ id: 'U0TWOADM', isAdmin: true }] },
        { id: 'T0THREE', channels: [{ id: 'C0THREE', name: 'news' }], users: [{ id: 'U0THREEADM', isAdmin: true }] },
      ],
    });
    for (const team of ['T0ONE', 'T0TWO']) {
      const page = slack.oauth.authorize(new URLSearchParams({ client_id: slack.oauth.clientId, scope: 'chat:write,channels:read,channels:history', team }), 'http://127.0.0.1:9/r');
      const code = new URL(page.location!).searchParams.get('code');
      const res = slack.oauth.access({ client_id: slack.oauth.clientId, client_secret: slack.oauth.clientSecret, code }, undefined);
      installed.set(team, String(res.body.access_token));
    }
    port = new SlackPort(new webApi.WebClient(undefined, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true }), tokens);
  });

  afterAll(() => slack?.close());

  it('posts, edits and looks up history with the token of the channel’s workspace', async () => {
    const one = await port.post('slack:T0ONE/C0ONE', alert, { deliveryId: 'd-one' });
    const two = await port.post('slack:T0TWO/C0TWO', alert, { deliveryId: 'd-two' });
    await port.edit(one, alert);
    expect(await port.findPosted('slack:T0TWO/C0TWO', 'd-two', Date.now() - 60_000)).toBe(two);
    expect(await port.checkChannel('slack:T0ONE/C0ONE')).toMatchObject({ ok: true });
    expect(slack.calls.map((c) => [c.method, c.body.channel, c.token === installed.get(c.body.channel === 'C0ONE' ? 'T0ONE' : 'T0TWO')])).toEqual([
      ['chat.postMessage', 'C0ONE', true], ['chat.postMessage', 'C0TWO', true], ['chat.update', 'C0ONE', true],
      ['conversations.history', 'C0TWO', true], ['conversations.info', 'C0ONE', true],
    ]);
  });

  it('a workspace with no installation: permanent for its channel, nothing sent to Slack, the subscribe check says what is missing', async () => {
    const before = slack.calls.length;
    const err = await rejection(port.post('slack:T0THREE/C0THREE', alert, { deliveryId: 'd-three' }));
    expect(err).toBeInstanceOf(Permanent);
    expect(err).toMatchObject({ code: 'not_installed', scope: 'channel', reason: NOT_INSTALLED_REASON });
    expect(await port.checkChannel('slack:T0THREE/C0THREE')).toEqual({ ok: false, missing: ['an installation in this workspace (install Newsdesk with Add to Slack)'] });
    expect(slack.calls.length).toBe(before);
  });

  it('token_expired asks for a refresh and a retry (nothing was posted); a revoked token pauses that workspace only', async () => {
    slack.oauth.tokens.get(installed.get('T0ONE')!)!.expiresAt = Date.now();
    const expiredErr = await rejection(port.post('slack:T0ONE/C0ONE', alert, { deliveryId: 'd-exp' }));
    expect(expiredErr).toBeInstanceOf(RetryLater);
    expect(expiredErr).toMatchObject({ delayMs: 1_000, inDoubt: false, reason: 'Slack: token_expired (refreshing it)' });
    expect(expired).toEqual(['T0ONE']);

    slack.oauth.revokeTeam('T0TWO');
    const revoked = await rejection(port.post('slack:T0TWO/C0TWO', alert, { deliveryId: 'd-rev' }));
    expect(revoked).toBeInstanceOf(Permanent);
    expect(revoked).toMatchObject({ code: 'token_revoked', scope: 'channel' });
    expect((revoked as Permanent).reason).toContain('install Newsdesk in the workspace again, then /alerts resume');
  });
});

describe('Slack outbound port under an unlisted app’s history limit (1 request a minute, 15 messages)', () => {
  let slack: SlackStandIn;
  let port: SlackPort;
  let token = '';
  const rejection = async (p: Promise<unknown>) => p.then(() => null, (err: unknown) => err);

  beforeAll(async () => {
    slack = await startSlackStandIn({
      limits: { ...UNLIMITED, unlistedHistory: UNLISTED_APP_HISTORY },
      teams: [{ id: 'T0ONE', channels: [{ id: 'C0ONE', name: 'news' }], users: [{ id: 'U0ONEADM', isAdmin: true }] }],
    });
    const page = slack.oauth.authorize(new URLSearchParams({ client_id: slack.oauth.clientId, scope: 'chat:write,channels:history', team: 'T0ONE' }), 'http://127.0.0.1:9/r');
    const code = new URL(page.location!).searchParams.get('code');
    token = String(slack.oauth.access({ client_id: slack.oauth.clientId, client_secret: slack.oauth.clientSecret, code }, undefined).body.access_token);
    port = new SlackPort(new webApi.WebClient(undefined, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true }),
      { tokenFor: async () => token, expired: () => {} });
  });

  afterAll(() => slack?.close());

  it('finds a post in flight (the newest) with one request; a second request within the minute is a 429 to wait out', async () => {
    const since = Date.now() - 60_000;
    let newest = '';
    for (let i = 1; i <= 20; i++) {
      newest = await port.post('slack:T0ONE/C0ONE', answer({ visibility: 'channel', text: `story ${i}` }), { deliveryId: `m-${i}` });
    }
    expect(await port.findPosted('slack:T0ONE/C0ONE', 'm-20', since)).toBe(newest);
    const history = slack.callsTo('conversations.history');
    expect(history).toHaveLength(1);
    const again = await rejection(port.findPosted('slack:T0ONE/C0ONE', 'm-19', since));
    expect(again).toBeInstanceOf(RetryLater);
    expect((again as RetryLater).delayMs).toBeGreaterThanOrEqual(50_000);
    expect(slack.callsTo('conversations.history').map((c) => c.status)).toEqual([200, 429]);
  });
});
