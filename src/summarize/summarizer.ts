import type { Article } from '../domain/article.js';
import { cleanParagraphs, normalizeForCompare } from './clean.js';
import { splitSentences } from './sentences.js';
import { contentTerms, words } from './terms.js';
import { pickTldr } from './tldr.js';
import type { Summarizer } from './types.js';

export { dropTrailingClause } from './tldr.js';

/**
 * Extractive summarizer: score each sentence by signals that hold across newsrooms, then pick greedily
 * with a redundancy penalty (MMR) and return the picks in reading order.
 *
 *  - position: news is written top-down, so earlier sentences (and paragraph openers) carry the story;
 *  - centrality: similarity to the headline+dek (what the editor said the story is) and to the document
 *    centroid (what the whole article keeps talking about);
 *  - length: very short fragments and run-on sentences make poor summary lines;
 *  - redundancy: a sentence that repeats one already picked adds nothing.
 */

type ArticleText = Pick<Article, 'title' | 'dek' | 'body'>;
type Vec = Map<string, number>;

export interface SummarizerWeights {
  position: number;
  /** How fast the position prior decays, in sentences. */
  positionScale: number;
  paragraphOpener: number;
  title: number;
  centroid: number;
  /** MMR trade-off: how much similarity to an already picked sentence costs. */
  redundancy: number;
  /** Sentences opening with a pronoun or connective lean on what came before. */
  dangling: number;
  /** Direct quotes and questions: colour and voice, rarely the news itself. */
  quote: number;
  question: number;
  /** Above this many words a sentence starts to lose standing, reaching 0.4 after `longFalloff` more. */
  longWords: number;
  longFalloff: number;
  /** Degree centrality (mean similarity to the other sentences, TextRank's signal without the iteration). */
  degree: number;
  /** Fuller sentences carry more of the story: a bonus rising to `fullness` at `fullWords` words. */
  fullness: number;
  fullWords: number;
  /**
   * How far the position prior depends on the lead being central: the prior is scaled by
   * (lead's centrality ÷ the most central sentence's) ^ leadCentrality. Wire copy puts the news first and its
   * lead is central; features and analysis open elsewhere, and then position counts for less.
   */
  leadCentrality: number;
  /**
   * Feature-style paragraphing (several paragraphs of several sentences each, rather than one- or two-sentence
   * paragraphs or copy flattened to one line) moves weight from position to centrality and fuller sentences:
   * in such copy the news is spread through the piece. Each applies in proportion to how feature-like it is.
   */
  featurePosition: number;
  featureDegree: number;
  featureFullness: number;
  /** Sentences a paragraph where copy starts to look feature-like, and how many more until it fully does. */
  featureFrom: number;
  featureSpan: number;
  /** The one-line TL;DR leans further towards the sentence the whole piece keeps returning to. */
  tldrCentrality: number;
  tldrFullness: number;
  tldrCoverage: number;
  /** A one-line summary is the piece's own voice, not a quote from it. */
  tldrQuote: number;
  /** Bonus for the lead, scaled by how central it is (its centrality over the most central sentence's, squared). */
  tldrLead: number;
  /** Share of the headline's terms a sentence holds (no effect without a headline). */
  tldrTitle: number;
}

/**
 * Chosen on the CNN/DM dev file from the middle of a broad plateau (neighbouring values within ±0.15
 * ROUGE, both halves of the file agreeing), not from its single best point, so they carry to other sources.
 */
export const DEFAULT_WEIGHTS: SummarizerWeights = {
  position: 1.0,
  positionScale: 12,
  paragraphOpener: 0.05,
  title: 0.2,
  centroid: 0.4,
  redundancy: 0.4,
  dangling: 0.15,
  quote: 0.1,
  question: 0.3,
  longWords: 35,
  longFalloff: 35,
  degree: 0,
  fullness: 0,
  fullWords: 30,
  leadCentrality: 0,
  featurePosition: 0.1,
  featureDegree: 1.2,
  featureFullness: 0.9,
  featureFrom: 2,
  featureSpan: 1,
  tldrCentrality: 2,
  tldrFullness: 4,
  tldrCoverage: 3,
  tldrQuote: 2,
  tldrLead: 2,
  tldrTitle: 0,
};

export interface Scored {
  text: string;
  index: number;
  wordCount: number;
  selectable: boolean;
  vec: Vec;
  score: number;
  /** Degree centrality, 0..1 (1 for the most central sentence). */
  centrality: number;
}

