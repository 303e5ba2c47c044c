import { webApi } from '@slack/bolt';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackStandIn, type SlackStandIn } from './index.js';
import { SLACK_LIMITS, minimumDeletesMs, minimumFanoutMs, minimumTieredCallsMs, type SlackLimits } from './limits.js';

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

/** chat.delete as docs.slack.dev/reference/methods/chat.delete states it (Tier 3; message_not_found, cant_delete_message). */
describe('Slack stand-in: chat.delete', () => {
  let standIn: SlackStandIn;
  let client: webApi.WebClient;
  const outcome = (p: Promise<unknown>) =>
    p.then(() => 'ok', (err: unknown) => (err instanceof webApi.WebAPIPlatformError ? err.data.error : err instanceof webApi.WebAPIRateLimitedError ? `429:${err.retryAfter}` : String(err)));
  const live = (channel: string) => standIn.messages.filter((m) => m.channel === channel && !m.deleted).map((m) => m.text);

  /** The documented method tiers (chat.delete among them) with Tier 3 at 50/min and the given burst; posts unlimited. */
  const tier3Burst = (burst: number): SlackLimits => ({
    ...SLACK_LIMITS,
    postPerChannel: { perMinute: 1e6, burst: 1e6 },
    postPerWorkspace: { perMinute: 1e6, burst: 1e6 },
    tiers: { ...SLACK_LIMITS.tiers, 3: { perMinute: 50, burst } },
  });

  beforeAll(async () => {
    standIn = await startSlackStandIn({ limits: tier3Burst(1_000), teams: [{ channels: 3 }] });
    client = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
  });

  afterAll(async () => {
    await standIn?.close();
  });

  it('deletes the bot\'s own message, answering channel and ts; a second delete is message_not_found', async () => {
    const { ts } = await client.chat.postMessage({ channel: 'C00000001', text: 'recall me' });
    const res = await client.chat.delete({ channel: 'C00000001', ts: ts! });
    expect({ ok: res.ok, channel: res.channel, ts: res.ts }).toEqual({ ok: true, channel: 'C00000001', ts });
    expect(live('C00000001')).toEqual([]);
    expect(await outcome(client.chat.delete({ channel: 'C00000001', ts: ts! }))).toBe('message_not_found');
    expect(await outcome(client.chat.update({ channel: 'C00000001', ts: ts!, text: 'back?' }))).toBe('message_not_found');
    const history = await client.conversations.history({ channel: 'C00000001' });
    expect(history.messages).toEqual([]);
  });

  it('refuses a message a person wrote (cant_delete_message), an unknown ts (message_not_found), an unknown channel (channel_not_found)', async () => {
    const ts = standIn.addUserMessage({ channel: 'C00000002', text: 'a reader wrote this' });
    expect(await outcome(client.chat.delete({ channel: 'C00000002', ts }))).toBe('cant_delete_message');
    expect(live('C00000002')).toEqual(['a reader wrote this']);
    expect(await outcome(client.chat.delete({ channel: 'C00000002', ts: '1700000000.000001' }))).toBe('message_not_found');
    expect(await outcome(client.chat.delete({ channel: 'C09999999', ts }))).toBe('channel_not_found');
  });

  it('a deleted thread parent leaves its replies and a tombstone; the last reply deleted, the thread is gone', async () => {
    const { ts: parent } = await client.chat.postMessage({ channel: 'C00000003', text: 'alert' });
    const { ts: reply } = await client.chat.postMessage({ channel: 'C00000003', text: 'update 1', thread_ts: parent! });
    expect(await outcome(client.chat.delete({ channel: 'C00000003', ts: parent! }))).toBe('ok');
    const history = await client.conversations.history({ channel: 'C00000003' });
    expect(history.messages).toEqual([
      { type: 'message', subtype: 'tombstone', hidden: true, ts: parent, text: 'This message was deleted.', user: 'USLACKBOT', thread_ts: parent, reply_count: 1 },
    ]);
    const thread = await client.conversations.replies({ channel: 'C00000003', ts: parent! });
    expect(thread.messages!.map((m) => [m.ts, m.text])).toEqual([[parent, 'This message was deleted.'], [reply, 'update 1']]);
    expect(await outcome(client.chat.delete({ channel: 'C00000003', ts: reply! }))).toBe('ok');
    expect((await client.conversations.history({ channel: 'C00000003' })).messages).toEqual([]);
    expect(await outcome(client.conversations.replies({ channel: 'C00000003', ts: parent! }))).toBe('thread_not_found');
  });

  it('computes the least time its limits allow for deletes: Tier 3, 50 a minute after a burst of 10, per workspace', () => {
    expect(minimumDeletesMs([10])).toBe(0);
    expect(minimumDeletesMs([50, 50, 50, 50])).toBe(48_000);
    expect(minimumDeletesMs([60, 5])).toBe(60_000);
    // chat.update, its own Tier 3 bucket: 500 edits in one workspace take 588 s at least, 100 in each of five 108 s.
    expect(minimumTieredCallsMs('chat.update', [500])).toBe(588_000);
    expect(minimumTieredCallsMs('chat.update', [100, 100, 100, 100, 100])).toBe(108_000);
    expect(minimumTieredCallsMs('chat.postMessage', [500])).toBe(0);
  });

  it('limits chat.delete at Tier 3 in its own bucket per workspace: chat.update and another workspace still go', async () => {
    const tight = await startSlackStandIn({ limits: tier3Burst(2), teams: [{ channels: 1 }, { channels: 1 }] });
    try {
      const slack = new webApi.WebClient(tight.botToken, { slackApiUrl: tight.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
      const posted = await Promise.all([1, 2, 3].map((i) => slack.chat.postMessage({ channel: 'C00000001', text: `m${i}` })));
      const del = (ts: string, channel = 'C00000001') => outcome(slack.chat.delete({ channel, ts }));
      // 50 per minute after a burst of 2: the third waits 1.2 s, which Retry-After says in whole seconds.
      expect([await del(posted[0].ts!), await del(posted[1].ts!), await del(posted[2].ts!)]).toEqual(['ok', 'ok', '429:2']);
      expect(await outcome(slack.chat.update({ channel: 'C00000001', ts: posted[2].ts!, text: 'edited' }))).toBe('ok');
      const { ts: other } = await slack.chat.postMessage({ channel: 'C00100001', text: 'other workspace' });
      expect(await del(other!, 'C00100001')).toBe('ok');
      expect(tight.messages.filter((m) => !m.deleted).map((m) => m.text)).toEqual(['edited']);
    } finally {
      await tight.close();
    }
  });
});
