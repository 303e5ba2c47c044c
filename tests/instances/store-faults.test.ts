import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { pushArticles, until } from '../alerts/e2e/process.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startDiscordStandIn, type DiscordStandIn } from '../standins/discord/index.js';
import { startSlackStandIn, type SlackStandIn } from '../standins/slack/index.js';
import { dropSchema, PG_URL, postgresAvailable, schemaFor } from '../store/contract/backends.js';
import { SchemaReader, startInstances, type Instance } from './cluster.js';

/**
 * Three real Newsdesk processes whose PostgreSQL sits behind a loopback fault proxy (tests/helpers/fault-proxy.ts),
 * with both stand-ins: 30 Discord channels, 2 Slack workspaces of 10 channels, every one subscribed to breaking news.
 * The stall and the refusal last as long as the issue asks (30 s and 60 s): many times the store's bounds (2-2.5 s),
 * so every bounded wait inside an instance has run out and been retried several times before the store returns.
 *
 * Faults, in turn, each while a fan-out is under way (the first Discord post is held open by the stand-in):
 *  - the server stalls (accepts, never answers) for 30 s;
 *  - every connection is reset (RST), and new ones too, for 5 s;
 *  - new connections are refused (after a reset of the open ones) for 60 s;
 *  - pg_terminate_backend of every Newsdesk backend, twice, during a burst of 12 pushes.
 * During each, one more push goes to each instance (the pusher retries a 503 after its Retry-After).
 *
 * Oracles: every push answered 2xx is alerted exactly once in every channel (40 + 20 = 60 alerts per story); a push
 * is answered 2xx or 503 with Retry-After, never 500; no channel gets a story twice; /readyz names `store` while the
 * store is away and is ready within 5 s of its return; no instance exits; the Discord stand-in never sees a shard
 * in two sessions.
 */
const DISCORD_CHANNELS = 30;
const SLACK_WORKSPACES = 2;
const SLACK_CHANNELS_PER_WORKSPACE = 10;
const CHANNELS = DISCORD_CHANNELS + SLACK_WORKSPACES * SLACK_CHANNELS_PER_WORKSPACE;
const INGEST_TOKEN = 'store-faults-ingest-token-0123456789';
const READY_AFTER_RETURN_MS = 5_000;
const DISCORD_POST = /^\/channels\/(\d+)\/messages$/;
const APP = 'newsdesk_faults';

interface PushOutcome { story: string; statuses: number[]; retryAfter: Array<string | null> }

