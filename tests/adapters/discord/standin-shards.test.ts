import { Client, GatewayIntentBits, REST, Routes, type Interaction } from 'discord.js';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';

/**
 * The stand-in's sharding, against real discord.js Clients: a guild's events reach only the session of shard
 * (guild_id >> 22) % num_shards. The guild ids are chosen so the expected shards can be worked out by hand:
 * 175928847299117063 is the example snowflake of Discord's documentation, whose timestamp part (id >> 22) is
 * 41944705796; the second id adds 1 << 22 to it, so its timestamp part is 41944705797.
 */
const EVEN = '175928847299117063'; // 41944705796: shard 0 of 2, shard 2 of 3
const ODD = '175928847303311367'; // 41944705797: shard 1 of 2, shard 0 of 3

async function connect(standIn: DiscordStandIn, shards: number | number[], shardCount: number) {
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: standIn.apiUrl }, shards, shardCount });
  const seen: Interaction[] = [];
  client.on('interactionCreate', (i) => seen.push(i));
  const ready = new Promise((resolve) => client.once('clientReady', resolve));
  await client.login(standIn.token);
  await ready;
  return { client, seen };
}

describe('Discord stand-in, sharding', () => {
  let standIn: DiscordStandIn;
  const clients: Client[] = [];

  beforeAll(async () => {
    standIn = await startDiscordStandIn({ guilds: [{ id: EVEN }, { id: ODD }], recommendedShards: 3 });
    const rest = new REST({ api: standIn.apiUrl }).setToken(standIn.token);
    for (const g of [EVEN, ODD]) {
      await rest.put(Routes.applicationGuildCommands(standIn.appId, g), { body: [{ name: 'ping', description: 'Ping', type: 1 }] });
    }
  });

  afterAll(async () => {
    for (const c of clients) await c.destroy();
    await standIn?.close();
  });

  it('recommends the configured shard count at GET /gateway/bot', async () => {
    const rest = new REST({ api: standIn.apiUrl }).setToken(standIn.token);
    expect(await rest.get(Routes.gatewayBot())).toMatchObject({ shards: 3 });
  });

  it('gives each shard only its own guilds at READY, and a guild\'s commands only to its shard', async () => {
    const zero = await connect(standIn, 0, 2);
    const one = await connect(standIn, 1, 2);
    clients.push(zero.client, one.client);
    expect(standIn.identifies).toEqual([[0, 2], [1, 2]]);
    expect([...zero.client.guilds.cache.keys()]).toEqual([EVEN]);
    expect([...one.client.guilds.cache.keys()]).toEqual([ODD]);

    standIn.sendCommand({ name: 'ping', guildId: EVEN });
    standIn.sendCommand({ name: 'ping', guildId: ODD });
    standIn.sendCommand({ name: 'ping', guildId: ODD });
    await standIn.waitFor(() => zero.seen.length + one.seen.length === 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(zero.seen.map((i) => i.guildId)).toEqual([EVEN]);
    expect(one.seen.map((i) => i.guildId)).toEqual([ODD, ODD]);
    expect(standIn.shardOverlaps).toBe(0);

    await zero.client.destroy();
    await one.client.destroy();
    await standIn.waitFor(() => standIn.connectedClients === 0);
  });

  it('routes by the session\'s own shard count: with 3 shards the even guild is on shard 2 and the odd one on shard 0', async () => {
    const two = await connect(standIn, 2, 3);
    const zero = await connect(standIn, 0, 3);
    clients.push(two.client, zero.client);
    expect([...two.client.guilds.cache.keys()]).toEqual([EVEN]);
    expect([...zero.client.guilds.cache.keys()]).toEqual([ODD]);
    expect(() => standIn.sendCommand({ name: 'ping', guildId: EVEN })).not.toThrow();
    await standIn.waitFor(() => two.seen.length === 1);
    await two.client.destroy();
    // Nobody holds shard 2 of 3 now: the event cannot be delivered, and the stand-in says so.
    await standIn.waitFor(() => standIn.connectedClients === 1);
    expect(() => standIn.sendCommand({ name: 'ping', guildId: EVEN })).toThrow(/no client is connected/);
    await zero.client.destroy();
    await standIn.waitFor(() => standIn.connectedClients === 0);
  });

  it('lets one client run several shards (internal sharding) and receive both guilds', async () => {
    const both = await connect(standIn, [0, 1], 2);
    clients.push(both.client);
    expect([...both.client.guilds.cache.keys()].sort()).toEqual([EVEN, ODD].sort());
    standIn.sendCommand({ name: 'ping', guildId: EVEN });
    standIn.sendCommand({ name: 'ping', guildId: ODD });
    await standIn.waitFor(() => both.seen.length === 2);
    await both.client.destroy();
    await standIn.waitFor(() => standIn.connectedClients === 0);
  });

  it('accepts a second session of a shard as Discord does (both get its events), and counts the overlap', async () => {
    const before = standIn.shardOverlaps;
    const a = await connect(standIn, 0, 2);
    const b = await connect(standIn, 0, 2);
    clients.push(a.client, b.client);
    expect(standIn.shardOverlaps).toBe(before + 1);
    standIn.sendCommand({ name: 'ping', guildId: EVEN });
    await standIn.waitFor(() => a.seen.length === 1 && b.seen.length === 1);
    await a.client.destroy();
    await b.client.destroy();
    await standIn.waitFor(() => standIn.connectedClients === 0);
  });

  it('closes an IDENTIFY with an invalid shard with 4010 (Invalid shard)', async () => {
    for (const shard of [[2, 2], [-1, 2], [0, 0], [1], 'x']) {
      const ws = new WebSocket(standIn.gatewayUrl);
      const code = await new Promise<number>((resolve, reject) => {
        ws.on('message', (raw) => {
          const frame = JSON.parse(String(raw));
          if (frame.op === 10) ws.send(JSON.stringify({ op: 2, d: { token: standIn.token, intents: 1, properties: {}, shard } }));
        });
        ws.on('close', (c) => resolve(c));
        ws.on('error', reject);
      });
      expect(code, JSON.stringify(shard)).toBe(4010);
    }
    expect(standIn.refusedShards).toHaveLength(5);
  });
});
