import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { copySqliteToPostgres, type TableReport } from '../../src/store/copy.js';
import { openPostgresStore, pgMigrations } from '../../src/store/postgres/index.js';
import { migrations as sqliteMigrations, openSqliteStore } from '../../src/store/sqlite/index.js';
import { freshFeedState } from '../../src/store/types.js';
import { SealedSlackInstallations } from '../../src/store/slack-installations.js';
import { TEST_CLOCK, TEST_NOW } from '../helpers/clock.js';
import { dropSchema, PG_URL, postgresAvailable, schemaFor } from './contract/backends.js';
import { tempStore } from './helpers.js';

const T = TEST_NOW.getTime();
const INSTALL_KEY = '3c'.repeat(32);
const INSTALLATION = {
  teamId: 'T1', enterpriseId: null, isEnterpriseInstall: false, teamName: 'Newsroom', appId: 'A1', botToken: 'xoxb-copied-token', botUserId: 'U0BOT',
  botId: 'B0BOT', scopes: ['commands', 'chat:write'], refreshToken: 'xoxe-1-copied', tokenExpiresAt: T + 3_600_000, installerUserId: 'U1', installedAt: T,
};
const ROOT = join(import.meta.dirname, '..', '..');

/** A SQLite store with a little of everything, written through the real stores. Answers its file and the ids it made. */
async function sqliteStoreWithEverything() {
  const store = tempStore({ now: TEST_CLOCK });
  const at = (minutes: number) => new Date(T - minutes * 60_000).toISOString();
  await store.articles.upsert({ id: 'flood', title: 'River flood forces evacuations', dek: 'Thousands leave', body: 'The river rose overnight.', section: 'world', source: 'Wire', publishedAt: at(30), priority: 'urgent' });
  await store.articles.upsert({ id: 'flood', title: 'River flood forces 4,000 from homes', dek: 'Thousands leave', body: 'The river rose overnight.', section: 'world', source: 'Wire', publishedAt: at(30), priority: 'urgent' });
  await store.articles.upsert({ id: 'flood', title: 'River flood: 4,000 evacuated, levee holds', dek: 'Thousands leave', body: 'The river rose overnight.', section: 'world', source: 'Wire', publishedAt: at(30), priority: 'breaking' });
  await store.articles.upsert({ id: 'budget', title: 'Council passes the budget', body: 'A vote of seven to two.', section: 'politics', source: 'Desk', publishedAt: at(90) });
  await store.articles.upsert({ id: 'feedy:1', title: 'Harbour reopens after storm', body: 'Ships return.', section: 'business', source: 'Port News', publishedAt: at(200), origin: 'feed:feedy' });

  const by = { id: 'U1', name: 'Ada' };
  const sub = await store.subscriptions.create({ platform: 'discord', workspace: 'G1', channel: 'discord:G1/C1', minPriority: 'urgent', sections: ['world'], keywords: ['flood'] }, by, TEST_NOW);
  const gone = await store.subscriptions.create({ platform: 'slack', workspace: 'T1', channel: 'slack:T1/C2', minPriority: 'breaking' }, by, TEST_NOW);
  await store.subscriptions.remove(gone.id, new Date(T + 1000));

  await store.stories.addStory({ articleId: 'flood', storyId: 'flood', canonicalUrl: null, titleKey: 'river flood', duplicateReason: null, quiet: false, seenAt: T, origin: 'push' });
  await store.stories.addStory({ articleId: 'budget', storyId: 'budget', canonicalUrl: null, titleKey: 'council budget', duplicateReason: null, quiet: true, seenAt: T + 5, origin: 'push' });
  await store.stories.setShown('flood', 'flood');

  const delivery = { storyId: 'flood', articleId: 'flood', subscriptionId: sub.id, kind: 'alert' as const, platform: 'discord' as const, channel: 'discord:G1/C1', priorityRank: 0, state: 'pending' as const, targetVersion: 3, dueAt: T };
  await store.outbox.insert({ ...delivery, id: 'dlv-sent' }, T);
  await store.outbox.insert({ ...delivery, id: 'dlv-pending', storyId: 'budget', articleId: 'budget', priorityRank: 2 }, T);
  await store.outbox.claimPost('dlv-sent', T + 1);
  await store.outbox.markSent('dlv-sent', 'discord:G1/C1#m1', 3, T + 2);

  const actor = { ...by, platform: 'discord' as const, workspace: 'G1' };
  await store.audit.append(TEST_NOW, actor, { platform: 'discord', workspace: 'G1' }, 'subscribe', sub.id, { channel: 'C1' });
  await store.audit.append(new Date(T + 1000), actor, { platform: 'discord', workspace: 'G1' }, 'remove', gone.id);

  await store.feedState.save({ ...freshFeedState('feedy', 'https://feedy.example/rss'), etag: '"e1"', firstPollDone: true, lastSuccessAt: T, nextPollAt: T + 60_000 });
  await store.feedState.markSeen('feedy', ['feedy:1', 'feedy:2'], T);
  const actionKey = await store.actionState.put({ query: 'flood', page: 2 });
  await store.pacingState.saveCeiling({ platform: 'slack', workspace: 'T1', perMinute: 37.5, learnedAt: new Date(T) });
  await new SealedSlackInstallations(store.slackInstallations, INSTALL_KEY).store(INSTALLATION, T);
  await store.oauthStates.put('state-hash', '{}', T + 600_000);

  const file = store.db.name;
  await store.close();
  return { file, store, subId: sub.id, goneId: gone.id, actionKey };
}

