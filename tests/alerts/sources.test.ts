import { afterEach, describe, expect, it } from 'vitest';
import { otherSources, sourcesLine } from '../../src/alerts/story-sources.js';
import { harness, TestClock, type Harness } from './harness.js';
import { RecordingPort, type Sent } from './ports.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const DAM = { url: 'https://news.example/dam-breach', section: 'world', priority: 'breaking' as const };
const feedItem = (feed: string, source: string) => ({ ...DAM, id: `${feed}:1`, origin: `feed:${feed}` as const, source, title: `Dam breach reported (${feed})` });
const edits = (port: RecordingPort): Sent[] => port.sent.filter((s) => s.op === 'edit');
const sourcesText = (s: Sent) => s.reply.cards[0].text?.split('\n\n').find((l) => l.startsWith('+')) ?? null;

/** Lets the dispatcher run after the clock moved: woken, then given time to finish its passes. */
async function at(h: Harness, clock: TestClock, iso: string, settle: number): Promise<void> {
  clock.set(iso);
  h.alerts.dispatcher.wake();
  if (settle > 0) await h.settled(settle);
  else await new Promise((r) => setTimeout(r, 100));
}

describe('"+N sources": other outlets joining a story whose alert is out', () => {
  it('two sources joining within ten minutes over 20 channels make one sources edit per channel, after ten minutes', async () => {
    const clock = new TestClock();
    clock.set('2026-11-25T12:00:00Z');
    const port = new RecordingPort('terminal');
    h = await harness({ clock, ports: [port] });
    for (let i = 1; i <= 20; i++) await h.subscribe({ channel: `terminal:c${i}` });
    await h.store.articles.upsert({ ...DAM, id: 'cms-1', origin: 'push', source: 'Newsdesk', title: 'Dam breached: evacuate the valley' });
    await h.settled(20);

    clock.set('2026-11-25T12:02:00Z');
    await h.store.articles.upsert(feedItem('wire-b', 'Wire B'));
    clock.set('2026-11-25T12:07:00Z');
    await h.store.articles.upsert(feedItem('wire-c', 'Wire C'));
    await at(h, clock, '2026-11-25T12:09:59Z', 0);
    expect(edits(port)).toEqual([]);

    await at(h, clock, '2026-11-25T12:10:00Z', 20);
    expect(edits(port)).toHaveLength(20);
    expect(new Set(edits(port).map((e) => e.target)).size).toBe(20);
    expect(new Set(edits(port).map(sourcesText))).toEqual(new Set(['+2 sources: Wire B, Wire C']));
    expect(new Set(edits(port).map((e) => e.reply.cards[0].title))).toEqual(new Set(['Dam breached: evacuate the valley']));
    expect(port.sent.filter((s) => s.op === 'thread')).toEqual([]);

    // The same outlet again (another item of a known feed's source) changes nothing; a new one waits for the window.
    clock.set('2026-11-25T12:12:00Z');
    await h.store.articles.upsert({ ...feedItem('wire-c', 'Wire C'), id: 'wire-c:2' });
    await h.store.articles.upsert(feedItem('wire-d', 'Wire D'));
    await at(h, clock, '2026-11-25T12:19:00Z', 0);
    expect(edits(port)).toHaveLength(20);
    await at(h, clock, '2026-11-25T12:20:00Z', 20);
    expect(edits(port)).toHaveLength(40);
    expect(new Set(edits(port).slice(20).map(sourcesText))).toEqual(new Set(['+3 sources: Wire B, Wire C, Wire D']));
  });

  it('a content edit due sooner carries the count, and no sources edit follows it', async () => {
    const clock = new TestClock();
    clock.set('2026-11-25T12:00:00Z');
    const port = new RecordingPort('terminal');
    h = await harness({ clock, ports: [port] });
    const sub = await h.subscribe({ channel: 'terminal:desk' });
    const story = { ...DAM, id: 'cms-1', origin: 'push' as const, source: 'Newsdesk', title: 'Dam breached: evacuate the valley' };
    await h.store.articles.upsert(story);
    await h.settled(1);

    clock.set('2026-11-25T12:03:00Z');
    await h.store.articles.upsert(feedItem('wire-b', 'Wire B'));
    expect(h.outbox.forStory('cms-1', sub.id)!.dueAt).toBe(Date.parse('2026-11-25T12:10:00Z'));
    clock.set('2026-11-25T12:05:00Z');
    await h.store.articles.upsert({ ...story, title: 'Dam breached: 3 villages evacuated' });
    await at(h, clock, '2026-11-25T12:05:00Z', 1);
    expect(edits(port).map((e) => [e.reply.cards[0].title, sourcesText(e)])).toEqual([['Dam breached: 3 villages evacuated', '+1 source: Wire B']]);
    expect(h.outbox.forStory('cms-1', sub.id)!.dueAt).toBeNull();
    await at(h, clock, '2026-11-25T12:30:00Z', 0);
    expect(edits(port)).toHaveLength(1);
  });

  it('a post that goes out after sources joined names them at once', async () => {
    const clock = new TestClock();
    clock.set('2026-11-25T12:00:00Z');
    const port = new RecordingPort('terminal');
    h = await harness({ clock, ports: [port] });
    await h.store.articles.upsert({ ...DAM, id: 'cms-1', origin: 'push', source: 'Newsdesk', title: 'Dam breached: evacuate the valley' });
    await h.store.articles.upsert(feedItem('wire-b', 'Wire B'));
    await h.subscribe({ channel: 'terminal:late' });
    // A subscription made after both: the next member's fan-out queues it with that member's text, and its post
    // names the other outlets.
    await h.store.articles.upsert(feedItem('wire-c', 'Wire C'));
    await h.settled(1);
    expect(port.posts().map((p) => [p.reply.cards[0].title, sourcesText(p)])).toEqual([['Dam breach reported (wire-c)', '+2 sources: Newsdesk, Wire B']]);
  });
});

describe('the sources line', () => {
  it('names five at most, then counts the rest', () => {
    expect(sourcesLine([])).toBeNull();
    expect(sourcesLine(['AP'])).toBe('+1 source: AP');
    expect(sourcesLine(['AP', 'Reuters', 'AFP'])).toBe('+3 sources: AP, Reuters, AFP');
    expect(sourcesLine(['A', 'B', 'C', 'D', 'E', 'F', 'G'])).toBe('+7 sources: A, B, C, D, E and 2 more');
  });

  it('distinct sources of the members other than the one shown, retracted ones left out', async () => {
    const articles = new Map([
      ['shown', { source: 'Newsdesk', status: 'published' }], ['b', { source: 'Wire B', status: 'published' }],
      ['b2', { source: ' wire b ', status: 'published' }], ['own', { source: 'Newsdesk', status: 'published' }],
      ['gone', { source: 'Wire G', status: 'retracted' }], ['c', { source: 'Wire C', status: 'corrected' }],
    ]);
    const deps = {
      stories: { members: async () => [...articles.keys()].map((articleId) => ({ articleId, origin: null, duplicateReason: null })) },
      articles: { get: async (id: string) => (articles.get(id) ?? null) as never },
    };
    expect(await otherSources(deps, 'shown', { id: 'shown', source: 'Newsdesk' })).toEqual(['Wire B', 'Wire C']);
    expect(await otherSources(deps, 'shown', { id: 'shown', source: 'Newsdesk' }, { without: 'c' })).toEqual(['Wire B']);
  });
});
