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
const before = <M extends { id: string }>(list: readonly M[]) => list.slice(0, list.findIndex((m) => m.id === '802-outbox-briefing-runs'));

/** Migration 802 on a store that already has deliveries (an alert, a notice): every row kept, briefing runs allowed. */
async function provesMigration(open: (full: boolean) => Promise<Store>): Promise<void> {
  const old = await open(false);
  const sub = await old.subscriptions.create({ platform: 'discord', workspace: 'G1', channel: 'discord:G1/C1', minPriority: 'routine' }, { id: 'U1', name: 'Ada' }, NOW);
  const row: NewDelivery = {
    id: 'd1', storyId: 's1', articleId: 'a1', subscriptionId: sub.id, kind: 'alert', platform: 'discord', channel: 'discord:G1/C1',
    priorityRank: 1, state: 'pending', targetVersion: 2, dueAt: T, payload: '{"x":1}',
  };
  await old.outbox.insert(row, T);
  await old.outbox.insert({ ...row, id: 'n1', storyId: 'ops:x:2026-11-25', subscriptionId: 'ops:discord:G1', kind: 'notice', articleId: null }, T);
  await old.outbox.claimPost('d1', T + 1);
  await old.outbox.markSent('d1', 'discord:G1/C1#m1', 2, T + 2);
  await old.outbox.sourcesJoined('s1', T + 3);
  const kept = await old.outbox.get('d1');
  const briefing = { ...row, id: 'b1', storyId: `briefing:${sub.id}:2026-11-30`, articleId: null, kind: 'briefing' as const, state: 'pending' as const, targetVersion: 1 };
  // Refused before the migration (SQLite's INSERT OR IGNORE drops the row, PostgreSQL raises).
  expect(await old.outbox.insert(briefing, T).catch(() => false)).toBe(false);
  expect(await old.outbox.get('b1')).toBeNull();
  await old.close();

  const store = await open(true);
  try {
    expect(await store.outbox.get('d1')).toEqual(kept);
    expect(await store.outbox.get('n1')).toMatchObject({ kind: 'notice', state: 'pending' });
    expect(await store.outbox.insert(briefing, T)).toBe(true);
    expect(await store.outbox.insert({ ...briefing, id: 'b2' }, T)).toBe(false);
  } finally {
    await store.close();
  }
}

describe('migration 802-outbox-briefing-runs on a store with deliveries', () => {
  it('SQLite', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'newsdesk-802-')), 'newsdesk.db');
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
