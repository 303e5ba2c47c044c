import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NewDelivery } from '../../src/domain/delivery.js';
import { openPostgresStore, pgMigrations } from '../../src/store/postgres/index.js';
import { migrations, openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { dropSchema, PG_URL, postgresAvailable, schemaFor } from './contract/backends.js';
import { NOW } from './helpers.js';

const T = NOW.getTime();
const before = <M extends { id: string }>(list: readonly M[]) => list.slice(0, list.findIndex((m) => m.id === '601-outbox-notices'));

/** Migration 601 on a store that already has deliveries: every row and column kept, indexes back, notices allowed. */
async function provesMigration(open: (full: boolean) => Promise<Store>): Promise<void> {
  const old = await open(false);
  const sub = await old.subscriptions.create({ platform: 'discord', workspace: 'G1', channel: 'discord:G1/C1', minPriority: 'routine' }, { id: 'U1', name: 'Ada' }, NOW);
  const row: NewDelivery = {
    id: 'd1', storyId: 's1', articleId: 'a1', subscriptionId: sub.id, kind: 'alert', platform: 'discord', channel: 'discord:G1/C1',
    priorityRank: 1, state: 'pending', targetVersion: 2, dueAt: T, payload: '{"x":1}',
  };
  await old.outbox.insert(row, T);
  await old.outbox.retry('d1', T + 5, 'rate_limited', true, T + 1);
  await old.close();

  const store = await open(true);
  try {
    expect(await store.outbox.get('d1')).toMatchObject({ ...row, dueAt: T + 5, lastError: 'rate_limited', inDoubt: true, createdAt: T, updatedAt: T + 1 });
    expect((await store.outbox.due(T + 5, ['discord'], 10)).map((d) => d.id)).toEqual(['d1']);
    expect(await store.outbox.insert({ ...row, id: 'd2' }, T)).toBe(false);
    expect(await store.outbox.insert({ ...row, id: 'n1', storyId: 'ops:x:2026-11-25', subscriptionId: 'ops:discord:G1', kind: 'notice', articleId: null }, T)).toBe(true);
  } finally {
    await store.close();
  }
}

describe('migration 601-outbox-notices on a store with deliveries', () => {
  it('SQLite', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'newsdesk-601-')), 'newsdesk.db');
    await provesMigration(async (full) => openSqliteStore(file, { now: () => NOW, migrations: full ? migrations : before(migrations) }));
    // The rebuilt table has every index and trigger the old one had.
    const extras = (s: { db: { prepare(sql: string): { all(): unknown[] } } }) =>
      (s.db.prepare("SELECT type, name FROM sqlite_schema WHERE tbl_name = 'alert_outbox' AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY name").all() as Array<{ type: string; name: string }>);
    const old = openSqliteStore(':memory:', { now: () => NOW, migrations: before(migrations) });
    const store = openSqliteStore(file, { now: () => NOW });
    try {
      expect(extras(old).length).toBeGreaterThan(2);
      // Every one the old table had (later migrations may add more, e.g. 910's index of waiting alerts).
      expect(extras(store)).toEqual(expect.arrayContaining(extras(old)));
    } finally {
      await store.close();
      await old.close();
    }
  });

  it.skipIf(!postgresAvailable)('PostgreSQL', async () => {
    const schema = schemaFor(import.meta.filename);
    try {
      await provesMigration((full) => openPostgresStore(PG_URL, { now: () => NOW, schema, poolSize: 2, migrations: full ? pgMigrations : before(pgMigrations) }));
    } finally {
      await dropSchema(schema);
    }
  });
});