const MIN_WORDS = 5;
const DANGLING_OPENER = /^["“‘']?(?:he|she|it|they|this|that|these|those|but|and|so|also|however|meanwhile|there)\b/i;
/** Prompts that survive line-level clean-up because they sit inside a paragraph. */
const INLINE_FURNITURE =
  /\b(?:read more|see more|click here|scroll down|sign up for|subscribe to|follow us on|advertisement|image caption|all rights reserved)\b/i;
/** House notices about the coverage itself ("Sportsmail will be providing you with live coverage…"). */
const HOUSE_NOTICE =
  /\b(?:will be (?:providing|bringing|giving) (?:you|readers)|(?:stay|keep) (?:tuned|with us)|follow (?:all )?(?:the|our) (?:live )?(?:action|coverage|updates)|contributed to this report|for the latest|(?:join|follow) us (?:here|live|from)|refresh (?:this|the) page)\b/i;

function norm(v: Vec): number {
  let s = 0;
  for (const x of v.values()) s += x * x;
  return Math.sqrt(s);
}

function unit(v: Vec): Vec {
  const n = norm(v);
  if (n) for (const [k, x] of v) v.set(k, x / n);
  return v;
}

function dot(a: Vec, b: Vec): number {
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  let d = 0;
  for (const [k, x] of small) {
    const y = large.get(k);
    if (y) d += x * y;
  }
  return d;
}

export function cosine(a: Vec, b: Vec): number {
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [k, x] of small) {
    const y = large.get(k);
    if (y) dot += x * y;
  }
  const d = norm(a) * norm(b);
  return d ? dot / d : 0;
}

function termCounts(terms: string[]): Vec {
  const v: Vec = new Map();
  for (const t of terms) v.set(t, (v.get(t) ?? 0) + 1);
  return v;
}

