import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { P } from '../../standins/discord/permissions.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { quiet, realBot, testConfig, type RealBot } from './helpers.js';

/**
 * A forum subscription through the whole pipeline (store → outbox → dispatcher → the Discord port → real discord.js
 * REST → stand-in): one post per story with the section's tag, the update an edit of its first message plus a reply in
 * the post (threads:yes), the retraction tagged RETRACTED, /alerts why naming the post, the recall taking it down.
 */
describe('alerts into a Discord forum', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let bot: RealBot;
  const guild = () => standIn.guilds[0];
  const forum = () => guild().channel('desk');
  const actor = () => ({ id: 'U1', name: 'Ada', platform: 'discord' as const, workspace: guild().id });
  const scope = () => ({ platform: 'discord' as const, workspace: guild().id });
  const posts = () => guild().channels.filter((c) => c.parentId === forum().id);
  const STORY = { id: 'forum-1', url: 'https://news.example/forum-1', title: 'Election called for March', dek: 'The prime minister asked for a dissolution.', priority: 'breaking' as const, section: 'politics' };

  /** Polls the store until the alert's row shows `version` delivered (the edit's bookkeeping is written). */
  const delivered = async (version: number) => {
    for (let i = 0; i < 200; i++) {
      if ((await bot.store.outbox.forStoryAll('forum-1'))[0]?.deliveredVersion === version) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`version ${version} was never delivered`);
  };

  beforeAll(async () => {
    standIn = await startDiscordStandIn({
      guilds: [{
        botPermissions: BigInt(P.ViewChannel | P.SendMessages | P.EmbedLinks | P.ReadMessageHistory | P.CreatePublicThreads | P.SendMessagesInThreads | P.ManageThreads),
        channels: [{ name: 'desk', type: 15, tags: ['World', 'POLITICS', 'Retracted'] }],
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

  it('one post per story, edited and replied to on update, tagged RETRACTED, explained, then recalled', async () => {
    const tag = (name: string) => forum().availableTags!.find((t) => t.name === name)!.id;
    const sub = await bot.alerts.service.subscribe({
      platform: 'discord', workspace: guild().id, channel: `discord:${guild().id}/${forum().id}`, minPriority: 'urgent', threads: true,
    }, actor());
    expect(sub.channelName).toBe('desk');

    await bot.store.articles.upsert(STORY);
    const post = await standIn.waitFor(() => posts()[0]);
    expect(post).toMatchObject({ name: 'Election called for March', appliedTags: [tag('POLITICS')] });
    const first = () => standIn.messages.find((m) => m.id === post.id)!;
    expect(first().embeds[0].title).toBe('BREAKING · Election called for March');

    await bot.store.articles.upsert({ ...STORY, title: 'Election called for 14 March' });
    await standIn.waitFor(() => first().embeds[0].title === 'BREAKING · Election called for 14 March');
    const reply = await standIn.waitFor(() => standIn.messages.find((m) => m.channelId === post.id && m.id !== post.id));
    expect(reply.embeds[0].title).toBe('UPDATE · Election called for 14 March');
    expect(posts()).toHaveLength(1);

    await bot.store.articles.upsert({ ...STORY, title: 'Election called for 14 March', status: 'retracted' });
    await standIn.waitFor(() => post.appliedTags?.includes(tag('Retracted')));
    expect(post.appliedTags).toEqual([tag('POLITICS'), tag('Retracted')]);
    expect(first().embeds[0].title).toBe('RETRACTED · ~~Election called for 14 March~~');
    // The edit's bookkeeping first (a recall arriving while an edit is in flight waits for a restart today).
    await delivered(3);

    const why = await bot.alerts.service.why(scope(), `discord:${guild().id}/${forum().id}`, 'forum-1');
    expect(why.map((w) => [w.delivered, w.explanation])).toEqual([[true, 'sent at 12:00, edited to version 3']]);
    const rows = await bot.store.outbox.forStoryAll('forum-1');
    expect(rows.map((r) => r.messageRef)).toEqual([`discord:${guild().id}/${post.id}#${post.id}`]);

    await bot.alerts.service.recall(scope(), 'forum-1', 'legal', actor());
    await standIn.waitFor(() => !guild().channels.includes(post));
    expect(first().deleted).toBe(true);
    expect(standIn.calls.filter((c) => c.method === 'POST' && c.path === `/channels/${forum().id}/threads`)).toHaveLength(1);
  });
});