describe.skipIf(!postgresAvailable)('three instances, PostgreSQL behind a fault proxy: stall, reset, refusal, terminated backends', () => {
  const schema = schemaFor(import.meta.filename);
  let discord: DiscordStandIn;
  let slack: SlackStandIn;
  let proxy: FaultProxy;
  let instances: Instance[] = [];
  let db: SchemaReader;
  let admin: pg.Client;
  const pushes: PushOutcome[] = [];
  const table: string[] = [];
  let serial = 0;

  beforeAll(async () => {
    discord = await startDiscordStandIn({ guilds: [{ channels: DISCORD_CHANNELS }] });
    slack = await startSlackStandIn({ teams: Array.from({ length: SLACK_WORKSPACES }, () => ({ channels: SLACK_CHANNELS_PER_WORKSPACE })) });
    const store = await openPostgresStore(PG_URL, { now: systemClock, schema, poolSize: 2 });
    const by = { id: 'U1', name: 'Ada' };
    const guild = discord.guilds[0];
    for (const c of guild.channels) {
      await store.subscriptions.create({ platform: 'discord', workspace: guild.id, channel: `discord:${guild.id}/${c.id}`, channelName: c.name, minPriority: 'breaking' }, by, new Date());
    }
    for (const team of slack.teams) {
      for (const c of team.channels) {
        await store.subscriptions.create({ platform: 'slack', workspace: team.id, channel: `slack:${team.id}/${c.id}`, channelName: c.name, minPriority: 'breaking' }, by, new Date());
      }
    }
    await store.close();
    db = new SchemaReader(PG_URL, schema);
    await db.open();
    admin = new pg.Client({ connectionString: PG_URL });
    admin.on('error', () => {});
    await admin.connect();
    const target = new URL(PG_URL);
    proxy = await startFaultProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const url = new URL(proxy.url(PG_URL));
    // Named, so that the test terminates only these processes' backends (other tests share the server).
    url.searchParams.set('application_name', `${APP}_${schema}`.slice(0, 60));
    instances = await startInstances(['A', 'B', 'C'], {
      DATABASE_URL: url.toString(), DATABASE_SCHEMA: schema, INGEST_TOKEN,
      DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: discord.appId, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id,
      SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl,
    });
    await until(async () => (await Promise.all(instances.map(ready))).every((r) => r.ok), 'every instance to be ready', 60_000);
  });

  afterAll(async () => {
    await proxy?.pass();
    await Promise.all(instances.map((i) => i.proc.stop()));
    await db?.close();
    await admin?.end().catch(() => {});
    await proxy?.close();
    await discord?.close();
    await slack?.close();
    await dropSchema(schema);
    if (table.length) console.info(['fault | pushes 2xx/503/other | alerts per story (want 50) | doubled | ready after return | command during | push→post after', ...table].join('\n'));
  });

  async function ready(i: Instance): Promise<{ ok: boolean; failed: string[] }> {
    try {
      const res = await fetch(`http://127.0.0.1:${i.proc.port}/readyz`, { signal: AbortSignal.timeout(5_000) });
      const body = (await res.json()) as { failed?: string[] };
      return { ok: res.status === 200, failed: body.failed ?? [] };
    } catch {
      return { ok: false, failed: ['(no answer)'] };
    }
  }

  const story = (id: string) => ({
    id, title: `Breaking ${id}: levee gives way`, dek: 'Residents are told to leave now.', priority: 'breaking', section: 'world',
    source: 'Wire', url: `https://news.example/${id}`, body: `The levee failed at dawn (${id}). Residents are told to leave now.`,
  });

  /** One push; a 503 is retried after its Retry-After (bounded), as a CMS would. Never a 500. */
  async function push(to: Instance, id: string, retryUntil: number): Promise<PushOutcome> {
    const out: PushOutcome = { story: id, statuses: [], retryAfter: [] };
    for (;;) {
      let status: number;
      let retryAfter: string | null = null;
      try {
        const res = await fetch(`http://127.0.0.1:${to.proc.port}/v1/articles`, {
          method: 'POST', headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(story(id)), signal: AbortSignal.timeout(20_000),
        });
        status = res.status;
        retryAfter = res.headers.get('retry-after');
        await res.arrayBuffer();
      } catch {
        status = 0;
      }
      out.statuses.push(status);
      out.retryAfter.push(retryAfter);
      if (status !== 503 || Date.now() > retryUntil) break;
      await new Promise((r) => setTimeout(r, Number(retryAfter ?? 1) * 1000));
    }
    pushes.push(out);
    return out;
  }

  const alertsOf = (id: string) => {
    const discordIds = discord.guilds[0].channels.map((c) => c.id);
    const slackIds = slack.teams.flatMap((t) => t.channels.map((c) => c.id));
    const inDiscord = discordIds.map((ch) => discord.messages.filter((m) => m.channelId === ch && !m.interactionToken && !m.deleted && JSON.stringify(m.embeds ?? m.content).includes(`Breaking ${id}:`)).length);
    const inSlack = slackIds.map((ch) => slack.messages.filter((m) => m.channel === ch && !m.threadTs && JSON.stringify(m.blocks ?? m.text).includes(`Breaking ${id}:`)).length);
    return [...inDiscord, ...inSlack];
  };

  /** Every story whose push got a 2xx, in every channel exactly once; the outbox settled. */
  async function expectEveryAcknowledgedStoryOnce(ids: string[]): Promise<{ perStory: number[]; doubled: number }> {
    await until(async () => {
      const o = await db.outbox();
      return o.total > 0 && o.byState.sent === o.total && o.inDoubt === 0;
    }, 'every outbox row to be sent', 3 * 60_000);
    const perStory: number[] = [];
    let doubled = 0;
    for (const id of ids) {
      const counts = alertsOf(id);
      doubled += counts.filter((n) => n > 1).length;
      perStory.push(counts.filter((n) => n === 1).length);
      expect(counts, `story ${id}: one alert per channel`).toEqual(counts.map(() => 1));
    }
    return { perStory, doubled };
  }

  /** Until every instance's /readyz says ready; ms since `from`. */
  async function readyAgain(from: number): Promise<number> {
    await until(async () => (await Promise.all(instances.map(ready))).every((r) => r.ok), 'every instance to be ready again', 60_000);
    return Date.now() - from;
  }

  async function duringFault(name: string, fault: () => Promise<void>, holdMs: number): Promise<void> {
    const held = discord.hold({ method: 'POST', path: DISCORD_POST });
    const first = `${name}-${++serial}`;
    const opened = await push(instances[serial % 3], first, 0);
    expect(opened.statuses).toEqual([201]);
    await Promise.race([held.arrived, new Promise((_, rej) => setTimeout(() => rej(new Error('no Discord post in flight')), 30_000))]);
    await fault();
    const faultAt = Date.now();
    // The held post completes at the platform while the store is away: its bookkeeping cannot be written.
    held.release('process');
    const during = instances.map((i) => push(i, `${name}-${++serial}`, Date.now() + holdMs + 60_000));
    // A reader's /news on Slack meanwhile: a short "unavailable" line while the store is still away, not a wait.
    slack.appUrl = `http://127.0.0.1:${instances[serial % 3].proc.port}/slack/events`;
    const command = slack.slashCommand({ command: '/news', text: `levee ${name}`, via: 'http' })
      .then(async (cmd) => ({ ack: cmd.status, answer: (await cmd.waitForResponses(1, holdMs + 10_000))[0], ms: Date.now() - faultAt }));
    await new Promise((r) => setTimeout(r, Math.min(holdMs, 3_000)));
    const readiness = await Promise.all(instances.map(ready));
    expect(readiness.map((r) => r.failed.includes('store')), 'every /readyz names the store while it is away').toEqual([true, true, true]);
    await new Promise((r) => setTimeout(r, Math.max(0, holdMs - 3_000)));
    const back = Date.now();
    await proxy.pass();
    const readyMs = await readyAgain(back);
    expect(readyMs).toBeLessThan(READY_AFTER_RETURN_MS);
    const answered = await command;
    expect(answered.ack).toBe(200);
    expect(JSON.stringify(answered.answer.body)).toContain('The archive is unavailable right now; try again in a minute.');
    expect(answered.ms, 'the command was answered while the store was still away').toBeLessThan(holdMs);
    const outcomes = [opened, ...(await Promise.all(during))];
    for (const o of outcomes) {
      for (const [k, s] of o.statuses.entries()) {
        expect([200, 201, 503], `push ${o.story}: ${o.statuses.join(',')}`).toContain(s);
        if (s === 503) expect(o.retryAfter[k]).toMatch(/^\d+$/);
      }
      expect(o.statuses.at(-1), `push ${o.story} acknowledged in the end`).toBe(201);
    }
    const { perStory, doubled } = await expectEveryAcknowledgedStoryOnce(outcomes.map((o) => o.story));
    // Wake-ups resumed: a story pushed now is posted within moments (NOTIFY, not the safety sweep).
    const after = `${name}-after-${++serial}`;
    const pushedAt = Date.now();
    expect((await push(instances[serial % 3], after, 0)).statuses).toEqual([201]);
    await until(() => alertsOf(after).some((n) => n > 0), 'a post of the story pushed after recovery', 30_000);
    const firstPostMs = Date.now() - pushedAt;
    await expectEveryAcknowledgedStoryOnce([after]);
    const statuses = outcomes.flatMap((o) => o.statuses);
    table.push(`${name} | ${statuses.filter((s) => s < 300).length}/${statuses.filter((s) => s === 503).length}/${statuses.filter((s) => s !== 503 && s >= 300).length} | ${perStory.join(',')} | ${doubled} | ${readyMs} ms | /news answered in ${answered.ms} ms | push→first post ${firstPostMs} ms`);
    expect(instances.map((i) => i.proc.stderr().includes('uncaught exception'))).toEqual([false, false, false]);
  }

  it('the server stalls for 30 s mid-fan-out', async () => {
    await duringFault('stall', () => proxy.stall(), 30_000);
  });

  it('every connection is reset (RST), new ones too, for 5 s mid-fan-out', async () => {
    await duringFault('drop', () => proxy.drop(), 5_000);
  });

  it('new connections are refused for 60 s (the open ones reset first) mid-fan-out', async () => {
    await duringFault('refuse', async () => {
      await proxy.drop();
      await proxy.refuse();
    }, 60_000);
  });

  it('pg_terminate_backend of every Newsdesk backend, twice, during a burst of 12 pushes', async () => {
    const ids = Array.from({ length: 12 }, (_, k) => `burst-${k}`);
    const terminate = () => admin.query(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1`, [`${APP}_${schema}`.slice(0, 60)]);
    const sent: Array<Promise<PushOutcome>> = [];
    const killed: number[] = [];
    for (const [k, id] of ids.entries()) {
      sent.push(push(instances[k % 3], id, Date.now() + 60_000));
      if (k === 3 || k === 8) killed.push((await terminate()).rows[0].n as number);
      await new Promise((r) => setTimeout(r, 100));
    }
    const outcomes = await Promise.all(sent);
    expect(killed.every((n) => n > 0), `backends terminated: ${killed.join(', ')}`).toBe(true);
    for (const o of outcomes) {
      expect(o.statuses.every((s) => s === 201 || s === 200 || s === 503), `push ${o.story}: ${o.statuses.join(',')}`).toBe(true);
      expect(o.statuses.at(-1)).toBe(201);
    }
    const readyMs = await readyAgain(Date.now());
    const { perStory, doubled } = await expectEveryAcknowledgedStoryOnce(ids);
    const statuses = outcomes.flatMap((o) => o.statuses);
    table.push(`terminate x2 (${killed.join('+')} backends) | ${statuses.filter((s) => s < 300).length}/${statuses.filter((s) => s === 503).length}/${statuses.filter((s) => s !== 503 && s >= 300).length} | ${perStory.join(',')} | ${doubled} | ${readyMs} ms`);
    expect(instances.map((i) => i.proc.stderr().includes('uncaught exception'))).toEqual([false, false, false]);
  });

  it('afterwards: no instance exited, no shard was in two sessions, no channel got any story twice', async () => {
    const exited = await Promise.all(instances.map((i) => Promise.race([i.proc.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 50))])));
    expect(exited).toEqual([false, false, false]);
    expect(discord.shardOverlaps).toBe(0);
    const all = pushes.filter((p) => p.statuses.at(-1)! < 300).map((p) => p.story);
    for (const id of new Set(all)) expect(alertsOf(id).filter((n) => n !== 1)).toEqual([]);
    expect(all.length).toBeGreaterThan(0);
    expect(CHANNELS).toBe(50);
  });
});
