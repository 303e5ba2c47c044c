import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrations as registeredMigrations, type Migration } from './migrations.js';
import { SQLITE_BUSY_ATTEMPT_MS } from './tx.js';

export type SqliteDatabase = Database.Database;

/** Opening and migrating wait this long for another process's lock (nothing is served yet). */
const OPEN_BUSY_TIMEOUT_MS = 5_000;

export interface OpenDatabaseOptions {
  /** Defaults to the registered migrations; tests may pass their own list. */
  migrations?: readonly Migration[];
  /**
   * How long one attempt at another connection's lock waits inside the driver, blocking the event loop, before
   * SQLITE_BUSY (SQLITE_BUSY_ATTEMPT_MS: short; writes try again with the loop free, see tx.ts). Opening and
   * migrating, before anything is served, wait up to 5 s.
   */
  busyTimeoutMs?: number;
}

/**
 * Opens (and creates) a SQLite file tuned for this workload and brings its schema up to date.
 * `:memory:` works too, for tests.
 */
/** SQLite's page cache per connection, in KiB (see openDatabase). */
const PAGE_CACHE_KB = 16_384;

export function openDatabase(path: string, opts: OpenDatabaseOptions = {}): SqliteDatabase {
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    // page_size only takes effect before the first table exists (and before WAL is on): it makes the
    // FTS index about a third smaller than the 4 KB default.
    db.pragma('page_size = 16384');
    // Likewise only for a new file: pages freed (an FTS optimize rewrites the whole index) can be handed back to the
    // file system; optimize() does so (issue 31: a fifth of a freshly loaded store's file was free pages).
    db.pragma('auto_vacuum = INCREMENTAL');
    if (!inMemory) db.pragma('journal_mode = WAL');
    // WAL makes NORMAL durable enough: a power cut may lose the last commits, never corrupt the file.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // 16 MB of page cache (the default is 2 MB): bulk loads insert by publication time, not arrival order,
    // and the FTS index's hot pages stay in memory. Measured at 100k articles (issue 31), 64 MB bought nothing over
    // 16 MB (ingest 60k: 30.9 against 29.4 s; /news p50 1.6 against 1.5 ms) and cost 50 MB of resident memory.
    db.pragma(`cache_size = -${PAGE_CACHE_KB}`);
    db.pragma(`busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`);
    runMigrations(db, opts.migrations ?? registeredMigrations);
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? SQLITE_BUSY_ATTEMPT_MS))}`);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Applies, in order, each migration whose id is not yet recorded, each in its own transaction so a failing
 * migration leaves the database as it was before it. Returns the ids applied now.
 */
export function runMigrations(db: SqliteDatabase, list: readonly Migration[]): string[] {
  checkMigrationList(list);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
  )`);
  const done = new Set(
    (db.prepare('SELECT id FROM schema_migrations').all() as Array<{ id: string }>).map((r) => r.id),
  );
  const record = db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
  const applied: string[] = [];
  for (const m of list) {
    if (done.has(m.id)) continue;
    try {
      db.transaction(() => {
        m.up(db);
        record.run(m.id, new Date().toISOString());
      })();
    } catch (err) {
      throw new Error(`migration ${m.id} failed: ${(err as Error).message}`, { cause: err });
    }
    applied.push(m.id);
  }
  return applied;
}

function checkMigrationList(list: readonly Migration[]): void {
  const seen = new Set<string>();
  for (const m of list) {
    if (!m.id || seen.has(m.id)) throw new Error(`migration ids must be unique and non-empty: "${m.id}"`);
    seen.add(m.id);
  }
}
