import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { pushArticles, until } from '../alerts/e2e/process.js';
import { startDiscordStandIn, type DiscordStandIn } from '../standins/discord/index.js';
import { dropSchema, PG_URL, postgresAvailable, schemaFor } from '../store/contract/backends.js';
import { SchemaReader, startInstances, type Instance } from './cluster.js';

/**
 * Two real instances whose wall clocks differ by 90 s (libfaketime on B, started 90 s ahead of this process's clock,
 * whatever that clock is: the suite may itself run under faketime), on one PostgreSQL, Discord stand-in with 10
 * channels. Leases and claims expire by the database's clock, so neither instance takes what the other holds; a
 * story pushed to either instance reaches every channel once, promptly, whichever instance sends for Discord.
 * (Before application time followed the database's clock, a story pushed to B while A sent for Discord waited for
 * A's clock to reach B's due time: the third test timed out at 20 s.)
 */
/** libfaketime (Debian's libfaketime package), or where LIBFAKETIME says it is. */
const LIBFAKETIME = process.env.LIBFAKETIME ?? '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const CHANNELS = 10;
/** Channels after the first CHANNELS: routine alerts, quiet hours set by the digest test. */
const QUIET_CHANNELS = 4;
const SKEW_S = 90;
const INGEST_TOKEN = 'clock-skew-ingest-token-0123456789';
/** "Promptly": far below the skew, generous for a loaded machine. */
const PROMPT_MS = 20_000;

const { existsSync } = await import('node:fs');

