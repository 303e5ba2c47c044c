import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ArticleInput } from '../../../src/domain/article.js';
import type { Store } from '../../../src/store/types.js';
import { daysAgo, NOW } from '../helpers.js';
import { eachBackend } from './backends.js';

type WithHistory = { history(id: string): Promise<Array<{ version: number; title: string }>> };
const ids = (page: { items: Array<{ id: string }> }) => page.items.map((a) => a.id);
const story = { id: 'a1', title: 'Council votes on budget', body: 'First.\n\nSecond.', section: 'Politics', publishedAt: daysAgo(1) };

eachBackend(import.meta.filename, 'ArticleStore: upsert and versions', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open({ now: () => NOW, chunkSize: 7 });
  });
  afterEach(() => backend.cleanup());

  it('creates, then makes no new version for identical content (whitespace aside)', async () => {
    const created = await store.articles.upsert(story);
    expect(created.outcome).toBe('created');
    expect(created.article).toMatchObject({ id: 'a1', version: 1, section: 'politics', priority: 'routine', status: 'published', ingestedAt: NOW.toISOString() });
    const again = await store.articles.upsert({ ...story, title: '  Council   votes on budget ' });
    expect(again.outcome).toBe('unchanged');
    expect(again.article.version).toBe(1);
    expect(await store.articles.count()).toBe(1);
    expect(await store.articles.get('a1')).toEqual(created.article);
  });

  it('an undated story takes the clock’s time, not the database’s', async () => {
    const { article } = await store.articles.upsert({ id: 'undated', title: 'No date given' });
    expect(article.publishedAt).toBe(NOW.toISOString());
    expect((await store.articles.get('undated'))?.publishedAt).toBe(NOW.toISOString());
  });

  it('makes version 2 on a changed headline, with the previous version and a history row; the index follows', async () => {
    await store.articles.upsert(story);
    const updated = await store.articles.upsert({ ...story, title: 'Council passes budget' });
    expect(updated.outcome).toBe('updated');
    expect(updated.article.version).toBe(2);
    expect(updated.previous?.title).toBe('Council votes on budget');
    expect((await store.articles.get('a1'))?.title).toBe('Council passes budget');
    expect((await (store.articles as unknown as WithHistory).history('a1')).map((v) => [v.version, v.title])).toEqual([
      [1, 'Council votes on budget'],
      [2, 'Council passes budget'],
    ]);
    expect(ids(await store.articles.search({ text: 'passes', limit: 5, offset: 0 }))).toEqual(['a1']);
    expect((await store.articles.search({ text: 'votes', limit: 5, offset: 0 })).items).toEqual([]);
  });

  it('a priority change is a new version; a section move is not, but is stored and filtered on', async () => {
    await store.articles.upsert(story);
    expect((await store.articles.upsert({ ...story, priority: 'breaking' })).outcome).toBe('updated');
    const moved = await store.articles.upsert({ ...story, priority: 'breaking', section: 'world' });
    expect(moved.outcome).toBe('unchanged');
    expect(moved.article).toMatchObject({ section: 'world', version: 2 });
    expect((await store.articles.latest({ section: 'world', limit: 5, offset: 0 })).items).toHaveLength(1);
    expect((await store.articles.search({ text: 'budget', section: 'world', limit: 5, offset: 0 })).items).toHaveLength(1);
    expect((await store.articles.search({ text: 'budget', section: 'politics', limit: 5, offset: 0 })).items).toHaveLength(0);
    expect(await store.articles.sections()).toEqual(['world']);
  });

  it('dedupes by canonical URL: the same story from a tracking link updates the first row', async () => {
    const first = await store.articles.upsert({ url: 'http://News.example/a/story/?utm_source=x', title: 'One' });
    const second = await store.articles.upsert({ url: 'https://news.example/a/story#top', title: 'One, updated' });
    expect(second.outcome).toBe('updated');
    expect(second.article.id).toBe(first.article.id);
    expect(await store.articles.count()).toBe(1);
    expect((await store.articles.getByUrl('https://news.example/a/story?utm_medium=y'))?.title).toBe('One, updated');
    expect(await store.articles.getByUrl('https://news.example/other')).toBeNull();
  });

  it('a corrected publication time re-keys the row: since, newest-first, search and suggest follow it', async () => {
    await store.articles.upsert({ id: 'early', title: 'Harbour opens', publishedAt: daysAgo(2) });
    await store.articles.upsert(story);
    const moved = await store.articles.upsert({ ...story, publishedAt: daysAgo(5) });
    expect(moved.outcome).toBe('unchanged');
    expect(ids(await store.articles.latest({ limit: 5, offset: 0 }))).toEqual(['early', 'a1']);
    const since3 = new Date(NOW.getTime() - 3 * 86_400_000);
    expect((await store.articles.search({ text: 'budget', since: since3, limit: 5, offset: 0 })).items).toEqual([]);
    await store.articles.optimize?.();
    expect(ids(await store.articles.search({ text: 'budget', limit: 5, offset: 0 }))).toEqual(['a1']);
    expect((await store.articles.suggest('budg', 5)).map((s) => s.id)).toEqual(['a1']);
  });

  it('articles of the same millisecond each keep their own row, newest first by arrival', async () => {
    const at = daysAgo(1);
    await store.articles.upsertMany(Array.from({ length: 20 }, (_, i) => ({ id: `same-${i}`, title: `Same instant ${i}`, publishedAt: at })));
    expect(await store.articles.count()).toBe(20);
    const page = await store.articles.latest({ limit: 20, offset: 0 });
    expect(page.items).toHaveLength(20);
    expect(new Set(ids(page)).size).toBe(20);
  });

  it('upsertMany reports progress and returns one result per input; sources are listed', async () => {
    const progress: number[] = [];
    const results = await store.articles.upsertMany(
      Array.from({ length: 15 }, (_, i) => ({ id: `m-${i}`, title: `Bulk ${i}`, source: i % 2 ? 'Wire B' : 'Wire A', publishedAt: daysAgo(i) })),
      (done) => progress.push(done),
    );
    expect(results.map((r) => r.outcome)).toEqual(Array(15).fill('created'));
    expect(progress[progress.length - 1]).toBe(15);
    expect(await store.articles.sources()).toEqual(['Wire A', 'Wire B']);
  });

  it('periodStories: every article of the period, near-identical headlines folded into one story with its sources', async () => {
    const h = (n: number) => new Date(NOW.getTime() - n * 3_600_000).toISOString();
    await store.articles.upsertMany([
      { id: 'p1', title: 'Harbour bridge closes for repairs', source: 'Harbour Times', section: 'local', publishedAt: h(2), priority: 'urgent' },
      { id: 'p2', title: 'Harbour bridge closes for repairs', source: 'City Wire', section: 'local', publishedAt: h(1) },
      { id: 'p3', title: 'Quarry reopens after a year', source: 'City Wire', section: 'business', publishedAt: h(3) },
      { id: 'old', title: 'Ferry timetable changes', source: 'City Wire', section: 'local', publishedAt: h(30) },
    ]);
    const since = new Date(NOW.getTime() - 24 * 3_600_000);
    const stories = await store.articles.periodStories({ since });
    expect(stories.map((s) => [s.article.id, s.duplicateIds, s.sourceCount])).toEqual([['p1', ['p2'], 2], ['p3', [], 1]]);
    expect((await store.articles.periodStories({ since, section: 'Business' })).map((s) => s.article.id)).toEqual(['p3']);
    expect(await store.articles.periodStories({ since, until: new Date(NOW.getTime() - 2.5 * 3_600_000) })).toHaveLength(1);
    // Unlike headlines the alerts pipeline recorded as one story are one story here too.
    await store.stories.addStory({ articleId: 'p1', storyId: 'p1', canonicalUrl: null, titleKey: 'bridge', duplicateReason: null, quiet: false, seenAt: 1, origin: 'push' });
    await store.stories.addStory({ articleId: 'p3', storyId: 'p1', canonicalUrl: null, titleKey: 'quarry', duplicateReason: 'same link', quiet: false, seenAt: 1, origin: 'push' });
    expect((await store.articles.periodStories({ since })).map((s) => [s.article.id, [...s.duplicateIds].sort(), s.sourceCount])).toEqual([['p1', ['p2', 'p3'], 2]]);
  });

  it('refuses an article without a headline', async () => {
    await expect(store.articles.upsert({ title: '   ' })).rejects.toThrow(/headline/);
  });
});

