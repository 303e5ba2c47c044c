import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UpsertResult } from '../../src/store/types.js';
import { daysAgo, NOW, tempStore } from './helpers.js';

let store: ReturnType<typeof tempStore>;
beforeEach(() => {
  store = tempStore({ now: () => NOW, chunkSize: 7 });
});
afterEach(() => store.cleanup());

const story = { id: 'a1', title: 'Council votes on budget', body: 'First.\n\nSecond.', section: 'Politics', publishedAt: daysAgo(1) };

describe('SqliteArticleStore upsert', () => {
  it('creates, then makes no new version for identical content (whitespace aside)', async () => {
    const created = await store.articles.upsert(story);
    expect(created.outcome).toBe('created');
    expect(created.article).toMatchObject({ id: 'a1', version: 1, section: 'politics', priority: 'routine', status: 'published' });
    const again = await store.articles.upsert({ ...story, title: '  Council   votes on budget ' });
    expect(again.outcome).toBe('unchanged');
    expect(again.article.version).toBe(1);
    expect(await store.articles.count()).toBe(1);
  });

  it('keeps the date of an undated story when it is edited (first-seen time, not the time of each save)', async () => {
    const { publishedAt: _dropped, ...undated } = story;
    const first = await store.articles.upsert({ ...undated, firstSeenAt: daysAgo(2) });
    expect(first.article.publishedAt).toBe(daysAgo(2));
    const edited = await store.articles.upsert({ ...undated, title: 'Council passes budget', firstSeenAt: daysAgo(0) });
    expect(edited.article.version).toBe(2);
    expect(edited.article.publishedAt).toBe(daysAgo(2));
    const redated = await store.articles.upsert({ ...undated, title: 'Council passes budget', publishedAt: daysAgo(1) });
    expect(redated.article.publishedAt).toBe(daysAgo(1));
  });

  it('makes version 2 on a changed headline, with the previous version and a history row', async () => {
    await store.articles.upsert(story);
    const updated = await store.articles.upsert({ ...story, title: 'Council passes budget' });
    expect(updated.outcome).toBe('updated');
    expect(updated.article.version).toBe(2);
    expect(updated.previous?.title).toBe('Council votes on budget');
    expect((await store.articles.get('a1'))?.title).toBe('Council passes budget');
    expect((await store.articles.history('a1')).map((v) => [v.version, v.title])).toEqual([
      [1, 'Council votes on budget'],
      [2, 'Council passes budget'],
    ]);
    expect((await store.articles.search({ text: 'passes', limit: 5, offset: 0 })).items.map((a) => a.id)).toEqual(['a1']);
    expect((await store.articles.search({ text: 'votes', limit: 5, offset: 0 })).items).toEqual([]);
  });

  it('a priority or status change is a new version; a section move is not, but is stored', async () => {
    await store.articles.upsert(story);
    expect((await store.articles.upsert({ ...story, priority: 'breaking' })).outcome).toBe('updated');
    const moved = await store.articles.upsert({ ...story, priority: 'breaking', section: 'world' });
    expect(moved.outcome).toBe('unchanged');
    expect(moved.article).toMatchObject({ section: 'world', version: 2 });
    expect((await store.articles.latest({ section: 'world', limit: 5, offset: 0 })).items).toHaveLength(1);
    expect((await store.articles.search({ text: 'budget', section: 'world', limit: 5, offset: 0 })).items).toHaveLength(1);
    expect((await store.articles.search({ text: 'budget', section: 'politics', limit: 5, offset: 0 })).items).toHaveLength(0);
  });

  it('one origin, one link: a tracking link updates the first row; an explicit other id is another article', async () => {
    const first = await store.articles.upsert({ url: 'http://News.example/a/story/?utm_source=x', title: 'One' });
    const second = await store.articles.upsert({ url: 'https://news.example/a/story#top', title: 'One, updated' });
    expect(second.outcome).toBe('updated');
    expect(second.article.id).toBe(first.article.id);
    const viaOtherId = await store.articles.upsert({ id: 'wire-9', url: 'https://news.example/a/story/', title: 'One, again' });
    expect(viaOtherId).toMatchObject({ outcome: 'created', article: { id: 'wire-9' } });
    expect((await store.articles.get(first.article.id))?.title).toBe('One, updated');
    expect(await store.articles.count()).toBe(2);
    expect((await store.articles.getByUrl('https://news.example/a/story?utm_medium=y'))?.title).toBe('One, again');
  });

  it('a link from another origin never rewrites the article: it is stored apart, and an owned id is refused', async () => {
    const pushed = await store.articles.upsert({ id: 'cms-1', origin: 'push', url: 'https://news.example/dam', title: 'Dam fails: evacuate now', priority: 'breaking' });
    const fed = await store.articles.upsert({ origin: 'feed:wire', id: 'wire:77', url: 'https://news.example/dam?utm_source=rss', title: 'HOAX: all clear, return home', priority: 'routine' });
    expect(fed).toMatchObject({ outcome: 'created', article: { id: 'wire:77', origin: 'feed:wire' } });
    expect(await store.articles.get('cms-1')).toMatchObject({ title: 'Dam fails: evacuate now', priority: 'breaking', version: 1, origin: 'push' });
    await expect(store.articles.upsert({ origin: 'feed:wire', id: 'cms-1', title: 'Taken over' })).rejects.toThrow('article cms-1 belongs to the push API');
    expect((await store.articles.get('cms-1'))?.title).toBe(pushed.article.title);
    // Hash-derived ids include the origin: the same URL from two origins gives two ids.
    const a = await store.articles.upsert({ origin: 'feed:one', url: 'https://news.example/shared', title: 'Shared' });
    const b = await store.articles.upsert({ origin: 'feed:two', url: 'https://news.example/shared', title: 'Shared' });
    expect(a.article.id).not.toBe(b.article.id);
  });

  it('a corrected publication time re-keys the row: since, newest-first and the indexes follow it', async () => {
    await store.articles.upsert({ id: 'early', title: 'Harbour opens', publishedAt: daysAgo(2) });
    await store.articles.upsert(story);
    const moved = await store.articles.upsert({ ...story, publishedAt: daysAgo(5) });
    expect(moved.outcome).toBe('unchanged');
    expect((await store.articles.latest({ limit: 5, offset: 0 })).items.map((a) => a.id)).toEqual(['early', 'a1']);
    const since3 = new Date(NOW.getTime() - 3 * 86_400_000);
    expect((await store.articles.search({ text: 'budget', since: since3, limit: 5, offset: 0 })).items).toEqual([]);
    store.articles.optimize();
    expect((await store.articles.search({ text: 'budget', limit: 5, offset: 0 })).items.map((a) => a.id)).toEqual(['a1']);
    expect((await store.articles.suggest('budg', 5)).map((s) => s.id)).toEqual(['a1']);
    expect(await store.articles.history('a1')).toHaveLength(1);
  });

  it('refuses an article without a headline', async () => {
    await expect(store.articles.upsert({ title: '   ' })).rejects.toThrow(/headline/);
  });
});

