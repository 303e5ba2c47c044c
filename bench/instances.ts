import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { systemClock } from '../src/domain/clock.js';
import { openPostgresStore } from '../src/store/postgres/index.js';
import { pushArticles, startNewsdeskProcess, emptyDataDir, type NewsdeskProcess } from '../tests/alerts/e2e/process.js';
import { startDiscordStandIn, type DiscordStandIn } from '../tests/standins/discord/index.js';
import { startSlackStandIn, type SlackStandIn } from '../tests/standins/slack/index.js';
import { SLACK_LIMITS } from '../tests/standins/slack/limits.js';

/**
 * `npm run bench -- --instances 3`: real Newsdesk processes (`tsx src/main.ts`) on one PostgreSQL schema, against
 * the local stand-ins (127.0.0.1 only).
 *  - Fan-out of one breaking article to 1,000 channels, with 1 and with N instances: Discord (1,000 channels of one
 *    bot) and Slack (1,000 channels over 4 workspaces, whose posting limit Newsdesk is not told and learns). Time from
 *    the push to the last delivery, and its ratio to the least time the limits below allow.
 *  - Failover: with N instances and a Discord fan-out under way, SIGKILL of the instance holding the Discord sender
 *    lease → the next post by another instance (goal ≤ 5 s).
 * Times come from the outbox (sent_at, written by the instance that sent, on this machine's clock).
 */

/** The platform limits this benchmark holds Newsdesk to, stated here and given to the stand-ins that enforce them. */
const LIMITS = {
  /** Discord: 50 requests per second per bot; 5 messages per 5 s per channel. */
  discordGlobalPerSecond: 50,
  discordChannelMessages: { limit: 5, windowMs: 5_000 },
  /** Slack: about one message per second per channel (short bursts); a workspace ceiling Slack does not publish. */
  slackPerChannel: { perMinute: 60, burst: 3 },
  slackPerWorkspace: { perMinute: 300, burst: 50 },
};
const CHANNELS = 1_000;
const SLACK_WORKSPACES = 4;
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const INGEST_TOKEN = 'bench-instances-ingest-token-0123456789';
const SETTLE_TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 10 * 60_000);

/** The least time N first messages to N distinct channels take on Discord: the global limit (first at t=0). */
function discordMinimumMs(channels: number): number {
  return (Math.ceil(channels / LIMITS.discordGlobalPerSecond) - 1) * 1000;
}

/** Slack: per workspace, what exceeds the burst waits for the sustained rate; workspaces post in parallel. */
function slackMinimumMs(perWorkspace: number[]): number {
  const { perMinute, burst } = LIMITS.slackPerWorkspace;
  return Math.max(0, ...perWorkspace.map((n) => (Math.max(0, n - burst) * 60_000) / perMinute));
}

export interface FanoutRow {
  platform: 'discord' | 'slack';
  instances: number;
  channels: number;
  minimumMs: number;
  /** The push request's answer: the article and its 1,000 outbox rows committed. */
  pushMs: number;
  firstPostMs: number;
  totalMs: number;
  ratio: number;
  /** How many instances sent at least one of the deliveries. */
  senders: number;
  rateLimited429: number;
  lost: number;
  duplicated: number;
}

export interface FailoverRow {
  run: number;
  /** SIGKILL of the lease holder → the next delivery sent by another instance. */
  failoverMs: number;
  lost: number;
  duplicated: number;
}

interface Cluster {
  procs: NewsdeskProcess[];
  db: pg.Client;
  schema: string;
  stop(): Promise<void>;
}

let schemas = 0;

async function startCluster(n: number, env: Record<string, string>, subscribe: (store: Awaited<ReturnType<typeof openPostgresStore>>) => Promise<void>): Promise<Cluster> {
  const schema = `nd_bench_instances_${process.pid}_${++schemas}`;
  const store = await openPostgresStore(PG_URL, { now: systemClock, schema, poolSize: 2 });
  await store.transaction(() => subscribe(store));
  await store.close();
  const procs: NewsdeskProcess[] = [];
  const db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  await db.query(`SET search_path TO ${schema}`);
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db.end().catch(() => {});
  };
  try {
    // One at a time: start-up compiles TypeScript, and a 2-core machine starting three at once only starts slower.
    for (let i = 0; i < n; i++) procs.push(await startNewsdeskProcess({ ...env, DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, INGEST_TOKEN, DATA_DIR: emptyDataDir() }, 120_000));
  } catch (err) {
    await stop();
    throw err;
  }
  // Idle: start-up traffic (login, command registration, auth.test) leaves the stand-ins' windows.
  await new Promise((r) => setTimeout(r, 2_000));
  return { procs, db, schema, stop };
}

