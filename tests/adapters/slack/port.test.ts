import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_EVENT_TYPE } from '../../../src/adapters/slack/port.js';
import { parseMessageRef } from '../../../src/domain/channel.js';
import { Permanent, RetryLater } from '../../../src/outbound/port.js';
import { answer } from '../../../src/core/reply.js';
import { startSlackStandIn, type SlackStandIn } from '../../standins/slack/index.js';
import { UNLIMITED } from '../../standins/slack/limits.js';
import { manifestScopes, startTestBot, type TestBot } from './helpers.js';

/** The outbound port the alerts pipeline uses, against the strict stand-in. */
describe('Slack outbound port', () => {
  let standIn: SlackStandIn;
  let bot: TestBot;
  let team: string;
  const alert = (title = 'Breaking: river bursts its banks') =>
    answer({ visibility: 'channel', cards: [{ title, badge: 'breaking', priority: 'breaking', text: 'Residents told to leave.', url: 'https://news.example/river' }] });

  beforeAll(async () => {
    standIn = await startSlackStandIn({ scopes: manifestScopes(), limits: UNLIMITED });
    bot = await startTestBot(standIn);
    team = standIn.teams[0].id;
  });

  afterAll(async () => {
    await bot?.close();
    await standIn?.close();
  });

  const port = () => bot.adapter.port;
  const rejection = async (p: Promise<unknown>) => p.then(() => null, (err: unknown) => err);

  it('posts with link unfurls off and the delivery id in message metadata', async () => {
    const ref = await port().post(`slack:${team}/C0NEWSROOM`, alert(), { deliveryId: 'd-1' });
    const { messageId, channel } = parseMessageRef(ref);
    const msg = standIn.messages.find((m) => m.ts === messageId)!;
    expect(channel).toBe('C0NEWSROOM');
    expect(msg).toMatchObject({ unfurlLinks: false, unfurlMedia: false, metadata: { event_type: DELIVERY_EVENT_TYPE, event_payload: { delivery_id: 'd-1' } } });
    expect(msg.text).toMatch(/^BREAKING · Breaking: river bursts/);
    expect(standIn.callsTo('chat.postMessage').at(-1)!.token).toBe(standIn.botToken);
  });

  it('joins a public channel it is not in after not_in_channel, and posts exactly once', async () => {
    const before = standIn.messages.length;
    const ref = await port().post(`slack:${team}/C0BREAKING`, alert(), { deliveryId: 'd-2' });
    const posts = standIn.callsTo('chat.postMessage').filter((c) => c.body.channel === 'C0BREAKING');
    expect(posts.map((c) => c.error ?? 'ok')).toEqual(['not_in_channel', 'ok']);
    expect(standIn.callsTo('conversations.join').filter((c) => c.body.channel === 'C0BREAKING')).toHaveLength(1);
    expect(standIn.messages.length).toBe(before + 1);
    expect(ref).toMatch(new RegExp(`^slack:${team}/C0BREAKING#\\d+\\.\\d{6}$`));
  });

  it('a 200 with a proxy\'s HTML page instead of Slack\'s JSON is in doubt (never a refusal, never a pause); history tells whether it went out', async () => {
    const channel = `slack:${team}/C0NEWSROOM`;
    const since = Date.now() - 60_000;
    // Handled by Slack, then the proxy's page came back.
    const written = standIn.hold('chat.postMessage', (b) => b.channel === 'C0NEWSROOM', 'recorded');
    const first = rejection(port().post(channel, alert('Breaking: proxy page after the write'), { deliveryId: 'd-html-1' }));
    await written.arrived;
    written.release('html');
    const afterWrite = await first;
    expect(afterWrite).toBeInstanceOf(RetryLater);
    expect(afterWrite).toMatchObject({ inDoubt: true, reason: "Slack: an answer that is not Slack's (a proxy error page?)" });
    const found = await port().findPosted!(channel, 'd-html-1', since);
    expect(found).toMatch(new RegExp(`^slack:${team}/C0NEWSROOM#\\d+\\.\\d{6}$`));
    // Never handled: the proxy answered instead of Slack; nothing to find, so the retry posts.
    const notWritten = standIn.hold('chat.postMessage', (b) => b.channel === 'C0NEWSROOM', 'before');
    const second = rejection(port().post(channel, alert('Breaking: proxy page before Slack'), { deliveryId: 'd-html-2' }));
    await notWritten.arrived;
    notWritten.release('html');
    expect(await second).toMatchObject({ inDoubt: true });
    expect(await port().findPosted!(channel, 'd-html-2', since)).toBeNull();
    expect(standIn.messages.filter((m) => JSON.stringify(m.metadata ?? {}).includes('d-html-')).length).toBe(1);
  });

  it('gives a Permanent error for a private channel it was not invited to', async () => {
    // A private channel the bot is not in does not exist for it: channel_not_found.
    const err = await rejection(port().post(`slack:${team}/G0EDITORS`, alert()));
    expect(err).toBeInstanceOf(Permanent);
    expect((err as Permanent).code).toBe('channel_not_found');
  });

  it.each([
    ['is_archived', 'C0OLDNEWS', undefined, 'channel'],
    ['invalid_auth', 'C0NEWSROOM', 'invalid_auth', 'bot'],
    ['account_inactive', 'C0NEWSROOM', 'account_inactive', 'bot'],
    ['token_revoked', 'C0NEWSROOM', 'token_revoked', 'bot'],
    ['missing_scope', 'C0NEWSROOM', 'missing_scope', 'bot'],
    ['invalid_blocks', 'C0NEWSROOM', 'invalid_blocks', 'message'],
    ['msg_too_long', 'C0NEWSROOM', 'msg_too_long', 'message'],
    ['msg_blocks_too_long', 'C0NEWSROOM', 'msg_blocks_too_long', 'message'],
    ['metadata_too_large', 'C0NEWSROOM', 'metadata_too_large', 'message'],
    ['invalid_metadata_format', 'C0NEWSROOM', 'invalid_metadata_format', 'message'],
    ['invalid_metadata_schema', 'C0NEWSROOM', 'invalid_metadata_schema', 'message'],
    ['invalid_arguments', 'C0NEWSROOM', 'invalid_arguments', 'message'],
  ])('maps %s to Permanent (scope: %s)', async (code, channel, injected, scope) => {
    if (injected) standIn.failNext('chat.postMessage', injected);
    const err = await rejection(port().post(`slack:${team}/${channel}`, alert()));
    expect(err).toBeInstanceOf(Permanent);
    expect((err as Permanent).code).toBe(code);
    expect((err as Permanent).scope).toBe(scope);
  });

  it('rate_limited ("posted too many messages") is a retry, not in doubt, never a refusal of the channel', async () => {
    standIn.failNext('chat.postMessage', 'rate_limited');
    const err = await rejection(port().post(`slack:${team}/C0NEWSROOM`, alert()));
    expect(err).toBeInstanceOf(RetryLater);
    expect((err as RetryLater).inDoubt).toBe(false);
  });

  it('invalid_blocks on a story with an image: posted once more without the image; a second refusal fails the message', async () => {
    const withImage = answer({ visibility: 'channel', cards: [{ title: 'Storm', priority: 'breaking', imageUrl: 'https://img.example/storm.jpg', text: 'Winds.' }] });
    const before = standIn.callsTo('chat.postMessage').length;
    standIn.failNext('chat.postMessage', 'invalid_blocks');
    const ref = await port().post(`slack:${team}/C0NEWSROOM`, withImage);
    const calls = standIn.callsTo('chat.postMessage').slice(before);
    expect(calls.map((c) => c.error ?? 'ok')).toEqual(['invalid_blocks', 'ok']);
    expect(String(calls[0].body.blocks)).toContain('storm.jpg');
    expect(String(calls[1].body.blocks)).not.toContain('"image"');
    expect(standIn.messages.find((m) => m.ts === parseMessageRef(ref).messageId)).toBeDefined();
    standIn.failNext('chat.postMessage', 'invalid_blocks', 2);
    const err = await rejection(port().post(`slack:${team}/C0NEWSROOM`, withImage));
    expect(err).toMatchObject({ code: 'invalid_blocks', scope: 'message' });
  });

  it('checks a channel: a refused or failed conversations.info says what it means, not "something went wrong"', async () => {
    standIn.failNext('conversations.info', 'not_in_channel');
    expect((await port().checkChannel!(`slack:${team}/C0NEWSROOM`)).missing.join(' ')).toMatch(/\/invite @Newsdesk/);
    standIn.failNext('conversations.info', 'invalid_auth');
    expect((await port().checkChannel!(`slack:${team}/C0NEWSROOM`)).missing.join(' ')).toMatch(/bot token/);
    standIn.failNext('conversations.info', { status: 429, retryAfter: 7 });
    await expect(port().checkChannel!(`slack:${team}/C0NEWSROOM`)).rejects.toThrow(/try again in 7 s/);
    standIn.failNext('conversations.info', 'internal_error');
    await expect(port().checkChannel!(`slack:${team}/C0NEWSROOM`)).rejects.toMatchObject({ name: 'UserError', message: expect.stringMatching(/try again in \d+ s/) });
  });

  it('turns a 429 into RetryLater with the Retry-After delay, without waiting or retrying itself', async () => {
    standIn.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const before = standIn.callsTo('chat.postMessage').length;
    const err = await rejection(port().post(`slack:${team}/C0NEWSROOM`, alert()));
    expect(err).toBeInstanceOf(RetryLater);
    expect((err as RetryLater).delayMs).toBe(7_000);
    expect(standIn.callsTo('chat.postMessage').length).toBe(before + 1);
  });

  it('turns a 5xx into RetryLater', async () => {
    standIn.failNext('chat.postMessage', { status: 503 });
    expect(await rejection(port().post(`slack:${team}/C0NEWSROOM`, alert()))).toBeInstanceOf(RetryLater);
  });

  it('marks ambiguous failures in doubt (5xx, fatal_error, internal_error) but not rate limits', async () => {
    const post = () => rejection(port().post(`slack:${team}/C0NEWSROOM`, alert()));
    standIn.failNext('chat.postMessage', { status: 503 });
    expect(await post()).toMatchObject({ name: 'RetryLater', inDoubt: true });
    standIn.failNext('chat.postMessage', 'fatal_error');
    expect(await post()).toMatchObject({ name: 'RetryLater', inDoubt: true });
    standIn.failNext('chat.postMessage', 'internal_error');
    expect(await post()).toMatchObject({ name: 'RetryLater', inDoubt: true });
    standIn.failNext('chat.postMessage', 'ratelimited');
    expect(await post()).toMatchObject({ name: 'RetryLater', inDoubt: false });
    standIn.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    expect(await post()).toMatchObject({ name: 'RetryLater', inDoubt: false });
  });

  it('edits with chat.update, and replies in the thread with thread_ts', async () => {
    const ref = await port().post(`slack:${team}/C0NEWSROOM`, alert());
    await port().edit(ref, alert('Update: river recedes'));
    const msg = standIn.messages.find((m) => m.ts === parseMessageRef(ref).messageId)!;
    expect(msg.text).toMatch(/Update: river recedes/);
    expect(msg.edits).toHaveLength(1);
    const reply = await port().replyInThread(ref, alert('Second update'), { deliveryId: 'd-thread' });
    const threaded = standIn.messages.find((m) => m.ts === parseMessageRef(reply).messageId)!;
    expect(threaded.threadTs).toBe(msg.ts);
    expect(threaded.metadata?.event_payload.delivery_id).toBe('d-thread');
  });

  it('finds a post by its delivery id in the channel history (crash reconciliation), and nothing for an unknown id', async () => {
    const since = Date.now() - 60_000;
    const ref = await port().post(`slack:${team}/C0NEWSROOM`, alert(), { deliveryId: 'd-crash' });
    expect(await port().findPosted!(`slack:${team}/C0NEWSROOM`, 'd-crash', since)).toBe(ref);
    expect(await port().findPosted!(`slack:${team}/C0NEWSROOM`, 'd-never', since)).toBeNull();
    const history = standIn.callsTo('conversations.history').at(-1)!;
    expect(history.body.include_all_metadata).toBe('true');
  });

  it('checks channels: a member is fine, a private channel says to invite, an archived one says so', async () => {
    expect(await port().checkChannel!(`slack:${team}/C0NEWSROOM`)).toMatchObject({ ok: true, name: 'newsroom' });
    expect(await port().checkChannel!(`slack:${team}/G0DESK`)).toMatchObject({ ok: true, name: 'desk' });
    const editors = await port().checkChannel!(`slack:${team}/G0EDITORS`);
    expect(editors.ok).toBe(false);
    expect(editors.missing.join(' ')).toMatch(/\/invite @Newsdesk/);
    expect((await port().checkChannel!(`slack:${team}/C0OLDNEWS`)).missing.join(' ')).toMatch(/archived/);
  });

  it('holds a post open until released, for crash tests', async () => {
    const hold = standIn.hold('chat.postMessage', (b) => b.channel === 'G0DESK');
    const posting = port().post(`slack:${team}/G0DESK`, alert(), { deliveryId: 'd-held' });
    const call = await hold.arrived;
    expect(call.body.channel).toBe('G0DESK');
    expect(standIn.messages.some((m) => m.metadata?.event_payload.delivery_id === 'd-held')).toBe(false);
    hold.release();
    expect(await posting).toMatch(/G0DESK#/);
  });
});

describe('Slack outbound port without channels:join', () => {
  let standIn: SlackStandIn;
  let bot: TestBot;

  beforeAll(async () => {
    standIn = await startSlackStandIn({ scopes: manifestScopes().filter((s) => s !== 'channels:join'), limits: UNLIMITED });
    bot = await startTestBot(standIn);
  });

  afterAll(async () => {
    await bot?.close();
    await standIn?.close();
  });

  it('a missing scope for one channel\'s join is that channel\'s problem, named, and other channels still post', async () => {
    const team = standIn.teams[0].id;
    const alert = answer({ visibility: 'channel', cards: [{ title: 'Flood', priority: 'breaking' }] });
    const err = await bot.adapter.port.post(`slack:${team}/C0BREAKING`, alert).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Permanent);
    expect(err).toMatchObject({ code: 'missing_scope', scope: 'channel' });
    expect((err as Permanent).reason).toContain('channels:join');
    // A healthy channel still posts.
    await expect(bot.adapter.port.post(`slack:${team}/C0NEWSROOM`, alert)).resolves.toMatch(/#/);
  });
});

describe('Slack outbound port, joining refused without a named scope', () => {
  let standIn: SlackStandIn;
  let bot: TestBot;

  beforeAll(async () => {
    standIn = await startSlackStandIn({ scopes: manifestScopes(), limits: UNLIMITED });
    bot = await startTestBot(standIn);
  });

  afterAll(async () => {
    await bot?.close();
    await standIn?.close();
  });

  it('a missing_scope without `needed` on conversations.join is that channel\'s problem, saying /invite, not the bot\'s', async () => {
    const team = standIn.teams[0].id;
    const alert = answer({ visibility: 'channel', cards: [{ title: 'Flood', priority: 'breaking' }] });
    standIn.failNext('conversations.join', 'missing_scope');
    const err = await bot.adapter.port.post(`slack:${team}/C0BREAKING`, alert).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Permanent);
    expect(err).toMatchObject({
      code: 'missing_scope', scope: 'channel',
      reason: 'Newsdesk is not in the channel and could not join it (the app lacks a scope to join channels): invite it with /invite @Newsdesk',
    });
    await expect(bot.adapter.port.post(`slack:${team}/C0NEWSROOM`, alert)).resolves.toMatch(/#/);
  });
});
