import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessageRef } from '../../../src/domain/channel.js';
import { Permanent, RetryLater } from '../../../src/outbound/port.js';
import { answer } from '../../../src/core/reply.js';
import { startSlackStandIn, type SlackStandIn } from '../../standins/slack/index.js';
import { UNLIMITED } from '../../standins/slack/limits.js';
import { manifestScopes, startTestBot, type TestBot } from './helpers.js';

/** Recalls through the Slack port: chat.delete via the real WebClient, against the strict stand-in. */
describe('Slack outbound port: delete', () => {
  let standIn: SlackStandIn;
  let bot: TestBot;
  let team: string;
  const alert = (title = 'Breaking: dam breach feared') =>
    answer({ visibility: 'channel', cards: [{ title, badge: 'breaking', priority: 'breaking', text: 'Residents told to leave.' }] });

  beforeAll(async () => {
    // The manifest's scopes: chat:write must be enough to delete (no new scope).
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
  const stored = (ref: string) => standIn.messages.find((m) => m.ts === parseMessageRef(ref).messageId)!;

  it('deletes the alert with chat.delete (channel and ts, the bot token); it leaves the channel history', async () => {
    const since = Date.now() - 60_000;
    const ref = await port().post(`slack:${team}/C0NEWSROOM`, alert(), { deliveryId: 'del-1' });
    await expect(port().delete(ref)).resolves.toBeUndefined();
    const call = standIn.callsTo('chat.delete').at(-1)!;
    expect(call.body).toMatchObject({ channel: 'C0NEWSROOM', ts: parseMessageRef(ref).messageId });
    expect(call.token).toBe(standIn.botToken);
    expect(call.error).toBeUndefined();
    expect(stored(ref).deleted).toBe(true);
    expect(await port().findPosted!(`slack:${team}/C0NEWSROOM`, 'del-1', since)).toBeNull();
  });

  it('a message already gone counts as deleted: the second delete resolves (Slack said message_not_found)', async () => {
    const ref = await port().post(`slack:${team}/C0NEWSROOM`, alert());
    await port().delete(ref);
    await expect(port().delete(ref)).resolves.toBeUndefined();
    expect(standIn.callsTo('chat.delete').slice(-2).map((c) => c.error ?? 'ok')).toEqual(['ok', 'message_not_found']);
  });

  it('deletes a thread reply on its own; the alert and its other replies stay', async () => {
    const ref = await port().post(`slack:${team}/C0NEWSROOM`, alert());
    const first = await port().replyInThread(ref, alert('Update 1'));
    const second = await port().replyInThread(ref, alert('Update 2'));
    await port().delete(first);
    expect([stored(ref).deleted, stored(first).deleted, stored(second).deleted]).toEqual([undefined, true, undefined]);
  });

  it('cant_delete_message (not the bot\'s message) is Permanent for that message only, and nothing is deleted', async () => {
    const ts = standIn.addUserMessage({ channel: 'C0NEWSROOM', text: 'a reader wrote this' });
    const err = await rejection(port().delete(`slack:${team}/C0NEWSROOM#${ts}`));
    expect(err).toBeInstanceOf(Permanent);
    expect(err).toMatchObject({ code: 'cant_delete_message', scope: 'message' });
    expect((err as Permanent).reason).toBe('Slack refused to delete it (cant_delete_message)');
    expect(standIn.messages.find((m) => m.ts === ts)!.deleted).toBeUndefined();
  });

  it('compliance exports forbidding deletion are Permanent for that message, with a reason an admin understands', async () => {
    const ref = await port().post(`slack:${team}/C0NEWSROOM`, alert());
    standIn.failNext('chat.delete', 'compliance_exports_prevent_deletion');
    expect(await rejection(port().delete(ref))).toMatchObject({
      name: 'Permanent', code: 'compliance_exports_prevent_deletion', scope: 'message', reason: 'the workspace\'s compliance exports forbid deleting messages',
    });
    expect(stored(ref).deleted).toBeUndefined();
  });

  it('channel_not_found is not "already gone": removed from a private channel, the bot cannot see its alert, which stays', async () => {
    const ref = await port().post(`slack:${team}/G0DESK`, alert());
    const desk = standIn.teams[0].channels.find((c) => c.id === 'G0DESK')!;
    desk.isMember = false; // someone removed Newsdesk from the private channel
    try {
      const err = await rejection(port().delete(ref));
      expect(err).toBeInstanceOf(Permanent);
      expect(err).toMatchObject({ code: 'channel_not_found', scope: 'message' });
      expect(stored(ref).deleted).toBeUndefined();
    } finally {
      desk.isMember = true;
    }
  });

  it('a 429 is RetryLater with the Retry-After delay, not in doubt, and the library neither waits nor retries', async () => {
    const ref = await port().post(`slack:${team}/C0NEWSROOM`, alert());
    standIn.failNext('chat.delete', { status: 429, retryAfter: 7 });
    const before = standIn.callsTo('chat.delete').length;
    const started = Date.now();
    const err = await rejection(port().delete(ref));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err).toBeInstanceOf(RetryLater);
    expect(err).toMatchObject({ delayMs: 7_000, inDoubt: false, rateLimit: 'unattributed' });
    expect(standIn.callsTo('chat.delete').length).toBe(before + 1);
    expect(stored(ref).deleted).toBeUndefined();
    // Later, it goes.
    await port().delete(ref);
    expect(stored(ref).deleted).toBe(true);
  });

  it('a 5xx or ratelimited is RetryLater; a revoked token is Permanent', async () => {
    const ref = await port().post(`slack:${team}/C0NEWSROOM`, alert());
    standIn.failNext('chat.delete', { status: 503 });
    expect(await rejection(port().delete(ref))).toBeInstanceOf(RetryLater);
    standIn.failNext('chat.delete', 'ratelimited');
    expect(await rejection(port().delete(ref))).toMatchObject({ name: 'RetryLater', inDoubt: false });
    standIn.failNext('chat.delete', 'token_revoked');
    expect(await rejection(port().delete(ref))).toMatchObject({ name: 'Permanent', code: 'token_revoked' });
    expect(stored(ref).deleted).toBeUndefined();
  });
});
