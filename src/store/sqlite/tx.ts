import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database } from 'better-sqlite3';

/**
 * How long one attempt at SQLite's write lock may wait inside the driver (its busy_timeout). better-sqlite3 is
 * synchronous: while it waits there for another process's lock (a backup, the sqlite3 shell), the whole event loop
 * waits too (/healthz, acknowledgements, every command). So attempts are short, and the waiting between them is
 * done here, with the loop free.
 */
export const SQLITE_BUSY_ATTEMPT_MS = 20;
/** How long a write keeps trying for the lock before it fails as SQLITE_BUSY (a push then answers 503). */
export const SQLITE_BUSY_BOUND_MS = 2_000;
/** The pauses between attempts grow to this. */
const BUSY_PAUSE_MAX_MS = 100;

export interface SqliteTransactionsOptions {
  /** How long a write keeps trying for the lock; SQLITE_BUSY_BOUND_MS when not given. */
  busyBoundMs?: number;
}

/**
 * Transactions that may await, on SQLite's one connection. `transaction(fn)` takes an in-process async lock,
 * runs BEGIN IMMEDIATE, and commits when `fn` settles (rolls back when it throws). While it is open, a write
 * from elsewhere in the process waits for the lock: on one connection it would otherwise join the open
 * transaction. Writes made inside `fn` (found through AsyncLocalStorage) run at once, as part of it.
 * Reads never wait (they may see the open transaction's rows: one connection, one view).
 */
export class SqliteTransactions {
  private readonly context = new AsyncLocalStorage<{ open: boolean; afterCommit: Array<() => void> }>();
  private tail: Promise<void> = Promise.resolve();
  private held = false;

  private readonly busyBoundMs: number;

  constructor(private readonly db: Database, opts: SqliteTransactionsOptions = {}) {
    this.busyBoundMs = Math.max(0, opts.busyBoundMs ?? SQLITE_BUSY_BOUND_MS);
  }

  /** True inside a transaction's callback (and what it awaits), until that transaction ends. */
  inside(): boolean {
    return this.context.getStore()?.open === true;
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inside()) return fn();
    const release = await this.lock();
    const ctx = { open: true, afterCommit: [] as Array<() => void> };
    try {
      await this.begin();
      try {
        const result = await this.context.run(ctx, fn);
        this.db.exec('COMMIT');
        ctx.open = false;
        for (const fn of ctx.afterCommit) fn();
        return result;
      } catch (err) {
        if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      ctx.open = false;
      release();
    }
  }

  /** Runs `fn` once the current transaction commits (never if it rolls back); at once outside one. */
  afterCommit(fn: () => void): void {
    const ctx = this.context.getStore();
    if (ctx?.open) ctx.afterCommit.push(fn);
    else fn();
  }

  /**
   * One write outside any transaction commits on its own (in a transaction of its own, so a write of several
   * statements is whole, and the wait for another process's lock happens here, never inside the driver); inside
   * one, it is part of it.
   */
  async write<T>(fn: () => T): Promise<T> {
    if (this.inside()) return fn();
    if (!this.held) {
      // Called inside a caller's synchronous transaction: part of it.
      if (this.db.inTransaction) return fn();
      // Nothing else of this process holds the connection: one short attempt at the lock, without yielding.
      if (this.tryBegin()) {
        try {
          const result = fn();
          this.db.exec('COMMIT');
          return result;
        } catch (err) {
          if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
          throw err;
        }
      }
    }
    return this.transaction(async () => fn());
  }

