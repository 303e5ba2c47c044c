import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArticleInput } from '../../src/domain/article.js';
import { daysAgo, NOW, tempStore } from './helpers.js';

/**
 * newsrank (src/store/sqlite/native/newsrank.c) must be FTS5's bm25 with the idf handed in: given the idf bm25
 * itself would count, it gives bm25's number. And a store without it (no C compiler) ranks the same.
 */
const fixtures: ArticleInput[] = [
  { id: 'a', title: 'Storm closes harbour', dek: 'Ferries stop for a day.', body: 'The storm hit at dawn. Storm surge flooded the quay.', publishedAt: daysAgo(1) },
  { id: 'b', title: 'Harbour reopens after repairs', dek: 'Cranes return.', body: 'A long body about cranes, ships, tides and the harbour master who spoke at length.', publishedAt: daysAgo(3) },
  { id: 'c', title: 'Council budget vote', dek: 'Storm drains get funds.', body: 'Councillors voted 12 to 3.', publishedAt: daysAgo(2) },
  { id: 'd', title: 'Ferries and storms', dek: '', body: 'Storm season starts; ferry timetables change; harbour dues rise.', publishedAt: daysAgo(9) },
];

let native: ReturnType<typeof tempStore>;
let plain: ReturnType<typeof tempStore>;
beforeAll(async () => {
  native = tempStore({ now: () => NOW });
  await native.articles.upsertMany(fixtures);
  process.env.NEWSDESK_NO_NATIVE_RANK = '1';
  try {
    plain = tempStore({ now: () => NOW });
  } finally {
    delete process.env.NEWSDESK_NO_NATIVE_RANK;
  }
  await plain.articles.upsertMany(fixtures);
});
afterAll(async () => {
  await native.cleanup();
  await plain.cleanup();
});

describe('newsrank', () => {
  it('equals bm25 when given the idf bm25 counts', () => {
    for (const words of [['storm'], ['harbour'], ['storm', 'harbour'], ['ferri']]) {
      const match = words.map((w) => `"${w}"`).join(' OR ');
      // idf as FTS5 defines it: ln((N − n + 0.5) / (n + 0.5)) over the 4 rows; n counted here, per word.
      const idf = words.map((w) => {
        const n = (native.db.prepare('SELECT count(*) AS n FROM articles_fts WHERE articles_fts MATCH ?').get(`"${w}"`) as { n: number }).n;
        const v = Math.log((4 - n + 0.5) / (n + 0.5));
        return v > 0 ? v : 1e-6;
      });
      const rows = native.db
        .prepare(
          `SELECT bm25(articles_fts, 10.0, 4.0, 1.0, 0.0) AS expected,
                  newsrank(articles_fts, 10.0, 4.0, 1.0, 0.0, ${idf.map(() => '?').join(', ')}) AS got
           FROM articles_fts WHERE articles_fts MATCH ?`,
        )
        .all(...idf, match) as Array<{ expected: number; got: number }>;
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(r.got).toBeCloseTo(r.expected, 9);
    }
  });

  it('ranks as bm25() does: a store without newsrank gives the same pages', async () => {
    for (const text of ['storm', 'harbour', 'storm harbour', 'ferries', 'storm zzznothing harbour']) {
      const a = await native.articles.search({ text, limit: 10, offset: 0 });
      const b = await plain.articles.search({ text, limit: 10, offset: 0 });
      expect(a.items.map((x) => x.id), text).toEqual(b.items.map((x) => x.id));
      expect(a.items.length, text).toBeGreaterThan(0);
    }
    expect(() => plain.db.prepare("SELECT newsrank(articles_fts) FROM articles_fts WHERE articles_fts MATCH 'storm'").all()).toThrow();
  });
});
