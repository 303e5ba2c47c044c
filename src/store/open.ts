import type { Clock } from '../domain/clock.js';
import { openSqliteStore } from './sqlite/index.js';
import type { Store } from './types.js';

export interface OpenStoreOptions {
  /** The SQLite file (the embedded default). */
  databasePath: string;
  /** The application clock: publication defaults, recency in ranking, due times. */
  now: Clock;
}

/** The one place that picks a backend: everything else sees the Store interface. */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  return openSqliteStore(opts.databasePath, { now: opts.now });
}
