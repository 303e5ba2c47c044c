import type { Priority } from '../domain/article.js';
import type { Article } from '../domain/article.js';
import { contentTerms } from './terms.js';
import type { Summarizer } from './types.js';

/**
 * A briefing: the top stories of a period, near-duplicates merged, grouped by section. A story ranks by priority,
 * age, how many sources carry it and how often it was filed; sections are balanced by volume.
 * Work is O(n log n) in the number of candidates: duplicates are found through canonical-URL equality and
 * MinHash buckets over headline terms (only stories sharing a bucket are compared), and TL;DRs are
 * computed only for the handful of stories shown.
 */

export interface BriefingItem {
  id: string;
  title: string;
  url: string | null;
  tldr: string;
  /** Ids of near-duplicate stories folded into this one. */
  mergedIds: string[];
  priority: Priority;
}

export interface BriefingSection {
  section: string;
  items: BriefingItem[];
}

export interface BriefingOptions {
  maxSections?: number;
  perSection?: number;
  now: Date;
}

type BriefingArticle = Pick<Article, 'id' | 'title' | 'dek' | 'body' | 'section' | 'priority' | 'publishedAt'> &
  Partial<Pick<Article, 'url' | 'canonicalUrl' | 'source'>> & {
    /** Distinct sources carrying the story (the store's count; 1 when unknown). */
    sourceCount?: number;
    /** Articles the store already folded into this story. */
    duplicateIds?: string[];
  };

const PRIORITY_WEIGHT: Record<Priority, number> = { breaking: 2, urgent: 1, routine: 0 };
/** A story loses one priority level of standing every 12 hours. */
const HOURS_PER_LEVEL = 12;
const MINHASHES = 12;
const BAND = 2;
const DUPLICATE_JACCARD = 0.6;
/** A bucket larger than this is a common-term bucket, not a story; comparing inside it would be n². */
const MAX_BUCKET_COMPARE = 40;

/** Each doubling of the sources carrying a story is worth this many priority levels. */
const PER_SOURCE_DOUBLING = 0.5;
/** Each doubling of its near-duplicates (the same source re-filing, syndicated copies) is worth less. */
const PER_DUPLICATE_DOUBLING = 0.25;
/** A near-identical headline is the same story only within this window (same link: any time). */
const DUPLICATE_WINDOW_MS = 6 * 3_600_000;
/**
 * Balance between sections: a section's stories lose standing by the log of how far its share of the period's
 * stories exceeds an even share, so a section that files ten times as much does not fill the briefing by volume.
 */
const SECTION_VOLUME_WEIGHT = 0.5;

export interface StoryWeight {
  priority: Priority;
  publishedAt: string;
  sourceCount?: number;
  duplicates?: number;
}

/** Priority, age, how many sources carry the story and how often it was filed. */
export function storyScore(a: StoryWeight, now: Date): number {
  const t = Date.parse(a.publishedAt);
  const ageHours = Number.isFinite(t) ? Math.max(0, (now.getTime() - t) / 3_600_000) : 10_000;
  return (
    PRIORITY_WEIGHT[a.priority] -
    ageHours / HOURS_PER_LEVEL +
    PER_SOURCE_DOUBLING * Math.log2(Math.max(1, a.sourceCount ?? 1)) +
    PER_DUPLICATE_DOUBLING * Math.log2(1 + (a.duplicates ?? 0))
  );
}

/** Per-section penalty from its share of the stories: 0 at or below an even share. */
export function sectionVolumePenalty(counts: Map<string, number>): Map<string, number> {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const even = total / Math.max(1, counts.size);
  return new Map([...counts].map(([name, n]) => [name, SECTION_VOLUME_WEIGHT * Math.max(0, Math.log2(n / even))]));
}

function hash32(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
}

