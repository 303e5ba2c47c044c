/**
 * Sentence splitting for news prose. A boundary is a terminator (. ! ? … or an ellipsis), optional closing
 * quotes/brackets, whitespace, and something that can open a sentence. The hard part is the full stop that
 * does not end a sentence: titles ("Mr.", "Dr."), dotted acronyms ("U.S."), months and numbers
 * ("Jan. 5", "No. 10"), initials ("J. K. Rowling"). Lines never run into each other: a newline ends a sentence.
 */

/** Abbreviations that are never the last word of a sentence in news copy (they precede a name or number). */
const TITLES = new Set([
  'mr', 'mrs', 'ms', 'messrs', 'mme', 'dr', 'prof', 'sen', 'sens', 'rep', 'reps', 'gov', 'gen', 'col', 'lt',
  'sgt', 'capt', 'cmdr', 'adm', 'maj', 'cpl', 'pvt', 'rev', 'hon', 'pres', 'supt', 'det', 'insp', 'atty',
  'st', 'mt', 'ft', 'fr', 'sr', 'jr', 'vs', 'v', 'cf', 'approx', 'dept', 'univ', 'gov', 'ave', 'blvd', 'rd',
  'e.g', 'i.e', 'ca', 'fig', 'figs', 'vol', 'vols', 'op', 'pp', 'para', 'art', 'sec', 'ch',
]);

/** Abbreviations that do not end a sentence when a number follows ("Jan. 5", "No. 10", "p. 4"). */
const BEFORE_NUMBER = new Set([
  'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'no', 'nos', 'p', 'pt', 'art',
]);

/**
 * Abbreviations that may or may not end a sentence ("U.S.", "Inc.", "a.m.", "etc."): we split only when the
 * next word is one that typically opens a sentence, so "the U.S. Senate" stays whole but "in the U.S. The"
 * splits.
 */
const AMBIGUOUS = new Set(['inc', 'corp', 'co', 'ltd', 'llc', 'plc', 'bros', 'etc', 'esq', 'a.m', 'p.m']);

const SENTENCE_OPENERS = new Set([
  'the', 'a', 'an', 'he', 'she', 'it', 'they', 'we', 'i', 'you', 'but', 'and', 'so', 'yet', 'or', 'in', 'on',
  'at', 'for', 'this', 'that', 'these', 'those', 'there', 'his', 'her', 'their', 'its', 'our', 'my', 'after',
  'before', 'when', 'while', 'as', 'if', 'some', 'many', 'most', 'no', 'not', 'one', 'two', 'however', 'meanwhile',
  'still', 'then', 'now', 'last', 'earlier', 'later', 'since', 'according', 'officials', 'police', 'what', 'why',
  'how', 'who', 'where', 'both', 'all', 'each', 'other', 'another', 'despite', 'although', 'though', 'with',
  'without', 'from', 'by', 'to', 'under', 'during', 'among', 'also', 'even', 'only', 'such', 'more', 'few',
]);

const CLOSERS = `"'”’»)\\]`;
const OPENERS = `"'“‘«(\\[`;
/** Terminator run, closing marks, whitespace, then the opening of the next sentence. */
const BOUNDARY = new RegExp(`([.!?…]+)([${CLOSERS}]*)(\\s+)(?=[${OPENERS}]*[\\p{Lu}\\p{N}])`, 'gu');

/** The word just before a full stop at `end` (the index of the stop), dots inside it kept ("U.S", "J"). */
function wordBefore(text: string, end: number): string {
  let i = end;
  while (i > 0 && /[\p{L}\p{N}.&'’-]/u.test(text[i - 1])) i--;
  return text.slice(i, end).replace(/^['’(]+/, '');
}

function nextWord(text: string, from: number): string {
  const m = /^[\s"'“‘«([]*([\p{L}\p{N}][\p{L}\p{N}'’-]*)/u.exec(text.slice(from, from + 40));
  return m ? m[1] : '';
}

function isBoundary(text: string, stopIndex: number, terminator: string, closers: string, nextStart: number): boolean {
  if (terminator !== '.') {
    // "!"/"?" and ellipses end a sentence when a capitalised word follows; a quote closing after them is
    // part of the sentence. Ellipses inside quotes mid-sentence are rare next to a capital.
    return true;
  }
  if (closers) return true; // `."` / `.”` / `.)` ends a sentence: abbreviations are not quoted alone.
  const word = wordBefore(text, stopIndex);
  const lower = word.toLowerCase();
  const next = nextWord(text, nextStart);
  if (!word) return true;
  if (TITLES.has(lower)) return false;
  if (BEFORE_NUMBER.has(lower) && /^\p{N}/u.test(next)) return false;
  if (/^\p{Lu}$/u.test(word)) {
    // A lone capital is an initial ("J. K. Rowling", "George W. Bush") unless a plain opener follows.
    return SENTENCE_OPENERS.has(next.toLowerCase()) && next.length > 1 && /^\p{Lu}\p{Ll}/u.test(next);
  }
  if (AMBIGUOUS.has(lower) || /^(?:\p{L}\.)+\p{L}$/u.test(word)) {
    // Dotted acronyms ("U.S", "U.K", "a.m"): split only before a word that usually opens a sentence.
    return SENTENCE_OPENERS.has(next.toLowerCase());
  }
  return true;
}

/**
 * Paragraphs joined without a space ("in 1993.Mrs Fergus said"), as scraped copy often arrives: a stop right
 * after a lowercase word or a number, then a capitalised word, is a boundary. "U.S.A", "Node.js" and
 * "bbc.co.uk" do not match (a lone capital before the stop, or lowercase after it).
 */
const GLUED = /(?<=[\p{Ll}\p{N}]{2}[.!?]["”’')\]]?)(?=["“‘']?\p{Lu}[\p{Ll}'’])/gu;

/** Split one line of prose into sentences. */
function splitLine(joined: string): string[] {
  const line = joined.replace(GLUED, (_, at: number) =>
    TITLES.has(wordBefore(joined, joined.slice(0, at).search(/[.!?]["”’')\]]?$/)).toLowerCase()) ? '' : ' ');
  const out: string[] = [];
  let start = 0;
  BOUNDARY.lastIndex = 0;
  for (let m = BOUNDARY.exec(line); m; m = BOUNDARY.exec(line)) {
    const [, terminator, closers, space] = m;
    const stopIndex = m.index + terminator.length - 1;
    const nextStart = m.index + terminator.length + closers.length + space.length;
    if (isBoundary(line, m.index, terminator, closers, nextStart)) {
      const s = line.slice(start, stopIndex + 1 + closers.length).trim();
      if (s) out.push(s);
      start = nextStart;
    }
  }
  const rest = line.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

/** Sentences of a text, in order; line breaks always end a sentence. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\n+/)) {
    const trimmed = line.replace(/\s+/g, ' ').trim();
    if (trimmed) out.push(...splitLine(trimmed));
  }
  return out;
}
