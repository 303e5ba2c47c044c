import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database } from 'better-sqlite3';

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

  constructor(private readonly db: Database) {}

  /** True inside a transaction's callback (and what it awaits), until that transaction ends. */
  inside(): boolean {
    return this.context.getStore()?.open === true;
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inside()) return fn();
    const release = await this.lock();
    const ctx = { open: true, afterCommit: [] as Array<() => void> };
    try {
      this.db.exec('BEGIN IMMEDIATE');
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

  /** One write outside any transaction commits on its own; inside one, it is part of it. */
  async write<T>(fn: () => T): Promise<T> {
    if (this.inside() || !this.held) return fn();
    const release = await this.lock();
    try {
      return fn();
    } finally {
      release();
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
 * The outbox writes that may give a row a due time (now or later), as PostgreSQL's `alert_outbox_due` trigger
 * sees them: inserts, new versions and take-overs, retries, released digests, resumed edits, and a post marked sent
 * whose story moved on meanwhile (due for an edit). Claims and final states make nothing due.
 */
export const OUTBOX_DUE_WRITES = ['insert', 'insertMany', 'retarget', 'reassign', 'sourcesJoined', 'retry', 'releaseDigests', 'resumeEdits', 'markSent', 'markEdited', 'markThreaded', 'nudge', 'recallRows', 'markDeleted'] as const;

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
