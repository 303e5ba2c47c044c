import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { answer } from '../../../src/core/reply.js';
import { HttpServer } from '../../../src/server/http.js';
import { openPostgresStore, type PostgresStore } from '../../../src/store/postgres/index.js';
import { emptyDataDir, startNewsdeskProcess, until, type NewsdeskProcess } from '../../alerts/e2e/process.js';
import { TEST_CLOCK } from '../../helpers/clock.js';
import { startDiscordStandIn, type DiscordStandIn, type InteractionRecord } from '../../standins/discord/index.js';
import { PG_URL, dropSchema, postgresAvailable, schemaFor } from '../../store/contract/backends.js';
import { ed25519Keys, quiet, realBot, signed, testConfig, type RealBot } from './helpers.js';

/**
 * Instances sharing PostgreSQL hold Discord shards under leases. Guild ids are chosen so the shards can be worked
 * out by hand: 175928847299117063 (Discord's documentation example) has timestamp part 41944705796, even: shard 0
 * of 2; adding 1 << 22 gives 41944705797, odd: shard 1 of 2.
 */
const EVEN = '175928847299117063';
const ODD = '175928847303311367';

async function shardHolders(schema: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT name, holder FROM ${schema}.leases WHERE name LIKE 'discord-shard:%' AND expires_at > now() ORDER BY name`,
    );
    return Object.fromEntries(rows.map((r: { name: string; holder: string }) => [r.name, r.holder]));
  } finally {
    await client.end();
  }
}

/**
 * Instances in this process on one schema, the stand-in recommending `shards` (and as many IDENTIFYs at once):
 * started before the describe's tests, stopped and dropped after them. Read the fields inside tests only.
 */
function inProcessInstances(shards: number) {
  const schema = schemaFor(import.meta.filename);
  const stores: PostgresStore[] = [];
  const adapters: DiscordAdapter[] = [];
  const self = { schema, stores, adapters, standIn: undefined as unknown as DiscordStandIn, bot: undefined as unknown as RealBot };
  beforeAll(async () => {
    self.standIn = await startDiscordStandIn({ guilds: [{ id: EVEN }, { id: ODD }], recommendedShards: shards, maxConcurrency: shards });
    self.bot = await realBot();
  });
  afterAll(async () => {
    for (const a of adapters) await a.stop();
    for (const s of stores) await s.close();
    await self.bot?.close();
    await self.standIn?.close();
    if (postgresAvailable) await dropSchema(schema);
  });
  return self;
}

describe.skipIf(!postgresAvailable)('Discord shards under leases (PostgreSQL)', () => {
  describe('an instance holding no shard', () => {
    const schema = schemaFor(import.meta.filename);
    const keys = ed25519Keys();
    let standIn: DiscordStandIn;
    let bot: RealBot;
    let other: PostgresStore;
    let mine: PostgresStore;
    let http: HttpServer;
    let adapter: DiscordAdapter;
    let base: string;

    beforeAll(async () => {
      standIn = await startDiscordStandIn({ guilds: [{ id: EVEN }, { id: ODD }], recommendedShards: 2 });
      bot = await realBot();
      // Another instance holds both shards (its leases outlast the test).
      other = await openPostgresStore(PG_URL, { now: TEST_CLOCK, schema, poolSize: 2 });
      await other.coordination!.start({ feeds: null, timeZone: null });
      for (const id of [0, 1]) expect(await other.coordination!.acquire(`discord-shard:${id}/2`, 120_000)).toBe(true);
      mine = await openPostgresStore(PG_URL, { now: TEST_CLOCK, schema, poolSize: 2 });
      await mine.coordination!.start({ feeds: null, timeZone: null });
      http = new HttpServer();
      adapter = await startDiscord({
        config: testConfig(standIn, { DISCORD_GUILD_ID: '', DISCORD_PUBLIC_KEY: keys.publicHex }),
        dispatcher: bot.dispatcher, logger: quiet, http, coordination: mine.coordination,
      });
      base = `http://127.0.0.1:${(await http.start(0, '127.0.0.1')).port}/discord/interactions`;
    });

    afterAll(async () => {
      await adapter?.stop();
      await http?.stop();
      await mine?.close();
      await other?.close();
      await bot?.close();
      await standIn?.close();
      if (postgresAvailable) await dropSchema(schema);
    });

    it('opens no gateway session, and is ready', () => {
      expect(adapter.shards()).toEqual({ ids: [], count: 2 });
      expect(standIn.connectedClients).toBe(0);
      expect(adapter.isReady()).toBe(true);
    });

    it('answers HTTP interactions', async () => {
      const rec = standIn.sendCommand({ name: 'help', guildId: ODD, deliver: false });
      const body = JSON.stringify(rec.payload);
      const res = await fetch(base, { method: 'POST', headers: signed(keys.privateKey, body), body });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { type: number }).type).toBe(4);
    });

    it('posts alerts over REST and checks a channel of a guild no shard of it runs', async () => {
      const channel = standIn.guilds.find((g) => g.id === EVEN)!.channel('general');
      const ref = `discord:${EVEN}/${channel.id}`;
      expect(await adapter.port.checkChannel!(ref)).toMatchObject({ ok: true, name: 'general' });
      const locked = `discord:${EVEN}/${standIn.guilds.find((g) => g.id === EVEN)!.channel('locked').id}`;
      expect((await adapter.port.checkChannel!(locked)).missing).toContain('Send Messages');
      const posted = await adapter.port.post(ref, answer({ visibility: 'channel', text: 'Quake hits coast', cards: [] }));
      expect(standIn.messages.some((m) => posted.endsWith(`#${m.id}`) && m.content.includes('Quake'))).toBe(true);
    });
  });

  describe('a pinned instance beside an unpinned one', () => {
    const ctx = inProcessInstances(2);
    const { stores, adapters, schema } = ctx;

    const instance = async (extra: Record<string, string>) => {
      const store = await openPostgresStore(PG_URL, { now: TEST_CLOCK, schema, poolSize: 2 });
      stores.push(store);
      await store.coordination!.start({ feeds: null, timeZone: null });
      const adapter = await startDiscord({
        config: testConfig(ctx.standIn, { DISCORD_GUILD_ID: '', ...extra }), dispatcher: ctx.bot.dispatcher, logger: quiet,
        coordination: store.coordination, shardLeaseTtlMs: 1_500,
      });
      adapters.push(adapter);
      return adapter;
    };

    it('the unpinned instance runs both shards alone, hands the pinned shard over, and takes it back when the pinned one stops', async () => {
      const free = await instance({});
      expect(free.shards()).toEqual({ ids: [0, 1], count: 2 });
      const pinned = await instance({ DISCORD_SHARD_IDS: '1' });
      // Shard 1 was held: the pinned instance waits, the holder hands it over.
      await until(() => pinned.shards().ids.join() === '1' && free.shards().ids.join() === '0', 'the hand-over of shard 1', 15_000);
      await ctx.standIn.waitFor(() => ctx.standIn.sessionShards.length === 2);
      expect(ctx.standIn.sessionShards.map((s) => s.join('/')).sort()).toEqual(['0/2', '1/2']);
      const rec = ctx.standIn.sendCommand({ name: 'help', guildId: ODD });
      await ctx.standIn.waitFor(() => rec.responseType !== undefined);
      await new Promise((r) => setTimeout(r, 300));
      expect(ctx.standIn.calls.filter((c) => c.method === 'POST' && c.path.startsWith(`/interactions/${rec.id}/`))).toHaveLength(1);
      expect(ctx.standIn.shardOverlaps).toBe(0);

      await pinned.stop();
      await until(() => free.shards().ids.join() === '0,1', 'shard 1 back with the unpinned instance', 15_000);
      await ctx.standIn.waitFor(() => ctx.standIn.sessionShards.length === 2);
      expect(ctx.standIn.shardOverlaps).toBe(0);
    }, 60_000);
  });

  describe('three unpinned instances on four shards', () => {
    const ctx = inProcessInstances(4);
    const { stores, adapters, schema } = ctx;

    it('spread themselves 2/1/1, each shard run once, and every command answered once', async () => {
      for (let i = 0; i < 3; i++) {
        const store = await openPostgresStore(PG_URL, { now: TEST_CLOCK, schema, poolSize: 2 });
        stores.push(store);
        await store.coordination!.start({ feeds: null, timeZone: null });
        adapters.push(await startDiscord({
          config: testConfig(ctx.standIn, { DISCORD_GUILD_ID: '' }), dispatcher: ctx.bot.dispatcher, logger: quiet,
          coordination: store.coordination, shardLeaseTtlMs: 1_500,
        }));
      }
      // The first one alone took all four; the others got theirs handed over.
      const spread = () => adapters.map((a) => a.shards().ids.length).sort().join();
      await until(() => spread() === '1,1,2' && ctx.standIn.sessionShards.length === 4, 'shards spread 2/1/1', 20_000);
      expect(adapters.flatMap((a) => a.shards().ids).sort()).toEqual([0, 1, 2, 3]);
      expect(ctx.standIn.sessionShards.map((s) => s.join('/')).sort()).toEqual(['0/4', '1/4', '2/4', '3/4']);
      // Stable: a few rounds later nothing moved.
      await new Promise((r) => setTimeout(r, 2_000));
      expect(spread()).toBe('1,1,2');
      for (const guildId of [EVEN, ODD]) {
        const rec = ctx.standIn.sendCommand({ name: 'help', guildId });
        await ctx.standIn.waitFor(() => rec.responseType !== undefined);
        await new Promise((r) => setTimeout(r, 300));
        expect(ctx.standIn.calls.filter((c) => c.method === 'POST' && c.path.startsWith(`/interactions/${rec.id}/`))).toHaveLength(1);
      }
      expect(ctx.standIn.shardOverlaps).toBe(0);
    }, 60_000);
  });

  describe('two instances (real processes)', () => {
    const schema = schemaFor(import.meta.filename);
    let standIn: DiscordStandIn;
    const procs: NewsdeskProcess[] = [];

    beforeAll(async () => {
      standIn = await startDiscordStandIn({ guilds: [{ id: EVEN }, { id: ODD }], recommendedShards: 1 });
    });

    afterAll(async () => {
      for (const p of procs) await p.stop();
      await standIn?.close();
      if (postgresAvailable) await dropSchema(schema);
    });

    const env = () => ({
      DISCORD_TOKEN: standIn.token, DISCORD_APPLICATION_ID: standIn.appId, DISCORD_API_URL: standIn.apiUrl,
      DISCORD_SHARD_COUNT: '2', DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, DATA_DIR: emptyDataDir(), INBOX_WATCH: '0',
    });
    const instanceOf = (p: NewsdeskProcess) => {
      const line = p.stderr().split('\n').find((l) => l.includes('instance joined the shared store'));
      return line ? (JSON.parse(line) as { instance: string }).instance : undefined;
    };
    /** Sends /help in the guild; resolves once answered, with how many answers (interaction callbacks) it got. */
    const help = async (guildId: string) => {
      const rec: InteractionRecord = standIn.sendCommand({ name: 'help', guildId });
      await standIn.waitFor(() => rec.responseType !== undefined, 10_000);
      // Time for a second instance's answer to arrive, were one listening.
      await new Promise((r) => setTimeout(r, 300));
      return standIn.calls.filter((c) => c.method === 'POST' && c.path.startsWith(`/interactions/${rec.id}/`)).length;
    };
    const bothShardsOnce = () => {
      const shards = standIn.sessionShards.map((s) => s.join('/')).sort();
      return shards.length === 2 && shards[0] === '0/2' && shards[1] === '1/2';
    };

    it('each holds one shard; a command in each guild is answered exactly once', async () => {
      procs.push(...(await Promise.all([startNewsdeskProcess(env()), startNewsdeskProcess(env())])));
      const ids = procs.map(instanceOf);
      expect(ids.every(Boolean)).toBe(true);
      await until(async () => {
        const holders = await shardHolders(schema);
        return bothShardsOnce() && Object.keys(holders).length === 2 && new Set(Object.values(holders)).size === 2;
      }, 'each instance holding one shard', 30_000);
      expect(Object.keys(await shardHolders(schema))).toEqual(['discord-shard:0/2', 'discord-shard:1/2']);
      expect(await help(EVEN)).toBe(1);
      expect(await help(ODD)).toBe(1);
      expect(standIn.shardOverlaps).toBe(0);
    }, 90_000);

    it('when one dies (SIGKILL: no release), the other takes its shard within seconds; the command is answered once', async () => {
      const [victim, survivor] = procs;
      const victimId = instanceOf(victim)!;
      const holders = await shardHolders(schema);
      const lost = Object.entries(holders).find(([, h]) => h === victimId)![0];
      const guild = lost === 'discord-shard:0/2' ? EVEN : ODD;
      const killedAt = performance.now();
      victim.kill('SIGKILL');
      await victim.exited;
      await until(async () => (await shardHolders(schema))[lost] === instanceOf(survivor), 'the survivor holding the lost shard\'s lease', 30_000);
      const leaseMs = Math.round(performance.now() - killedAt);
      await until(bothShardsOnce, 'the survivor running the lost shard', 30_000);
      const takeoverMs = Math.round(performance.now() - killedAt);
      // The connection may wait for Discord's IDENTIFY spacing (max_concurrency 1: one per 5 s) after the lease.
      console.info(`discord shard takeover after SIGKILL: lease after ${leaseMs} ms, session ready after ${takeoverMs} ms`);
      expect(await help(guild)).toBe(1);
      expect(await help(guild === EVEN ? ODD : EVEN)).toBe(1);
      expect(standIn.shardOverlaps).toBe(0);
    }, 60_000);
  });
});
