import { webApi } from '@slack/bolt';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackStandIn, type SlackStandIn } from './index.js';
import { SLACK_LIMITS, minimumFanoutMs, type SlackLimits } from './limits.js';

/** The stand-in refuses what Slack refuses; otherwise tests against it would prove nothing. */
describe('Slack stand-in', () => {
  let standIn: SlackStandIn;
  let client: webApi.WebClient;
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
  const platformError = (p: Promise<unknown>) =>
    p.then(() => 'ok', (err: unknown) => (err instanceof webApi.WebAPIPlatformError ? err.data.error : err instanceof webApi.WebAPIRateLimitedError ? `429:${err.retryAfter}` : String(err)));

  beforeAll(async () => {
    // A tight, small config so rate limits are reached in a few calls.
    const limits: SlackLimits = { ...SLACK_LIMITS, postPerChannel: { perMinute: 60, burst: 2 }, postPerWorkspace: { perMinute: 60, burst: 5 }, methodTier: { 'chat.update': 3 }, tiers: { ...SLACK_LIMITS.tiers, 3: { perMinute: 50, burst: 2 } } };
    standIn = await startSlackStandIn({ limits, teams: [{ channels: 4 }, { channels: 3 }] });
    client = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
  });

  afterAll(async () => {
    await standIn?.close();
  });

  const [c1, c2, c3, c4] = ['C00000001', 'C00000002', 'C00000003', 'C00000004'];

  it('builds many channels across workspaces with Slack-like ids', () => {
    expect(standIn.teams.map((t) => t.channels.length)).toEqual([4, 3]);
    expect(standIn.teams[0].channels[0].id).toBe(c1);
    expect(standIn.teams[1].channels[0].id).toBe('C00100001');
  });

  it('refuses a wrong token with invalid_auth and none with not_authed', async () => {
    const wrong = new webApi.WebClient('xoxb-wrong', { slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } });
    expect(await platformError(wrong.auth.test())).toBe('invalid_auth');
    expect(await platformError(client.apiCall('apps.connections.open'))).toBe('invalid_auth');
  });

  it('refuses over 50 blocks, a header over 150, section text over 3000, an empty text, text over 40,000', async () => {
    const post = (args: Record<string, unknown>) => platformError(client.chat.postMessage({ channel: c1, ...args } as never));
    expect(await post({ text: 'x', blocks: Array.from({ length: 51 }, () => section('a')) })).toBe('invalid_blocks');
    expect(await post({ text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] })).toBe('invalid_blocks');
    expect(await post({ text: 'x', blocks: [section('s'.repeat(3001))] })).toBe('invalid_blocks');
    expect(await post({ text: 'x', blocks: [section('')] })).toBe('invalid_blocks');
    expect(await post({ text: '', blocks: [section('fine')] })).toBe('no_text');
    expect(await post({ text: 't'.repeat(40_001) })).toBe('msg_too_long');
    const refused = standIn.callsTo('chat.postMessage').filter((c) => c.error === 'invalid_blocks');
    expect(refused[1].detail).toMatch(/150/);
    expect(standIn.messages).toHaveLength(0);
  });

  it('limits chat.postMessage per channel: a burst, then 429 with Retry-After', async () => {
    expect(await platformError(client.chat.postMessage({ channel: c2, text: '1' }))).toBe('ok');
    expect(await platformError(client.chat.postMessage({ channel: c2, text: '2' }))).toBe('ok');
    expect(await platformError(client.chat.postMessage({ channel: c2, text: '3' }))).toBe('429:1');
    // another channel of the same workspace still has room
    expect(await platformError(client.chat.postMessage({ channel: c3, text: '1' }))).toBe('ok');
  });

  it('applies a workspace-wide ceiling across channels, and not to another workspace', async () => {
    // c2 (2) and c3 (1) already spent 3 of the workspace burst of 5
    expect(await platformError(client.chat.postMessage({ channel: c4, text: '1' }))).toBe('ok');
    expect(await platformError(client.chat.postMessage({ channel: c1, text: '1' }))).toBe('ok');
    expect(await platformError(client.chat.postMessage({ channel: c1, text: '2' }))).toMatch(/^429:/);
    expect(await platformError(client.chat.postMessage({ channel: 'C00100001', text: '1' }))).toBe('ok');
  });

  it('limits chat.update at its tier', async () => {
    const { ts } = await client.chat.postMessage({ channel: 'C00100002', text: 'v1' });
    const update = () => platformError(client.chat.update({ channel: 'C00100002', ts: ts!, text: 'v2' }));
    expect([await update(), await update(), await update()]).toEqual(['ok', 'ok', '429:2']);
  });

  it('computes the least time the limits allow for a fan-out', () => {
    expect(minimumFanoutMs([50])).toBe(0);
    expect(minimumFanoutMs([350, 10])).toBe(60_000);
  });

  it('takes five posts on a response_url, then answers 404 used_url (Slack: five times within 30 minutes)', async () => {
    const url = `${standIn.baseUrl}/respond/five-uses`;
    const statuses: Array<[number, string]> = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `answer ${i}` }) });
      statuses.push([res.status, await res.text()]);
    }
    expect(statuses.slice(0, 5).every(([status]) => status === 200)).toBe(true);
    expect(statuses[5]).toEqual([404, 'used_url']);
  });

  it('does not take a Socket Mode ack later than 3 seconds (Slack\'s window)', async () => {
    const apps = new webApi.WebClient(standIn.appToken, { slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } });
    const { url } = await apps.apps.connections.open({});
    const ws = new WebSocket(url!);
    try {
      const envelopes: Array<{ envelope_id: string }> = [];
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { type: string; envelope_id?: string };
        if (msg.envelope_id) envelopes.push(msg as { envelope_id: string });
      });
      await standIn.waitFor(() => standIn.socketClients === 1);
      const late = standIn.slashCommand({ command: '/news', via: 'socket' }).then(() => 'acked', (err: Error) => err.message);
      const envelope = await standIn.waitFor(() => envelopes[0]);
      // An ack 4 s after the envelope: Slack has given up on it by then.
      await new Promise((r) => setTimeout(r, 4_000));
      ws.send(JSON.stringify({ envelope_id: envelope.envelope_id }));
      expect(await late).toMatch(/no ack/);
    } finally {
      ws.close();
      await standIn.waitFor(() => standIn.socketClients === 0);
    }
  }, 20_000);
});
