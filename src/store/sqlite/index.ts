import type { SqliteDatabase } from './db.js';
import { openDatabase } from './db.js';
import type { Migration } from './migrations.js';
import { SqliteActionStateStore } from './action-state.js';
import { SqliteArticleStore } from './articles.js';
import type { Clock } from '../../domain/clock.js';

export { openDatabase, runMigrations, type SqliteDatabase } from './db.js';
export { migrations, type Migration } from './migrations.js';
export { SqliteArticleStore } from './articles.js';
export { SqliteActionStateStore } from './action-state.js';

export interface OpenSqliteStoreOptions {
  migrations?: readonly Migration[];
  /** Rows per transaction in bulk loads. */
  chunkSize?: number;
  /** The application clock (src/domain/clock.ts). */
  now: Clock;
  busyTimeoutMs?: number;
}

export interface SqliteStore {
  /** The connection, migrated; other parts (alerts) build their tables on it through migrations. */
  db: SqliteDatabase;
  articles: SqliteArticleStore;
  actionState: SqliteActionStateStore;
  close(): Promise<void>;
}

/** Opens the file (or `:memory:`), applies every migration, and builds the stores over one connection. */
export function openSqliteStore(path: string, opts: OpenSqliteStoreOptions): SqliteStore {
  const db = openDatabase(path, { migrations: opts.migrations, busyTimeoutMs: opts.busyTimeoutMs });
  const articles = new SqliteArticleStore(db, { chunkSize: opts.chunkSize, now: opts.now });
  const actionState = new SqliteActionStateStore(db, { now: () => opts.now().getTime() });
  let closed = false;
  return {
    db,
    articles,
    actionState,
    async close() {
      if (closed) return;
      closed = true;
      await articles.close();
      // Fold the WAL back into the main file so a copied .db is complete.
      if (db.open && path !== ':memory:') {
        try {
          db.pragma('wal_checkpoint(TRUNCATE)');
        } catch {
          // Another connection may hold it; the WAL is still valid.
        }
      }
      db.close();
    },
  };
}
