import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../domain/clock.js';
import { openPostgresStore } from './postgres/index.js';
import { openSqliteStore } from './sqlite/index.js';
import { lockDatabaseFile } from './sqlite/file-lock.js';
import { describeOpenFailure } from './sqlite/open-failure.js';
import type { Store } from './types.js';

export interface OpenStoreOptions {
  /** The SQLite file (the embedded default). */
  databasePath: string;
  /** `postgres://…`: everything lives in PostgreSQL instead (one or many instances). Never logged. */
  databaseUrl?: string;
  /** PostgreSQL schema (default `public`). */
  databaseSchema?: string;
  /** The application clock: publication defaults, recency in ranking, due times. */
  now: Clock;
}

/** The one place that picks a backend: everything else sees the Store interface. */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  if (opts.databaseUrl) return openPostgresStore(opts.databaseUrl, { now: opts.now, schema: opts.databaseSchema });
  const inMemory = opts.databasePath === ':memory:' || opts.databasePath === '';
  try {
    if (inMemory) return openSqliteStore(opts.databasePath, { now: opts.now });
    // The lock comes first: a second process must not migrate or checkpoint a file the first one uses.
    mkdirSync(dirname(opts.databasePath), { recursive: true });
    const lock = lockDatabaseFile(opts.databasePath);
    let store;
    try {
      store = openSqliteStore(opts.databasePath, { now: opts.now });
    } catch (err) {
      lock.release();
      throw err;
    }
    const close = store.close.bind(store);
    store.close = async () => {
      try {
        await close();
      } finally {
        lock.release();
      }
    };
    return store;
  } catch (err) {
    throw describeOpenFailure(opts.databasePath, err);
  }
}
