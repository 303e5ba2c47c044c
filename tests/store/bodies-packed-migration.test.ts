import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations, openSqliteStore } from '../../src/store/sqlite/index.js';
import { unpackBody } from '../../src/store/sqlite/body-codec.js';
import { NOW } from './helpers.js';

/** Migration 170 (issue 31) on a store written before it: every body packed, every reader sees the same text. */
const before = migrations.slice(0, migrations.findIndex((m) => m.id === '170-article-bodies-packed'));
const long = (n: number) => Array.from({ length: 12 }, (_, p) => `Paragraph ${p} of story ${n}: the harbour crane stopped, dockers said.`).join('\n\n');

describe('migration 170-article-bodies-packed', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('packs stored bodies and superseded versions; get, history, versions and search answer as before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-170-'));
    dirs.push(dir);
    const file = join(dir, 'newsdesk.db');
    const old = openSqliteStore(file, { now: () => NOW, migrations: before });
    await old.articles.upsert({ id: 'a', title: 'Crane stops', body: long(1), publishedAt: '2026-11-25T09:00:00Z' });
    await old.articles.upsert({ id: 'a', title: 'Crane stops again', body: long(2), publishedAt: '2026-11-25T09:00:00Z' });
    await old.articles.upsert({ id: 'short', title: 'Short one', body: 'Two words.', publishedAt: '2026-11-25T09:00:00Z' });
    const wanted = { a: await old.articles.get('a'), short: await old.articles.get('short'), v1: await old.articles.storedVersion('a', 1), history: await old.articles.history('a') };
    // As a release before packing stored them: text.
    old.db.function('as_text', (b: unknown) => unpackBody(b as string | Buffer));
    old.db.exec('UPDATE articles SET body = as_text(body); UPDATE article_versions SET body = as_text(body)');
    expect(old.db.prepare("SELECT count(*) AS n FROM articles WHERE typeof(body) = 'blob'").get()).toEqual({ n: 0 });
    await old.close();

    const store = openSqliteStore(file, { now: () => NOW });
    try {
      const types = store.db.prepare("SELECT id, typeof(body) AS t FROM articles UNION ALL SELECT article_id, typeof(body) FROM article_versions ORDER BY 1, 2").all();
      expect(types).toEqual([{ id: 'a', t: 'blob' }, { id: 'a', t: 'blob' }, { id: 'short', t: 'text' }]);
      expect({ ...(await store.articles.get('a')) }).toEqual({ ...wanted.a });
      expect(await store.articles.get('short')).toEqual(wanted.short);
      expect(await store.articles.storedVersion('a', 1)).toEqual(wanted.v1);
      expect(await store.articles.history('a')).toEqual(wanted.history);
      expect((await store.articles.search({ text: 'dockers crane', limit: 5, offset: 0 })).items.map((x) => [x.id, x.body])).toEqual([['a', long(2)]]);
      // A packed body read and changed is an ordinary property.
      const a = (await store.articles.get('a'))!;
      a.body = 'replaced';
      expect(a.body).toBe('replaced');
    } finally {
      await store.close();
    }
  });
});
