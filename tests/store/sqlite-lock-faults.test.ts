import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAlerts, type Alerts } from '../../src/alerts/index.js';
import { mountIngestApi } from '../../src/ingest/push.js';
import { logger } from '../../src/log.js';
import { PortRegistry } from '../../src/outbound/registry.js';
import { mountHealth } from '../../src/server/health.js';
import { HttpServer } from '../../src/server/http.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import { RecordingPort } from '../alerts/ports.js';

/**
 * Another process (a backup, the sqlite3 shell) holds SQLite's write lock while a push arrives. better-sqlite3 is
 * synchronous: a writer waiting inside the driver (busy_timeout) holds the whole event loop, so /healthz, the
 * other pushes and every command wait with it (the store used to wait 5 s that way). Here the store opens with its
 * production defaults, and during the lock:
 *  - /healthz keeps answering and the event loop keeps turning (both counted while the push is pending);
 *  - a lock that outlasts the store's bound: the push answers 503 with Retry-After, nothing is stored; once the
 *    lock is gone the same push is stored and alerted once;
 *  - a lock released within the bound: the push is stored (201) after the release, and alerted once;
 *  - a lock that comes mid-fan-out: the posts reach the platform, recording them waits and gives up, and once the
 *    lock is gone every channel has the story once (looked up, not posted again).
 * The lock holder is a real second process; it lets go only when the test tells it to (no timing in the oracle).
 */
const TOKEN = 'sqlite-lock-faults-token-0123456789';
const quiet = logger.child({}, { level: 'silent' });
const story = (id: string) => ({ id, title: `Breaking ${id}: flood barrier fails`, body: `Water is entering the old town (${id}).`, priority: 'breaking', section: 'local' });

/** A second process holding `BEGIN IMMEDIATE` on the file until it reads a line on stdin. */
class LockHolder {
  private constructor(private readonly child: ChildProcessWithoutNullStreams, private readonly exited: Promise<number | null>) {}

