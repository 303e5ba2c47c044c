import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/open.js';
import { openPostgresStore, pgMigrations, type PostgresStore } from '../../../src/store/postgres/index.js';
import { NOW } from '../helpers.js';
import { dropSchema, PG_URL, postgresAvailable, schemaFor } from './backends.js';

/** What only PostgreSQL has: migrations under an advisory lock, refusing a newer schema, schemas kept apart. */
describe.skipIf(!postgresAvailable)('PostgreSQL store', () => {
  const schemas: string[] = [];
  const fresh = () => {
    const s = schemaFor(import.meta.filename);
    schemas.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of schemas) await dropSchema(s);
  });

  it('instances starting together migrate once (advisory lock per schema) and agree on the result', async () => {
    const schema = fresh();
    const stores = await Promise.all([0, 1, 2].map(() => openPostgresStore(PG_URL, { now: () => NOW, schema, poolSize: 2 })));
    try {
      const rows = await stores[0].db.rows<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual(pgMigrations.map((m) => m.id).sort());
      await stores[1].articles.upsert({ id: 'x', title: 'Seen by all' });
      expect((await stores[2].articles.get('x'))?.title).toBe('Seen by all');
    } finally {
      for (const s of stores) await s.close();
    }
  });

  it('refuses, in one line, a schema migrated by a newer release', async () => {
    const schema = fresh();
    const store = await openPostgresStore(PG_URL, { now: () => NOW, schema });
    await store.db.query("INSERT INTO schema_migrations (id, applied_at) VALUES ('999-from-the-future', 'x')");
    await store.close();
    const err = await openPostgresStore(PG_URL, { now: () => NOW, schema }).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/newer than this Newsdesk.*999-from-the-future/);
    expect(err?.message).not.toContain('\n');
  });

  it('keeps schemas apart: the same ids in two schemas are two articles', async () => {
    const [a, b] = await Promise.all([fresh(), fresh()].map((schema) => openPostgresStore(PG_URL, { now: () => NOW, schema })));
    try {
      await a.articles.upsert({ id: 'same', title: 'In A' });
      await b.articles.upsert({ id: 'same', title: 'In B' });
      expect((await a.articles.get('same'))?.title).toBe('In A');
      expect((await b.articles.get('same'))?.title).toBe('In B');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('concurrent writers in one schema never collide on publication keys', async () => {
    const schema = fresh();
    const [a, b] = await Promise.all([0, 1].map(() => openPostgresStore(PG_URL, { now: () => NOW, schema, poolSize: 3 })));
    try {
      const at = NOW.toISOString();
      await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => a.articles.upsert({ id: `a-${i}`, title: `A ${i}`, publishedAt: at })),
        ...Array.from({ length: 10 }, (_, i) => b.articles.upsert({ id: `b-${i}`, title: `B ${i}`, publishedAt: at })),
      ]);
      expect(await a.articles.count()).toBe(20);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('openStore picks PostgreSQL from a URL; a connection error never shows the URL (or its password)', async () => {
    const schema = fresh();
    const store = await openStore({ databasePath: 'unused.db', databaseUrl: PG_URL, databaseSchema: schema, now: () => NOW });
    expect(store.backend).toBe('postgres');
    expect(await store.ping()).toBe(true);
    await store.close();
    expect(await store.ping()).toBe(false);
    const secretUrl = 'postgres://newsdesk:hunter2-secret@127.0.0.1:1/nowhere';
    const err = await openStore({ databasePath: 'unused.db', databaseUrl: secretUrl, now: () => NOW }).then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(`${err?.message} ${err?.stack}`).not.toContain('hunter2');
    expect(err?.message).toMatch(/^PostgreSQL: /);
  });

  it('stores the clock’s times, not the server’s', async () => {
    const schema = fresh();
    const past = new Date('2001-02-03T04:05:06.000Z');
    const store = await openPostgresStore(PG_URL, { now: () => past, schema });
    try {
      const { article } = await store.articles.upsert({ id: 'c', title: 'Clocked' });
      expect(article).toMatchObject({ publishedAt: past.toISOString(), ingestedAt: past.toISOString() });
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      const row = (await client.query(`SELECT ingested_at, version_stored_at FROM ${schema}.articles`)).rows[0];
      await client.end();
      expect(row).toEqual({ ingested_at: past.toISOString(), version_stored_at: past.toISOString() });
    } finally {
      await store.close();
    }
  });
});
