import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresStore } from '../src/store/postgres/index.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import type { Store } from '../src/store/types.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** One store on a fresh SQLite file in a temporary folder, removed afterwards. */
export async function onSqlite<T>(name: string, now: () => Date, run: (store: Store) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `newsdesk-${name}-bench-`));
  const store = openSqliteStore(join(dir, 'newsdesk.db'), { now });
  try {
    return await run(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `count` stores on one fresh PostgreSQL schema (several instances sharing it), the schema dropped afterwards. */
export async function onPostgresInstances<T>(name: string, now: () => Date, count: number, run: (stores: Store[]) => Promise<T>): Promise<T> {
  const schema = `bench_${name}_${process.pid}`;
  const stores: Store[] = [];
  try {
    for (let i = 0; i < count; i++) stores.push(await openPostgresStore(PG_URL, { now, schema, poolSize: 4 }));
    return await run(stores);
  } finally {
    for (const s of stores) await s.close();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect().then(() => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined).finally(() => c.end().catch(() => undefined));
  }
}
