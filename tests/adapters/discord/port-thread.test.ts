import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { answer } from '../../../src/core/reply.js';
import { Permanent } from '../../../src/outbound/port.js';
import { P } from '../../standins/discord/permissions.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { quiet, realBot, testConfig, type RealBot } from './helpers.js';

/**
 * An existing Discord thread as an alert target, through the real @discordjs/rest against the stand-in: alerts posted
 * into it (an archived thread is unarchived by the post), edits in an archived thread unarchive it first, updates go
 * into the same thread, and a locked thread is a permanent refusal of the channel (the dispatcher pauses on it).
 */
describe('Discord outbound port: an existing thread as the target', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let bot: RealBot;
  const guild = () => standIn.guilds[0];
  const id = (name: string) => guild().channel(name).id;
  const ref = (name: string) => `discord:${guild().id}/${id(name)}`;
  const alert = (title: string) => answer({ visibility: 'channel', cards: [{ title, priority: 'breaking', badge: 'BREAKING' }] });
  const stored = (messageRef: string) => standIn.messages.find((m) => messageRef.endsWith(`#${m.id}`))!;
  const since = (n: number) => standIn.calls.slice(n).map((c) => [c.method, c.path, c.status, c.responseBody?.code ?? null]);

  beforeAll(async () => {
    standIn = await startDiscordStandIn({
      limits: { channelMessages: { limit: 1_000, windowMs: 5_000 } },
      guilds: [{
        channels: [
          { name: 'general' },
          { name: 'election-live', type: 11, parent: 'general' },
          { name: 'old-story', type: 11, parent: 'general', archived: true },
          { name: 'closed', type: 11, parent: 'general', archived: true, locked: true },
        ],
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

  it('an alert goes into the thread; its update goes into the same thread (no thread inside a thread)', async () => {
    const posted = await adapter.port.post(ref('election-live'), alert('Polls close'));
    expect(stored(posted).channelId).toBe(id('election-live'));
    const before = standIn.calls.length;
    const reply = await adapter.port.replyInThread(posted, alert('Exit poll'));
    expect(since(before)).toEqual([
      ['POST', `/channels/${id('election-live')}/messages/${stored(posted).id}/threads`, 400, 50024],
      ['POST', `/channels/${id('election-live')}/messages`, 200, null],
    ]);
    expect(reply).toBe(`${ref('election-live')}#${stored(reply).id}`);
    expect(stored(reply).channelId).toBe(id('election-live'));
  });

  it('an archived thread is unarchived by the post; an edit there after it archives again unarchives it first', async () => {
    const thread = guild().channel('old-story');
    const posted = await adapter.port.post(ref('old-story'), alert('Inquiry reopens'));
    expect([thread.archived, stored(posted).embeds[0].title]).toEqual([false, 'BREAKING · Inquiry reopens']);
    thread.archived = true;
    const before = standIn.calls.length;
    await adapter.port.edit(posted, alert('Inquiry reopens, minister to testify'));
    expect(since(before)).toEqual([
      ['PATCH', `/channels/${thread.id}/messages/${stored(posted).id}`, 400, 50083],
      ['PATCH', `/channels/${thread.id}`, 200, null],
      ['PATCH', `/channels/${thread.id}/messages/${stored(posted).id}`, 200, null],
    ]);
    expect(stored(posted).embeds[0].title).toBe('BREAKING · Inquiry reopens, minister to testify');
  });

  it('a locked thread refuses the post: a permanent refusal of the channel (160005), which pauses its subscriptions', async () => {
    const err = await adapter.port.post(ref('closed'), alert('Nobody hears this')).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Permanent);
    expect([(err as Permanent).code, (err as Permanent).reason, (err as Permanent).scope]).toEqual(['160005', 'Thread is locked', 'channel']);
  });

  it('subscribing to a thread: ok where the bot may send, Manage Threads named when the thread is locked', async () => {
    await expect(adapter.port.checkChannel!(ref('election-live'))).resolves.toEqual({ ok: true, missing: [], name: 'election-live', kind: 'thread' });
    await expect(adapter.port.checkChannel!(ref('closed'))).resolves.toEqual({
      ok: false, missing: ['Manage Threads (the thread is locked)'], name: 'closed', kind: 'thread',
    });
  });

  it('through the pipeline: a thread locked after subscribing pauses the subscription with the reason', async () => {
    const actor = { id: 'U1', name: 'Ada', platform: 'discord' as const, workspace: guild().id };
    const sub = await bot.alerts.service.subscribe({ platform: 'discord', workspace: guild().id, channel: ref('election-live'), minPriority: 'breaking' }, actor);
    guild().channel('election-live').locked = true;
    await bot.store.articles.upsert({ id: 'locked-1', url: 'https://news.example/locked-1', title: 'Results delayed', priority: 'breaking', section: 'politics' });
    for (let i = 0; i < 200 && !(await bot.store.subscriptions.get(sub.id))?.paused; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await bot.store.subscriptions.get(sub.id)).toMatchObject({ paused: true });
    expect((await bot.store.subscriptions.get(sub.id))?.pausedReason).toContain('Thread is locked');
  });
});
