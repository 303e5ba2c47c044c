import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { quiet, realBot, testConfig, type RealBot } from './helpers.js';

/**
 * One process alone (SQLite, no shared store) runs every shard itself, in one discord.js Client. Guild ids are
 * chosen so the shards can be worked out by hand: 175928847299117063 (Discord's documentation example) has
 * timestamp part 41944705796, even: shard 0 of 2; adding 1 << 22 gives 41944705797, odd: shard 1 of 2.
 */
const EVEN = '175928847299117063';
const ODD = '175928847303311367';

describe('Discord adapter, shards in one process', () => {
  let standIn: DiscordStandIn;
  let bot: RealBot;
  let adapter: DiscordAdapter | undefined;

  beforeAll(async () => {
    // max_concurrency 2: both shards may IDENTIFY at once (with 1, discord.js waits 5 s between them).
    standIn = await startDiscordStandIn({ guilds: [{ id: EVEN }, { id: ODD }], recommendedShards: 2, maxConcurrency: 2 });
    bot = await realBot();
  });

  afterEach(async () => {
    await adapter?.stop();
    adapter = undefined;
    await standIn.waitFor(() => standIn.connectedClients === 0);
  });

  afterAll(async () => {
    await bot?.close();
    await standIn?.close();
  });

  // Global commands (no DISCORD_GUILD_ID), so both guilds have /help.
  const start = (extra: Record<string, string>) =>
    startDiscord({ config: testConfig(standIn, { DISCORD_GUILD_ID: '', ...extra }), dispatcher: bot.dispatcher, logger: quiet });
  const help = (guildId: string) => {
    const rec = standIn.sendCommand({ name: 'help', guildId });
    return standIn.waitFor(() => rec.responseType !== undefined && rec);
  };

  it('runs as many shards as GET /gateway/bot recommends when DISCORD_SHARD_COUNT is unset, and answers in guilds of both', async () => {
    const before = standIn.identifies.length;
    adapter = await start({});
    expect(standIn.identifies.slice(before).sort()).toEqual([[0, 2], [1, 2]]);
    expect(adapter.shards()).toEqual({ ids: [0, 1], count: 2 });
    expect(adapter.isReady()).toBe(true);
    for (const guild of [EVEN, ODD]) {
      const rec = await help(guild);
      expect(standIn.calls.filter((c) => c.path.startsWith(`/interactions/${rec.id}/`))).toHaveLength(1);
    }
    expect(standIn.shardOverlaps).toBe(0);
  });

  it('DISCORD_SHARD_COUNT=2 runs shards 0 and 1 and receives interactions for guilds on both', async () => {
    const before = standIn.identifies.length;
    adapter = await start({ DISCORD_SHARD_COUNT: '2' });
    expect(standIn.identifies.slice(before).sort()).toEqual([[0, 2], [1, 2]]);
    await help(EVEN);
    await help(ODD);
  });

  it('DISCORD_SHARD_IDS pins the shards: with 1 of 2 only the odd guild reaches this process', async () => {
    const before = standIn.identifies.length;
    adapter = await start({ DISCORD_SHARD_COUNT: '2', DISCORD_SHARD_IDS: '1' });
    expect(standIn.identifies.slice(before)).toEqual([[1, 2]]);
    expect(adapter.shards()).toEqual({ ids: [1], count: 2 });
    await help(ODD);
    expect(() => standIn.sendCommand({ name: 'help', guildId: EVEN })).toThrow(/no client is connected/);
  });

  it('refuses to start with a pinned shard beyond the recommended count', async () => {
    await expect(start({ DISCORD_SHARD_IDS: '0,3' })).rejects.toThrow(/shard 3.*only 2 shards/);
  });
});
