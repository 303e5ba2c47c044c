import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import type { Clock } from '../../../src/domain/clock.js';
import { openPostgresStore } from '../../../src/store/postgres/index.js';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';
import type { Store } from '../../../src/store/types.js';

/**
 * The contract suite runs every store test against both backends. PostgreSQL is the machine's own
 * (127.0.0.1:5432, database `test`, or TEST_DATABASE_URL); each store a test opens lives in a schema of its
 * own (named after the test file), dropped when the test ends. With CI=true an unreachable PostgreSQL fails the
 * run with one line; elsewhere the PostgreSQL half skips, saying why in one line.
 */
export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function probe(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return (err as Error).message || (err as Error & { code?: string }).code || 'no answer';
  } finally {
    await client.end().catch(() => {});
  }
}

const where = (() => {
  const u = new URL(PG_URL);
  return `${u.hostname}:${u.port || 5432}`;
})();
const problem = await probe();
if (problem && process.env.CI === 'true') {
  throw new Error(`PostgreSQL at ${where} cannot be reached (${problem}): CI runs the PostgreSQL tests (the store contract suite on both backends, several instances)`);
}
if (problem) console.warn(`PostgreSQL tests skipped: ${where} cannot be reached (${problem})`);
export const postgresAvailable = problem === null;

export interface OpenOptions {
  now: Clock;
  chunkSize?: number;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty store (its own file or schema). */
  open(opts: OpenOptions): Promise<Store>;
  /** Closes every store opened since the last cleanup and removes its file or schema. */
  cleanup(): Promise<void>;
}

let counter = 0;

/** A schema name unique to this test file and process. */
export function schemaFor(file: string): string {
  const stem = basename(file).replace(/\.test\.ts$/, '').toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30);
  return `nd_test_${stem}_${process.pid}_${++counter}`;
}

function sqliteBackend(): Backend {
  const open: Array<{ store: Store; dir: string }> = [];
  return {
    name: 'sqlite',
    async open(opts) {
      const dir = mkdtempSync(join(tmpdir(), 'newsdesk-contract-'));
      const store = openSqliteStore(join(dir, 'newsdesk.db'), { now: opts.now, chunkSize: opts.chunkSize });
      open.push({ store, dir });
      return store;
    },
    async cleanup() {
      for (const { store, dir } of open.splice(0)) {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function postgresBackend(file: string): Backend {
  const open: Array<{ store: Store; schema: string }> = [];
  return {
    name: 'postgres',
    async open(opts) {
      const schema = schemaFor(file);
      const store = await openPostgresStore(PG_URL, { now: opts.now, chunkSize: opts.chunkSize, schema, poolSize: 4 });
      open.push({ store, schema });
      return store;
    },
    async cleanup() {
      for (const { store, schema } of open.splice(0)) {
        await store.close();
        await dropSchema(schema);
      }
    },
  };
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * `describe` once per backend: `body` gets the backend (open stores through it; call cleanup in afterEach or
 * afterAll). `file` is the test file (import.meta.filename): it names the PostgreSQL schemas.
 */
export function eachBackend(file: string, title: string, body: (backend: Backend) => void): void {
  describe(`${title} [sqlite]`, () => body(sqliteBackend()));
  describe.skipIf(!postgresAvailable)(`${title} [postgres]`, () => body(postgresBackend(file)));
}