function isSelectable(text: string, wordCount: number, title: string): boolean {
  if (wordCount < MIN_WORDS) return false;
  if (INLINE_FURNITURE.test(text) || HOUSE_NOTICE.test(text)) return false;
  // A line without a terminator is a heading or a caption unless it is long enough to be prose.
  if (!/[.!?…]["”’')\]]*$/.test(text) && wordCount < 12) return false;
  return !title || normalizeForCompare(text) !== title;
}

/** Sentences of an article with their scores (before redundancy). Exported for the eval and tests. */
export function scoreSentences(article: ArticleText, w: SummarizerWeights = DEFAULT_WEIGHTS): Scored[] {
  const title = normalizeForCompare(article.title ?? '');
  const paragraphs = cleanParagraphs(article.body ?? '', { title: article.title, dek: article.dek });
  const raw: Array<{ text: string; opener: boolean }> = [];
  for (const p of paragraphs) splitSentences(p).forEach((text, i) => raw.push({ text, opener: i === 0 }));
  if (raw.length === 0) return [];
  const feature = featureLikeness(publishedParagraphs(article.body ?? ''), raw.length, w);

  const termLists = raw.map((s) => contentTerms(s.text));
  const df = new Map<string, number>();
  for (const terms of termLists) for (const t of new Set(terms)) df.set(t, (df.get(t) ?? 0) + 1);
  const n = raw.length;
  const idf = (t: string) => Math.log(1 + n / (df.get(t) ?? 1));
  const weigh = (v: Vec) => {
    for (const [k, x] of v) v.set(k, x * idf(k));
    return v;
  };

  const sentences: Scored[] = raw.map((s, index) => {
    const wordCount = words(s.text).length;
    return {
      text: s.text,
      index,
      wordCount,
      selectable: isSelectable(s.text, wordCount, title),
      vec: unit(weigh(termCounts(termLists[index]))),
      score: 0,
      centrality: 0,
    };
  });

  // Sentence vectors are unit length, so a dot product is their cosine and the centroid is their sum.
  const centroid: Vec = new Map();
  for (const s of sentences) for (const [k, x] of s.vec) centroid.set(k, (centroid.get(k) ?? 0) + x);
  const centroidNorm = norm(centroid) || 1;
  // What the story is about, as its editor framed it: headline, dek and the lead sentence. The lead is
  // included because many sources (wire copy, feeds) arrive without a dek and some without a headline.
  const lead = sentences.find((s) => s.selectable)?.text ?? '';
  const headline = weigh(termCounts(contentTerms(`${article.title ?? ''} ${article.dek ?? ''} ${lead}`)));

  const withCentroid = sentences.map((s) => dot(s.vec, centroid));
  const toCentroid = withCentroid.map((x) => x / centroidNorm);
  const degreeWeight = w.degree + feature * w.featureDegree;
  const fullnessWeight = w.fullness + feature * w.featureFullness;
  // Degree centrality, TextRank's signal without the iteration: the summed cosine to every other sentence,
  // which for unit vectors is the dot product with the centroid less the sentence's own 1. Linear, not n².
  const degreeRaw = sentences.map((s, i) => (s.vec.size ? withCentroid[i] - 1 : 0));
  const degreeMax = Math.max(1e-9, ...degreeRaw);
  const degree = degreeRaw.map((x) => Math.max(0, x) / degreeMax);
  const firstSelectable = sentences.findIndex((s) => s.selectable);
  const mostCentral = Math.max(1e-9, ...sentences.filter((s) => s.selectable).map((s) => toCentroid[s.index]));
  const leadShare = firstSelectable >= 0 ? Math.min(1, toCentroid[firstSelectable] / mostCentral) : 1;
  const positionWeight = w.position * leadShare ** w.leadCentrality * (1 - feature * (1 - w.featurePosition));

  for (const s of sentences) {
    const position = Math.exp(-s.index / w.positionScale);
    let score =
      positionWeight * position +
      w.title * cosine(s.vec, headline) +
      w.centroid * toCentroid[s.index] +
      degreeWeight * degree[s.index] +
      fullnessWeight * Math.min(1, s.wordCount / w.fullWords) +
      (raw[s.index].opener ? w.paragraphOpener : 0);
    if (s.index > 0 && DANGLING_OPENER.test(s.text)) score -= w.dangling;
    score -= w.quote * quotedShare(s.text);
    if (/\?["”’']?$/.test(s.text)) score -= w.question;
    s.score = score * lengthPrior(s.wordCount, w);
    s.centrality = degree[s.index];
  }
  return sentences;
}

/** Paragraphs as the publisher broke them (not the lines our clean-up makes of flattened copy). */
function publishedParagraphs(body: string): number {
  let n = 0;
  for (const line of body.split(/\n/)) if (/[.!?]["”’')]*\s*$/.test(line)) n++;
  return n;
}

/**
 * 0 for wire paragraphing (one or two sentences a paragraph) and for copy with no paragraph breaks (nothing to
 * tell), rising to 1 at four sentences a paragraph over at least three paragraphs.
 */
export function featureLikeness(paragraphs: number, sentences: number, w: SummarizerWeights = DEFAULT_WEIGHTS): number {
  if (paragraphs < 3) return 0;
  return Math.max(0, Math.min(1, (sentences / paragraphs - w.featureFrom) / w.featureSpan));
}

/** Share of the sentence inside double quotes (straight or curly). */
export function quotedShare(text: string): number {
  let quoted = 0;
  for (const m of text.matchAll(/["“]([^"“”]*)["”]?/g)) quoted += m[1].length;
  return text.length ? Math.min(1, quoted / text.length) : 0;
}

/** 1 for ordinary sentence lengths, falling off for fragments and run-ons. */
function lengthPrior(wordCount: number, w: SummarizerWeights): number {
  if (wordCount < 10) return 0.6 + 0.04 * wordCount;
  if (wordCount > w.longWords) return Math.max(0.4, 1 - (wordCount - w.longWords) / w.longFalloff);
  return 1;
}

/** Greedy MMR selection; ties go to the earlier sentence so output is deterministic. */
export function selectSentences(scored: Scored[], count: number, w: SummarizerWeights = DEFAULT_WEIGHTS): Scored[] {
  const pool = scored.filter((s) => s.selectable);
  // Similarity of each candidate to its closest pick so far, updated with each new pick only.
  const maxSim = new Array<number>(pool.length).fill(0);
  const taken = new Array<boolean>(pool.length).fill(false);
  const picked: Scored[] = [];
  while (picked.length < count && picked.length < pool.length) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < pool.length; i++) {
      if (taken[i]) continue;
      const value = pool[i].score - w.redundancy * maxSim[i];
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    taken[best] = true;
    picked.push(pool[best]);
    for (let i = 0; i < pool.length; i++) {
      if (!taken[i]) maxSim[i] = Math.max(maxSim[i], dot(pool[i].vec, pool[best].vec));
    }
  }
  return picked.sort((a, b) => a.index - b.index);
}

/** The first k sentences we could pick: Lead-k after our clean-up, to tell "chose the lead" from "chose". */
export function leadSentences(article: ArticleText, k: number): string[] {
  return scoreSentences(article)
    .filter((s) => s.selectable)
    .slice(0, k)
    .map((s) => s.text);
}

export function createSummarizer(weights: Partial<SummarizerWeights> = {}): Summarizer {
  const w: SummarizerWeights = { ...DEFAULT_WEIGHTS, ...weights };
  return {
    summarize(article, count) {
      if (count <= 0) return [];
      return selectSentences(scoreSentences(article, w), count, w).map((s) => s.text);
    },
    tldr(article) {
      return pickTldr(article, scoreSentences(article, w), w);
    },
  };
}