  /** BEGIN IMMEDIATE, tried until another process's lock is gone or the bound is reached (then SQLITE_BUSY). */
  private async begin(): Promise<void> {
    const deadline = performance.now() + this.busyBoundMs;
    for (let pause = 5; performance.now() + pause <= deadline; pause = Math.min(pause * 2, BUSY_PAUSE_MAX_MS)) {
      if (this.tryBegin()) return;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    this.db.exec('BEGIN IMMEDIATE'); // the last attempt: its SQLITE_BUSY is the caller's answer
  }

  /** One attempt (waiting at most the busy timeout inside the driver); false when another process holds the lock. */
  private tryBegin(): boolean {
    try {
      this.db.exec('BEGIN IMMEDIATE');
      return true;
    } catch (err) {
      if (isBusy(err)) return false;
      throw err;
    }
  }

  private lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const acquired = this.tail.then(() => {
      this.held = true;
      return () => {
        this.held = false;
        release();
      };
    });
    this.tail = this.tail.then(() => next);
    return acquired;
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** The async face of a synchronous store class: what its public methods return, as promises. */
export type AsyncOf<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

/**
 * Wraps a synchronous SQLite store (its SQL stays in one place) as the async interface every backend
 * implements: the methods named in `writes` go through the transaction lock, the others are reads.
 */
export function asyncStore<T extends object>(sync: T, tx: SqliteTransactions, writes: ReadonlyArray<keyof T & string>): AsyncOf<T> {
  const face: Record<string, unknown> = {};
  const proto = Object.getPrototypeOf(sync) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name === 'constructor' || typeof proto[name] !== 'function') continue;
    const method = (...args: unknown[]) => (sync as Record<string, (...a: unknown[]) => unknown>)[name](...args);
    face[name] = writes.includes(name as keyof T & string) ? (...args: unknown[]) => tx.write(() => method(...args)) : async (...args: unknown[]) => method(...args);
  }
  return face as AsyncOf<T>;
}

/**
 * For the small stores whose methods are async already (their SQL runs before their first await): the methods
 * named in `writes` each run in a transaction of their own, through the same lock and the same bounded wait for
 * another process's lock as every other write. Wrapped in place; the store is returned.
 */
export function lockedWrites<T extends object>(store: T, tx: SqliteTransactions, writes: ReadonlyArray<keyof T & string>): T {
  const face = store as Record<string, unknown>;
  for (const name of writes) {
    const method = face[name] as (...args: unknown[]) => Promise<unknown>;
    face[name] = (...args: unknown[]) => tx.transaction(() => method.apply(store, args));
  }
  return store;
}

/**
 * The outbox writes that may give a row a due time (now or later), as PostgreSQL's `alert_outbox_due` trigger
 * sees them: inserts, new versions and take-overs, retries, released digests, resumed edits, and a post marked sent
 * whose story moved on meanwhile (due for an edit). Claims and final states make nothing due.
 */
export const OUTBOX_DUE_WRITES = ['insert', 'insertMany', 'retarget', 'reassign', 'sourcesJoined', 'retry', 'releaseDigests', 'resumeEdits', 'markSent', 'markEdited', 'markThreaded', 'nudge', 'recallRows', 'markDeleted', 'releaseWaiting', 'touchPreviews', 'relabel'] as const;

/**
 * SQLite's counterpart of the outbox NOTIFY: after a transaction that wrote a due time commits (at once for a write
 * outside one), listeners hear of it once, on the next turn of the event loop, however many rows were written.
 */
export class OutboxWakeups {
  private readonly listeners = new Set<() => void>();
  private queued = false;

  constructor(private readonly tx: SqliteTransactions) {}

  listen(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The store with its due-time writes announced after they commit. */
  around<T extends object>(store: T, writes: readonly string[]): T {
    const face = store as Record<string, unknown>;
    for (const name of writes) {
      const write = face[name] as (...args: unknown[]) => Promise<unknown>;
      face[name] = async (...args: unknown[]) => {
        const result = await write(...args);
        this.tx.afterCommit(() => this.fire());
        return result;
      };
    }
    return store;
  }

  private fire(): void {
    if (this.queued || this.listeners.size === 0) return;
    this.queued = true;
    setImmediate(() => {
      this.queued = false;
      for (const fn of [...this.listeners]) fn();
    });
  }
}
