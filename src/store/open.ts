import type { Clock } from '../domain/clock.js';
import { openPostgresStore } from './postgres/index.js';
import { openSqliteStore } from './sqlite/index.js';
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
  return openSqliteStore(opts.databasePath, { now: opts.now });
}