describe.skipIf(!postgresAvailable || !existsSync(LIBFAKETIME))('two instances 90 s apart', () => {
  const schema = schemaFor(import.meta.filename);
  let discord: DiscordStandIn;
  let a: Instance;
  let b: Instance;
  let db: SchemaReader;
  const quietSubs: string[] = [];

  beforeAll(async () => {
    discord = await startDiscordStandIn({ guilds: [{ channels: CHANNELS + QUIET_CHANNELS }] });
    const store = await openPostgresStore(PG_URL, { now: systemClock, schema, poolSize: 2 });
    const guild = discord.guilds[0];
    for (const [i, c] of guild.channels.entries()) {
      const sub = await store.subscriptions.create({
        platform: 'discord', workspace: guild.id, channel: `discord:${guild.id}/${c.id}`, channelName: c.name, minPriority: i < CHANNELS ? 'breaking' : 'routine',
      }, { id: 'U1', name: 'Ada' }, new Date());
      if (i >= CHANNELS) quietSubs.push(sub.id);
    }
    await store.close();
    db = new SchemaReader(PG_URL, schema);
    await db.open();
    const env = {
      DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, INGEST_TOKEN,
      DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: discord.appId, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id,
    };
    [a] = await startInstances(['A'], env);
    // Discord's sender lease goes to A: it has due work first.
    expect((await pushArticles(a.proc.port, INGEST_TOKEN, story('warm-up'))).status).toBe(201);
    await until(() => postsOf('warm-up').every((n) => n === 1), 'the warm-up story in every channel', 60_000);
    const ahead = new Date(Date.now() + SKEW_S * 1000).toISOString().replace('T', ' ').slice(0, 19);
    [b] = await startInstances(['B'], {
      ...env, TZ: 'UTC', LD_PRELOAD: LIBFAKETIME, FAKETIME: `@${ahead}`, FAKETIME_DONT_FAKE_MONOTONIC: '1', FAKETIME_NO_CACHE: '1',
    });
  });

  afterAll(async () => {
    await Promise.all([a, b].filter(Boolean).map((i) => i.proc.stop()));
    await db?.close();
    await discord?.close();
    await dropSchema(schema);
  });

  const story = (id: string) => ({
    id, title: `Breaking ${id}: storm surge`, dek: 'Move inland.', priority: 'breaking', section: 'world',
    source: 'Wire', url: `https://news.example/${id}`, body: `A storm surge is expected tonight (${id}).`,
  });
  const alertChannels = () => discord.guilds[0].channels.slice(0, CHANNELS);
  const quietChannels = () => discord.guilds[0].channels.slice(CHANNELS);
  const postsOf = (id: string, channels = alertChannels()) => channels.map((c) =>
    discord.messages.filter((m) => m.channelId === c.id && !m.interactionToken && JSON.stringify(m.embeds ?? m.content).includes(`Breaking ${id}:`)).length);
  /** "While you were away" messages per quiet channel. */
  const digestsPerChannel = () => quietChannels().map((c) =>
    discord.messages.filter((m) => m.channelId === c.id && JSON.stringify(m.embeds ?? m.content).includes('While you were away')));

  it('B really runs 90 s ahead of A', async () => {
    const logged = (i: Instance) => {
      const line = i.proc.stderr().split('\n').find((l) => l.includes('instance joined the shared store'));
      return (JSON.parse(line!) as { time: number }).time;
    };
    // pino's time is the process's wall clock; B started after A, so its lead is at least the skew.
    expect(logged(b) - logged(a)).toBeGreaterThanOrEqual((SKEW_S - 1) * 1000);
    // B said so, once, and follows the database's clock: its offset is 90 s further back than A's (A's is about 0,
    // unnoticed, unless the whole suite runs under faketime).
    const offsetOf = (i: Instance) => {
      const lines = i.proc.stderr().split('\n').filter((l) => l.includes("this machine's clock differs from the database's"));
      expect(lines.length).toBeLessThanOrEqual(1);
      return lines.length ? (JSON.parse(lines[0]) as { offsetMs: number }).offsetMs : 0;
    };
    expect(b.proc.stderr()).toContain("this machine's clock differs from the database's");
    expect(Math.abs(offsetOf(b) - offsetOf(a) + SKEW_S * 1000)).toBeLessThan(5_000);
  });

  it('a story pushed to the instance behind reaches every channel once, promptly', async () => {
    const t0 = Date.now();
    expect((await pushArticles(a.proc.port, INGEST_TOKEN, story('from-a'))).status).toBe(201);
    await until(() => postsOf('from-a').every((n) => n >= 1), 'the story pushed to A in every channel', PROMPT_MS);
    console.info(`clock skew: pushed to A (behind), every channel in ${Date.now() - t0} ms`);
    expect(postsOf('from-a')).toEqual(Array.from({ length: CHANNELS }, () => 1));
  });

  it('a story pushed to the instance 90 s ahead reaches every channel once, promptly (whoever sends for Discord)', async () => {
    const sender = (await db.senders()).get('discord');
    const t0 = Date.now();
    expect((await pushArticles(b.proc.port, INGEST_TOKEN, story('from-b'))).status).toBe(201);
    await until(() => postsOf('from-b').every((n) => n >= 1), 'the story pushed to B in every channel', PROMPT_MS);
    console.info(`clock skew: pushed to B (ahead), every channel in ${Date.now() - t0} ms; Discord sender ${sender === a.id ? 'A' : sender === b.id ? 'B' : sender}`);
    expect(postsOf('from-b')).toEqual(Array.from({ length: CHANNELS }, () => 1));
  });

  it('quiet hours by the database\'s clock: a story pushed to either instance inside the window is held, even in the window\'s last 90 s (B\'s own clock says it has ended); one digest per channel, once; a story after the window is an alert', async () => {
    // The window ends at the first whole minute at least 55 s after the database's now (in UTC); it began two hours
    // before. One story goes to A at once; the other to B 40 s before the end by the database's clock, when B's own
    // clock (90 s ahead) already reads 50 s past it.
    const dbNow = await db.now();
    const endMs = Math.ceil((dbNow.getTime() + 55_000) / 60_000) * 60_000;
    const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
    const quiet = { from: hhmm(endMs - 2 * 3_600_000), to: hhmm(endMs), tz: 'UTC' };
    const store = await openPostgresStore(PG_URL, { now: systemClock, schema, poolSize: 1 });
    try {
      for (const id of quietSubs) await store.subscriptions.setQuiet(id, quiet);
    } finally {
      await store.close();
    }
    const routine = (id: string) => ({ ...story(id), title: `Breaking ${id}: tide tables revised`, priority: 'routine' });
    expect((await pushArticles(a.proc.port, INGEST_TOKEN, routine('quiet-a'))).status).toBe(201);
    await until(async () => (await db.now()).getTime() >= endMs - 40_000, 'the last 40 s of the window', 120_000);
    expect((await pushArticles(b.proc.port, INGEST_TOKEN, routine('quiet-b'))).status).toBe(201);
    // Held on both instances, into one digest row per channel, due at the window's end by the database's clock.
    await until(async () => (await db.digests()).length === QUIET_CHANNELS, 'the digest rows', PROMPT_MS);
    const rows = await db.digests();
    expect(rows.map((r) => ({ story: r.storyId, due: r.dueAt, members: r.members }))).toEqual(
      [...quietSubs].sort().map((sub) => ({ story: `digest:${sub}:${endMs}`, due: endMs, members: 2 })),
    );
    expect(postsOf('quiet-a', quietChannels()).concat(postsOf('quiet-b', quietChannels()))).toEqual(Array(2 * QUIET_CHANNELS).fill(0));
    // The window ends; one digest per channel, holding both stories.
    await until(() => digestsPerChannel().every((d) => d.length >= 1), 'the digest in every quiet channel', 120_000);
    const after = routine('after-quiet');
    expect((await pushArticles(a.proc.port, INGEST_TOKEN, after)).status).toBe(201);
    await until(() => postsOf('after-quiet', quietChannels()).every((n) => n >= 1), 'the story after the window, as an alert', PROMPT_MS);
    // Whatever came late would have come by now: the sender posts every due row within a second or two.
    await new Promise((r) => setTimeout(r, 3_000));
    const digests = digestsPerChannel();
    console.info(`clock skew: quiet hours ending ${hhmm(endMs)} (database clock): digests per channel ${digests.map((d) => d.length).join(',')}; after the window, alerts per channel ${postsOf('after-quiet', quietChannels()).join(',')}`);
    expect(digests.map((d) => d.length)).toEqual(Array(QUIET_CHANNELS).fill(1));
    for (const [d] of digests) expect(JSON.stringify(d.embeds)).toMatch(/quiet-a[\s\S]*quiet-b|quiet-b[\s\S]*quiet-a/);
    expect(postsOf('after-quiet', quietChannels())).toEqual(Array(QUIET_CHANNELS).fill(1));
    expect((await db.digests()).map((r) => r.state)).toEqual(Array(QUIET_CHANNELS).fill('sent'));
  });

  it('leases: one holder each, never two shard sessions', async () => {
    const leases = await db.senders();
    expect([...leases.values()].every((h) => h === a.id || h === b.id)).toBe(true);
    expect(discord.shardOverlaps).toBe(0);
  });
});
