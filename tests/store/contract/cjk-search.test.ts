import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ArticleInput } from '../../../src/domain/article.js';
import { cjkBigrams } from '../../../src/store/cjk.js';
import { openPostgresStore, pgMigrations, type PostgresStore } from '../../../src/store/postgres/index.js';
import { tagsFor } from '../../../src/store/sqlite/fts-query.js';
import { migrations, openSqliteStore } from '../../../src/store/sqlite/index.js';
import type { Store } from '../../../src/store/types.js';
import { daysAgo, NOW } from '../helpers.js';
import { dropSchema, eachBackend, PG_URL, postgresAvailable, schemaFor } from './backends.js';

/**
 * Chinese, Japanese and Korean headlines and bodies are searchable on both backends: runs of such text are indexed
 * as character bigrams, and a query's run becomes the same bigrams, searched as a phrase (src/store/cjk.ts).
 */
const ids = (page: { items: Array<{ id: string }> }) => page.items.map((a) => a.id);

const fixtures: ArticleInput[] = [
  { id: 'zh-deal', title: '世纪华通宣布收购计划', body: '公司董事会周二批准了这项交易，股价随即上涨。', section: 'business', source: 'Xinhua Wire', publishedAt: daysAgo(1) },
  { id: 'zh-rain', title: '华南地区迎来强降雨', body: '气象部门发布暴雨预警，多地学校停课。', section: 'world', source: 'Xinhua Wire', publishedAt: daysAgo(2) },
  { id: 'ja-law', title: '東京都で新しい条例が成立', body: '都議会は本会議で、カスハラ防止条例を賛成多数で可決した。', section: 'world', source: 'Tokyo Desk', publishedAt: daysAgo(1) },
  { id: 'ko-fare', title: '서울시, 대중교통 요금 인상 발표', body: '서울에서는 다음 달부터 버스 요금이 오른다.', section: 'world', source: 'Seoul Desk', publishedAt: daysAgo(1) },
  { id: 'en-mixed', title: 'Shares of 世纪华通 rise in Shenzhen', body: 'The games publisher gained after the deal.', section: 'business', source: 'Metro Desk', publishedAt: daysAgo(3) },
  { id: 'en-plain', title: 'Harbour crane report', body: 'Cranes and ships.', section: 'business', source: 'Metro Desk', publishedAt: daysAgo(1) },
];

/** Written out by hand: what the index holds for each text (both backends must give exactly this). */
const SPLITS: Array<[string, string]> = [
  ['世纪华通宣布', ' 世纪 纪华 华通 通宣 宣布 '],
  ['Shares of 世纪华通 rise', 'Shares of  世纪 纪华 华通  rise'],
  ['iPhone手机', 'iPhone 手机 '],
  ['A股，大涨', 'A 股 ， 大涨 '],
  ['東京都の天気', ' 東京 京都 都の の天 天気 '],
  ['カスハラ・防止', ' カス スハ ハラ ・ 防止 '],
  ['서울시, 대중교통', ' 서울 울시 ,  대중 중교 교통 '],
  ['𠮷野家', ' 𠮷野 野家 '],
  ['no such text', 'no such text'],
];

describe('cjkBigrams', () => {
  it('splits each run into overlapping bigrams (a lone character alone) and leaves other text as it was', () => {
    for (const [text, split] of SPLITS) expect(cjkBigrams(text), text).toBe(split);
  });
});

