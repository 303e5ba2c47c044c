import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanOut } from '../../../src/alerts/fanout.js';
import { HeadlineIndex } from '../../../src/alerts/headline-index.js';
import type { ArticleInput } from '../../../src/domain/article.js';
import type { SearchPage, Store } from '../../../src/store/types.js';
import { NOW } from '../helpers.js';
import { eachBackend } from './backends.js';

/**
 * /news lists stories, not articles: the same link from several feeds (and the newsroom's own push) is one row,
 * showing the newsroom's member first (as alerts do), with how many other sources carry it. Both `latest` and
 * search, both backends; pages of stories stay whole (a page of 10 shows 10 distinct stories where they exist).
 */
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const rows = (page: SearchPage) => page.items.map((a) => `${a.id} +${a.otherSources ?? 0}`);

const QUAKE_URL = 'https://news.example/2026/11/quake';
const quake: ArticleInput[] = [
  { id: 'wire-a:q1', origin: 'feed:wire-a', url: `${QUAKE_URL}?utm_source=wire-a`, title: 'Earthquake strikes coastal city', source: 'Wire A', section: 'world', publishedAt: hoursAgo(3) },
  { id: 'wire-b:q1', origin: 'feed:wire-b', url: `${QUAKE_URL}/`, title: 'Earthquake strikes coastal city', source: 'Wire B', section: 'world', publishedAt: hoursAgo(2) },
  { id: 'wire-c:q1', origin: 'feed:wire-c', url: `${QUAKE_URL}#top`, title: 'Earthquake strikes coastal city', source: 'Wire C', section: 'world', publishedAt: hoursAgo(1) },
  { id: 'desk-quake', origin: 'push', url: QUAKE_URL, title: 'Earthquake strikes coastal city, dozens hurt', source: 'Newsdesk', section: 'world', publishedAt: hoursAgo(4) },
  { id: 'desk-other', origin: 'push', url: 'https://news.example/2026/11/rates', title: 'Central bank holds rates', source: 'Newsdesk', section: 'business', publishedAt: hoursAgo(5) },
];

/** Twelve harbour stories, each carried by three feeds under one link (with tracking variants). */
const harbour: ArticleInput[] = Array.from({ length: 12 }, (_, s) =>
  ['wire-a', 'wire-b', 'wire-c'].map((feed, f) => ({
    id: `${feed}:h${s}`, origin: `feed:${feed}` as const, url: `https://port.example/h/${s}?utm_medium=${feed}`,
    title: `Harbour crane report ${s}`, body: 'Cranes and ships.', source: `Wire ${'ABC'[f]}`, section: 'business',
    publishedAt: hoursAgo(10 + s + f / 10),
  })),
).flat();

eachBackend(import.meta.filename, 'one row per story', (backend) => {
  describe('without the alerts pipeline: the same canonical link is one story', () => {
    let store: Store;
    beforeAll(async () => {
      store = await backend.open({ now: () => NOW });
      await store.articles.upsertMany([...quake, ...harbour]);
    });
    afterAll(() => backend.cleanup());

    it('search shows the story once, the newsroom member, with the other sources counted', async () => {
      expect(rows(await store.articles.search({ text: 'earthquake', limit: 5, offset: 0 }))).toEqual(['desk-quake +3']);
      expect(rows(await store.articles.search({ text: 'coastal city', section: 'world', limit: 5, offset: 0 }))).toEqual(['desk-quake +3']);
    });

    it('latest shows it once too, in the place of its newest member', async () => {
      const page = await store.articles.latest({ limit: 3, offset: 0 });
      expect(rows(page)).toEqual(['desk-quake +3', 'desk-other +0', 'wire-a:h0 +2']);
      expect(page.hasMore).toBe(true);
    });

    it('a filter the newsroom member does not pass shows a member that does', async () => {
      expect(rows(await store.articles.search({ text: 'earthquake', source: 'wire b', limit: 5, offset: 0 }))).toEqual(['wire-b:q1 +3']);
      expect(rows(await store.articles.latest({ source: 'Wire C', section: 'world', limit: 5, offset: 0 }))).toEqual(['wire-c:q1 +3']);
      expect(rows(await store.articles.search({ text: 'earthquake', since: new Date(hoursAgo(2.5)), limit: 5, offset: 0 }))).toEqual(['wire-c:q1 +3']);
    });

    it('pages of stories: 10 distinct stories, then the last 2, no repeats (search and latest)', async () => {
      const search = await Promise.all([0, 10].map((offset) => store.articles.search({ text: 'harbour crane', limit: 10, offset })));
      const latest = await Promise.all([0, 10].map((offset) => store.articles.latest({ section: 'business', limit: 10, offset })));
      const stories = Array.from({ length: 12 }, (_, s) => `wire-a:h${s} +2`);
      expect(search.map(rows)).toEqual([stories.slice(0, 10), stories.slice(10)]);
      // The business section has the rates story too, newer than every harbour story.
      expect(latest.map(rows)).toEqual([['desk-other +0', ...stories.slice(0, 9)], stories.slice(9)]);
      for (const pages of [search, latest]) expect(pages.map((p) => p.hasMore)).toEqual([true, false]);
    });
  });

  describe('with the alerts pipeline: its recorded stories (near-identical headlines, other links) are one story', () => {
    let store: Store;
    beforeAll(async () => {
      store = await backend.open({ now: () => NOW });
      const headlines = new HeadlineIndex(store.stories);
      store.articles.onChange((change) =>
        fanOut({ subscriptions: store.subscriptions, outbox: store.outbox, stories: store.stories, headlines, now: () => NOW }, change).then(() => undefined));
      for (const a of [
        { id: 'wire-a:g1', origin: 'feed:wire-a' as const, url: 'https://wire-a.example/genoa', title: 'Bridge collapse in Genoa kills 12', source: 'Wire A', publishedAt: hoursAgo(2) },
        { id: 'desk-genoa', origin: 'push' as const, url: 'https://news.example/genoa-bridge', title: 'Bridge collapse in Genoa kills 12', source: 'Newsdesk', publishedAt: hoursAgo(1.5) },
        { id: 'wire-b:g1', origin: 'feed:wire-b' as const, url: 'https://wire-b.example/genoa', title: 'Bridge collapse in Genoa kills 12', source: 'Wire B', publishedAt: hoursAgo(1) },
        { id: 'wire-b:r1', origin: 'feed:wire-b' as const, url: 'https://wire-b.example/rail', title: 'Rail strike called off', source: 'Wire B', publishedAt: hoursAgo(3) },
      ]) await store.articles.upsert(a);
    });
    afterAll(() => backend.cleanup());

    it('shows the member alerts show (the push), once, with the other sources', async () => {
      expect(rows(await store.articles.search({ text: 'genoa bridge', limit: 5, offset: 0 }))).toEqual(['desk-genoa +2']);
      expect(rows(await store.articles.latest({ limit: 5, offset: 0 }))).toEqual(['desk-genoa +2', 'wire-b:r1 +0']);
    });
  });
});
