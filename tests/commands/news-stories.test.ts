import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/core/dispatcher.js';
import type { Reply } from '../../src/core/reply.js';
import type { ArticleInput } from '../../src/domain/article.js';
import { realDispatcher, realServices, terminalInvocation as inv } from '../helpers/services.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const clock = () => NOW;
const rows = (r: Reply) => (r.cards[0]?.items ?? []).map((i) => `${i.id} | ${i.meta}`);

/** The same link from three feeds and the newsroom's push: one row, the push's, saying how many others carry it. */
const URL = 'https://news.example/2026/11/quake';
const quake: ArticleInput[] = [
  { id: 'wire-a:q1', origin: 'feed:wire-a', url: `${URL}?utm_source=a`, title: 'Earthquake strikes coastal city', source: 'Wire A', section: 'world', publishedAt: '2026-11-25T09:00:00Z' },
  { id: 'wire-b:q1', origin: 'feed:wire-b', url: URL, title: 'Earthquake strikes coastal city', source: 'Wire B', section: 'world', publishedAt: '2026-11-25T10:00:00Z' },
  { id: 'wire-c:q1', origin: 'feed:wire-c', url: `${URL}/`, title: 'Earthquake strikes coastal city', source: 'Wire C', section: 'world', publishedAt: '2026-11-25T11:00:00Z' },
  { id: 'desk-quake', origin: 'push', url: URL, title: 'Earthquake strikes coastal city', source: 'Newsdesk', section: 'world', publishedAt: '2026-11-25T08:00:00Z' },
  { id: 'desk-rates', origin: 'push', url: 'https://news.example/2026/11/rates', title: 'Central bank holds rates', source: 'Newsdesk', section: 'business', publishedAt: '2026-11-25T07:00:00Z' },
  { id: 'wire-a:r1', origin: 'feed:wire-a', url: 'https://news.example/2026/11/rates', title: 'Central bank holds rates', source: 'Wire A', section: 'business', publishedAt: '2026-11-25T07:30:00Z' },
];

describe('/news shows each story once, with "+N sources"', () => {
  let dispatcher: Dispatcher;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const { store, services } = await realServices({ loadSamples: false, now: clock });
    close = () => store.close();
    dispatcher = realDispatcher(services, clock);
    await store.articles.upsertMany(quake);
  });
  afterAll(() => close());

  it('latest: two rows for six articles', async () => {
    expect(rows(await dispatcher.dispatch(inv('news', '')))).toEqual([
      'desk-quake | 4h ago · World · Newsdesk · +3 sources',
      'desk-rates | 5h ago · Business · Newsdesk · +1 source',
    ]);
  });

  it('search: one row for the story, the newsroom member shown', async () => {
    expect(rows(await dispatcher.dispatch(inv('news', 'earthquake')))).toEqual(['desk-quake | 4h ago · World · Newsdesk · +3 sources']);
  });
});
