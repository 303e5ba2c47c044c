import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { P } from '../../standins/discord/permissions.js';
import { startDiscordStandIn, type DiscordStandIn, type InteractionRecord } from '../../standins/discord/index.js';
import { quiet, realBot, testConfig, type RealBot } from './helpers.js';

/**
 * `/alerts subscribe` refuses each missing permission by its name, through the real gateway interaction path
 * (stand-in → discord.js → dispatcher → /alerts → the Discord port's check → the reply): one channel per permission,
 * where an overwrite on the bot's role denies just that one (a thread inherits its parent's overwrites).
 */
describe('/alerts subscribe names the permission Newsdesk lacks', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let bot: RealBot;
  const guild = () => standIn.guilds[0];
  const original = (rec: InteractionRecord) => standIn.messages.find((m) => m.id === rec.originalMessageId);
  const answer = async (rec: InteractionRecord) => (await standIn.waitFor(() => (original(rec)?.content ? original(rec) : null)))!.content;
  const subscribe = (channel: string, options: Record<string, string> = {}) =>
    answer(standIn.sendCommand({ name: 'alerts', subcommand: 'subscribe', options: { channel: guild().channel(channel).id, min_priority: 'breaking', ...options }, user: { admin: true } }));

  beforeAll(async () => {
    standIn = await startDiscordStandIn({
      guilds: [{
        channels: [
          { name: 'desk' },
          { name: 'no-view', denyBot: P.ViewChannel },
          { name: 'no-send', denyBot: P.SendMessages },
          { name: 'no-embeds', denyBot: P.EmbedLinks },
          { name: 'no-new-threads', denyBot: P.CreatePublicThreads },
          { name: 'no-thread-replies', denyBot: P.SendMessagesInThreads },
          { name: 'forum-no-replies', type: 15, tags: [], denyBot: P.SendMessagesInThreads },
          { name: 'forum-no-posts', type: 15, tags: [], denyBot: P.SendMessages },
          { name: 'closed', type: 11, parent: 'desk', locked: true },
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

  it.each([
    ['no-view', {}, 'View Channel'],
    ['no-send', {}, 'Send Messages'],
    ['no-embeds', {}, 'Embed Links'],
    ['no-new-threads', { threads: 'yes' }, 'Create Public Threads'],
    ['no-thread-replies', { threads: 'yes' }, 'Send Messages in Threads'],
    ['forum-no-replies', {}, 'Send Messages in Threads'],
    ['forum-no-posts', {}, 'Send Messages'],
    ['closed', {}, 'Manage Threads'],
  ] as const)('#%s %j: refused, naming %s, and nothing subscribed', async (channel, options, permission) => {
    const text = await subscribe(channel, options);
    expect(text).toMatch(/^I cannot post in #/);
    expect(text).toContain(`missing ${permission}`);
    // Only that one is named.
    expect(text.match(/View Channel|Send Messages in Threads|Send Messages(?! in)|Embed Links|Create Public Threads|Manage Threads/g)).toEqual([permission]);
    const listed = await bot.alerts.service.list({ platform: 'discord', workspace: guild().id });
    expect(listed.filter((s) => s.channel.endsWith(`/${guild().channel(channel).id}`))).toEqual([]);
  });

  it('threads:yes where the bot may start threads and reply in them subscribes', async () => {
    expect(await subscribe('desk', { threads: 'yes' })).toMatch(/^Subscribed/);
    // Where threads are not asked for, a channel that forbids starting them is fine.
    expect(await subscribe('no-new-threads')).toMatch(/^Subscribed/);
  });
});
