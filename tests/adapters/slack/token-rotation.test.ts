import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import { SlackTokens } from '../../../src/adapters/slack/tokens.js';
import { openPostgresStore, type PostgresStore } from '../../../src/store/postgres/index.js';
import { SealedSlackInstallations } from '../../../src/store/slack-installations.js';
import type { SlackInstallation } from '../../../src/store/types.js';
import { startSlackStandIn, type SlackStandIn } from '../../standins/slack/index.js';
import { dropSchema, PG_URL, postgresAvailable, schemaFor } from '../../store/contract/backends.js';
import { quiet } from './helpers.js';

/**
 * Token rotation with two instances on one PostgreSQL: a token near its expiry is refreshed by exactly one instance
 * (a lease); the other reads the new pair from the store; Slack's refresh token is single use, so a second refresh
 * would have been refused. A refresh Slack refuses (invalid_refresh_token) deletes the installation and reports the
 * workspace gone.
 */
const KEY = '4d'.repeat(32);
const HOUR = 3_600_000;

describe.skipIf(!postgresAvailable)('Slack token rotation across instances (PostgreSQL)', () => {
  let slack: SlackStandIn;
  const schema = schemaFor(import.meta.filename);
  const stores: PostgresStore[] = [];
  const now = () => Date.now();

  beforeAll(async () => {
    slack = await startSlackStandIn({ teams: [{ id: 'T0ALPHA', name: 'Alpha Desk' }], oauth: { rotation: true } });
    for (let i = 0; i < 2; i++) {
      const store = await openPostgresStore(PG_URL, { now: () => new Date(), schema, poolSize: 4 });
      await store.coordination.start({ feeds: null, timeZone: null });
      stores.push(store);
    }
  }, 30_000);

  afterAll(async () => {
    for (const s of stores) await s.close();
    await dropSchema(schema);
    await slack?.close();
  });

  /** A real install's token pair from the stand-in (authorize → code → oauth.v2.access, over HTTP with web-api). */
  async function installPair(): Promise<SlackInstallation> {
    const redirect = 'http://127.0.0.1:9/slack/oauth_redirect';
    const page = await fetch(`${slack.authorizeUrl}?client_id=${slack.oauth.clientId}&scope=commands,chat:write&state=s1&redirect_uri=${encodeURIComponent(redirect)}&team=T0ALPHA`, { redirect: 'manual' });
    const code = new URL(page.headers.get('location')!).searchParams.get('code')!;
    const res = await new webApi.WebClient(undefined, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } })
      .oauth.v2.access({ client_id: slack.oauth.clientId, client_secret: slack.oauth.clientSecret, code, redirect_uri: redirect });
    expect(res).toMatchObject({ ok: true, token_type: 'bot', expires_in: 43_200, team: { id: 'T0ALPHA', name: 'Alpha Desk' } });
    expect(res.access_token).toMatch(/^xoxe\.xoxb-/);
    expect(res.refresh_token).toMatch(/^xoxe-1-/);
    return {
      teamId: 'T0ALPHA', enterpriseId: null, isEnterpriseInstall: false, teamName: 'Alpha Desk', appId: res.app_id ?? null,
      botToken: res.access_token!, botUserId: res.bot_user_id ?? null, botId: null, scopes: ['commands', 'chat:write'],
      refreshToken: res.refresh_token!, tokenExpiresAt: now() + HOUR, installerUserId: 'U0ADMIN', installedAt: now(),
    };
  }

  function tokensOf(store: PostgresStore, gone: string[]) {
    const client = new webApi.WebClient(undefined, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    return new SlackTokens({
      installations: new SealedSlackInstallations(store.slackInstallations, KEY), coordination: store.coordination, now, logger: quiet,
      onGone: async (team, event) => void gone.push(`${team} ${event}`),
      async refresh(refreshToken) {
        const r = await client.oauth.v2.access({ client_id: slack.oauth.clientId, client_secret: slack.oauth.clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken });
        return { accessToken: r.access_token!, refreshToken: r.refresh_token!, expiresInSeconds: r.expires_in! };
      },
    });
  }

  it('a token with less than 2 hours left is refreshed once, by one instance; both instances use the new token', async () => {
    const first = await installPair();
    await new SealedSlackInstallations(stores[0].slackInstallations, KEY).store(first, now());
    const gone: string[] = [];
    const [a, b] = [tokensOf(stores[0], gone), tokensOf(stores[1], gone)];
    const tokens = await Promise.all([...Array.from({ length: 5 }, () => a.tokenFor('T0ALPHA')), ...Array.from({ length: 5 }, () => b.tokenFor('T0ALPHA'))]);
    const refreshes = slack.oauth.log.filter((e) => e.kind === 'refresh');
    expect(refreshes.map((e) => [e.team, e.outcome])).toEqual([['T0ALPHA', 'ok']]);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(first.botToken);
    expect(tokens[0]).toMatch(/^xoxe\.xoxb-/);
    const stored = await new SealedSlackInstallations(stores[1].slackInstallations, KEY).fetch({ teamId: 'T0ALPHA' });
    expect(stored?.botToken).toBe(tokens[0]);
    expect(stored?.refreshToken).not.toBe(first.refreshToken);
    expect(stored!.tokenExpiresAt! - now()).toBeGreaterThan(43_200_000 - 60_000);
    // Fresh now: asking again refreshes nothing.
    await Promise.all([a.tokenFor('T0ALPHA'), b.tokenFor('T0ALPHA')]);
    expect(slack.oauth.log.filter((e) => e.kind === 'refresh')).toHaveLength(1);
    expect(gone).toEqual([]);
    // The new token works at Slack.
    const who = await new webApi.WebClient(tokens[0], { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }).auth.test();
    expect(who.team_id).toBe('T0ALPHA');
  });

  it('a refresh Slack refuses (invalid_refresh_token) deletes the installation and reports the workspace gone', async () => {
    const pair = await installPair();
    // Someone else used the refresh token (single use): ours is now refused.
    expect(slack.oauth.access({ client_id: slack.oauth.clientId, client_secret: slack.oauth.clientSecret, grant_type: 'refresh_token', refresh_token: pair.refreshToken }, undefined).body.ok).toBe(true);
    const installs = new SealedSlackInstallations(stores[0].slackInstallations, KEY);
    await installs.store(pair, now());
    const gone: string[] = [];
    await expect(tokensOf(stores[0], gone).tokenFor('T0ALPHA')).rejects.toThrow(/not installed in this Slack workspace/);
    expect(gone).toEqual(['T0ALPHA invalid_refresh_token']);
    expect(await installs.fetch({ teamId: 'T0ALPHA' })).toBeNull();
  });
});
