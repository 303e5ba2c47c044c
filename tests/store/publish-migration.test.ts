import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPostgresStore, pgMigrations } from '../../src/store/postgres/index.js';
import { migrations, openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { dropSchema, PG_URL, postgresAvailable, schemaFor } from './contract/backends.js';
import { NOW } from './helpers.js';

const ID = '900-subscription-publish';
const before = <M extends { id: string }>(list: readonly M[]) => list.slice(0, list.findIndex((m) => m.id === ID));

/** Migration 900 on a store that already has subscriptions: every one kept as it was, publish off; new ones may publish. */
async function provesMigration(open: (full: boolean) => Promise<Store>): Promise<void> {
  const old = await open(false);
  const kept = await old.subscriptions.create({ platform: 'discord', workspace: 'G1', channel: 'discord:G1/500', minPriority: 'urgent', threads: true, sections: ['world'] }, { id: 'U1', name: 'Ada' }, NOW);
  await old.close();

  const store = await open(true);
  try {
    expect(await store.subscriptions.get(kept.id)).toEqual({ ...kept, publish: false });
    const wire = await store.subscriptions.create({ platform: 'discord', workspace: 'G1', channel: 'discord:G1/501', minPriority: 'breaking', publish: true }, { id: 'U1', name: 'Ada' }, NOW);
    expect((await store.subscriptions.get(wire.id))?.publish).toBe(true);
  } finally {
    await store.close();
  }
}

describe(`migration ${ID} on a store with subscriptions`, () => {
  it('comes after every migration before it on both backends (appended, never inserted)', () => {
    const after601 = (list: ReadonlyArray<{ id: string }>) => list.findIndex((m) => m.id === ID) > list.findIndex((m) => m.id === '601-outbox-notices');
    expect([after601(migrations), after601(pgMigrations)]).toEqual([true, true]);
  });

  it('SQLite', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'newsdesk-900-')), 'newsdesk.db');
    await provesMigration(async (full) => openSqliteStore(file, { now: () => NOW, migrations: full ? migrations : before(migrations) }));
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
