import type { ArticleInput } from '../src/domain/article.js';

/**
 * Deterministic synthetic news: the same (seed, index) always gives the same article, so the store bench
 * and the peer benches in child processes index identical text without passing it between processes.
 * Words follow a Zipf-like law over a generated vocabulary plus real news words, as real text does: a few
 * very common terms (the hard case for ranking) and a long tail.
 */

/** mulberry32 */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NEWS_WORDS = (
  'government minister prime president election vote parliament court police market bank rates inflation ' +
  'trade deal talks summit war peace border army attack storm flood fire earthquake climate energy oil gas ' +
  'power company shares profit loss jobs workers strike union school hospital health vaccine virus doctors ' +
  'science space research study data technology chips software internet security cyber football cricket ' +
  'match season coach player record final festival film music museum art city council budget tax housing ' +
  'transport rail airport port ship water river farmers food prices india china russia europe america japan ' +
  'africa modi moscow ukraine washington london delhi tokyo beijing visit leader officials report said'
).split(' ');
const SYLLABLES = 'ka ri to ne sa mo lu vi de pa ra no ti ge ba so mi ze fo la ku ye ho wa ne'.split(' ');

export const SECTIONS = ['world', 'politics', 'business', 'technology', 'science', 'sport', 'culture', 'climate', 'health'];
export const SOURCES = ['Newsdesk Wire', 'Metro Desk', 'Harbor Times', 'Continental Press Service', 'Ledger Business Report', 'Signal Science'];
const VOCAB_SIZE = 30_000;
/** The fixed "now" of the synthetic corpus: articles are spread over the year before it. */
export const SYNTHETIC_NOW = Date.parse('2026-11-25T12:00:00Z');

export interface Vocabulary {
  words: string[];
  /** Cumulative Zipf weights, for sampling by binary search. */
  cdf: Float64Array;
}

let cached: Vocabulary | undefined;

export function vocabulary(): Vocabulary {
  if (cached) return cached;
  const rand = prng(7);
  const words = [...NEWS_WORDS];
  const seen = new Set(words);
  while (words.length < VOCAB_SIZE) {
    const n = 2 + Math.floor(rand() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  // Shuffle the news words into the head of the distribution with the generated ones around them.
  const cdf = new Float64Array(words.length);
  let total = 0;
  for (let r = 0; r < words.length; r++) {
    total += 1 / Math.pow(r + 1, 1.05);
    cdf[r] = total;
  }
  for (let r = 0; r < words.length; r++) cdf[r] /= total;
  cached = { words, cdf };
  return cached;
}

export function sampleWord(v: Vocabulary, rand: () => number): string {
  const x = rand();
  let lo = 0;
  let hi = v.cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v.cdf[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return v.words[lo];
}

function sentence(v: Vocabulary, rand: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(sampleWord(v, rand));
  const s = out.join(' ');
  return `${s[0].toUpperCase()}${s.slice(1)}.`;
}

/** Article number `index` of the corpus `seed`: ~2 KB of body in 5–8 paragraphs. */
export function syntheticArticle(index: number, seed = 1): ArticleInput & { publishedMs: number } {
  const rand = prng(seed * 1_000_003 + index);
  const v = vocabulary();
  const title = sentence(v, rand, 6 + Math.floor(rand() * 7)).replace(/\.$/, '');
  const paragraphs: string[] = [];
  const count = 5 + Math.floor(rand() * 4);
  for (let p = 0; p < count; p++) paragraphs.push(`${sentence(v, rand, 12 + Math.floor(rand() * 14))} ${sentence(v, rand, 8 + Math.floor(rand() * 10))}`);
  const publishedMs = SYNTHETIC_NOW - Math.floor(rand() * 365 * 86_400_000);
  const roll = rand();
  return {
    id: `syn-${seed}-${index}`,
    url: `https://synthetic.example/${seed}/${index}`,
    title,
    dek: sentence(v, rand, 15 + Math.floor(rand() * 10)),
    body: paragraphs.join('\n\n'),
    section: SECTIONS[Math.floor(rand() * SECTIONS.length)],
    source: SOURCES[Math.floor(rand() * SOURCES.length)],
    author: `Reporter ${Math.floor(rand() * 400)}`,
    publishedAt: new Date(publishedMs).toISOString(),
    publishedMs,
    priority: roll < 0.01 ? 'breaking' : roll < 0.06 ? 'urgent' : 'routine',
  };
}

export interface SyntheticQuery {
  /** The words, as a user would type them after /news. */
  text: string;
  section?: string;
  /** e.g. '7d', as /news takes it. */
  since?: string;
  sinceDays?: number;
}

/** Varied /news queries: 1–3 words, from very common to rare, a third with filters. */
export function syntheticQueries(count: number, seed = 99): SyntheticQuery[] {
  const rand = prng(seed);
  const v = vocabulary();
  const queries: SyntheticQuery[] = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(rand() * 3);
    const words: string[] = [];
    for (let w = 0; w < n; w++) {
      // Half from the article distribution (common words), half from the mid-tail.
      words.push(rand() < 0.5 ? sampleWord(v, rand) : v.words[20 + Math.floor(Math.pow(rand(), 2) * 5_000)]);
    }
    const q: SyntheticQuery = { text: words.join(' ') };
    const f = rand();
    if (f < 0.15) q.section = SECTIONS[Math.floor(rand() * SECTIONS.length)];
    else if (f < 0.3) {
      q.sinceDays = [1, 7, 30, 90][Math.floor(rand() * 4)];
      q.since = `${q.sinceDays}d`;
    }
    queries.push(q);
  }
  return queries;
}

/** A known-item query: 2–4 of one article's most distinctive headline words; that article should be in the top 5. */
export interface KnownItem {
  index: number;
  id: string;
  text: string;
}

/**
 * `count` articles sampled evenly (with a random offset) from the first `articles` of corpus 1; for each, 2–4 of
 * its headline's rarest words (rarity from the vocabulary rank the generator drew them by, not from any index).
 */
export function knownItemQueries(articles: number, count = 1_000, seed = 5): KnownItem[] {
  const rand = prng(seed);
  const v = vocabulary();
  const rank = new Map(v.words.map((w, i) => [w, i]));
  const out: KnownItem[] = [];
  const n = Math.min(count, articles);
  for (let k = 0; k < n; k++) {
    const index = Math.min(articles - 1, Math.floor(((k + rand()) * articles) / n));
    const a = syntheticArticle(index);
    const words = [...new Set(a.title.toLowerCase().split(/\s+/))].sort((x, y) => (rank.get(y) ?? 0) - (rank.get(x) ?? 0));
    const take = Math.min(words.length, 2 + Math.floor(rand() * 3));
    out.push({ index, id: a.id!, text: words.slice(0, take).join(' ') });
  }
  return out;
}