const counts = (reports: TableReport[]) => Object.fromEntries(reports.map((r) => [r.table, [r.copied, r.alreadyThere, r.conflicting]]));

describe.skipIf(!postgresAvailable)('store:copy (SQLite into PostgreSQL)', () => {
  const schemas: string[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
    for (const s of schemas) await dropSchema(s);
  });

  it('copies every table into a fresh schema, PostgreSQL indexes the copied text, and a second run changes nothing', async () => {
    const src = await sqliteStoreWithEverything();
    cleanups.push(() => src.store.cleanup());
    const schema = schemaFor(import.meta.filename);
    schemas.push(schema);

    const first = await copySqliteToPostgres({ from: src.file, to: PG_URL, schema, now: TEST_CLOCK });
    expect(first.filter((r) => r.problem)).toEqual([]);
    // [copied, already there, conflicting]: 3 articles (one in its third version), 2 superseded versions, ...
    expect(counts(first)).toMatchObject({
      articles: [3, 0, 0],
      article_versions: [2, 0, 0],
      alert_subscriptions: [2, 0, 0],
      alert_stories: [2, 0, 0],
      story_shown: [1, 0, 0],
      alert_outbox: [2, 0, 0],
      alert_audit: [2, 0, 0],
      feed_state: [1, 0, 0],
      feed_items: [2, 0, 0],
      action_state: [1, 0, 0],
      pacing_ceilings: [1, 0, 0],
      slack_installations: [1, 0, 0],
    });
    // Every SQLite table but its FTS indexes and the migration ledger. (Referenced tables go before their referrers:
    // since the outbox carries operations notices, migration 601, no table references another.)
    const tables = first.map((r) => r.table);
    expect([...tables].sort()).toEqual(['action_state', 'alert_audit', 'alert_outbox', 'alert_scope_stops', 'alert_stories', 'alert_subscriptions', 'article_versions', 'articles',
      'feed_items', 'feed_state', 'ops_channels', 'ops_problems', 'pacing_ceilings', 'search_stats_meta', 'search_term_stats', 'slack_installations', 'story_approvals', 'story_labels', 'story_recalls', 'story_shown']);

    const pg = await openPostgresStore(PG_URL, { now: TEST_CLOCK, schema, poolSize: 2 });
    try {
      expect(await pg.articles.count()).toBe(3);
      expect(await pg.articles.get('flood')).toMatchObject({ title: 'River flood: 4,000 evacuated, levee holds', version: 3, priority: 'breaking', section: 'world', origin: 'push' });
      expect((await pg.articles.history('flood')).map((v) => v.title)).toEqual([
        'River flood forces evacuations', 'River flood forces 4,000 from homes', 'River flood: 4,000 evacuated, levee holds']);
      expect((await pg.articles.get('feedy:1'))?.origin).toBe('feed:feedy');
      // The tsvector is PostgreSQL's own, made from the copied text: search and autocomplete find copied articles.
      expect((await pg.articles.search({ text: 'levee', limit: 5, offset: 0 })).items.map((a) => a.id)).toEqual(['flood']);
      expect((await pg.articles.search({ text: 'harbour storm', limit: 5, offset: 0 })).items.map((a) => a.id)).toEqual(['feedy:1']);
      expect((await pg.articles.suggest('counc', 5)).map((s) => s.id)).toEqual(['budget']);
      expect((await pg.articles.latest({ limit: 5, offset: 0 })).items.map((a) => a.id)).toEqual(['flood', 'budget', 'feedy:1']);

      expect(await pg.subscriptions.get(src.subId)).toMatchObject({ channel: 'discord:G1/C1', minPriority: 'urgent', sections: ['world'], keywords: ['flood'], createdBy: 'U1' });
      expect((await pg.subscriptions.active()).map((s) => s.id)).toEqual([src.subId]);
      expect(await pg.outbox.get('dlv-sent')).toMatchObject({ state: 'sent', messageRef: 'discord:G1/C1#m1', sentAt: T + 2, deliveredVersion: 3 });
      expect(await pg.outbox.get('dlv-pending')).toMatchObject({ state: 'pending', dueAt: T, priorityRank: 2 });
      expect(await pg.stories.story('budget')).toMatchObject({ storyId: 'budget', quiet: true, seenAt: T + 5 });
      expect(await pg.stories.shown('flood')).toBe('flood');
      expect((await pg.stories.storiesSeenSince(T - 1)).map((s) => s.articleId)).toEqual(['flood', 'budget']);
      expect((await pg.audit.recent({ platform: 'discord', workspace: 'G1' }, 5)).map((e) => e.action)).toEqual(['remove', 'subscribe']);
      expect(await pg.feedState.get('feedy')).toMatchObject({ url: 'https://feedy.example/rss', etag: '"e1"', firstPollDone: true, nextPollAt: T + 60_000 });
      expect(await pg.feedState.firstSeen('feedy', 'feedy:2')).toBe(T);
      expect(await pg.actionState.get(src.actionKey)).toEqual({ query: 'flood', page: 2 });
      expect(await pg.pacingState.loadCeilings()).toEqual([{ platform: 'slack', workspace: 'T1', perMinute: 37.5, learnedAt: new Date(T) }]);
      // Installations travel sealed, and open with the same key on the other side; OAuth states (10 minutes) stay behind.
      expect(await new SealedSlackInstallations(pg.slackInstallations, INSTALL_KEY).fetch({ teamId: 'T1' })).toEqual(INSTALLATION);
      expect(await pg.oauthStates.take('state-hash', T)).toBeNull();

      // Serial numbers continue after the copied ones: the next audit entry is a new row, the newest.
      await pg.audit.append(new Date(T + 2000), { id: 'U2', name: 'Bo', platform: 'discord', workspace: 'G1' }, { platform: 'discord', workspace: 'G1' }, 'pause', src.subId);
      expect((await pg.audit.recent({ platform: 'discord', workspace: 'G1' }, 5)).map((e) => e.action)).toEqual(['pause', 'remove', 'subscribe']);
      await pg.articles.upsert({ id: 'new-on-pg', title: 'Written after the copy', publishedAt: new Date(T - 60_000).toISOString() });
      expect(await pg.articles.count()).toBe(4);
    } finally {
      await pg.close();
    }

    // Again: nothing new, and what PostgreSQL wrote since stays.
    const second = await copySqliteToPostgres({ from: src.file, to: PG_URL, schema, now: TEST_CLOCK });
    expect(second.filter((r) => r.problem)).toEqual([]);
    expect(second.map((r) => r.copied)).toEqual(second.map(() => 0));
    expect(counts(second)).toMatchObject({ articles: [0, 3, 0], article_versions: [0, 2, 0], alert_outbox: [0, 2, 0], alert_audit: [0, 2, 0], feed_items: [0, 2, 0] });
    const again = await openPostgresStore(PG_URL, { now: TEST_CLOCK, schema, poolSize: 1 });
    try {
      expect(await again.articles.count()).toBe(4);
      expect((await again.audit.recent({ platform: 'discord', workspace: 'G1' }, 5))).toHaveLength(3);
    } finally {
      await again.close();
    }
  });

  it('into a schema that already has rows: those are kept as they are, the others join them in SQLite\'s order', async () => {
    const src = await sqliteStoreWithEverything();
    cleanups.push(() => src.store.cleanup());
    const schema = schemaFor(import.meta.filename);
    schemas.push(schema);
    const pg = await openPostgresStore(PG_URL, { now: TEST_CLOCK, schema, poolSize: 2 });
    try {
      // What an instance started on PostgreSQL before the copy may have written: one of the same articles, one of its own.
      await pg.articles.upsert({ id: 'budget', title: 'Council passes the budget', body: 'A vote of seven to two.', section: 'politics', source: 'Desk', publishedAt: new Date(T - 90 * 60_000).toISOString() });
      await pg.articles.upsert({ id: 'pg-only', title: 'Only on PostgreSQL', publishedAt: new Date(T - 10 * 60_000).toISOString() });
      const reports = await copySqliteToPostgres({ from: src.file, to: PG_URL, schema, now: TEST_CLOCK });
      expect(reports.filter((r) => r.problem)).toEqual([]);
      expect(counts(reports).articles).toEqual([2, 1, 0]);
      expect((await pg.articles.latest({ limit: 10, offset: 0 })).items.map((a) => a.id)).toEqual(['pg-only', 'flood', 'budget', 'feedy:1']);
      const seqs = await pg.db.rows<{ id: string; seq: number }>('SELECT id, seq FROM articles ORDER BY seq');
      expect(seqs.map((r) => r.id)).toEqual(['budget', 'pg-only', 'flood', 'feedy:1']);
    } finally {
      await pg.close();
    }
  });

  it('copies tables and columns a later migration adds, with no change to the copy (column by column)', async () => {
    const later = { id: '990-test-leases', sqlite: `CREATE TABLE test_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_ms INTEGER NOT NULL) WITHOUT ROWID;
      ALTER TABLE alert_outbox ADD COLUMN lease_holder TEXT;`,
      postgres: `CREATE TABLE test_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_ms BIGINT NOT NULL);
      ALTER TABLE alert_outbox ADD COLUMN lease_holder TEXT; ALTER TABLE alert_outbox ADD COLUMN lease_note TEXT NOT NULL DEFAULT 'none';` };
    const migrations = {
      sqlite: [...sqliteMigrations, { id: later.id, up: (db: import('better-sqlite3').Database) => db.exec(later.sqlite) }],
      postgres: [...pgMigrations, { id: later.id, sql: later.postgres }],
    };
    const src = await sqliteStoreWithEverything();
    cleanups.push(() => src.store.cleanup());
    const sqlite = openSqliteStore(src.file, { now: TEST_CLOCK, migrations: migrations.sqlite });
    sqlite.db.prepare('INSERT INTO test_leases VALUES (?, ?, ?)').run('slack:T1', 'instance-7', 9_007_199_254_740_000n);
    sqlite.db.prepare("UPDATE alert_outbox SET lease_holder = 'instance-7' WHERE id = 'dlv-pending'").run();
    await sqlite.close();
    const schema = schemaFor(import.meta.filename);
    schemas.push(schema);

    const reports = await copySqliteToPostgres({ from: src.file, to: PG_URL, schema, now: TEST_CLOCK, migrations });
    expect(counts(reports)).toMatchObject({ test_leases: [1, 0, 0], alert_outbox: [2, 0, 0] });
    const pg = await openPostgresStore(PG_URL, { now: TEST_CLOCK, schema, migrations: migrations.postgres, poolSize: 1 });
    try {
      expect(await pg.db.rows('SELECT name, holder, expires_ms::text AS expires FROM test_leases')).toEqual([{ name: 'slack:T1', holder: 'instance-7', expires: '9007199254740000' }]);
      expect(await pg.db.rows('SELECT id, lease_holder, lease_note FROM alert_outbox ORDER BY id')).toEqual([
        { id: 'dlv-pending', lease_holder: 'instance-7', lease_note: 'none' },
        { id: 'dlv-sent', lease_holder: null, lease_note: 'none' },
      ]);
    } finally {
      await pg.close();
    }
    // Without the later migration this release does not know the SQLite store: it says so rather than copy part of it.
    const err = await copySqliteToPostgres({ from: src.file, to: PG_URL, schema: schemaFor(import.meta.filename), now: TEST_CLOCK }).then(() => null, (e: Error) => e);
    expect(err?.message).toBe(`the SQLite store at ${src.file} is newer than this Newsdesk (unknown migrations: 990-test-leases); copy with a newer release`);
  });

  it('says in one line that the SQLite file is missing', async () => {
    const err = await copySqliteToPostgres({ from: '/nonexistent/newsdesk.db', to: PG_URL, now: TEST_CLOCK }).then(() => null, (e: Error) => e);
    expect(err?.message).toBe('no SQLite store at /nonexistent/newsdesk.db (--from <file> names another)');
  });

  it('the command says in one line that PostgreSQL cannot be reached, without the connection string', async () => {
    const src = await sqliteStoreWithEverything();
    cleanups.push(() => src.store.cleanup());
    const secretUrl = 'postgres://copier:s3cret-pass@127.0.0.1:1/test';
    const run = await promisify(execFile)('npx', ['tsx', 'src/store/copy-cli.ts', '--to', secretUrl, '--from', src.file], {
      cwd: ROOT, env: { ...process.env, NEWSDESK_ENV_FILE: 'none', DATABASE_URL: '' },
    }).then(() => null, (e: { code: number; stdout: string; stderr: string }) => e);
    expect(run?.code).toBe(1);
    expect(run?.stdout).toBe('');
    expect(run?.stderr).toMatch(/^store:copy: cannot open PostgreSQL: .*ECONNREFUSED.*\n$/);
    expect(run?.stderr).not.toContain('s3cret');
  });
});
