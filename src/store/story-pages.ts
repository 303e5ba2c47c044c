import { isNewsroomOrigin, type Article } from '../domain/article.js';
import type { ArticleFilter, SearchItem } from './types.js';

/**
 * Result pages list stories, not articles: the same link from three feeds (or a headline the alerts pipeline
 * recorded as the same story) is one row, showing the member alerts show (the newsroom's own first), with how many
 * other sources carry it. Both backends page through this, over their own ranked or newest-first article keys.
 *
 * A story takes the place of its best-placed member in the article order, so page n of stories is the n-th slice
 * of one fixed order: a page of 10 shows 10 distinct stories wherever that many exist. When duplicates crowd the
 * first articles, more are ranked (4 times as many each round, up to MAX_CANDIDATES).
 */
const GROWTH = 4;
const MAX_CANDIDATES = 4_000;
/**
 * The first round ranks this many times the articles the page needs. 1: on PostgreSQL a longer page can widen the
 * ranked windows (one 20k bench pair on a loaded machine: store.search p50 2.8 ms before grouping, 5.7 ms with 2;
 * not isolated from noise); results with duplicates pay a second round instead.
 */
const FIRST_ROUND = 1;
/** Up to this many candidates are read with their stories' members in one query; more, only their labels first. */
const READ_WHOLE = 256;

/** What groups an article into a story: the story the alerts pipeline recorded, and the canonical link. */
export interface StoryLabels {
  key: number;
  storyId: string | null;
  canonicalUrl: string | null;
}

/** A member of a page's story, as stored, with the story's recorded shown member (alert_stories, story_shown). */
export interface StoryMember {
  key: number;
  article: Article;
  storyId: string | null;
  shownId: string | null;
}

export interface StoryPageSource {
  /** The best `want` article keys, best first; fewer when there are no more. */
  ranked(want: number): Promise<number[]>;
  /** What groups these articles (only that: a widened ranking may list thousands). */
  labels(keys: number[]): Promise<StoryLabels[]>;
  /** The articles with these keys and every other member of their stories (same recorded story, same link). */
  members(keys: number[]): Promise<StoryMember[]>;
}

export async function storyPage(src: StoryPageSource, page: { offset: number; limit: number }, filter: ArticleFilter): Promise<{ items: SearchItem[]; hasMore: boolean }> {
  const need = page.offset + page.limit + 1;
  let want = firstRound(page);
  let stories: StoryLabels[][];
  // A few candidates are read with their members in one query (the page then needs nothing more).
  let members: StoryMember[] | null = null;
  for (;;) {
    const keys = await src.ranked(want);
    if (want <= READ_WHOLE) {
      members = await src.members(keys);
      const wanted = new Set(keys);
      stories = groupStories(members.filter((m) => wanted.has(m.key)).map(labelsOfMember), keys);
    } else {
      members = null;
      stories = groupStories(await src.labels(keys), keys);
    }
    if (stories.length >= need || keys.length < want || want >= MAX_CANDIDATES) break;
    want = Math.min(MAX_CANDIDATES, want * GROWTH);
  }
  const shown = stories.slice(page.offset, page.offset + page.limit);
  if (shown.length === 0) return { items: [], hasMore: false };
  members ??= await src.members(shown.flat().map((h) => h.key));
  const items = shown.map((story) => present(story, members, filter));
  return { items, hasMore: stories.length > page.offset + page.limit };
}

/** How many articles the first round ranks for this page (a backend may rank them before, and hand them over). */
export function firstRound(page: { offset: number; limit: number }): number {
  const need = page.offset + page.limit + 1;
  return Math.min(MAX_CANDIDATES, Math.max(need, need * FIRST_ROUND));
}

function labelsOfMember(m: StoryMember): StoryLabels {
  return { key: m.key, storyId: m.storyId, canonicalUrl: m.article.canonicalUrl };
}

/** Candidates (in `order`) joined into stories by shared labels; stories in the order of their first member. */
export function groupStories(labels: StoryLabels[], order: number[]): StoryLabels[][] {
  const byKey = new Map(labels.map((l) => [l.key, l]));
  const root = new Map<string, number>();
  const parent: number[] = [];
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const rows = order.map((k) => byKey.get(k)).filter((l): l is StoryLabels => l !== undefined);
  rows.forEach((row, i) => {
    parent[i] = i;
    for (const label of labelsOf(row)) {
      const seen = root.get(label);
      if (seen === undefined) root.set(label, i);
      else {
        const [a, b] = [find(seen), find(i)];
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  });
  const groups = new Map<number, StoryLabels[]>();
  rows.forEach((row, i) => {
    const top = find(i);
    groups.set(top, [...(groups.get(top) ?? []), row]);
  });
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => g);
}

/**
 * The row for one story: the member alerts show (story_shown), else a newsroom member (push, files, or a row from
 * before origins), else the best-placed article found; always one the filters allow. Other sources: the distinct
 * sources of every stored member, the shown one's aside.
 */
function present(story: StoryLabels[], members: StoryMember[], filter: ArticleFilter): SearchItem {
  const labels = new Set(story.flatMap(labelsOf));
  const keys = new Set(story.map((s) => s.key));
  const all = members.filter((m) => keys.has(m.key) || labelsOf(labelsOfMember(m)).some((l) => labels.has(l)));
  const allowed = all.filter((m) => passes(m.article, filter));
  const shownIds = new Set(all.map((m) => m.shownId).filter(Boolean));
  const newsroom = allowed
    .filter((m) => (m.article.origin === null || isNewsroomOrigin(m.article.origin)) && m.article.status !== 'retracted')
    .sort((a, b) => b.key - a.key);
  const best = members.find((m) => m.key === story[0].key);
  const lead = allowed.find((m) => shownIds.has(m.article.id)) ?? newsroom[0] ?? best ?? allowed[0];
  const sourceOf = (a: Article) => a.source.trim().toLowerCase();
  const others = new Set(all.map((m) => sourceOf(m.article)));
  others.delete(sourceOf(lead.article));
  return { ...lead.article, otherSources: others.size };
}

function labelsOf(l: Pick<StoryLabels, 'storyId' | 'canonicalUrl'>): string[] {
  const out: string[] = [];
  if (l.storyId) out.push(`s:${l.storyId}`);
  if (l.canonicalUrl) out.push(`u:${l.canonicalUrl}`);
  return out;
}

function passes(a: Article, filter: ArticleFilter): boolean {
  if (filter.section && a.section.toLowerCase() !== filter.section.trim().toLowerCase()) return false;
  if (filter.source && a.source.toLowerCase() !== filter.source.trim().toLowerCase()) return false;
  if (filter.since && !Number.isNaN(filter.since.getTime()) && Date.parse(a.publishedAt) < filter.since.getTime()) return false;
  return true;
}