const ARTICLE = { id: 'bench-instances', title: 'Bench: dam fails upstream of the capital', priority: 'breaking', section: 'world', source: 'Wire' };

async function settled(db: pg.Client, channels: number): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const { rows } = await db.query<{ n: string }>(`SELECT COUNT(*) AS n FROM alert_outbox WHERE state IN ('sent','failed','skipped')`);
    if (Number(rows[0].n) >= channels) return;
    if (Date.now() > deadline) throw new Error(`fan-out not settled within ${SETTLE_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function sentTimes(db: pg.Client): Promise<{ first: number; last: number; senders: number; failed: number }> {
  const { rows } = await db.query<{ first: string; last: string; senders: string; failed: string }>(
    `SELECT min(sent_at) AS first, max(sent_at) AS last, COUNT(DISTINCT claimed_by) FILTER (WHERE state = 'sent') AS senders,
            COUNT(*) FILTER (WHERE state <> 'sent') AS failed FROM alert_outbox`,
  );
  return { first: Number(rows[0].first), last: Number(rows[0].last), senders: Number(rows[0].senders), failed: Number(rows[0].failed) };
}

/** The Discord stand-in with one guild of CHANNELS text channels, and `instances` processes each subscribed to all. */
async function discordCluster(instances: number) {
  const discord = await startDiscordStandIn({
    guilds: [{ channels: CHANNELS }],
    limits: { globalPerSecond: LIMITS.discordGlobalPerSecond, channelMessages: LIMITS.discordChannelMessages },
  });
  const guild = discord.guilds[0];
  const ids = guild.channels.filter((c) => c.type === 0).map((c) => c.id);
  const cluster = await startCluster(instances, discordEnv(discord), async (store) => {
    for (const id of ids) await store.subscriptions.create({ platform: 'discord', workspace: guild.id, channel: `discord:${guild.id}/${id}`, minPriority: 'breaking' }, { id: 'bench', name: 'bench' }, new Date());
  });
  return { discord, guild, ids, cluster };
}

async function discordFanout(instances: number): Promise<FanoutRow> {
  const { discord, ids, cluster } = await discordCluster(instances);
  try {
    const calls = discord.calls.length;
    const t0 = Date.now();
    const pushed = await pushArticles(cluster.procs[0].port, INGEST_TOKEN, ARTICLE);
    const pushMs = Date.now() - t0;
    if (pushed.status !== 201) throw new Error(`push answered ${pushed.status}`);
    await settled(cluster.db, ids.length);
    const t = await sentTimes(cluster.db);
    const posts = discord.calls.slice(calls).filter((c) => c.method === 'POST' && /^\/channels\/\d+\/messages$/.test(c.path));
    const perChannel = countBy(discord.messages.filter((m) => !m.deleted && !m.interactionToken).map((m) => m.channelId));
    return row('discord', instances, ids, discordMinimumMs(ids.length), t0, pushMs, t, posts.filter((c) => c.status === 429).length, perChannel);
  } finally {
    await cluster.stop();
    await discord.close();
  }
}

async function slackFanout(instances: number): Promise<FanoutRow> {
  const perWorkspace = Array.from({ length: SLACK_WORKSPACES }, (_, i) => Math.floor(CHANNELS / SLACK_WORKSPACES) + (i < CHANNELS % SLACK_WORKSPACES ? 1 : 0));
  const slack = await startSlackStandIn({
    teams: perWorkspace.map((channels) => ({ channels })),
    limits: { ...SLACK_LIMITS, postPerChannel: LIMITS.slackPerChannel, postPerWorkspace: LIMITS.slackPerWorkspace },
  });
  const cluster = await startCluster(instances, { SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl }, async (store) => {
    for (const team of slack.teams) {
      for (const c of team.channels) await store.subscriptions.create({ platform: 'slack', workspace: team.id, channel: `slack:${team.id}/${c.id}`, minPriority: 'breaking' }, { id: 'bench', name: 'bench' }, new Date());
    }
  });
  try {
    const calls = slack.calls.length;
    const t0 = Date.now();
    const pushed = await pushArticles(cluster.procs[0].port, INGEST_TOKEN, ARTICLE);
    const pushMs = Date.now() - t0;
    if (pushed.status !== 201) throw new Error(`push answered ${pushed.status}`);
    await settled(cluster.db, CHANNELS);
    const t = await sentTimes(cluster.db);
    const posts = slack.calls.slice(calls).filter((c) => c.method === 'chat.postMessage');
    const perChannel = countBy(slack.messages.filter((m) => !m.threadTs).map((m) => m.channel));
    const ids = slack.teams.flatMap((team) => team.channels.map((c) => c.id));
    return row('slack', instances, ids, slackMinimumMs(perWorkspace), t0, pushMs, t, posts.filter((c) => c.status === 429).length, perChannel);
  } finally {
    await cluster.stop();
    await slack.close();
  }
}

/** A Discord fan-out under way; the Discord sender is SIGKILLed once 150 deliveries are out. */
async function failover(run: number, instances: number): Promise<FailoverRow> {
  const { discord, ids, cluster } = await discordCluster(instances);
  try {
    const pushed = await pushArticles(cluster.procs[0].port, INGEST_TOKEN, ARTICLE);
    if (pushed.status !== 201) throw new Error(`push answered ${pushed.status}`);
    const count = async (sql: string, params: unknown[] = []) => Number((await cluster.db.query<{ n: string }>(sql, params)).rows[0].n);
    const deadline = Date.now() + 120_000;
    while ((await count(`SELECT COUNT(*) AS n FROM alert_outbox WHERE state = 'sent'`)) < 150) {
      if (Date.now() > deadline) throw new Error('the fan-out did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    const holder = (await cluster.db.query<{ holder: string }>(`SELECT holder FROM leases WHERE name = 'sender:discord'`)).rows[0]?.holder;
    const victim = cluster.procs.find((p) => p.stderr().includes(`"instance":"${holder}"`));
    if (!victim) throw new Error(`no process holds the Discord sender lease (${holder})`);
    const killedAt = Date.now();
    victim.kill('SIGKILL');
    await victim.exited;
    let next = 0;
    while (!next) {
      if (Date.now() > deadline) throw new Error('no other instance took over');
      const { rows } = await cluster.db.query<{ t: string | null }>(
        `SELECT min(sent_at) AS t FROM alert_outbox WHERE state = 'sent' AND claimed_by <> $1 AND sent_at > $2`, [holder, killedAt],
      );
      next = Number(rows[0].t ?? 0);
      if (!next) await new Promise((r) => setTimeout(r, 20));
    }
    await settled(cluster.db, ids.length);
    const perChannel = countBy(discord.messages.filter((m) => !m.deleted && !m.interactionToken).map((m) => m.channelId));
    return { run, failoverMs: next - killedAt, lost: ids.filter((id) => !perChannel.has(id)).length, duplicated: [...perChannel.values()].filter((n) => n > 1).length };
  } finally {
    await cluster.stop();
    await discord.close();
  }
}

function discordEnv(discord: DiscordStandIn): Record<string, string> {
  return { DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: discord.appId, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: discord.guilds[0].id };
}

function row(
  platform: 'discord' | 'slack', instances: number, ids: string[], minimumMs: number, t0: number, pushMs: number,
  t: { first: number; last: number; senders: number }, rateLimited429: number, perChannel: Map<string, number>,
): FanoutRow {
  const totalMs = t.last - t0;
  return {
    platform, instances, channels: ids.length, minimumMs: Math.round(minimumMs), pushMs, firstPostMs: t.first - t0, totalMs,
    ratio: Math.round((totalMs / Math.max(minimumMs, 1)) * 100) / 100, senders: t.senders, rateLimited429,
    lost: ids.filter((id) => !perChannel.has(id)).length, duplicated: [...perChannel.values()].filter((n) => n > 1).length,
  };
}

function countBy(keys: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of keys) out.set(k, (out.get(k) ?? 0) + 1);
  return out;
}

async function reachable(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`the instances benchmark needs PostgreSQL (${new URL(PG_URL).host}): ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function runInstancesBench(opts: { instances: number; failovers?: number; platforms?: Array<'discord' | 'slack'>; log?: (line: string) => void }): Promise<{ fanout: FanoutRow[]; failover: FailoverRow[] }> {
  if (!Number.isInteger(opts.instances) || opts.instances < 2) throw new Error('--instances takes a whole number ≥ 2');
  await reachable();
  const log = opts.log ?? (() => {});
  const fanout: FanoutRow[] = [];
  for (const platform of opts.platforms ?? (['discord', 'slack'] as const)) {
    for (const n of [1, opts.instances]) {
      log(`fan-out: ${platform}, ${CHANNELS} channels, ${n} instance(s)`);
      fanout.push(platform === 'discord' ? await discordFanout(n) : await slackFanout(n));
      console.table([fanout.at(-1)]);
    }
  }
  const failovers: FailoverRow[] = [];
  for (let run = 1; run <= (opts.failovers ?? 3); run++) {
    log(`failover ${run}: SIGKILL of the Discord sender, ${opts.instances} instances`);
    failovers.push(await failover(run, opts.instances));
    console.table([failovers.at(-1)]);
  }
  console.table(fanout);
  console.table(failovers);
  const dir = resolve(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'instances.json'), `${JSON.stringify({ at: new Date().toISOString(), limits: LIMITS, fanout, failover: failovers }, null, 2)}\n`);
  return { fanout, failover: failovers };
}
