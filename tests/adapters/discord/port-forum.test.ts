import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { renderAlert, renderFollowUp, type AlertArticle } from '../../../src/alerts/render.js';
import { P } from '../../standins/discord/permissions.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { quiet, realBot, testConfig, type RealBot } from './helpers.js';

/**
 * Forum channels through the real @discordjs/rest against the stand-in: one post per story (POST /channels/{forum}/threads
 * with the alert as its first message), tagged from the story's section, edited, tagged RETRACTED, replied to, deleted.
 */
describe('Discord outbound port: forum channels', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let bot: RealBot;
  const guild = () => standIn.guilds[0];
  const id = (name: string) => guild().channel(name).id;
  const ref = (name: string) => `discord:${guild().id}/${id(name)}`;
  const tagId = (forum: string, name: string) => guild().channel(forum).availableTags!.find((t) => t.name === name)!.id;
  const threadOf = (messageRef: string) => guild().channels.find((c) => messageRef.endsWith(`/${c.id}#${c.id}`))!;
  const message = (messageId: string) => standIn.messages.find((m) => m.id === messageId)!;
  const since = (n: number) => standIn.calls.slice(n).map((c) => [c.method, c.path, c.status, c.responseBody?.code ?? null]);
  const story = (over: Partial<AlertArticle> = {}): AlertArticle => ({
    id: 'a1', url: 'https://news.example/a1', title: 'Parliament passes the budget', dek: 'A late-night vote.', body: 'Body.',
    section: 'politics', source: 'Wire', publishedAt: '2026-03-01T10:00:00.000Z', updatedAt: '2026-03-01T10:00:00.000Z',
    priority: 'breaking', status: 'published', imageUrl: null, version: 1, ...over,
  });
  const alert = (over: Partial<AlertArticle> = {}) => renderAlert(story(over), null, { timeZone: 'UTC' });

  beforeAll(async () => {
    standIn = await startDiscordStandIn({
      limits: { channelMessages: { limit: 1_000, windowMs: 5_000 } },
      guilds: [{
        botPermissions: BigInt(P.ViewChannel | P.SendMessages | P.EmbedLinks | P.ReadMessageHistory | P.CreatePublicThreads | P.SendMessagesInThreads),
        channels: [
          { name: 'desk', type: 15, tags: ['World', 'Politics', 'Retracted'] },
          { name: 'plain-forum', type: 15, tags: ['Sport'] },
          { name: 'managed-forum', type: 15, tags: ['Politics'], overwrites: [] },
          { name: 'no-threads', type: 15, tags: [] },
          { name: 'general' },
        ],
      }],
    });
    // Manage Threads in one forum only (an overwrite on the bot's role), and no Send Messages in Threads in another.
    const g = standIn.guilds[0];
    g.channel('managed-forum').overwrites.push({ id: g.botRoleId, type: 0, allow: String(P.ManageThreads), deny: '0' });
    g.channel('no-threads').overwrites.push({ id: g.botRoleId, type: 0, allow: '0', deny: String(P.SendMessagesInThreads) });
    bot = await realBot();
    adapter = await startDiscord({ config: testConfig(standIn), dispatcher: bot.dispatcher, logger: quiet });
    bot.ports.attach(adapter.port);
  });

  afterAll(async () => {
    await adapter?.stop();
    await bot?.close();
    await standIn?.close();
  });

  it('a story becomes one forum post: the headline as its title, the alert as its first message, the section\'s tag applied', async () => {
    const before = standIn.calls.length;
    const posted = await adapter.port.post(ref('desk'), alert());
    const thread = threadOf(posted);
    // The first post learns that the channel is a forum (Discord refuses a plain message there, 50008) and reads its tags.
    expect(since(before)).toEqual([
      ['POST', `/channels/${id('desk')}/messages`, 400, 50008],
      ['GET', `/channels/${id('desk')}`, 200, null],
      ['POST', `/channels/${id('desk')}/threads`, 201, null],
    ]);
    expect(posted).toBe(`discord:${guild().id}/${thread.id}#${thread.id}`);
    expect(thread).toMatchObject({ name: 'Parliament passes the budget', type: 11, parentId: id('desk'), appliedTags: [tagId('desk', 'Politics')] });
    const first = message(thread.id);
    expect(first.channelId).toBe(thread.id);
    expect(first.embeds[0].title).toBe('BREAKING · Parliament passes the budget');

    // The forum is known now: the next story goes straight to a post.
    const next = standIn.calls.length;
    await adapter.port.post(ref('desk'), alert({ id: 'a2', title: 'Floods in the north', section: 'World' }));
    expect(since(next)).toEqual([['POST', `/channels/${id('desk')}/threads`, 201, null]]);
    expect(standIn.calls.at(-1)!.body.applied_tags).toEqual([tagId('desk', 'World')]);
  });

  it('the title is the headline clipped to 100 characters; no tag when the forum has none of the section\'s name', async () => {
    const headline = `${'Budget '.repeat(20)}passes`;
    const posted = await adapter.port.post(ref('plain-forum'), alert({ title: headline }));
    const thread = threadOf(posted);
    // Cut at a word boundary, within 100 characters: 13 × "Budget " + "Budget" + "…".
    expect(thread.name).toBe(`${'Budget '.repeat(13)}Budget…`);
    expect(thread.name.length).toBe(98);
    expect(thread.appliedTags).toEqual([]);
    expect(standIn.calls.at(-1)!.body).not.toHaveProperty('applied_tags');
  });

  it('an update edits the first message; a retraction edits it and adds the forum\'s RETRACTED tag', async () => {
    const posted = await adapter.port.post(ref('desk'), alert({ id: 'a3', title: 'Minister resigns' }));
    const thread = threadOf(posted);
    const before = standIn.calls.length;
    await adapter.port.edit(posted, alert({ id: 'a3', title: 'Minister resigns over leak', version: 2, updatedAt: '2026-03-01T11:00:00.000Z' }));
    expect(since(before)).toEqual([['PATCH', `/channels/${thread.id}/messages/${thread.id}`, 200, null]]);
    expect(message(thread.id).embeds[0].title).toBe('BREAKING · Minister resigns over leak');
    expect(thread.appliedTags).toEqual([tagId('desk', 'Politics')]);

    const retraction = standIn.calls.length;
    await adapter.port.edit(posted, alert({ id: 'a3', title: 'Minister resigns over leak', version: 3, status: 'retracted' }));
    expect(since(retraction)).toEqual([
      ['PATCH', `/channels/${thread.id}/messages/${thread.id}`, 200, null],
      ['GET', `/channels/${thread.id}`, 200, null],
      ['PATCH', `/channels/${thread.id}`, 200, null],
    ]);
    expect(message(thread.id).embeds[0].title).toBe('RETRACTED · ~~Minister resigns over leak~~');
    expect(thread.appliedTags).toEqual([tagId('desk', 'Politics'), tagId('desk', 'Retracted')]);
  });

  it('a retraction in a forum without a RETRACTED tag edits the message only', async () => {
    const posted = await adapter.port.post(ref('plain-forum'), alert({ id: 'a4', section: 'sport' }));
    const thread = threadOf(posted);
    await adapter.port.edit(posted, alert({ id: 'a4', section: 'sport', version: 2, status: 'retracted' }));
    expect(thread.appliedTags).toEqual([tagId('plain-forum', 'Sport')]);
    expect(standIn.calls.at(-1)).toMatchObject({ method: 'GET', path: `/channels/${thread.id}` });
  });

  it('an archived post is unarchived to be edited', async () => {
    const posted = await adapter.port.post(ref('desk'), alert({ id: 'a5', title: 'Quiet story' }));
    const thread = threadOf(posted);
    thread.archived = true;
    const before = standIn.calls.length;
    await adapter.port.edit(posted, alert({ id: 'a5', title: 'Quiet story, updated', version: 2 }));
    expect(since(before)).toEqual([
      ['PATCH', `/channels/${thread.id}/messages/${thread.id}`, 400, 50083],
      ['PATCH', `/channels/${thread.id}`, 200, null],
      ['PATCH', `/channels/${thread.id}/messages/${thread.id}`, 200, null],
    ]);
    expect(message(thread.id).embeds[0].title).toBe('BREAKING · Quiet story, updated');
  });

  it('threads:yes replies go into the post itself', async () => {
    const posted = await adapter.port.post(ref('desk'), alert({ id: 'a6', title: 'Strike called' }));
    const thread = threadOf(posted);
    const before = standIn.calls.length;
    const reply = await adapter.port.replyInThread(posted, renderFollowUp(story({ id: 'a6', title: 'Strike called off', version: 2 }), { timeZone: 'UTC' }));
    expect(since(before)).toEqual([['POST', `/channels/${thread.id}/messages`, 200, null]]);
    const replied = standIn.messages.at(-1)!;
    expect(reply).toBe(`discord:${guild().id}/${thread.id}#${replied.id}`);
    expect([replied.channelId, replied.embeds[0].title]).toEqual([thread.id, 'UPDATE · Strike called off']);
  });

  it('a recall deletes the whole post with Manage Threads; without it, the post\'s first message', async () => {
    const managed = await adapter.port.post(ref('managed-forum'), alert({ id: 'a7' }));
    const managedThread = threadOf(managed);
    let before = standIn.calls.length;
    await adapter.port.delete(managed);
    expect(since(before)).toEqual([['DELETE', `/channels/${managedThread.id}`, 200, null]]);
    expect(guild().channels.some((c) => c.id === managedThread.id)).toBe(false);
    expect(message(managedThread.id).deleted).toBe(true);

    const plain = await adapter.port.post(ref('desk'), alert({ id: 'a8' }));
    const plainThread = threadOf(plain);
    before = standIn.calls.length;
    await adapter.port.delete(plain);
    expect(since(before)).toEqual([
      ['DELETE', `/channels/${plainThread.id}`, 403, 50013],
      ['DELETE', `/channels/${plainThread.id}/messages/${plainThread.id}`, 204, null],
    ]);
    expect(message(plainThread.id).deleted).toBe(true);
    // Already gone counts as done.
    await expect(adapter.port.delete(managed)).resolves.toBeUndefined();
  });

  it('subscribing checks a forum for Send Messages in Threads too (story updates go into the post)', async () => {
    await expect(adapter.port.checkChannel!(ref('desk'))).resolves.toEqual({ ok: true, missing: [], name: 'desk', kind: 'forum' });
    await expect(adapter.port.checkChannel!(ref('no-threads'))).resolves.toEqual({ ok: false, missing: ['Send Messages in Threads'], name: 'no-threads', kind: 'forum' });
  });
});