const fixtures: ArticleInput[] = [
  { id: 'title-hit', title: 'Modi to visit Moscow', body: 'A trip is planned.', section: 'world', source: 'Metro Desk', publishedAt: daysAgo(3) },
  { id: 'body-hit', title: 'Trade talks resume', body: 'Officials said Modi would attend the summit later this year.', section: 'world', source: 'Newsdesk Wire', publishedAt: daysAgo(3) },
  { id: 'dek-hit', title: 'Summit plans', dek: 'Modi expected', body: 'Plans.', section: 'world', source: 'Metro Desk', publishedAt: daysAgo(3) },
  { id: 'old-pm', title: 'Prime minister opens bridge', body: 'The prime minister cut the ribbon.', section: 'politics', source: 'Metro Desk', publishedAt: daysAgo(40) },
  { id: 'new-pm', title: 'Prime minister opens bridge', body: 'The prime minister cut the ribbon.', section: 'world', source: 'Metro Desk', publishedAt: daysAgo(1) },
  { id: 'stemmed', title: 'Ministers visiting India', body: 'Visits by ministers.', section: 'world', source: 'Harbor Times', publishedAt: daysAgo(2) },
  { id: 'edge-of-window', title: 'Prime minister at dawn', body: 'Prime minister.', section: 'world', source: 'Metro Desk', publishedAt: new Date(NOW.getTime() - 7 * 86_400_000 - 60_000).toISOString() },
];