  static async hold(file: string): Promise<LockHolder> {
    const script = `
      const Database = require('better-sqlite3');
      const db = new Database(process.argv[1], { timeout: 0 });
      db.exec('BEGIN IMMEDIATE');
      process.stdout.write('locked\\n');
      process.stdin.once('data', () => { db.exec('ROLLBACK'); db.close(); process.stdout.write('released\\n'); process.exit(0); });
    `;
    const child = spawn(process.execPath, ['--input-type=commonjs', '-e', script, file], { cwd: process.cwd(), stdio: 'pipe' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const locked = await new Promise<boolean>((resolve) => {
      child.stdout.on('data', (d: Buffer) => String(d).includes('locked') && resolve(true));
      void exited.then(() => resolve(false));
    });
    if (!locked) throw new Error('the lock holder never took the lock');
    return new LockHolder(child, exited);
  }

  async release(): Promise<void> {
    this.child.stdin.write('go\n');
    expect(await this.exited).toBe(0);
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

describe('SQLite write-locked by another process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-lock-'));
  const file = join(dir, 'newsdesk.db');
  let store: SqliteStore;
  let alerts: Alerts;
  let http: HttpServer;
  let base: string;
  let holder: LockHolder | undefined;
  const port = new RecordingPort('terminal', { withHistory: true });

  beforeAll(async () => {
    // The production defaults: no busy timeout of the test's choosing.
    store = openSqliteStore(file, { now: () => new Date() });
    alerts = startAlerts({ store, ports: new PortRegistry([port]), logger: quiet, config: { TIMEZONE: 'UTC' }, now: () => new Date() });
    await store.subscriptions.create({ platform: 'terminal', workspace: '', channel: 'terminal:desk', minPriority: 'breaking' }, { id: 'U1', name: 'Ada' }, new Date());
    http = new HttpServer();
    mountIngestApi(http, { token: TOKEN, store: store.articles, logger: quiet });
    mountHealth(http, { checks: { store: () => store.ping() } });
    base = `http://127.0.0.1:${(await http.start(0, '127.0.0.1')).port}`;
  });

  afterEach(() => holder?.kill());

  afterAll(async () => {
    await http?.stop();
    await alerts?.stop();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const push = async (body: unknown) => {
    const res = await fetch(`${base}/v1/articles`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after') };
  };
  const stored = (id: string) => (store.db.prepare('SELECT count(*) AS n FROM articles WHERE id = ?').get(id) as { n: number }).n;
  const postsOf = (id: string) => port.posts().filter((p) => JSON.stringify(p.reply).includes(`Breaking ${id}:`)).length;
  async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /**
   * Sends the push, then, while it is pending, asks /healthz again and again and counts event-loop turns.
   * `duringLock` runs once /healthz has answered `releaseAfter` times while the push is pending (never, if the
   * push has answered first).
   */
  async function pushWhileWatching(id: string, duringLock?: { releaseAfter: number; run: () => Promise<void> }) {
    let settled = false;
    const answer = push(story(id)).finally(() => (settled = true));
    let turns = 0;
    let ticking = true;
    const tick = () => {
      if (!ticking) return;
      if (!settled) turns += 1;
      setImmediate(tick);
    };
    setImmediate(tick);
    let healthz = 0;
    let ran: Promise<void> | undefined;
    // Bounded: the push answers within the store's bound (and at worst, the test's timeout ends it).
    for (let i = 0; i < 100_000 && !settled; i++) {
      const res = await fetch(`${base}/healthz`);
      await res.arrayBuffer();
      if (!settled && res.status === 200) healthz += 1;
      if (duringLock && !ran && healthz >= duringLock.releaseAfter) ran = duringLock.run();
      await new Promise((r) => setTimeout(r, 5));
    }
    const result = await answer;
    await ran;
    ticking = false;
    return { ...result, healthzWhilePending: healthz, turnsWhilePending: turns };
  }

  it('a lock longer than the bound: /healthz answers and the loop turns throughout, the push gets 503 + Retry-After; after the release it is stored and alerted once', async () => {
    holder = await LockHolder.hold(file);
    const during = await pushWhileWatching('held-long');
    console.info(`lock held past the bound: push ${during.status}, /healthz answered ${during.healthzWhilePending}x and ${during.turnsWhilePending} event-loop turns while the push waited`);
    expect(during).toMatchObject({ status: 503, retryAfter: '5' });
    expect(during.healthzWhilePending).toBeGreaterThanOrEqual(10);
    expect(during.turnsWhilePending).toBeGreaterThanOrEqual(100);
    expect(stored('held-long')).toBe(0);
    await holder.release();
    expect((await push(story('held-long'))).status).toBe(201);
    await until(() => postsOf('held-long') === 1, 'the story alerted once the lock was gone');
    expect(postsOf('held-long')).toBe(1);
  });

  it('a lock released within the bound: the push waits without holding the loop, then is stored (201) and alerted once', async () => {
    holder = await LockHolder.hold(file);
    const h = holder;
    const during = await pushWhileWatching('held-short', { releaseAfter: 5, run: () => h.release() });
    console.info(`lock released within the bound: push ${during.status}, /healthz answered ${during.healthzWhilePending}x while the push waited`);
    expect(during).toMatchObject({ status: 201 });
    expect(during.healthzWhilePending).toBeGreaterThanOrEqual(5);
    expect(stored('held-short')).toBe(1);
    await until(() => postsOf('held-short') === 1, 'the story alerted');
    expect(postsOf('held-short')).toBe(1);
  });

  it('the lock comes mid-fan-out (posts held open at the platform): /healthz answers throughout, the bookkeeping gives up within its bound, and once the lock is gone every channel has the story once', async () => {
    const channels = ['terminal:desk', 'terminal:wire', 'terminal:night'];
    for (const channel of channels.slice(1)) await store.subscriptions.create({ platform: 'terminal', workspace: '', channel, minPriority: 'breaking' }, { id: 'U1', name: 'Ada' }, new Date());
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let inFlight = 0;
    const post = port.post.bind(port);
    port.post = async (...args) => {
      inFlight += 1;
      await gate;
      return post(...args);
    };
    try {
      expect((await push(story('midway'))).status).toBe(201);
      await until(() => inFlight >= 1, 'a post in flight');
      holder = await LockHolder.hold(file);
      open();
      await until(() => postsOf('midway') === channels.length, 'the posts to reach the platform');
      // Writing that they did waits for the lock (with the loop free), then gives up: the rows stay unrecorded.
      let healthz = 0;
      for (let i = 0; i < 20; i++) {
        if ((await fetch(`${base}/healthz`)).status === 200) healthz += 1;
        await new Promise((r) => setTimeout(r, 150));
      }
      const sent = () => (store.db.prepare(`SELECT count(*) AS n FROM alert_outbox WHERE article_id = 'midway' AND state = 'sent' AND in_doubt = 0`).get() as { n: number }).n;
      const unrecorded = channels.length - sent();
      await holder.release();
      await until(() => sent() === channels.length, 'the rows to be recorded sent once the lock is gone');
      const perChannel = channels.map((c) => port.posts().filter((p) => p.target === c && JSON.stringify(p.reply).includes('Breaking midway:')).length);
      console.info(`lock mid-fan-out: /healthz ${healthz}/20 during the lock, ${unrecorded} of ${channels.length} rows unrecorded until it went; posts per channel ${perChannel.join(',')}`);
      expect(healthz).toBe(20);
      expect(perChannel).toEqual([1, 1, 1]);
    } finally {
      port.post = post;
    }
  });

  it('reads go on during the lock: search and get answer while another process holds the write lock', async () => {
    expect((await push(story('read-me'))).status).toBe(201);
    holder = await LockHolder.hold(file);
    expect((await store.articles.get('read-me'))?.id).toBe('read-me');
    expect((await store.articles.search({ text: 'flood barrier', limit: 5, offset: 0 })).items.map((a) => a.id)).toContain('read-me');
    await holder.release();
  });
});
