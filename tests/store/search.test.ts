import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArticleInput } from '../../src/domain/article.js';
import { daysAgo, NOW, tempStore } from './helpers.js';

let store: ReturnType<typeof tempStore>;
const ids = (page: { items: Array<{ id: string }> }) => page.items.map((a) => a.id);
const q = (text: string, extra: Record<string, unknown> = {}) =>
  store.articles.search({ text, limit: 10, offset: 0, ...extra });

const fixtures: ArticleInput[] = [
  { id: 'title-hit', title: 'Modi to visit Moscow', body: 'A trip is planned.', section: 'world', source: 'Metro Desk', publishedAt: daysAgo(3) },
  { id: 'body-hit', title: 'Trade talks resume', body: 'Officials said Modi would attend the summit later this year.', section: 'world', source: 'Newsdesk Wire', publishedAt: daysAgo(3) },
  { id: 'old-pm', title: 'Prime minister opens bridge', body: 'The prime minister cut the ribbon.', section: 'politics', source: 'Metro Desk', publishedAt: daysAgo(40) },
  { id: 'new-pm', title: 'Prime minister opens bridge', body: 'The prime minister cut the ribbon.', section: 'world', source: 'Metro Desk', publishedAt: daysAgo(1) },
  { id: 'stemmed', title: 'Ministers visiting India', body: 'Visits by ministers.', section: 'world', source: 'Harbor Times', publishedAt: daysAgo(2) },
  { id: 'edge-of-window', title: 'Prime minister at dawn', body: 'Prime minister.', section: 'world', source: 'Metro Desk', publishedAt: new Date(NOW.getTime() - 7 * 86_400_000 - 60_000).toISOString() },
];

beforeAll(async () => {
  store = tempStore({ now: () => NOW });
  await store.articles.upsertMany(fixtures);
  // Filler so paging has something to page through.
  await store.articles.upsertMany(
    Array.from({ length: 23 }, (_, i) => ({ id: `fill-${i}`, title: `Harbour crane report ${i}`, body: 'Cranes and ships.', section: 'business', publishedAt: daysAgo(i % 10) })),
  );
});
afterAll(() => store.cleanup());

describe('search ranking', () => {
  it('ranks a headline match above a body match', async () => {
    expect(ids(await q('modi'))).toEqual(['title-hit', 'body-hit']);
  });

  it('blends recency in: of two equal stories the newer comes first', async () => {
    const page = await q('prime minister bridge');
    expect(ids(page).slice(0, 2)).toEqual(['new-pm', 'old-pm']);
    expect(page.matched).toBe('all');
  });

  it('stems with porter: "visit" finds "visiting"', async () => {
    expect(ids(await q('visit'))).toEqual(expect.arrayContaining(['stemmed', 'title-hit']));
  });

  it('ANDs the words, and falls back to any of them (saying so) when nothing has all', async () => {
    expect(ids(await q('modi moscow'))).toEqual(['title-hit']);
    const relaxed = await q('modi zzzunknownword');
    expect(relaxed.matched).toBe('any');
    expect(ids(relaxed)).toContain('title-hit');
    expect((await q('zzzunknownword')).items).toEqual([]);
  });
});

describe('when no story has every word', () => {
  beforeAll(async () => {
    await store.articles.upsertMany([
      { id: 'aval-sherpa', title: 'Avalanche traps sherpa team', body: 'Rescuers reached the camp.', section: 'world', publishedAt: daysAgo(20) },
      { id: 'sherpa-only', title: 'Sherpa guides honoured', body: 'A ceremony in the valley.', section: 'world', publishedAt: daysAgo(2) },
      ...Array.from({ length: 12 }, (_, i) => ({ id: `bulletin-${i}`, title: `Mountain bulletin ${i}`, body: 'Weather and roads.', section: 'world', publishedAt: daysAgo(0.5) })),
    ]);
  });

  it('ranks stories with more of the words first, never by one common word', async () => {
    const page = await q('avalanche sherpa bulletin');
    expect(page.matched).toBe('any');
    expect(ids(page).slice(0, 2)).toEqual(['aval-sherpa', 'sherpa-only']);
    expect(ids(page)[2]).toMatch(/^bulletin-/);
  });

  it('among stories with as many of the words, the rarer word first, even against newer stories', async () => {
    const page = await q('sherpa bulletin zzzunknownword');
    expect(page.matched).toBe('any');
    expect(ids(page).slice(0, 2)).toEqual(['sherpa-only', 'aval-sherpa']);
    expect(ids(page).slice(2).every((id) => id.startsWith('bulletin-'))).toBe(true);
  });

  it('pages through the partial matches without repeats', async () => {
    const first = await q('sherpa bulletin zzzunknownword', { limit: 5, offset: 0 });
    const second = await q('sherpa bulletin zzzunknownword', { limit: 5, offset: 5 });
    const third = await q('sherpa bulletin zzzunknownword', { limit: 5, offset: 10 });
    const all = [...ids(first), ...ids(second), ...ids(third)];
    expect(all).toHaveLength(14);
    expect(new Set(all).size).toBe(14);
    expect([first.hasMore, second.hasMore, third.hasMore]).toEqual([true, true, false]);
  });
});