eachBackend(import.meta.filename, 'ArticleStore: search, latest, suggest', (backend) => {
  let store: Store;
  const q = (text: string, extra: Record<string, unknown> = {}) => store.articles.search({ text, limit: 10, offset: 0, ...extra });
  beforeAll(async () => {
    store = await backend.open({ now: () => NOW });
    await store.articles.upsertMany(fixtures);
    await store.articles.upsertMany(
      Array.from({ length: 23 }, (_, i) => ({ id: `fill-${i}`, title: `Harbour crane report ${i}`, body: 'Cranes and ships.', section: 'business', publishedAt: daysAgo(i % 10) })),
    );
    await store.articles.upsertMany([
      { id: 'aval-sherpa', title: 'Avalanche traps sherpa team', body: 'Rescuers reached the camp.', section: 'world', publishedAt: daysAgo(20) },
      { id: 'sherpa-only', title: 'Sherpa guides honoured', body: 'A ceremony in the valley.', section: 'world', publishedAt: daysAgo(2) },
      ...Array.from({ length: 12 }, (_, i) => ({ id: `bulletin-${i}`, title: `Mountain bulletin ${i}`, body: 'Weather and roads.', section: 'world', publishedAt: daysAgo(0.5) })),
    ]);
  });
  afterAll(() => backend.cleanup());

  it('ranks a headline match above a dek match above a body match', async () => {
    expect(ids(await q('modi'))).toEqual(['title-hit', 'dek-hit', 'body-hit']);
  });

  it('blends recency in: of two equal stories the newer comes first', async () => {
    const page = await q('prime minister bridge');
    expect(ids(page)).toEqual(['new-pm', 'old-pm']);
    expect(page.matched).toBe('all');
  });

  it('stems: "visit" finds "visiting"; common words are searchable too', async () => {
    expect(ids(await q('visit'))).toEqual(expect.arrayContaining(['stemmed', 'title-hit']));
    expect(ids(await q('the prime minister', { section: 'politics' }))).toEqual(['old-pm']);
  });

  it('ANDs the words, and falls back to any of them (saying so) when nothing has all', async () => {
    expect(ids(await q('modi moscow'))).toEqual(['title-hit']);
    const relaxed = await q('modi zzzunknownword');
    expect(relaxed.matched).toBe('any');
    expect(ids(relaxed)).toContain('title-hit');
    expect((await q('zzzunknownword')).items).toEqual([]);
  });

  it('partial matches: more of the words first, then the rarer word, and pages without repeats', async () => {
    const page = await q('avalanche sherpa bulletin');
    expect(page.matched).toBe('any');
    expect(ids(page).slice(0, 2)).toEqual(['aval-sherpa', 'sherpa-only']);
    expect(ids(page)[2]).toMatch(/^bulletin-/);
    const rarer = await q('sherpa bulletin zzzunknownword');
    expect(ids(rarer).slice(0, 2)).toEqual(['sherpa-only', 'aval-sherpa']);
    const pages = await Promise.all([0, 5, 10].map((offset) => q('sherpa bulletin zzzunknownword', { limit: 5, offset })));
    const all = pages.flatMap(ids);
    expect(all).toHaveLength(14);
    expect(new Set(all).size).toBe(14);
    expect(pages.map((p) => p.hasMore)).toEqual([true, true, false]);
  });

  it('filters by section and source case-insensitively, and by since to the instant', async () => {
    expect(ids(await q('prime minister', { section: 'World' }))).toEqual(['new-pm', 'edge-of-window']);
    expect(ids(await q('modi', { source: 'newsdesk wire' }))).toEqual(['body-hit']);
    expect(ids(await q('modi', { source: 'Nobody' }))).toEqual([]);
    const since = new Date(NOW.getTime() - 7 * 86_400_000);
    expect(ids(await q('prime minister', { since }))).toEqual(['new-pm']);
    expect(ids(await q('prime minister', { since: new Date(since.getTime() - 120_000) })).sort()).toEqual(['edge-of-window', 'new-pm']);
    expect(ids(await q('prime minister', { since: new Date('2030-01-01') }))).toEqual([]);
  });

  it('user syntax is only words: quotes, operators and tsquery/FTS5 syntax neither fail nor widen', async () => {
    for (const nasty of [`modi & !moscow`, `modi | zzz`, `'modi':*`, `"modi" OR moscow`, `modi) (`, `NEAR(modi moscow)`, `\\'`, `modi:A`, `-modi`, `<->`]) {
      const page = await q(nasty);
      expect(Array.isArray(page.items), nasty).toBe(true);
    }
    // As tsquery syntax 'modi:B' would mean "modi in the dek"; as words it is modi AND b, which nothing has.
    expect(ids(await q('modi:B'))).toEqual([]);
    expect(ids(await q(`"modi"`))).toEqual(['title-hit', 'dek-hit', 'body-hit']);
    expect(await store.articles.suggest(`mosc':* | a`, 5)).toEqual(expect.any(Array));
  });

  it('pages with limit/offset and hasMore; latest is newest first, filtered and paged; empty text is latest', async () => {
    const seen: string[] = [];
    for (let offset = 0; ; offset += 5) {
      const page = await q('harbour crane', { limit: 5, offset });
      seen.push(...ids(page));
      if (!page.hasMore) break;
    }
    expect(new Set(seen).size).toBe(23);
    expect(seen).toHaveLength(23);
    const first = await store.articles.latest({ section: 'business', limit: 10, offset: 0 });
    expect(first.hasMore).toBe(true);
    const times = first.items.map((a) => Date.parse(a.publishedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const last = await store.articles.latest({ section: 'business', limit: 10, offset: 20 });
    expect(last.items).toHaveLength(3);
    expect(last.hasMore).toBe(false);
    expect(ids(await q('   '))).toEqual(ids(await store.articles.latest({ limit: 10, offset: 0 })));
  });

  it('suggest completes the last word of a headline, newest first', async () => {
    expect((await store.articles.suggest('mosc', 5)).map((s) => s.id)).toEqual(['title-hit']);
    expect((await store.articles.suggest('modi mo', 5)).map((s) => s.id)).toEqual(['title-hit']);
    expect((await store.articles.suggest('i', 25)).map((s) => s.id)).toEqual(['stemmed']);
    expect(await store.articles.suggest('"*', 5)).toEqual(await store.articles.suggest('', 5));
    expect((await store.articles.suggest('', 3)).length).toBe(3);
    expect((await store.articles.suggest('prime min', 5)).map((s) => s.id)).toEqual(['new-pm', 'edge-of-window', 'old-pm']);
  });
});

describe('the contract helper', () => {
  it('gives each opened PostgreSQL store its own schema name from the file', async () => {
    const { schemaFor } = await import('./backends.js');
    const a = schemaFor(import.meta.filename);
    const b = schemaFor(import.meta.filename);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^nd_test_articles_\d+_\d+$/);
  });
});