describe('onChange', () => {
  it('runs inside the write transaction: a listener sees the row, and its own writes commit with it', async () => {
    store.db.exec('CREATE TABLE side (article_id TEXT)');
    const seen: UpsertResult[] = [];
    store.articles.onChange((change) => {
      expect(store.db.inTransaction).toBe(true);
      expect(store.db.prepare('SELECT title FROM articles WHERE id = ?').get(change.article.id)).toEqual({ title: change.article.title });
      store.db.prepare('INSERT INTO side VALUES (?)').run(change.article.id);
      seen.push(change);
    });
    await store.articles.upsert(story);
    await store.articles.upsert(story);
    await store.articles.upsert({ ...story, title: 'New' });
    expect(seen.map((s) => s.outcome)).toEqual(['created', 'updated']);
    expect(store.db.prepare('SELECT count(*) AS n FROM side').get()).toEqual({ n: 2 });
  });

  it('hears a metadata-only change (moved section) as unchanged with metadataChanged, and not an identical re-write', async () => {
    await store.articles.upsert(story);
    const seen: UpsertResult[] = [];
    store.articles.onChange((change) => void seen.push(change));
    const moved = await store.articles.upsert({ ...story, section: 'Business' });
    await store.articles.upsert({ ...story, section: 'Business' });
    expect(moved).toMatchObject({ outcome: 'unchanged', metadataChanged: true, article: { version: 1, section: 'business' } });
    expect(seen.map((s) => [s.outcome, s.metadataChanged, s.article.section])).toEqual([['unchanged', true, 'business']]);
  });

  it('a listener that throws rolls the article, its version and the listener writes back', async () => {
    await store.articles.upsert(story);
    store.db.exec('CREATE TABLE side (x TEXT)');
    const off = store.articles.onChange(() => {
      store.db.prepare("INSERT INTO side VALUES ('written')").run();
      throw new Error('fan-out failed');
    });
    await expect(store.articles.upsert({ ...story, title: 'Should not stick' })).rejects.toThrow('fan-out failed');
    expect((await store.articles.get('a1'))?.title).toBe(story.title);
    expect(await store.articles.history('a1')).toHaveLength(1);
    expect(store.db.prepare('SELECT count(*) AS n FROM side').get()).toEqual({ n: 0 });
    expect((await store.articles.search({ text: 'stick', limit: 5, offset: 0 })).items).toEqual([]);
    off();
    expect((await store.articles.upsert({ ...story, title: 'Now it sticks' })).article.version).toBe(2);
  });
});

describe('upsertMany', () => {
  it('writes in chunks, reports progress, and lets the event loop run between chunks', async () => {
    const inputs = Array.from({ length: 30 }, (_, i) => ({ id: `m${i}`, title: `Story number ${i}`, publishedAt: daysAgo(i % 5) }));
    const progress: number[] = [];
    // Scheduled before the load: it can only run first if upsertMany yields between chunks.
    const immediateRan: boolean[] = [];
    setImmediate(() => immediateRan.push(true));
    const results = await store.articles.upsertMany(inputs, (done) => progress.push(done));
    expect(results.map((r) => r.outcome)).toEqual(Array(30).fill('created'));
    expect(progress).toEqual([7, 14, 21, 28, 30]);
    expect(immediateRan).toEqual([true]);
    expect(await store.articles.count()).toBe(30);
  });

  it('sections, sources and count follow the data', async () => {
    await store.articles.upsertMany([
      { id: 'x1', title: 'a', section: 'World', source: 'Metro Desk' },
      { id: 'x2', title: 'b', section: 'sport', source: 'Newsdesk Wire' },
      { id: 'x3', title: 'c', section: 'world' },
    ]);
    expect(await store.articles.sections()).toEqual(['sport', 'world']);
    expect(await store.articles.sources()).toEqual(['Metro Desk', 'Newsdesk', 'Newsdesk Wire']);
    await store.articles.upsert({ id: 'x4', title: 'd', section: 'climate' });
    expect(await store.articles.sections()).toEqual(['climate', 'sport', 'world']);
  });
});