export function headlineTerms(title: string): Set<string> {
  return new Set(contentTerms(title));
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (!a.size || !b.size) return 0;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/** Cheap re-mix of one term hash into the k-th hash function (hashing each string once, not 12 times). */
function remix(h: number, k: number): number {
  let x = (h ^ Math.imul(k + 1, 0x9e3779b1)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  return (x ^ (x >>> 13)) >>> 0;
}

function minhashBands(terms: Set<string>): string[] {
  const hashes = [...terms].map((t) => hash32(t, 0));
  const sig: number[] = [];
  for (let k = 0; k < MINHASHES; k++) {
    let min = 0xffffffff;
    for (const h of hashes) min = Math.min(min, remix(h, k));
    sig.push(min);
  }
  const bands: string[] = [];
  for (let b = 0; b < MINHASHES; b += BAND) bands.push(`${b}:${sig.slice(b, b + BAND).join(',')}`);
  return bands;
}

function unionFind(n: number) {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  // The lower index (the better-ranked story, since input is sorted) stays the root.
  const union = (a: number, b: number) => {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  return { find, union };
}

/** Groups of near-duplicate stories; `ranked` must be best first. Returns root index → member indices. */
export function groupDuplicates(
  ranked: Array<Pick<BriefingArticle, 'title' | 'url' | 'canonicalUrl'> & { publishedAt?: string }>,
): Map<number, number[]> {
  const times = ranked.map((a) => (a.publishedAt ? Date.parse(a.publishedAt) : NaN));
  // Headlines alike are the same story only when filed close together ("Storm hits coast" recurs every winter).
  const close = (i: number, j: number) =>
    !Number.isFinite(times[i]) || !Number.isFinite(times[j]) || Math.abs(times[i] - times[j]) <= DUPLICATE_WINDOW_MS;
  const uf = unionFind(ranked.length);
  const byUrl = new Map<string, number>();
  const buckets = new Map<string, number[]>();
  const terms = ranked.map((a) => headlineTerms(a.title));
  ranked.forEach((a, i) => {
    const url = a.canonicalUrl ?? a.url;
    if (url) {
      const first = byUrl.get(url);
      if (first === undefined) byUrl.set(url, i);
      else uf.union(first, i);
    }
    if (terms[i].size === 0) return;
    for (const band of minhashBands(terms[i])) {
      const members = buckets.get(band) ?? [];
      for (const j of members) {
        if (uf.find(j) !== uf.find(i) && close(i, j) && jaccard(terms[i], terms[j]) >= DUPLICATE_JACCARD) uf.union(j, i);
      }
      if (members.length < MAX_BUCKET_COMPARE) members.push(i);
      buckets.set(band, members);
    }
  });
  const groups = new Map<number, number[]>();
  ranked.forEach((_, i) => {
    const root = uf.find(i);
    const g = groups.get(root);
    if (g) g.push(i);
    else groups.set(root, [i]);
  });
  return groups;
}

export function buildBriefing(
  articles: BriefingArticle[],
  summarizer: Pick<Summarizer, 'tldr'>,
  opts: BriefingOptions,
): BriefingSection[] {
  const maxSections = opts.maxSections ?? 5;
  const perSection = opts.perSection ?? 3;
  const sectionOf = (a: BriefingArticle) => (a.section || 'general').toLowerCase();
  const counts = new Map<string, number>();
  for (const a of articles) counts.set(sectionOf(a), (counts.get(sectionOf(a)) ?? 0) + 1);
  const volume = sectionVolumePenalty(counts);
  const scoreOf = (a: BriefingArticle) =>
    storyScore({ ...a, duplicates: a.duplicateIds?.length ?? 0 }, opts.now) - (volume.get(sectionOf(a)) ?? 0);
  const ranked = articles
    .map((a) => ({ a, score: scoreOf(a) }))
    .sort((x, y) => y.score - x.score || (x.a.id < y.a.id ? -1 : x.a.id > y.a.id ? 1 : 0))
    .map((x) => x.a);

  const groups = groupDuplicates(ranked);
  const sections = new Map<string, BriefingSection>();
  // Roots come in rank order (a root is the best-ranked member), so sections fill best-first.
  for (const [root, members] of [...groups].sort((x, y) => x[0] - y[0])) {
    const lead = ranked[root];
    const name = sectionOf(lead);
    let section = sections.get(name);
    if (!section) {
      if (sections.size >= maxSections) continue;
      section = { section: name, items: [] };
      sections.set(name, section);
    }
    if (section.items.length >= perSection) continue;
    section.items.push({
      id: lead.id,
      title: lead.title,
      url: lead.url ?? null,
      tldr: summarizer.tldr(lead),
      mergedIds: [
        ...(lead.duplicateIds ?? []),
        ...members.filter((i) => i !== root).flatMap((i) => [ranked[i].id, ...(ranked[i].duplicateIds ?? [])]),
      ],
      priority: lead.priority,
    });
  }
  return [...sections.values()];
}
