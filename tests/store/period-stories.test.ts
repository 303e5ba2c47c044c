import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NOW, tempStore } from './helpers.js';

// Four word lists of co-prime lengths: no two of 250 headlines share more than two of their four words.
const A = 'amber birch cedar delta ember fjord granite harbor island juniper kelp'.split(' ');
const B = 'anchors beacons cranes docks engines ferries gantries hulls jetties keels locks moorings nets'.split(' ');
const C = 'arrive break close drift expand fail gather halt idle jam knot launch mend narrow open pause rise'.split(' ');
const D = 'dawn autumn noon winter quay midnight fog tide bay schedule summit canal pier lagoon estuary marsh reef spit cove'.split(' ');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();

let store: ReturnType<typeof tempStore>;
beforeEach(() => {
  store = tempStore({ now: () => NOW });
});
afterEach(() => store.cleanup());

describe('periodStories: every story of a period, for briefings', () => {
  it('returns every article of the period, well past the 100 a search page holds, and nothing outside it', async () => {
    const inputs = Array.from({ length: 250 }, (_, i) => ({
      id: `n${i}`,
      title: `${A[i % 11]} ${B[i % 13]} ${C[i % 17]} ${D[i % 19]}`,
      body: 'Text.',
      section: 'local',
      source: 'Harbour Times',
      url: `https://harbour.example/${i}`,
      publishedAt: hoursAgo(1 + i * 0.05),
    }));
    inputs.push({ ...inputs[0], id: 'old', title: 'Quarry reopens after a year', url: 'https://harbour.example/old', publishedAt: hoursAgo(48) });
    inputs.push({ ...inputs[0], id: 'later', title: 'Ferry timetable for next week', url: 'https://harbour.example/later', publishedAt: hoursAgo(-2) });
    await store.articles.upsertMany(inputs);
    const stories = await store.articles.periodStories({ since: new Date(NOW.getTime() - 24 * 3_600_000), until: NOW });
    expect(stories).toHaveLength(250);
    const ids = new Set(stories.map((s) => s.article.id));
    expect(ids.has('n249')).toBe(true);
    expect(ids.has('old')).toBe(false);
    expect(ids.has('later')).toBe(false);
  });

  it('folds near-identical headlines within 6 hours into one story, counting distinct sources', async () => {
    await store.articles.upsertMany([
      { id: 'a', title: 'Bridge closed after barge strikes pier', body: 'A.', section: 'local', source: 'Harbour Times', url: 'https://harbour.example/bridge', publishedAt: hoursAgo(3), priority: 'urgent' },
      { id: 'b', title: 'Bridge closed after a barge strikes its pier', body: 'B.', section: 'local', source: 'Valley Radio', url: 'https://valley.example/b', publishedAt: hoursAgo(2) },
      { id: 'c', title: 'Barge strikes pier, bridge closed after', body: 'C.', section: 'business', source: 'harbour times', url: 'https://wire.example/c', publishedAt: hoursAgo(1) },
      { id: 'd', title: 'Bridge closed after barge strikes pier', body: 'D.', section: 'local', source: 'Harbour Times', url: 'https://harbour.example/d', publishedAt: hoursAgo(20) },
      { id: 'e', title: 'Library extends opening hours', body: 'E.', section: 'local', source: 'Harbour Times', url: 'https://harbour.example/e', publishedAt: hoursAgo(1) },
    ]);
    const stories = await store.articles.periodStories({ since: new Date(NOW.getTime() - 24 * 3_600_000) });
    const byLead = new Map(stories.map((s) => [s.article.id, s]));
    // The urgent one leads its story; near-identical headlines within hours join it (c's source is a's, case aside).
    expect(byLead.get('a')).toMatchObject({ sourceCount: 2 });
    expect([...byLead.get('a')!.duplicateIds].sort()).toEqual(['b', 'c']);
    // The same headline 17 hours apart is another story (a recurring headline, not a re-filing).
    expect(byLead.get('d')).toMatchObject({ duplicateIds: [], sourceCount: 1 });
    expect(byLead.get('e')).toMatchObject({ duplicateIds: [], sourceCount: 1 });
    expect(stories).toHaveLength(3);
  });

  it('groups over the whole period before the section filter, so a section briefing agrees with the full one', async () => {
    await store.articles.upsertMany([
      { id: 'lead', title: 'Port strike halts container traffic', body: 'A.', section: 'business', source: 'Wire Service', url: 'https://wire.example/strike', publishedAt: hoursAgo(2), priority: 'breaking' },
      { id: 'copy', title: 'Port strike halts container traffic', body: 'B.', section: 'local', source: 'Harbour Times', url: 'https://harbour.example/strike', publishedAt: hoursAgo(1) },
    ]);
    const since = new Date(NOW.getTime() - 24 * 3_600_000);
    expect((await store.articles.periodStories({ since })).map((s) => [s.article.id, s.duplicateIds])).toEqual([['lead', ['copy']]]);
    expect(await store.articles.periodStories({ since, section: 'local' })).toEqual([]);
    expect((await store.articles.periodStories({ since, section: 'Business' })).map((s) => s.article.id)).toEqual(['lead']);
  });

  it('reads the stories the alerts pipeline recorded: members with unlike headlines and links still count as one story', async () => {
    await store.articles.upsert({ id: 'desk-1', origin: 'push', source: 'Desk', title: 'Harbour cranes halted by strike', publishedAt: hoursAgo(2) });
    await store.articles.upsert({ id: 'wire:9', origin: 'feed:wire', source: 'Wire', title: 'Dock workers walk out at dawn', publishedAt: hoursAgo(3) });
    await store.articles.upsert({ id: 'other', origin: 'push', source: 'Desk', title: 'Museum reopens its west wing', publishedAt: hoursAgo(4) });
    const member = { canonicalUrl: null, titleKey: '', quiet: false, seenAt: NOW.getTime() };
    await store.stories.addStory({ ...member, articleId: 'desk-1', storyId: 'desk-1', origin: 'push', duplicateReason: null });
    await store.stories.addStory({ ...member, articleId: 'wire:9', storyId: 'desk-1', origin: 'feed:wire', duplicateReason: 'same URL' });
    const stories = await store.articles.periodStories({ since: new Date(NOW.getTime() - 24 * 3_600_000) });
    expect(stories.map((s) => [s.article.id, s.duplicateIds, s.sourceCount])).toEqual([
      ['desk-1', ['wire:9'], 2],
      ['other', [], 1],
    ]);
  });
});
