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
};

export interface Scored {
  text: string;
  index: number;
  wordCount: number;
  selectable: boolean;
  vec: Vec;
  score: number;
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
      vec: weigh(termCounts(termLists[index])),
      score: 0,
    };
  });

  const centroid: Vec = new Map();
  for (const s of sentences) {
    const len = norm(s.vec) || 1;
    for (const [k, x] of s.vec) centroid.set(k, (centroid.get(k) ?? 0) + x / len);
  }
  // What the story is about, as its editor framed it: headline, dek and the lead sentence. The lead is
  // included because many sources (wire copy, feeds) arrive without a dek and some without a headline.
  const lead = sentences.find((s) => s.selectable)?.text ?? '';
  const headline = weigh(termCounts(contentTerms(`${article.title ?? ''} ${article.dek ?? ''} ${lead}`)));

  for (const s of sentences) {
    const position = Math.exp(-s.index / w.positionScale);
    let score =
      w.position * position +
      w.title * cosine(s.vec, headline) +
      w.centroid * cosine(s.vec, centroid) +
      (raw[s.index].opener ? w.paragraphOpener : 0);
    if (s.index > 0 && DANGLING_OPENER.test(s.text)) score -= w.dangling;
    score -= w.quote * quotedShare(s.text);
    if (/\?["”’']?$/.test(s.text)) score -= w.question;
    s.score = score * lengthPrior(s.wordCount, w);
  }
  return sentences;
}

/** Share of the sentence inside double quotes (straight or curly). */
function quotedShare(text: string): number {
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
  const picked: Scored[] = [];
  while (picked.length < count && pool.length) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < pool.length; i++) {
      let maxSim = 0;
      for (const p of picked) maxSim = Math.max(maxSim, cosine(pool[i].vec, p.vec));
      const value = pool[i].score - w.redundancy * maxSim;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    picked.push(pool.splice(best, 1)[0]);
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
      return pickTldr(article, scoreSentences(article, w));
    },
  };
}