eachBackend(import.meta.filename, 'search in Chinese, Japanese and Korean', (backend) => {
  let store: Store;
  const q = (text: string, extra: Record<string, unknown> = {}) => store.articles.search({ text, limit: 10, offset: 0, ...extra });
  beforeAll(async () => {
    store = await backend.open({ now: () => NOW });
    await store.articles.upsertMany(fixtures);
  });
  afterAll(() => backend.cleanup());

  it.runIf(backend.name === 'postgres')('PostgreSQL splits exactly as cjkBigrams does (newsdesk_cjk)', async () => {
    const db = (store as PostgresStore).db;
    for (const [text, split] of SPLITS) expect((await db.one<{ s: string }>('SELECT newsdesk_cjk($1) AS s', [text]))!.s, text).toBe(split);
  });

  it('finds a Chinese word inside a headline, and a word of the body', async () => {
    expect(ids(await q('世纪华通'))).toEqual(['zh-deal', 'en-mixed']);
    expect(ids(await q('收购'))).toEqual(['zh-deal']);
    expect(ids(await q('董事会'))).toEqual(['zh-deal']);
    expect(ids(await q('暴雨预警'))).toEqual(['zh-rain']);
  });

  it('finds Japanese and Korean words, Korean with a particle attached in the text', async () => {
    expect(ids(await q('条例'))).toEqual(['ja-law']);
    expect(ids(await q('カスハラ'))).toEqual(['ja-law']);
    expect(ids(await q('東京'))).toEqual(['ja-law']);
    expect(ids(await q('요금'))).toEqual(['ko-fare']);
    expect(ids(await q('서울'))).toEqual(['ko-fare']);
  });

  it('searches the characters as a phrase: the same characters in another order, or apart, do not match', async () => {
    expect(ids(await q('华通世纪'))).toEqual([]);
    expect(ids(await q('世纪收购'))).toEqual([]);
  });

  it('mixes with other words and filters: every word must match, filters apply, no match of all falls back to any', async () => {
    expect(ids(await q('世纪华通 shenzhen'))).toEqual(['en-mixed']);
    expect(ids(await q('世纪华通', { section: 'business', source: 'xinhua wire' }))).toEqual(['zh-deal']);
    expect(ids(await q('世纪华通', { since: new Date(NOW.getTime() - 2 * 86_400_000) }))).toEqual(['zh-deal']);
    const relaxed = await q('条例 zzzunknownword');
    expect(relaxed.matched).toBe('any');
    expect(ids(relaxed)).toEqual(['ja-law']);
  });

  it('English search is unchanged', async () => {
    expect(ids(await q('harbour crane'))).toEqual(['en-plain']);
    expect(ids(await q('shares'))).toEqual(['en-mixed']);
  });
});

/** An existing store indexed before migration 510 (whole runs as tokens) is indexed again by it. */
describe('migration 510-search-cjk-bigrams re-indexes stored stories', () => {
  const article: ArticleInput = { id: 'zh-old', title: '世纪华通宣布收购计划', body: '董事会批准了交易。', section: 'business', publishedAt: daysAgo(1) };
  const before510 = <T extends { id: string }>(list: readonly T[]) => list.filter((m) => m.id !== '510-search-cjk-bigrams');
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-cjk-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'newsdesk.db');
    const old = openSqliteStore(path, { now: () => NOW, migrations: before510(migrations) });
    await old.articles.upsert(article);
    // As the code before 510 indexed it: the text as written.
    const key = (old.db.prepare('SELECT pub_key FROM articles WHERE id = ?').get('zh-old') as { pub_key: number }).pub_key;
    const tags = (old.db.prepare('SELECT section, source FROM articles WHERE id = ?').get('zh-old') as { section: string; source: string });
    old.db.prepare('DELETE FROM articles_fts WHERE rowid = ?').run(key);
    old.db.prepare('INSERT INTO articles_fts (rowid, title, dek, body, tags) SELECT ?, title, dek, body, ? FROM articles WHERE id = ?')
      .run(key, tagsFor(tags), 'zh-old');
    expect(ids(await old.articles.search({ text: '世纪华通', limit: 5, offset: 0 }))).toEqual([]);
    await old.close();

    const migrated = openSqliteStore(path, { now: () => NOW });
    cleanups.push(() => migrated.close());
    expect(ids(await migrated.articles.search({ text: '世纪华通', limit: 5, offset: 0 }))).toEqual(['zh-old']);
    expect(ids(await migrated.articles.search({ text: '董事会', section: 'business', limit: 5, offset: 0 }))).toEqual(['zh-old']);
  });

  it.skipIf(!postgresAvailable)('PostgreSQL', async () => {
    const schema = schemaFor(import.meta.filename);
    cleanups.push(() => dropSchema(schema));
    const old = await openPostgresStore(PG_URL, { now: () => NOW, schema, poolSize: 2, migrations: before510(pgMigrations) });
    await old.articles.upsert(article);
    const stored = await old.db.one<{ hit: boolean }>(`SELECT tsv @@ plainto_tsquery('newsdesk_english', '世纪华通') AS hit FROM articles WHERE id = 'zh-old'`);
    expect(stored!.hit).toBe(false);
    await old.close();

    const migrated = await openPostgresStore(PG_URL, { now: () => NOW, schema, poolSize: 2 });
    cleanups.unshift(() => migrated.close());
    expect(ids(await migrated.articles.search({ text: '世纪华通', limit: 5, offset: 0 }))).toEqual(['zh-old']);
    expect(ids(await migrated.articles.search({ text: '董事会', section: 'business', limit: 5, offset: 0 }))).toEqual(['zh-old']);
  });
});
