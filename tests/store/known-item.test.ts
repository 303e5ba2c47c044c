import { afterAll, beforeAll, expect, it } from 'vitest';
import { knownItemQueries, SYNTHETIC_NOW, syntheticArticle, syntheticQueries } from '../../bench/synthetic.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';
import type { Store } from '../../src/store/types.js';
import { eachBackend } from './contract/backends.js';

/**
 * Search at a scale where word statistics matter: 10,000 synthetic articles (bench/synthetic.ts; a Zipf-like
 * vocabulary, so a handful of words are in nearly every story). The expected answers come from the generator
 * (which article a headline's words were taken from), never from the store. Both backends, the same bars.
 */
const ARTICLES = 10_000;
const corpus = Array.from({ length: ARTICLES }, (_, i) => syntheticArticle(i));
const words = (text: string) => new Set(text.toLowerCase().split(/[^\p{L}\p{N}]+/u));

eachBackend(import.meta.filename, 'search over 10,000 synthetic articles', (backend) => {
  let store: Store;
  beforeAll(async () => {
    store = await backend.open({ now: () => new Date(SYNTHETIC_NOW) });
    await store.articles.upsertMany(corpus.slice(0, ARTICLES / 2));
    await store.articles.upsertMany(corpus.slice(ARTICLES / 2));
    await store.articles.optimize?.();
  }, 240_000);
  afterAll(() => backend.cleanup());

  it('finds the article in the top 5 for ≥ 95% of 1,000 known-item queries (2–4 distinctive headline words)', async () => {
    const queries = knownItemQueries(ARTICLES, 1_000);
    let hits = 0;
    for (const k of queries) {
      const page = await store.articles.search({ text: k.text, limit: 5, offset: 0 });
      if (page.items.some((a) => a.id === k.id)) hits++;
    }
    expect(hits / queries.length).toBeGreaterThanOrEqual(0.95);
  });

  it('a word in nearly every story ranks headline matches, newest first', async () => {
    // "government" is the generator's most frequent word: in every one of these articles.
    expect(corpus.every((a) => words(`${a.title} ${a.dek} ${a.body}`).has('government'))).toBe(true);
    const page = await store.articles.search({ text: 'government', limit: 5, offset: 0 });
    const expected = corpus
      .filter((a) => words(a.title).has('government'))
      .sort((a, b) => b.publishedMs - a.publishedMs)
      .slice(0, 5)
      .map((a) => a.id);
    expect(page.items.map((a) => a.id)).toEqual(expected);
  });

  it('a very common word still narrows: every result of "government <word>" has both words', async () => {
    const rare = [...words(corpus[42].title)].sort().find((w) => w.length > 6 && corpus.filter((a) => words(a.title).has(w)).length < 30)!;
    const page = await store.articles.search({ text: `government ${rare}`, limit: 10, offset: 0 });
    expect(page.matched).toBe('all');
    expect(page.items.length).toBeGreaterThan(0);
    for (const a of page.items) {
      const text = words(`${a.title} ${a.dek} ${a.body}`);
      expect(text.has('government') && text.has(rare)).toBe(true);
    }
  });

  // PostgreSQL ranks newest windows first and older stories only as far as they could still make the page: the
  // page must be the one ranking every match gives. That ranking is written out here, over every match, in one query.
  it.runIf(backend.name === 'postgres')('PostgreSQL: newest-first windows give the page of ranking every match (300 queries)', async () => {
    const db = (store as PostgresStore).db;
    const docWords = corpus.map((a) => words(`${a.title} ${a.dek} ${a.body}`));
    const share = (w: string) => docWords.filter((d) => d.has(w)).length / corpus.length;
    const shares = new Map<string, number>();
    let compared = 0;
    for (const q of syntheticQueries(300, 7)) {
      const ws = q.text.split(' ');
      // Words in most stories are left out of the score by design (both backends): compared are queries without them.
      if (ws.some((w) => (shares.get(w) ?? shares.set(w, share(w)).get(w)!) > 0.4)) continue;
      const since = q.sinceDays ? new Date(SYNTHETIC_NOW - q.sinceDays * 86_400_000) : undefined;
      const all = ws.map((_, i) => `plainto_tsquery('newsdesk_english', $${i + 1})`);
      const params: unknown[] = [...ws, SYNTHETIC_NOW, q.section ?? null, since ? since.getTime() * 1024 : 0];
      const n = ws.length;
      const expected = (await db.rows<{ id: string }>(
        `SELECT id FROM articles WHERE tsv @@ (${all.join(' && ')}) AND ($${n + 2}::text IS NULL OR lower(section) = $${n + 2}) AND pub_key >= $${n + 3}
         ORDER BY ts_rank('{0.0, 0.1, 0.4, 1.0}', tsv, ${all.join(' || ')}) * (1 + exp(-ln(2) * greatest(0, $${n + 1}::float8 - pub_key / 1024.0) / (7 * 86400000.0))) DESC, pub_key DESC
         LIMIT 5`, params)).map((r) => r.id);
      if (expected.length === 0) continue;
      const page = await store.articles.search({ text: q.text, section: q.section, since, limit: 5, offset: 0 });
      expect(page.items.map((a) => a.id), q.text).toEqual(expected);
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  }, 120_000);
});