describe('search filters, inside the ranked query', () => {
  it('filters by section and source, case-insensitively', async () => {
    expect(ids(await q('prime minister', { section: 'World' }))).toEqual(['new-pm', 'edge-of-window']);
    expect(ids(await q('prime minister', { section: 'politics' }))).toEqual(['old-pm']);
    expect(ids(await q('modi', { source: 'newsdesk wire' }))).toEqual(['body-hit']);
    expect(ids(await q('modi', { source: 'Nobody' }))).toEqual([]);
  });

  it('filters by since to the exact instant, not just the day', async () => {
    const since = new Date(NOW.getTime() - 7 * 86_400_000);
    expect(ids(await q('prime minister', { since }))).toEqual(['new-pm']);
    expect(ids(await q('prime minister', { since: new Date(since.getTime() - 120_000) })).sort()).toEqual(['edge-of-window', 'new-pm']);
    expect(ids(await q('prime minister', { since: new Date('2000-01-01') }))).toHaveLength(3);
    expect(ids(await q('prime minister', { since: new Date('2030-01-01') }))).toEqual([]);
  });

  it('keeps filtered results even when many unfiltered ones rank higher', async () => {
    const many = Array.from({ length: 300 }, (_, i) => ({
      id: `crowd-${i}`, title: 'Glacier glacier glacier melt', section: 'climate', publishedAt: daysAgo(0.1),
    }));
    await store.articles.upsertMany(many);
    await store.articles.upsert({ id: 'lonely', title: 'A note on the glacier', body: 'Long text about other things entirely.', section: 'culture', publishedAt: daysAgo(30) });
    expect(ids(await q('glacier', { section: 'culture' }))).toEqual(['lonely']);
  });
});

describe('pagination', () => {
  it('pages with limit/offset and hasMore, without repeats', async () => {
    const seen: string[] = [];
    let offset = 0;
    for (;;) {
      const page = await q('harbour crane', { limit: 5, offset });
      seen.push(...ids(page));
      if (!page.hasMore) break;
      offset += 5;
    }
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
  });

  it('latest is newest first, filtered and paged', async () => {
    const first = await store.articles.latest({ section: 'business', limit: 10, offset: 0 });
    expect(first.hasMore).toBe(true);
    const times = first.items.map((a) => Date.parse(a.publishedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const last = await store.articles.latest({ section: 'business', limit: 10, offset: 20 });
    expect(last.items).toHaveLength(3);
    expect(last.hasMore).toBe(false);
  });

  it('an empty query is the latest', async () => {
    expect(ids(await q('   '))).toEqual(ids(await store.articles.latest({ limit: 10, offset: 0 })));
  });
});

describe('suggest', () => {
  it('completes the last word of a headline', async () => {
    expect((await store.articles.suggest('mosc', 5)).map((s) => s.id)).toEqual(['title-hit']);
    expect((await store.articles.suggest('modi mo', 5)).map((s) => s.id)).toEqual(['title-hit']);
    expect((await store.articles.suggest('i', 25)).map((s) => s.id)).toEqual(['stemmed']);
    expect(await store.articles.suggest('"*', 5)).toEqual(await store.articles.suggest('', 5));
    expect((await store.articles.suggest('', 3)).length).toBe(3);
  });
});
