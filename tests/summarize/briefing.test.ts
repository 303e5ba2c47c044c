import { describe, expect, it } from 'vitest';
import type { Priority } from '../../src/domain/article.js';
import { buildBriefing, groupDuplicates, storyScore } from '../../src/summarize/briefing.js';
import { createSummarizer } from '../../src/summarize/summarizer.js';

const NOW = new Date('2025-03-10T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();

function art(id: string, title: string, section: string, h: number, priority: Priority = 'routine', url?: string) {
  return {
    id,
    title,
    dek: '',
    body: `${title} happened today, officials said on Monday. More details were expected later in the week from the authorities.`,
    section,
    priority,
    publishedAt: hoursAgo(h),
    url: url ?? `https://news.example/${id}`,
    canonicalUrl: url ?? `https://news.example/${id}`,
  };
}

const summarizer = createSummarizer();

describe('buildBriefing', () => {
  const articles = [
    art('w1', 'Flooding forces thousands from homes in river valley', 'world', 2, 'urgent'),
    art('w2', 'Flooding forces thousands from their homes in the river valley', 'world', 3),
    art('p1', 'Parliament passes budget after all-night session', 'politics', 1, 'breaking'),
    art('p2', 'Opposition leader resigns after poll defeat', 'politics', 20),
    art('b1', 'Central bank holds interest rates steady', 'business', 5),
    art('b2', 'Central bank rates story, syndicated copy', 'business', 6, 'routine', 'https://news.example/b1'),
    art('s1', 'Home side wins cup final on penalties', 'sport', 30),
    art('t1', 'Chipmaker unveils faster processor', 'technology', 40),
  ];

  it('groups by section, best story first, sections ordered by their best story', () => {
    const sections = buildBriefing(articles, summarizer, { now: NOW });
    expect(sections.map((s) => s.section)).toEqual(['politics', 'world', 'business', 'sport', 'technology']);
    expect(sections[0].items.map((i) => i.id)).toEqual(['p1', 'p2']);
    for (const s of sections) for (const i of s.items) expect(i.tldr.length).toBeGreaterThan(0);
  });

  it('merges near-identical headlines and stories with the same canonical URL', () => {
    const sections = buildBriefing(articles, summarizer, { now: NOW });
    const world = sections.find((s) => s.section === 'world')!;
    expect(world.items).toHaveLength(1);
    expect(world.items[0]).toMatchObject({ id: 'w1', mergedIds: ['w2'], priority: 'urgent' });
    const business = sections.find((s) => s.section === 'business')!;
    expect(business.items.map((i) => [i.id, i.mergedIds])).toEqual([['b1', ['b2']]]);
  });

  it('respects maxSections and perSection', () => {
    const sections = buildBriefing(articles, summarizer, { now: NOW, maxSections: 2, perSection: 1 });
    expect(sections.map((s) => [s.section, s.items.length])).toEqual([['politics', 1], ['world', 1]]);
  });

  it('is deterministic whatever the input order', () => {
    const a = buildBriefing(articles, summarizer, { now: NOW });
    const b = buildBriefing([...articles].reverse(), summarizer, { now: NOW });
    expect(b).toEqual(a);
  });

  it('handles 20,000 candidates, computing TL;DRs only for what it shows (its time is in the bench, not here)', () => {
    const topics = ['storm', 'election', 'market', 'match', 'court', 'vaccine', 'strike', 'wildfire', 'summit', 'merger'];
    const places = ['Lima', 'Oslo', 'Perth', 'Accra', 'Quito', 'Hanoi', 'Cork', 'Turin', 'Fresno', 'Dakar'];
    const many = Array.from({ length: 20_000 }, (_, i) =>
      art(
        `a${i}`,
        `${topics[i % 10]} in ${places[(i * 7) % 10]} ${i % 3 ? 'worsens' : 'eases'} as report ${i} lands`,
        ['world', 'business', 'sport', 'politics'][i % 4],
        (i % 500) / 10,
      ),
    );
    let tldrCalls = 0;
    const counting = { tldr: (a: Parameters<typeof summarizer.tldr>[0]) => (tldrCalls++, summarizer.tldr(a)) };
    const sections = buildBriefing(many, counting, { now: NOW });
    expect(sections.length).toBe(4);
    expect(tldrCalls).toBe(sections.reduce((n, s) => n + s.items.length, 0));
  });
});

describe('groupDuplicates', () => {
  it('keeps distinct stories apart even when they share words', () => {
    const groups = groupDuplicates([
      { title: 'Storm hits coast', url: 'https://x/1', canonicalUrl: null },
      { title: 'Storm hits markets as oil jumps', url: 'https://x/2', canonicalUrl: null },
    ]);
    expect(groups.size).toBe(2);
  });
});

describe('storyScore and section balance', () => {
  it('ranks a story carried by more sources higher, near-duplicates counting for less than sources', () => {
    const base = { priority: 'routine' as const, publishedAt: hoursAgo(2) };
    const one = storyScore(base, NOW);
    const fourSources = storyScore({ ...base, sourceCount: 4 }, NOW);
    const threeCopies = storyScore({ ...base, duplicates: 3 }, NOW);
    expect(fourSources).toBeGreaterThan(threeCopies);
    expect(threeCopies).toBeGreaterThan(one);
    // Four sources (two doublings) are worth one priority level; the story 12 h older with them ties.
    expect(storyScore({ ...base, publishedAt: hoursAgo(14), sourceCount: 4 }, NOW)).toBeCloseTo(one, 9);
  });

  it('a section that files far more stories does not fill the briefing by volume alone', () => {
    const sport = Array.from({ length: 12 }, (_, i) => art(`s${i}`, `Match report ${i} from ground ${i * 3}`, 'sport', 1 + i * 0.01));
    const sections = buildBriefing(
      [...sport, art('w', 'Flood warning for the lower valley', 'world', 2), art('b', 'Grain prices fall', 'business', 2.5)],
      summarizer,
      { now: NOW, maxSections: 2 },
    );
    expect(sections.map((s) => s.section)).toEqual(['world', 'business']);
  });

  it('the same headline far apart in time is two stories; with the same link it is one', () => {
    const title = 'Storm warning for the coast';
    expect(groupDuplicates([
      { title, url: 'https://x/1', canonicalUrl: null, publishedAt: hoursAgo(1) },
      { title, url: 'https://x/2', canonicalUrl: null, publishedAt: hoursAgo(30) },
    ]).size).toBe(2);
    expect(groupDuplicates([
      { title, url: 'https://x/1', canonicalUrl: null, publishedAt: hoursAgo(1) },
      { title, url: 'https://x/2', canonicalUrl: null, publishedAt: hoursAgo(4) },
    ]).size).toBe(1);
  });

  it('folds the store\'s duplicates into the item and counts its sources', () => {
    const lead = { ...art('x', 'Ferry service resumes', 'local', 3), sourceCount: 3, duplicateIds: ['y', 'z'] };
    const other = art('o', 'Library opens late', 'local', 1);
    const [local] = buildBriefing([other, lead], summarizer, { now: NOW });
    expect(local.items.map((i) => [i.id, i.mergedIds])).toEqual([['x', ['y', 'z']], ['o', []]]);
  });
});
