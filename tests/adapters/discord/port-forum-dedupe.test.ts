import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { renderAlert, type AlertArticle } from '../../../src/alerts/render.js';
import { P } from '../../standins/discord/permissions.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { quiet, realBot, testConfig, type RealBot } from './helpers.js';

/**
 * Discord offers no nonce for creating a forum post: after a crash between "thread created" and "reference recorded",
 * the port finds the post it made (findPosted) instead of making a second one. Real @discordjs/rest against the
 * stand-in's List Active Guild Threads and List Public Archived Threads.
 */
describe('Discord outbound port: an in-doubt forum post is found, not posted twice', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let bot: RealBot;
  const guild = () => standIn.guilds[0];
  const id = (name: string) => guild().channel(name).id;
  const ref = (name: string) => `discord:${guild().id}/${id(name)}`;
  const story = (over: Partial<AlertArticle> = {}): AlertArticle => ({
    id: 'd1', url: 'https://news.example/d1', title: 'Bridge closed after crack found', dek: 'Engineers inspect it.', body: 'Body.',
    section: 'world', source: 'Wire', publishedAt: '2026-03-01T10:00:00.000Z', updatedAt: '2026-03-01T10:00:00.000Z',
    priority: 'breaking', status: 'published', imageUrl: null, version: 1, ...over,
  });
  const alert = (over: Partial<AlertArticle> = {}) => renderAlert(story(over), null, { timeZone: 'UTC' });
  const hint = (over: Partial<AlertArticle> = {}) => ({ title: story(over).title, url: story(over).url! });
  const paths = (n: number) => standIn.calls.slice(n).map((c) => `${c.method} ${c.path.replace(/\d{5,}/g, '{id}')}`);

  beforeAll(async () => {
    standIn = await startDiscordStandIn({
      guilds: [{
        botPermissions: BigInt(P.ViewChannel | P.SendMessages | P.EmbedLinks | P.ReadMessageHistory | P.SendMessagesInThreads | P.ManageThreads),
        channels: [
          { name: 'desk', type: 15, tags: ['World'] }, { name: 'other-forum', type: 15 }, { name: 'general' },
          { name: 'no-history', type: 15, denyBot: P.ReadMessageHistory },
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

  it('finds the bot\'s post in the forum by its title among the active threads', async () => {
    const since = Date.now() - 60_000;
    await adapter.port.post(ref('other-forum'), alert());
    const posted = await adapter.port.post(ref('desk'), alert());
    const before = standIn.calls.length;
    await expect(adapter.port.findPosted!(ref('desk'), 'delivery-1', since, hint())).resolves.toBe(posted);
    expect(paths(before)).toEqual(['GET /guilds/{id}/threads/active']);
    // Another story's title is not this post; the forum holds no other post of the bot since then.
    await expect(adapter.port.findPosted!(ref('desk'), 'delivery-2', since, hint({ title: 'Dam holds', url: 'https://news.example/d2' }))).resolves.toBeNull();
  });

  it('a post from before the delivery existed is not adopted', async () => {
    await expect(adapter.port.findPosted!(ref('desk'), 'delivery-1', Date.now() + 60_000, hint())).resolves.toBeNull();
  });

  it('a headline changed since the post: recognised by the first message\'s link', async () => {
    const since = Date.now() - 60_000;
    const posted = await adapter.port.post(ref('desk'), alert({ id: 'd3', url: 'https://news.example/d3', title: 'Fire at the port' }));
    const before = standIn.calls.length;
    await expect(adapter.port.findPosted!(ref('desk'), 'delivery-3', since, hint({ url: 'https://news.example/d3', title: 'Fire at the port spreads' })))
      .resolves.toBe(posted);
    expect(paths(before)).toContain('GET /channels/{id}/messages/{id}');
  });

  it('an archived post is found among the forum\'s archived public threads', async () => {
    const since = Date.now() - 60_000;
    const posted = await adapter.port.post(ref('desk'), alert({ id: 'd4', url: 'https://news.example/d4', title: 'Strike called off' }));
    const thread = guild().channels.find((c) => posted.endsWith(`#${c.id}`))!;
    thread.archived = true;
    thread.archivedAt = Date.now();
    const before = standIn.calls.length;
    await expect(adapter.port.findPosted!(ref('desk'), 'delivery-4', since, hint({ url: 'https://news.example/d4', title: 'Strike called off' })))
      .resolves.toBe(posted);
    // The active posts since then are not it (by title, nor by their first message's link); the archived one is.
    expect(paths(before)[0]).toBe('GET /guilds/{id}/threads/active');
    expect(paths(before).at(-1)).toBe('GET /channels/{id}/threads/archived/public');
  });

  it('a post someone else made with the same title is not the bot\'s', async () => {
    const since = Date.now() - 60_000;
    guild().channels.push({
      id: String((BigInt(Date.now()) - 1_420_070_400_000n) << 22n), guildId: guild().id, name: 'Tram strike', type: 11,
      parentId: id('desk'), overwrites: [], appliedTags: [], ownerId: '42',
    });
    await expect(adapter.port.findPosted!(ref('desk'), 'delivery-5', since, hint({ title: 'Tram strike', url: 'https://news.example/d5' }))).resolves.toBeNull();
  });

  it('a text channel answers null (its posts carry an enforced nonce) and is read once, not per row', async () => {
    const before = standIn.calls.length;
    await expect(adapter.port.findPosted!(ref('general'), 'delivery-6', 0, hint())).resolves.toBeNull();
    await expect(adapter.port.findPosted!(ref('general'), 'delivery-7', 0, hint())).resolves.toBeNull();
    expect(paths(before)).toEqual(['GET /channels/{id}']);
  });

  it('without Read Message History the archived posts and first messages cannot be read: the active posts are still looked at, nothing paused', async () => {
    const since = Date.now() - 60_000;
    const posted = await adapter.port.post(ref('no-history'), alert({ id: 'd8', url: 'https://news.example/d8', title: 'Ferry service resumes' }));
    await expect(adapter.port.findPosted!(ref('no-history'), 'delivery-8', since, hint({ id: 'd8', url: 'https://news.example/d8', title: 'Ferry service resumes' })))
      .resolves.toBe(posted);
    const before = standIn.calls.length;
    await expect(adapter.port.findPosted!(ref('no-history'), 'delivery-9', since, hint({ url: 'https://news.example/d9', title: 'Harbour reopens' }))).resolves.toBeNull();
    expect(standIn.calls.slice(before).map((c) => [c.path.replace(/\d{5,}/g, '{id}'), c.status])).toEqual([
      ['/guilds/{id}/threads/active', 200],
      ['/channels/{id}/messages/{id}', 403],
      ['/channels/{id}/threads/archived/public', 403],
    ]);
  });
});
