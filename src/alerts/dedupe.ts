import { normalizeWords } from './match.js';

/** Words too common to tell two headlines apart. */
const STOPWORDS = new Set(
  'a an the of in on at to for and or but is are was were be been by with from as that this it its into over after says said will'.split(' '),
);

/** How close two headlines must be to count as the same story (Jaccard similarity of their significant words). */
export const SAME_HEADLINE_SIMILARITY = 0.8;
/** Two sources may report the same story hours apart; beyond this a similar headline is a new story. */
export const SAME_STORY_WINDOW_MS = 6 * 3_600_000;

/** Sorted unique significant words: the key near-duplicate detection compares. */
export function headlineKey(title: string): string {
  const words = normalizeWords(title).split(' ').filter((w) => w.length > 1 && !STOPWORDS.has(w));
  return [...new Set(words)].sort().join(' ');
}

export function headlineSimilarity(a: string, b: string): number {
  if (!a || !b) return 0;
  if (a === b) return 1;
  const setA = new Set(a.split(' '));
  const setB = new Set(b.split(' '));
  let shared = 0;
  for (const w of setA) if (setB.has(w)) shared += 1;
  return shared / (setA.size + setB.size - shared);
}
