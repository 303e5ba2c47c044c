import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { quiet, realBot, testConfig, type RealBot } from './helpers.js';

/**
 * A publish:yes subscription through the whole pipeline (store → outbox → dispatcher → Discord port → stand-in): 12
 * breaking stories in an hour are all posted, 10 published, none refused by the stand-in's hourly publish limit, and
 * /alerts list says so.
 */
describe('alerts published from a Discord announcement channel', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let bot: RealBot;
  const guild = () => standIn.guilds[0];
  const wire = () => guild().channel('wire');

  beforeAll(async () => {
    // Posting pace is not what this is about: the channel's message bucket is wide; publishing keeps its hourly limit.
    standIn = await startDiscordStandIn({ limits: { channelMessages: { limit: 1_000, windowMs: 5_000 } }, guilds: [{ channels: [{ name: 'wire', type: 5 }] }] });
    bot = await realBot();
    adapter = await startDiscord({ config: testConfig(standIn), dispatcher: bot.dispatcher, logger: quiet });
    bot.ports.attach(adapter.port);
  });

  afterAll(async () => {
    await adapter?.stop();
    await bot?.close();
    await standIn?.close();
  });

  it('12 breaking alerts: 12 posted, 10 published, the 11th and 12th held and reported, none refused', async () => {
    const g = guild();
    const actor = { id: 'U1', name: 'Ada', platform: 'discord' as const, workspace: g.id };
    const sub = await bot.alerts.service.subscribe({ platform: 'discord', workspace: g.id, channel: `discord:${g.id}/${wire().id}`, minPriority: 'breaking', publish: true }, actor);
    for (let i = 1; i <= 12; i++) {
      await bot.store.articles.upsert({ id: `p${i}`, url: `https://news.example/p${i}`, title: `Breaking story number ${i} from the wire desk`, priority: 'breaking', section: 'world' });
    }
    const posted = () => standIn.messages.filter((m) => m.channelId === wire().id);
    await standIn.waitFor(() => posted().length === 12 && standIn.calls.filter((c) => c.path.endsWith('/crosspost')).length === 10);
    // The 12th's hold is counted once its post is answered.
    for (let i = 0; i < 200 && (await adapter.port.publishReport!(`discord:${g.id}/${wire().id}`))?.held !== 2; i++) await new Promise((r) => setTimeout(r, 25));
    const crossposts = standIn.calls.filter((c) => c.path.endsWith('/crosspost'));
    expect(crossposts.map((c) => c.status)).toEqual(Array(10).fill(200));
    expect(posted().filter((m) => m.crossposted)).toHaveLength(10);
    const [listed] = await bot.alerts.service.list({ platform: 'discord', workspace: g.id });
    expect(listed.id).toBe(sub.id);
    expect(listed.health.publishing).toEqual({ published: 10, held: 2, left: 0, lastProblem: 'Discord allows 10 publishes an hour per channel' });
    const list = await bot.dispatcher.dispatch({
      command: 'alerts', subcommand: 'list', options: {}, platform: 'discord', workspace: g.id, channel: `discord:${g.id}/${wire().id}`,
      user: { id: 'U1', name: 'Ada', isAdmin: true },
    });
    expect(JSON.stringify(list)).toContain('10 published · 0 left this hour · 2 held (Discord allows 10 publishes an hour per channel)');
  });
});
