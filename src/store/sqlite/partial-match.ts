/**
 * When no story has every word of a query: which smaller sets of the words to try, best first.
 *
 * Stories having more of the words come first; among sets of the same size, the set of rarer words first
 * (higher summed idf = ln(N / docs)), so "nesozeno election" ranks above "election" alone, and a story with
 * only a very common word never outranks one with a rare word. Each set is then ranked like a full query
 * (bm25 × recency); stories already listed under a larger or rarer set are not repeated.
 *
 * Words that match nothing are dropped first; only the MAX_WORDS rarest words are combined (2^5 − 1 sets at
 * most): a long pasted headline with one mistyped word still answers, in bounded time.
 */
export interface Word {
  text: string;
  /** The index terms the word becomes (porter-stemmed; "e-mail" gives two). */
  tokens: string[];
  /** In more than half of all stories (term-stats.ts): narrows the matches, adds nothing to the score. */
  ubiquitous: boolean;
}

const MAX_WORDS = 5;

export function partialPlan(words: Word[], docsOf: (w: Word) => number, totalDocs: number): Word[][] {
  const n = Math.max(1, totalDocs);
  const weighed = words
    .map((w, i) => ({ w, i, docs: docsOf(w) }))
    .filter((x) => x.docs > 0)
    .map((x) => ({ ...x, idf: x.w.ubiquitous ? 0 : Math.log((n + 1) / (Math.min(x.docs, n) + 0.5)) }))
    .sort((a, b) => b.idf - a.idf || a.i - b.i)
    .slice(0, MAX_WORDS);
  const sets: Array<{ words: typeof weighed; idf: number }> = [];
  const count = weighed.length;
  for (let mask = 1; mask < 1 << count; mask++) {
    const members = weighed.filter((_, b) => mask & (1 << b));
    // The full set of every word already failed (it is only tried here when words were dropped).
    if (members.length === words.length) continue;
    sets.push({ words: members, idf: members.reduce((s, m) => s + m.idf, 0) });
  }
  sets.sort((a, b) => b.words.length - a.words.length || b.idf - a.idf || firstIndex(a.words) - firstIndex(b.words));
  return sets.map((s) => [...s.words].sort((a, b) => a.i - b.i).map((x) => x.w));
}

function firstIndex(ws: Array<{ i: number }>): number {
  return Math.min(...ws.map((w) => w.i));
}
