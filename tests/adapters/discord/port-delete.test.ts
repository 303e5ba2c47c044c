import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { Permanent, RetryLater } from '../../../src/outbound/port.js';
import type { BucketReport } from '../../../src/outbound/rate-limits.js';
import { answer } from '../../../src/core/reply.js';
import { P } from '../../standins/discord/permissions.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { quiet, realBot, testConfig, type RealBot } from './helpers.js';

/** Recalls through the Discord port: DELETE /channels/{id}/messages/{id} via the real @discordjs/rest, against the stand-in. */
describe('Discord outbound port: delete', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let bot: RealBot;
  const ref = (name: string) => `discord:${standIn.guilds[0].id}/${standIn.guilds[0].channel(name).id}`;
  const id = (name: string) => standIn.guilds[0].channel(name).id;
  const alert = (title: string) => answer({ visibility: 'channel', cards: [{ title, priority: 'breaking', badge: 'Breaking' }] });
  const stored = (messageRef: string) => standIn.messages.find((m) => messageRef.endsWith(`#${m.id}`))!;
  const deletes = (channelId: string) => standIn.calls.filter((c) => c.method === 'DELETE' && c.path.startsWith(`/channels/${channelId}/messages/`));
  const rejection = async (p: Promise<unknown>) => p.then(() => null, (err: unknown) => err);

  beforeAll(async () => {
    standIn = await startDiscordStandIn({
      // Posting is not what these tests are about: posts unthrottled; deletes keep the stand-in's limits.
      limits: { channelMessages: { limit: 1_000, windowMs: 5_000 } },
      guilds: [{
        // What the invite asks for: no Manage Messages (Newsdesk deletes only its own messages).
        botPermissions: BigInt(P.ViewChannel | P.SendMessages | P.EmbedLinks | P.ReadMessageHistory | P.CreatePublicThreads | P.SendMessagesInThreads),
        channels: [{ name: 'general' }, { name: 'threads' }, { name: 'busy' }, { name: 'limited' }, { name: 'failing' }, { name: 'hidden', denyBot: P.ViewChannel }],
      }],
    });
    bot = await realBot();
    adapter = await startDiscord({ config: testConfig(standIn), dispatcher: bot.dispatcher, logger: quiet });
    bot.ports.attach(adapter.port);
  });

  afterAll(async () => {
    await adapter?.stop();
    await bot?.close();
    await standIn?.close();
  });

  it('deletes the alert: DELETE /channels/{channel}/messages/{id}, answered 204', async () => {
    const posted = await adapter.port.post(ref('general'), alert('Dam breach feared'));
    await expect(adapter.port.delete(posted)).resolves.toBeUndefined();
    const [call] = deletes(id('general'));
    expect(call).toMatchObject({ path: `/channels/${id('general')}/messages/${stored(posted).id}`, status: 204, authorized: true });
    expect(stored(posted).deleted).toBe(true);
  });

  it('a message already gone counts as deleted: 10008 Unknown Message, and a deleted channel (10003), resolve', async () => {
    const posted = await adapter.port.post(ref('general'), alert('Twice'));
    await adapter.port.delete(posted);
    await expect(adapter.port.delete(posted)).resolves.toBeUndefined();
    const last = deletes(id('general')).at(-1)!;
    expect([last.status, last.responseBody.code]).toEqual([404, 10008]);
    const goneChannel = `discord:${standIn.guilds[0].id}/1300000000000000009#1300000000000000010`;
    await expect(adapter.port.delete(goneChannel)).resolves.toBeUndefined();
    const call = standIn.calls.findLast((c) => c.method === 'DELETE')!;
    expect([call.status, call.responseBody.code]).toEqual([404, 10003]);
  });

  it('deletes a thread reply on its own (in the thread\'s channel); the alert stays', async () => {
    const posted = await adapter.port.post(ref('threads'), alert('Storm'));
    const reply = await adapter.port.replyInThread(posted, alert('Update 1'));
    await adapter.port.delete(reply);
    expect([stored(posted).deleted, stored(reply).deleted]).toEqual([false, true]);
  });

  it('a reply in a thread Discord has archived (a day without messages): the thread is unarchived, then the reply deleted', async () => {
    const posted = await adapter.port.post(ref('threads'), alert('Quake'));
    const reply = await adapter.port.replyInThread(posted, alert('Aftershock'));
    const threadId = reply.split('/')[1].split('#')[0];
    const thread = standIn.guilds[0].channels.find((c) => c.id === threadId)!;
    thread.archived = true;
    const before = standIn.calls.length;
    await adapter.port.delete(reply);
    const calls = standIn.calls.slice(before).map((c) => [c.method, c.path, c.status, c.responseBody?.code]);
    expect(calls).toEqual([
      ['DELETE', `/channels/${threadId}/messages/${stored(reply).id}`, 400, 50083],
      ['PATCH', `/channels/${threadId}`, 200, undefined],
      ['DELETE', `/channels/${threadId}/messages/${stored(reply).id}`, 204, undefined],
    ]);
    expect(standIn.calls.at(-2)!.body).toEqual({ archived: false });
    expect([stored(reply).deleted, thread.archived]).toEqual([true, false]);
  });

  it('a refusal is Permanent for that message only: 50013 (someone else\'s message, no Manage Messages), 50001 (channel hidden)', async () => {
    const theirs = standIn.addUserMessage(id('general'), 'a member wrote this');
    const refused = await rejection(adapter.port.delete(`${ref('general')}#${theirs.id}`));
    expect(refused).toBeInstanceOf(Permanent);
    expect(refused).toMatchObject({ code: '50013', reason: 'Missing Permissions', scope: 'message' });
    expect(theirs.deleted).toBe(false);
    const unseen = standIn.addUserMessage(id('hidden'), 'behind a wall');
    expect(await rejection(adapter.port.delete(`${ref('hidden')}#${unseen.id}`))).toMatchObject({ name: 'Permanent', code: '50001', reason: 'Missing Access', scope: 'message' });
    expect(unseen.deleted).toBe(false);
  });

  it('a 429 is RetryLater with Discord\'s delay, not in doubt, and the library neither waits nor retries', async () => {
    const posted = await adapter.port.post(ref('limited'), alert('Rate limited'));
    standIn.failNext({ method: 'DELETE', path: `/channels/${id('limited')}/messages/`, status: 429, retryAfterMs: 4_000 });
    const started = Date.now();
    const err = await rejection(adapter.port.delete(posted));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err).toBeInstanceOf(RetryLater);
    expect(err).toMatchObject({ inDoubt: false, rateLimit: 'bucket' });
    expect((err as RetryLater).delayMs).toBeGreaterThanOrEqual(3_000);
    expect(deletes(id('limited'))).toHaveLength(1);
    expect(stored(posted).deleted).toBe(false);
  });

  it('a 5xx is RetryLater; the retry of a delete that did go through then finds it gone, and resolves', async () => {
    const posted = await adapter.port.post(ref('failing'), alert('Server trouble'));
    standIn.failNext({ method: 'DELETE', path: `/channels/${id('failing')}/messages/`, status: 502 });
    expect(await rejection(adapter.port.delete(posted))).toMatchObject({ name: 'RetryLater' });
    await adapter.port.delete(posted);
    await expect(adapter.port.delete(posted)).resolves.toBeUndefined();
    expect(stored(posted).deleted).toBe(true);
  });

  it('reports each delete\'s route bucket for the pacer, and the sixth delete in 5 s is RetryLater (the channel\'s bucket)', async () => {
    const reports: BucketReport[] = [];
    const off = adapter.port.onBucketReport!((r) => reports.push(r));
    try {
      const posted: string[] = [];
      for (let i = 0; i < 6; i++) posted.push(await adapter.port.post(ref('busy'), alert(`Story ${i}`)));
      const outcomes: string[] = [];
      for (const p of posted) outcomes.push(await adapter.port.delete(p).then(() => 'deleted', (e: Error) => e.name));
      expect(outcomes).toEqual(['deleted', 'deleted', 'deleted', 'deleted', 'deleted', 'RetryLater']);
      const deleteReports = reports.filter((r) => r.op === 'delete');
      expect(deleteReports.map((r) => [r.channelId, r.limit, r.remaining])).toEqual([
        [id('busy'), 5, 4], [id('busy'), 5, 3], [id('busy'), 5, 2], [id('busy'), 5, 1], [id('busy'), 5, 0],
      ]);
      expect(new Set(deleteReports.map((r) => r.bucket)).size).toBe(1);
      expect(reports.filter((r) => r.op === 'post').every((r) => r.bucket !== deleteReports[0].bucket)).toBe(true);
      expect(standIn.messages.filter((m) => m.channelId === id('busy') && !m.deleted)).toHaveLength(1);
    } finally {
      off();
    }
  });
});
