import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startAlerts, type Alerts } from '../../src/alerts/index.js';
import { PortRegistry } from '../../src/outbound/registry.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/index.js';
import { freshFeedState } from '../../src/store/types.js';
import { quietLogger } from '../alerts/harness.js';
import { RecordingPort } from '../alerts/ports.js';
import { PG_URL, postgresAvailable, schemaFor } from './contract/backends.js';

/**
 * Several instances on one PostgreSQL schema, in one test process: each "instance" is its own store (own pool,
 * own listening connection, own instance id), exactly as separate processes would have. A hard stop is an
 * instance whose heartbeat stops without handing anything over.
 */
const T = Date.parse('2026-11-25T12:00:00Z');
const started = performance.now();
/** The application clock: a fixed day, advancing with real time (leases and pacing need time to pass). */
const clock = () => new Date(T + Math.floor(performance.now() - started));

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!postgresAvailable)('several instances on one PostgreSQL schema', () => {
  const schema = schemaFor(import.meta.filename);
  const opened: PostgresStore[] = [];
  const running: Alerts[] = [];

  async function instance(opts: { start?: boolean; heartbeatTtlMs?: number; now?: () => Date } = {}): Promise<PostgresStore> {
    const store = await openPostgresStore(PG_URL, { now: opts.now ?? clock, schema, poolSize: 4, heartbeatTtlMs: opts.heartbeatTtlMs ?? 1_000 });
    opened.push(store);
    if (opts.start !== false) await store.coordination.start({ feeds: null, timeZone: 'UTC' });
    return store;
  }

  /** A hard stop: the heartbeat and listening connection end, leases and claims stay as they were. */
  async function crash(store: PostgresStore): Promise<void> {
    const c = store.coordination as unknown as { heartbeat?: NodeJS.Timeout; stopped: boolean; listener: pg.Client | null };
    c.stopped = true;
    clearInterval(c.heartbeat);
    await c.listener?.end().catch(() => {});
  }

  afterEach(async () => {
    for (const a of running.splice(0)) await a.stop();
    for (const s of opened.splice(0)) await s.close();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('a lease has one holder; it passes on only when the holder stops renewing or its heartbeat ends', async () => {
    const a = await instance();
    const b = await instance();
    expect(a.coordination.instanceId).not.toBe(b.coordination.instanceId);
    expect(await a.coordination.acquire('sender:discord', 600_000)).toBe(true);
    expect(await b.coordination.acquire('sender:discord', 600_000)).toBe(false);
    expect(await a.coordination.acquire('sender:discord', 600_000)).toBe(true); // renewal
    expect(await b.coordination.leases('sender:')).toEqual([{ name: 'sender:discord', holder: a.coordination.instanceId }]);
    // A lease not renewed runs out.
    expect(await a.coordination.acquire('sender:slack:T1', 300)).toBe(true);
    await until(() => b.coordination.acquire('sender:slack:T1', 600_000));
    // The holder dies: its heartbeat (1 s) expires and its leases are free long before their own expiry.
    await crash(a);
    await until(() => b.coordination.acquire('sender:discord', 600_000));
    expect((await b.coordination.liveInstances()).map((i) => i.id)).not.toContain(a.coordination.instanceId);
    expect(await b.coordination.leases('sender:')).toEqual([
      { name: 'sender:discord', holder: b.coordination.instanceId }, { name: 'sender:slack:T1', holder: b.coordination.instanceId }]);
  });

  it('a start slot is taken by one instance per spacing, whichever asks (Discord\'s IDENTIFY spacing is the bot\'s)', async () => {
    const a = await instance();
    const b = await instance();
    expect(await a.coordination.takeSlot('discord-identify:0', 60_000)).toBe(0);
    const wait = await b.coordination.takeSlot('discord-identify:0', 60_000);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60_000);
    expect(await a.coordination.takeSlot('discord-identify:0', 60_000)).toBeGreaterThan(0); // the taker too
    expect(await b.coordination.takeSlot('discord-identify:1', 60_000)).toBe(0); // another key
    // Once the spacing is over, the next asker takes it; a stopping instance leaves the spacing in place.
    expect(await a.coordination.takeSlot('discord-identify:2', 200)).toBe(0);
    await a.coordination.stop();
    expect(await b.coordination.takeSlot('discord-identify:0', 60_000)).toBeGreaterThan(0);
    await until(async () => (await b.coordination.takeSlot('discord-identify:2', 200)) === 0);
  });

  it('NOTIFY in the writing transaction wakes the other instance (outbox rows due, articles changed)', async () => {
    const a = await instance();
    const b = await instance();
    let outbox = 0;
    let articles = 0;
    b.coordination.listen('outbox', () => (outbox += 1));
    b.coordination.listen('articles', () => (articles += 1));
    const [o0, a0] = [outbox, articles];
    const sub = await a.subscriptions.create({ platform: 'discord', workspace: 'G1', channel: 'discord:G1/C1', minPriority: 'routine' }, { id: 'U1', name: 'Ada' }, new Date(T));
    await a.transaction(async () => {
      await a.outbox.insert({ id: 'row-1', storyId: 's1', articleId: 'x', subscriptionId: sub.id, kind: 'alert', platform: 'discord', channel: 'discord:G1/C1', priorityRank: 0, state: 'pending', targetVersion: 1, dueAt: T }, T);
      // Not before the commit: nothing is delivered for a transaction that may still roll back.
      await new Promise((r) => setTimeout(r, 200));
      expect(outbox).toBe(o0);
    });
    await until(() => outbox > o0);
    await a.articles.upsert({ id: 'x', title: 'Levee holds', section: 'world', source: 'Desk', publishedAt: '2026-11-25T11:00:00Z', origin: 'push' });
    await until(() => articles > a0);
  });

  it('an outbox row is claimed by one instance; a dead claimant\'s rows come back in doubt, a live one\'s stay', async () => {
    const a = await instance();
    const b = await instance();
    const sub = await a.subscriptions.create({ platform: 'slack', workspace: 'T1', channel: 'slack:T1/C1', minPriority: 'routine' }, { id: 'U1', name: 'Ada' }, new Date(T));
    const row = (id: string) => ({ id, storyId: `s-${id}`, articleId: `a-${id}`, subscriptionId: sub.id, kind: 'alert' as const, platform: 'slack' as const, channel: 'slack:T1/C1', priorityRank: 0, state: 'pending' as const, targetVersion: 1, dueAt: T });
    for (const id of ['r1', 'r2']) await a.outbox.insert(row(id), T);
    const claims = await Promise.all([a.outbox.claimPost('r1', T), b.outbox.claimPost('r1', T), a.outbox.claimPost('r1', T), b.outbox.claimPost('r1', T)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await b.outbox.claimPost('r2', T)).toBe(true);
    // Both claimants alive: nothing is in doubt for either.
    expect(await a.outbox.reclaimAbandoned!(T)).toBe(0);
    expect(await b.outbox.reclaimAbandoned!(T)).toBe(0);
    expect(await a.outbox.dueBuckets(T, ['slack'])).toEqual([]);

    await a.outbox.insert(row('r3'), T);
    expect(await a.outbox.claimPost('r3', T)).toBe(true);
    const claimedBy = async () => new Map((await a.db.rows<{ id: string; claimed_by: string }>('SELECT id, claimed_by FROM alert_outbox')).map((r) => [r.id, r.claimed_by]));
    const byB = [...(await claimedBy())].filter(([, by]) => by === b.coordination.instanceId).map(([id]) => id).sort();
    expect(byB).toContain('r2');
    expect(byB).not.toContain('r3');
    // b dies: once its heartbeat has expired, its claims (and only those) come back in doubt.
    await crash(b);
    let reclaimed = 0;
    await until(async () => (reclaimed += await a.outbox.reclaimAbandoned!(T + 1)) > 0);
    expect(reclaimed).toBe(byB.length);
    for (const id of byB) expect(await a.outbox.get(id)).toMatchObject({ state: 'pending', inDoubt: true, dueAt: T + 1 });
    expect(await a.outbox.get('r3')).toMatchObject({ state: 'sending' });
    expect(await a.outbox.get('r2')).toMatchObject({ state: 'pending', inDoubt: true });
    expect(await a.outbox.dueBuckets(T + 1, ['slack', 'discord'])).toEqual(['slack:T1']);
    expect((await a.outbox.due(T + 1, ['slack'], 10, ['slack:T2'])).length).toBe(0);
    expect((await a.outbox.due(T + 1, ['slack'], 10, ['slack:T1'])).map((d) => d.id)).toContain('r2');
  });

  it('a due feed poll is claimed by exactly one instance', async () => {
    const a = await instance();
    const b = await instance();
    await a.feedState.save({ ...freshFeedState('wire', 'https://example.com/feed'), etag: '"v1"', nextPollAt: T });
    const results = await Promise.all([
      a.feedState.claimPoll!('wire', 'https://example.com/feed', T, T + 60_000),
      b.feedState.claimPoll!('wire', 'https://example.com/feed', T, T + 60_000),
    ]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(results.find((r) => r !== null)).toMatchObject({ feedId: 'wire', etag: '"v1"', nextPollAt: T + 60_000 });
    // Not due again until the hold ends (or the poller saves its real schedule).
    expect(await b.feedState.claimPoll!('wire', 'https://example.com/feed', T + 1_000, T + 61_000)).toBeNull();
    expect(await b.feedState.claimPoll!('wire', 'https://example.com/feed', T + 60_000, T + 120_000)).not.toBeNull();
    // A feed no instance has polled yet: the first claim creates its row.
    expect(await b.feedState.claimPoll!('new', 'https://example.com/new', T, T + 60_000)).toMatchObject({ feedId: 'new', firstPollDone: false });
  });

  it('two pipelines: the same story ingested by both is one alert per channel, sent by the bucket\'s holder; a dead holder\'s bucket is taken over', async () => {
    const stores = [await instance(), await instance()];
    const ports = [new RecordingPort('slack', { withHistory: true }), new RecordingPort('slack', { withHistory: true })];
    for (let i = 0; i < 2; i++) {
      running.push(startAlerts({ store: stores[i], ports: new PortRegistry([ports[i]]), logger: quietLogger, config: { TIMEZONE: 'UTC' }, now: clock, senderLeaseMs: 1_000 }));
    }
    const channels = Array.from({ length: 30 }, (_, i) => `slack:T${i % 3}/C${i}`);
    for (const channel of channels) {
      const [, workspace] = /^slack:(T\d)\//.exec(channel)!;
      await stores[0].subscriptions.create({ platform: 'slack', workspace, channel, minPriority: 'urgent' }, { id: 'U1', name: 'Ada' }, new Date(T));
    }
    const article = (id: string, origin: 'push' | 'files') => ({ id, title: 'Dam breach floods three valley towns overnight', section: 'world', source: 'Desk', priority: 'breaking' as const, publishedAt: '2026-11-25T11:00:00Z', url: `https://news.example/${id}`, origin });
    // Each instance has matched a story already (its headline index is loaded, as in a running instance).
    await stores[0].articles.upsert({ id: 'warm-0', title: 'Council approves the new budget for schools', section: 'local', source: 'Desk', publishedAt: '2026-11-25T10:00:00Z', origin: 'push' });
    await stores[1].articles.upsert({ id: 'warm-1', title: 'Library opens a late reading room downtown', section: 'local', source: 'Desk', publishedAt: '2026-11-25T10:00:00Z', origin: 'push' });
    // The same story (same headline, different links) from two origins, at the same moment, on two instances:
    // the second writer's headline index must read the story the first one wrote.
    await Promise.all([stores[0].articles.upsert(article('dam-a', 'push')), stores[1].articles.upsert(article('dam-b', 'files'))]);
    const posts = () => [...ports[0].posts(), ...ports[1].posts()];
    await until(() => posts().length >= 30);
    await new Promise((r) => setTimeout(r, 300));
    const perChannel = new Map<string, number>();
    for (const p of posts()) perChannel.set(p.target, (perChannel.get(p.target) ?? 0) + 1);
    expect(perChannel.size).toBe(30);
    expect([...perChannel.values()].every((n) => n === 1)).toBe(true);
    // One sender per workspace: every post of a workspace left through one instance's port; and the three
    // workspaces are spread over both instances (neither takes them all).
    const sendersOf = (ws: string) => ports.map((p, i) => (p.posts().some((s) => s.target.startsWith(`slack:${ws}/`)) ? i : -1)).filter((i) => i >= 0);
    for (const ws of ['T0', 'T1', 'T2']) expect(sendersOf(ws)).toHaveLength(1);
    expect(new Set(['T0', 'T1', 'T2'].map((ws) => sendersOf(ws)[0])).size).toBe(2);
    const stories = await stores[0].db.rows<{ n: number }>("SELECT count(DISTINCT story_id) AS n FROM alert_stories WHERE article_id IN ('dam-a', 'dam-b')");
    expect(stories[0].n).toBe(1);

    // The instance holding T0 dies without handing over; a new story for T0 is sent by the other.
    const t0 = ports[0].posts().some((s) => s.target.startsWith('slack:T0/')) ? 0 : 1;
    const survivor = 1 - t0;
    await running[t0].dispatcher.stop();
    await crash(stores[t0]);
    const before = ports[survivor].posts().length;
    await stores[survivor].articles.upsert({ ...article('quake', 'push'), title: 'Earthquake shakes the northern coast' , url: 'https://news.example/quake' });
    await until(() => ports[survivor].posts().length >= before + 30, 20_000);
    expect(ports[survivor].posts().filter((p) => p.target.startsWith('slack:T0/')).length).toBeGreaterThanOrEqual(10);
  });

  it('newsroom controls: an embargo lifts once with two pipelines (on the survivor when the one that stored it died); stop through one holds the other at once; a recall finishes after its sender died', async () => {
    const [a, b] = [await instance(), await instance()];
    const ports = [new RecordingPort('terminal'), new RecordingPort('terminal')];
    const pipelines = [a, b].map((store, i) => startAlerts({ store, ports: new PortRegistry([ports[i]]), logger: quietLogger, config: { TIMEZONE: 'UTC' }, now: clock, senderLeaseMs: 1_000 }));
    running.push(...pipelines);
    for (const ch of ['terminal:one', 'terminal:two']) await a.subscriptions.create({ platform: 'terminal', workspace: '', channel: ch, minPriority: 'routine' }, { id: 'U1', name: 'Ada' }, new Date(T));
    const posts = () => [...ports[0].posts(), ...ports[1].posts()];

    // Two embargoes a second ahead, stored through each instance: each lifts once, two channels each.
    const at = new Date(clock().getTime() + 1_000).toISOString();
    await a.articles.upsert({ id: 'e1', title: 'Budget cuts income tax', priority: 'breaking', embargoUntil: at });
    await b.articles.upsert({ id: 'e2', title: 'Budget raises fuel duty', priority: 'breaking', embargoUntil: at });
    expect(posts()).toEqual([]);
    await until(() => posts().length >= 4);
    await new Promise((r) => setTimeout(r, 500));
    expect(posts().map((p) => p.reply.cards[0].title).sort()).toEqual(['Budget cuts income tax', 'Budget cuts income tax', 'Budget raises fuel duty', 'Budget raises fuel duty']);

    // The instance that stored an embargo dies before the lift: the survivor lifts it.
    await a.articles.upsert({ id: 'e3', title: 'Budget freezes pensions', priority: 'breaking', embargoUntil: new Date(clock().getTime() + 1_500).toISOString() });
    await pipelines[0].stop();
    await crash(a);
    await until(() => ports[1].posts().filter((p) => p.reply.cards[0].title === 'Budget freezes pensions').length === 2, 20_000);

    // Stop through the survivor's store as another instance would: nothing new leaves.
    const c = await instance();
    await c.subscriptions.stopScope({ platform: 'terminal', workspace: '', stoppedAt: new Date(T).toISOString(), by: { id: 'U1', name: 'Ada' }, reason: 'hoax check' });
    const before = posts().length;
    await b.articles.upsert({ id: 'n1', title: 'Held by the stop', priority: 'breaking' });
    await new Promise((r) => setTimeout(r, 800));
    expect(posts().length).toBe(before);
    // A recall while stopped: deletes still go, from the survivor.
    const recallPipeline = startAlerts({ store: c, ports: new PortRegistry([new RecordingPort('terminal')]), logger: quietLogger, config: { TIMEZONE: 'UTC' }, now: clock, senderLeaseMs: 1_000 });
    running.push(recallPipeline);
    await recallPipeline.service.recall({ platform: 'terminal', workspace: '' }, 'e2', 'wrong figures', { id: 'U1', name: 'Ada', platform: 'terminal', workspace: '' });
    await until(async () => (await b.outbox.forStoryAll('e2')).every((r) => r.deleteState === 'deleted'), 20_000);
  });

  /** A clock at `iso` now, then following real time: a briefing's minute is a second or two away. */
  const clockFrom = (iso: string) => {
    let base = Date.parse(iso) - performance.now();
    const now = () => new Date(base + performance.now());
    /** Starting instances takes a while (migrations): the clock is set again once they run. */
    now.set = (at: string) => (base = Date.parse(at) - performance.now());
    return now;
  };
  const runRows = async (store: PostgresStore) =>
    (await store.db.rows<{ story_id: string; state: string }>("SELECT story_id, state FROM alert_outbox WHERE kind = 'briefing' ORDER BY story_id")).map((r) => [r.story_id, r.state]);
  const ada = { id: 'U1', name: 'Ada', platform: 'terminal' as const, workspace: '' };

  it('scheduled briefings: two instances post a run once; the next run\'s row is written once', async () => {
    const now = clockFrom('2026-11-26T07:29:58.800Z');
    const stores = [await instance({ now }), await instance({ now })];
    const ports = [new RecordingPort('terminal'), new RecordingPort('terminal')];
    const pipelines = stores.map((store, i) => startAlerts({ store, ports: new PortRegistry([ports[i]]), logger: quietLogger, config: { TIMEZONE: 'UTC' }, now, senderLeaseMs: 1_000 }));
    running.push(...pipelines);
    now.set('2026-11-26T07:29:58.800Z');
    const { subscription: sub } = await pipelines[0].service.briefing({ platform: 'terminal', workspace: '', channel: 'terminal:morning', schedule: { at: '07:30', tz: 'Europe/London', days: ['mon', 'tue', 'wed', 'thu', 'fri'] }, sections: [] }, ada);
    // Both instances ensure the schedule at start of a restart: the same row, written twice, is one.
    await startAlerts({ store: stores[1], ports: new PortRegistry([]), logger: quietLogger, config: { TIMEZONE: 'UTC' }, now }).stop();
    const posts = () => [...ports[0].posts(), ...ports[1].posts()];
    await until(() => posts().length >= 1, 10_000);
    await until(async () => (await runRows(stores[0])).length === 2);
    await new Promise((r) => setTimeout(r, 800));
    expect(posts().map((p) => p.reply.text)).toEqual(['Nothing new since 07:30 yesterday.']);
    expect(await runRows(stores[1])).toEqual([[`briefing:${sub.id}:2026-11-26`, 'sent'], [`briefing:${sub.id}:2026-11-27`, 'pending']]);
  });

  it('scheduled briefings: the instance that wrote the run dies before it; the other posts it and writes the next', async () => {
    const now = clockFrom('2026-11-26T07:29:58.500Z');
    const [a, b] = [await instance({ now }), await instance({ now })];
    const ports = [new RecordingPort('terminal'), new RecordingPort('terminal')];
    const pipelines = [a, b].map((store, i) => startAlerts({ store, ports: new PortRegistry([ports[i]]), logger: quietLogger, config: { TIMEZONE: 'UTC' }, now, senderLeaseMs: 1_000 }));
    running.push(...pipelines);
    now.set('2026-11-26T07:29:58.500Z');
    const { subscription: sub } = await pipelines[0].service.briefing({ platform: 'terminal', workspace: '', channel: 'terminal:morning', schedule: { at: '07:30', tz: 'UTC', days: ['thu', 'fri'] }, sections: [] }, ada);
    await pipelines[0].stop();
    await crash(a);
    await until(() => ports[1].posts().length >= 1, 15_000);
    await until(async () => (await runRows(b)).length === 2);
    expect(ports[0].posts()).toEqual([]);
    expect(ports[1].posts()).toHaveLength(1);
    expect(await runRows(b)).toEqual([[`briefing:${sub.id}:2026-11-26`, 'sent'], [`briefing:${sub.id}:2026-11-27`, 'pending']]);
  });
});
