import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { PG_TIMEOUTS } from '../../src/store/postgres/db.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/index.js';
import { isStoreUnavailable, StoreUnavailable } from '../../src/store/unavailable.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { dropSchema, PG_URL, postgresAvailable, schemaFor } from './contract/backends.js';

/**
 * PostgreSQL behind a fault proxy (tests/helpers/fault-proxy.ts), one store in this process: whatever the fault,
 * a call fails within the bounds as StoreUnavailable (never hangs, never crashes the process), and the store
 * serves again as soon as the server answers, without a restart.
 */
const SLACK_AND_DISCORD_ANSWER_WINDOW_MS = 3_000;
/** "Eventually", generously: a loaded 2-core machine. */
const GENEROUS_MS = 8_000;

async function failure(work: Promise<unknown>): Promise<{ err: unknown; ms: number }> {
  const t0 = Date.now();
  try {
    await work;
  } catch (err) {
    return { err, ms: Date.now() - t0 };
  }
  throw new Error('expected the call to fail while the store is away');
}

async function eventually<T>(work: () => Promise<T>, what: string): Promise<T> {
  const deadline = Date.now() + GENEROUS_MS;
  for (;;) {
    try {
      return await work();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: still failing (${(err as Error).message})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe.skipIf(!postgresAvailable)('PostgreSQL faults under one store', () => {
  const schema = schemaFor(import.meta.filename);
  let proxy: FaultProxy;
  let store: PostgresStore;
  let admin: pg.Client;

  beforeAll(async () => {
    const target = new URL(PG_URL);
    proxy = await startFaultProxy({ host: target.hostname, port: Number(target.port || 5432) });
    store = await openPostgresStore(proxy.url(PG_URL), { now: systemClock, schema, poolSize: 3 });
    admin = new pg.Client({ connectionString: PG_URL });
    admin.on('error', () => {});
    await admin.connect();
  });

  afterAll(async () => {
    await proxy?.pass();
    await store?.close();
    await admin?.end().catch(() => {});
    await proxy?.close();
    await dropSchema(schema);
  });

  it('the bounds are set in one place, each inside the platforms\' 3 s answer window, and reach the server', async () => {
    expect(PG_TIMEOUTS.connectMs).toBeLessThan(SLACK_AND_DISCORD_ANSWER_WINDOW_MS);
    expect(PG_TIMEOUTS.readMs).toBeLessThan(SLACK_AND_DISCORD_ANSWER_WINDOW_MS);
    expect(PG_TIMEOUTS.statementMs).toBeLessThanOrEqual(PG_TIMEOUTS.readMs);
    expect(await store.db.one('SHOW statement_timeout')).toEqual({ statement_timeout: '2s' });
  });

  it('a stalled server: a read fails as StoreUnavailable within the read bound, ping says no, and the store serves again after', async () => {
    await store.articles.get('warm-up');
    await proxy.stall();
    const { err, ms } = await failure(store.articles.get('nothing'));
    expect(err).toBeInstanceOf(StoreUnavailable);
    expect(ms).toBeLessThan(GENEROUS_MS);
    expect(await store.ping()).toBe(false);
    // A write transaction too (a push): it fails, nothing half-written.
    const write = await failure(store.subscriptions.create({ platform: 'terminal', workspace: '', channel: 'terminal:stalled', minPriority: 'breaking' }, { id: 'U1', name: 'Ada' }, new Date()));
    expect(isStoreUnavailable(write.err)).toBe(true);
    await proxy.pass();
    expect(await eventually(() => store.ping().then((ok) => ok || Promise.reject(new Error('not yet'))), 'ping after the stall')).toBe(true);
    expect(await store.articles.get('nothing')).toBeNull();
  });

  it('every connection reset, then refused: calls fail at once as StoreUnavailable, and the pool reconnects after', async () => {
    await store.articles.get('warm-up');
    await proxy.drop();
    expect((await failure(store.articles.get('x'))).err).toBeInstanceOf(StoreUnavailable);
    await proxy.refuse();
    const refused = await failure(store.articles.get('x'));
    expect(refused.err).toBeInstanceOf(StoreUnavailable);
    expect(String((refused.err as Error).message)).not.toContain('postgres://');
    await proxy.pass();
    expect(await eventually(() => store.articles.get('x'), 'a read after the refusal')).toBeNull();
  });

  it('pg_terminate_backend of a connection checked out for a transaction, between two queries: the process lives, the transaction fails as StoreUnavailable, the next one works', async () => {
    const outcome = await failure(store.transaction(async () => {
      const { pid } = (await store.db.one<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!;
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      // The server's goodbye arrives while the client is checked out and idle: an 'error' event on the client.
      await new Promise((r) => setTimeout(r, 300));
      await store.db.query('SELECT 1');
    }));
    expect(outcome.err).toBeInstanceOf(StoreUnavailable);
    expect(await store.transaction(() => store.db.one('SELECT 2 AS two'))).toEqual({ two: 2 });
  });

  it('the LISTEN connection comes back after its connections are reset and after a stall, and wake-ups resume', async () => {
    await store.coordination.start({ feeds: null, timeZone: null });
    let woken = 0;
    store.coordination.listen('outbox', () => (woken += 1));
    const channel = `newsdesk.${schema}.outbox`;
    const notified = async (what: string) => {
      const before = woken;
      await eventually(async () => {
        await admin.query(`SELECT pg_notify($1, '')`, [channel]);
        await new Promise((r) => setTimeout(r, 100));
        if (woken === before) throw new Error('no wake-up yet');
      }, what);
    };
    await notified('a NOTIFY before any fault');
    await proxy.drop();
    await new Promise((r) => setTimeout(r, 300));
    await proxy.pass();
    await notified('a NOTIFY after every connection was reset');
    await proxy.stall();
    // Longer than the read bound: the heartbeat's ping on the LISTEN connection gives up on it.
    await new Promise((r) => setTimeout(r, PG_TIMEOUTS.readMs + 1_500));
    await proxy.pass();
    await notified('a NOTIFY after a stall');
  });
});
