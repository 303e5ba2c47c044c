import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { StoreUnavailable, storeUnavailableReason } from '../unavailable.js';

/** Schema names go into SQL as identifiers (search_path, lock keys): plain lower-case names only. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`PostgreSQL schema name must match ${SCHEMA_NAME} (got ${JSON.stringify(schema.slice(0, 70))})`);
  return schema;
}

/** int8 (counts, epoch ms, pub keys) as numbers: every value we store fits in a double exactly (< 2^53). */
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 || oid === 1700 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
};

/**
 * Never lets the connection string (and its password) reach a log, an error or /readyz: error messages from
 * pg name hosts and users at most, but whatever we rethrow goes through this too.
 */
export function redact(message: string, url?: string): string {
  let out = message;
  if (url) out = out.split(url).join('<DATABASE_URL>');
  return out.replace(/postgres(?:ql)?:\/\/[^\s'"]+/gi, '<DATABASE_URL>');
}

/**
 * Every bound on waiting for PostgreSQL, in one place. A stalled server (accepting, never answering) must not hold a
 * command past Slack's or Discord's 3 s answer window, nor a push past its client's patience: a new connection
 * waits at most `connectMs` (also the wait for a free pooled one), a statement runs at most `statementMs` on the
 * server, and the client gives up on an answer after `readMs` (the server's own timeout never reaches us through a
 * stalled network). Migrations and optimize() run on their own unbounded connection or transaction (`long`).
 */
export interface PgTimeouts {
  connectMs: number;
  statementMs: number;
  readMs: number;
  /** A transaction left idle this long (its instance stalled or partitioned) is ended by the server, freeing its locks. */
  idleInTransactionMs: number;
  /** Bound for the long work (migrations, ANALYZE after a bulk load). */
  longMs: number;
}

export const PG_TIMEOUTS: Readonly<PgTimeouts> = Object.freeze({
  connectMs: 2_000,
  statementMs: 2_000,
  readMs: 2_500,
  idleInTransactionMs: 15_000,
  longMs: 10 * 60_000,
});

export interface Queryable {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

interface TxContext {
  client: pg.PoolClient;
  open: boolean;
  afterCommit: Array<() => void>;
  /** Transaction-scoped advisory locks this transaction already holds (held until it ends). */
  locks: Set<string>;
  /** Bounded by `timeouts.longMs` instead of the statement bounds. */
  long: boolean;
}

/**
 * One pool per store. Inside `transaction(fn)` AsyncLocalStorage holds the checked-out client, so every
 * store's query made by `fn` (and what it awaits: the article change listeners) joins that transaction;
 * outside, a query takes any pooled connection and commits on its own. Nested calls join the outer one.
 */
export class PgDb implements Queryable {
  readonly pool: pg.Pool;
  private readonly context = new AsyncLocalStorage<TxContext>();
  private ended = false;
  readonly timeouts: Readonly<PgTimeouts>;

  constructor(private readonly url: string, readonly schema: string, opts: { max?: number; timeouts?: Partial<PgTimeouts> } = {}) {
    checkSchemaName(schema);
    this.timeouts = { ...PG_TIMEOUTS, ...opts.timeouts };
    this.pool = new pg.Pool({
      connectionString: url,
      max: opts.max ?? 10,
      types,
      // Every connection sees this store's schema only (tests: one schema per file).
      options: `-c search_path=${schema}`,
      connectionTimeoutMillis: this.timeouts.connectMs,
      statement_timeout: this.timeouts.statementMs,
      query_timeout: this.timeouts.readMs,
      idle_in_transaction_session_timeout: this.timeouts.idleInTransactionMs,
      idleTimeoutMillis: 30_000,
    });
    // A client losing its connection (a server restart, pg_terminate_backend) must not crash the process: idle ones
    // are the pool's 'error'; a checked-out one between queries (inside a transaction) emits 'error' on itself, which
    // with no listener would be an uncaught exception. Its next query fails, and the pool replaces it.
    this.pool.on('error', () => {});
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  /**
   * A connection of its own, outside the pool and its bounds (migrations wait for another instance's under a lock;
   * LISTEN lives for the process). Connecting is bounded; its 'error' never crashes the process (`onError`).
   */
  dedicatedClient(onError: (err: Error) => void, opts: { readMs?: number } = {}): pg.Client {
    const client = new pg.Client({
      connectionString: this.url,
      types,
      options: `-c search_path=${this.schema}`,
      connectionTimeoutMillis: this.timeouts.connectMs,
      ...(opts.readMs ? { query_timeout: opts.readMs } : {}),
    });
    client.on('error', onError);
    return client;
  }

  inside(): boolean {
    return this.context.getStore()?.open === true;
  }

  async query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    const ctx = this.context.getStore();
    try {
      if (ctx?.open && ctx.long) {
        // pg reads query_timeout from the query's config too (not in its types).
        return await ctx.client.query<R>({ text: sql, values: params, query_timeout: this.timeouts.longMs } as pg.QueryConfig);
      }
      return await (ctx?.open ? ctx.client : this.pool).query<R>(sql, params);
    } catch (err) {
      throw this.clean(err);
    }
  }

  async rows<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.query<R>(sql, params)).rows;
  }

  async one<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R | undefined> {
    return (await this.query<R>(sql, params)).rows[0];
  }

  /**
   * `long`: the statement bounds lifted for this transaction (ANALYZE after a bulk load), to `timeouts.longMs`.
   * A connection that failed mid-transaction is destroyed, not returned to the pool.
   */
  async transaction<T>(fn: () => Promise<T>, opts: { long?: boolean } = {}): Promise<T> {
    if (this.inside()) return fn();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.clean(err);
    }
    const ctx: TxContext = { client, open: true, afterCommit: [], locks: new Set(), long: opts.long === true };
    let broken = false;
    try {
      let result: T;
      try {
        await client.query('BEGIN');
        if (ctx.long) await client.query(`SET LOCAL statement_timeout = ${Math.floor(this.timeouts.longMs)}`);
        result = await this.context.run(ctx, fn);
        await client.query('COMMIT');
      } catch (err) {
        ctx.open = false;
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw this.clean(err);
      }
      ctx.open = false;
      for (const after of ctx.afterCommit) after();
      return result;
    } finally {
      ctx.open = false;
      client.release(broken);
    }
  }

  /**
   * pg_advisory_xact_lock(k1, k2), taken once per transaction: a transaction already holding it keeps it until it
   * ends, so asking again (one round trip per write of a bulk chunk) changes nothing. Outside a transaction the lock
   * is taken as before (released at once by the implicit transaction).
   */
  async xactLock(k1: number, k2: number): Promise<void> {
    const ctx = this.context.getStore();
    const key = `${k1}:${k2}`;
    if (ctx?.open && ctx.locks.has(key)) return;
    await this.query('SELECT pg_advisory_xact_lock($1, $2)', [k1, k2]);
    if (ctx?.open) ctx.locks.add(key);
  }

  afterCommit(fn: () => void): void {
    const ctx = this.context.getStore();
    if (ctx?.open) ctx.afterCommit.push(fn);
    else fn();
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }

  /** Connection failures and timeouts become StoreUnavailable (callers answer "try again"); no error carries the URL. */
  clean(err: unknown): unknown {
    const away = storeUnavailableReason(err);
    if (away !== null && !(err instanceof StoreUnavailable)) {
      const e = new StoreUnavailable(`PostgreSQL: ${redact(away, this.url)}`);
      (e as Error & { code?: unknown }).code = (err as Error & { code?: unknown }).code;
      return e;
    }
    if (err instanceof Error && /postgres(ql)?:\/\//i.test(err.message + (err.stack ?? ''))) {
      const e = new Error(redact(err.message, this.url));
      (e as Error & { code?: unknown }).code = (err as Error & { code?: unknown }).code;
      return e;
    }
    return err;
  }
}

/** A 31-bit lock key from text (FNV-1a), for pg_advisory_lock(int, int) pairs that include the schema. */
export function lockKey(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h & 0x7fffffff;
}
