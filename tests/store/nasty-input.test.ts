import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysAgo, NOW, tempStore } from './helpers.js';

/** mulberry32: a failure reproduces from its seed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '"', '""', '"""', "'", '*', '**', 'NEAR(', 'NEAR(a b, 2)', ')', '(', '-', '--', '^', ':', '::', 'title:', '{title}:',
  'AND', 'OR', 'NOT', 'and', '+', '\\', '%', '_', ';', "'; DROP TABLE articles; --", 'SELECT * FROM articles', '\u0000',
  '\u200b', '\u202e', 'é', 'Ünïcödé', '中文', 'العربية', '😀', '👩‍👩‍👧', '🇮🇳', '\ud800', '\udfff', '“', '”', '«', '»',
  'modi', 'prime', 'minister', 'U.S.', '3.14', '22:00', 'https://x.example/a?b=c#d', 'a"b', 'x*y', '-modi', '^modi',
  'modi*', '"modi', 'modi"', '\t', '\n', ' ', 'ё', 'ß', 'İ', 'ﬁ', '0', '00000000000000000000000000000000000000',
];

function nasty(next: () => number): string {
  const n = 1 + Math.floor(next() * 6);
  let s = '';
  for (let i = 0; i < n; i++) {
    const roll = next();
    if (roll < 0.75) s += PIECES[Math.floor(next() * PIECES.length)];
    else s += String.fromCharCode(Math.floor(next() * 0x2fff));
    if (next() < 0.5) s += ' ';
  }
  return s;
}

let store: ReturnType<typeof tempStore>;
beforeAll(async () => {
  store = tempStore({ now: () => NOW });
  await store.articles.upsertMany([
    { id: 'n1', title: 'Modi meets the prime minister of Japan', body: 'U.S. officials, at 22:00, said 3.14 times.', section: 'world', publishedAt: daysAgo(1) },
    { id: 'n2', title: 'Ünïcödé headline 中文 😀', body: '"Quoted" text with NEAR and AND OR NOT words.', section: 'culture', publishedAt: daysAgo(2) },
    { id: 'n3', title: 'A cover for the memoir', body: 'Reviewers praised the title: Modi and the makers of modern India.', section: 'books', publishedAt: daysAgo(3) },
  ]);
});
afterAll(() => store.cleanup());

describe('user text can never raise an SQLite error', () => {
  it('survives thousands of nasty strings in search, with filters, and in suggest', async () => {
    const next = rng(20261125);
    for (let i = 0; i < 3000; i++) {
      const text = nasty(next);
      const page = await store.articles.search({
        text,
        limit: 1 + (i % 10),
        offset: i % 3,
        section: i % 4 === 0 ? nasty(next) : undefined,
        source: i % 5 === 0 ? nasty(next) : undefined,
        since: i % 6 === 0 ? new Date(NOW.getTime() - (i % 40) * 86_400_000) : undefined,
      });
      expect(Array.isArray(page.items)).toBe(true);
      await store.articles.suggest(text, 25);
      await store.articles.latest({ section: text, source: text, limit: 5, offset: 0 });
    }
  });

  it('treats operators as plain words', async () => {
    expect((await store.articles.search({ text: 'NEAR AND', limit: 5, offset: 0 })).items.map((a) => a.id)).toEqual(['n2']);
    expect((await store.articles.search({ text: '"modi" -japan', limit: 5, offset: 0 })).items.map((a) => a.id)).toEqual(['n1']);
    // Not a column filter (that would find n1's headline): the words "title" and "modi", side by side, in n3's body.
    expect((await store.articles.search({ text: 'title:modi', limit: 5, offset: 0 })).items.map((a) => a.id)).toEqual(['n3']);
  });
});
