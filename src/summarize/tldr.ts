import type { Article } from '../domain/article.js';
import { normalizeForCompare } from './clean.js';
import { quotedShare, type Scored, type SummarizerWeights } from './summarizer.js';
import { isWholeSentence, spacedWords, TLDR_MAX_WORDS } from './tldr-form.js';
import { contentTerms, words } from './terms.js';

/**
 * The one-line TL;DR: the best-scored sentence that is a whole sentence standing alone (see tldr-form.ts),
 * or that sentence without a droppable trailing clause. A sentence opening with "And"/"But", a quote whose
 * other half is in the previous sentence, a caption: none of them can be the line.
 */

type ArticleText = Pick<Article, 'title' | 'dek' | 'body'>;

/** Connectives after which a comma-separated tail is a non-restrictive clause, not the rest of a list. */
const CLAUSE_OPENER = /^(?:[a-z]+ing|according to|which|who|while|whereas|despite|amid|as|after|before)\b/;
const TRAILING_CLAUSE = /,\s+([a-z][^,;:"“”]*)([.!?])["”’]?$/;

/**
 * A sentence without its trailing non-restrictive clause (", underscoring …", ", according to …",
 * ", which …") is still a complete sentence, and often the one-line version an editor would write. A list
 * ("…, gaming, and betting odds.") is not a clause: cutting it would leave the list short.
 */
export function dropTrailingClause(text: string): string | null {
  const m = TRAILING_CLAUSE.exec(text);
  if (!m || !CLAUSE_OPENER.test(m[1])) return null;
  const tail = m[1].split(/\s+/);
  // "gaming and betting odds", "housing or transport": an -ing word joined to the next by and/or is a list item.
  if (/ing$/.test(tail[0]) && (tail.length < 3 || /^(?:and|or|&)$/.test(tail[1]))) return null;
  if (/ing$/.test(tail[0]) && /^(?:something|nothing|anything|everything|king|thing|spring|string|ring|ceiling|evening|morning|wedding|building|meeting|funding|housing|clothing|training|spending|ruling|finding|hearing|warning|opening|offering|gaming|betting|painting|setting)$/.test(tail[0])) {
    return null;
  }
  // The sentence before the comma already lists things ("poker, bingo, …"): the tail is its last item.
  const kept = text.slice(0, m.index).trim();
  if (/,\s+[^,]{1,30}$/.test(kept) && / (?:and|or) /.test(m[1])) return null;
  if ((kept.match(/["“”]/g) ?? []).length % 2 || (kept.match(/\(/g) ?? []).length !== (kept.match(/\)/g) ?? []).length) {
    return null;
  }
  return words(kept).length >= 8 ? `${kept}${m[2]}` : null;
}

/**
 * "But the council has decided to …" stands alone once the connective goes; "And giving some lip …" does
 * not (no subject), which the form check then rejects.
 */
export function dropLeadingConjunction(text: string): string {
  const m = /^(?:And|But|So|Or|Yet)\s+(?!,)(\p{Ll})/u.exec(text);
  if (!m) return text;
  const rest = text.slice(m[0].length - 1);
  // Only a clause with its own subject: an article, a pronoun or a name follows.
  if (!/^(?:the|a|an|this|that|these|those|it|its|he|she|they|we|i|his|her|their|our|there)\b/.test(rest)) return text;
  return rest[0].toUpperCase() + rest.slice(1);
}

/** Cut a long sentence before a non-restrictive clause (", which …") within the word budget. */
function clauseCut(text: string, maxWords: number): string | null {
  const tokens = text.split(/\s+/).slice(0, maxWords + 1);
  for (let i = Math.min(tokens.length - 2, maxWords - 1); i >= 3; i--) {
    if (/,$/.test(tokens[i]) && CLAUSE_OPENER.test(tokens.slice(i + 1, i + 3).join(' '))) {
      const cut = `${tokens.slice(0, i + 1).join(' ').replace(/,$/, '')}.`;
      if (isWholeSentence(cut)) return cut;
    }
  }
  return null;
}

/**
 * How much of what the rest of the piece talks about a sentence holds: for each of its distinct terms, the
 * number of other sentences that use it, summed; scaled so the best sentence is 1.
 */
function termCoverage(scored: Scored[]): Map<number, number> {
  const sets = scored.map((s) => [...s.vec.keys()]);
  const df = new Map<string, number>();
  for (const set of sets) for (const t of set) df.set(t, (df.get(t) ?? 0) + 1);
  const raw = sets.map((set) => {
    let n = 0;
    for (const t of set) n += (df.get(t) ?? 1) - 1;
    return n;
  });
  const max = Math.max(1, ...raw);
  return new Map(scored.map((s, i) => [s.index, raw[i] / max]));
}

interface Option {
  text: string;
  score: number;
  index: number;
}

export function pickTldr(article: ArticleText, scored: Scored[], w: Pick<SummarizerWeights, 'tldrCentrality' | 'tldrFullness' | 'tldrCoverage' | 'tldrQuote' | 'tldrLead' | 'tldrTitle' | 'fullWords'>): string {
  const title = normalizeForCompare(article.title ?? '');
  const selectable = scored.filter((s) => s.selectable && normalizeForCompare(s.text) !== title);
  // Each sentence, and the same sentence without a droppable trailing clause, competes for the line.
  const coverage = w.tldrCoverage ? termCoverage(scored) : new Map<number, number>();
  // A lead that is as central as anything after it is the news-first line an editor would keep.
  const lead = selectable[0];
  const mostCentral = Math.max(1e-9, ...selectable.map((s) => s.centrality));
  const leadBonus = lead ? w.tldrLead * Math.max(0, (lead.centrality / mostCentral - 0.85) / 0.15) : 0;
  // The headline is the editor's own one-line framing: the sentence that says most of it is the closest to a TL;DR.
  const titleTerms = new Set(contentTerms(article.title ?? ''));
  const titleShare = (s: Scored) => {
    if (!titleTerms.size) return 0;
    let hit = 0;
    for (const t of titleTerms) if (s.vec.has(t)) hit++;
    return hit / titleTerms.size;
  };
  const options: Option[] = selectable.flatMap((s) => {
    const own = dropLeadingConjunction(s.text);
    const short = dropTrailingClause(own);
    const base =
      s.score +
      w.tldrCentrality * s.centrality +
      w.tldrFullness * Math.min(1, s.wordCount / w.fullWords) +
      w.tldrCoverage * (coverage.get(s.index) ?? 0) -
      w.tldrQuote * quotedShare(s.text) +
      (s === lead ? leadBonus : 0) +
      w.tldrTitle * titleShare(s);
    const first = { text: own, score: own === s.text ? base : base * 0.9, index: s.index };
    return short ? [first, { text: short, score: first.score * 0.95, index: s.index }] : [first];
  });
  const byScore = options.sort((a, b) => b.score - a.score || a.index - b.index);
  const fits = byScore.find((o) => isWholeSentence(o.text));
  if (fits) return fits.text;
  const dek = (article.dek ?? '').trim();
  if (dek && normalizeForCompare(dek) !== title && isWholeSentence(dek)) return dek;
  // Last resort: the best sentence cut before a clause, still a sentence; else nothing rather than a fragment.
  for (const o of byScore) {
    const cut = clauseCut(o.text, TLDR_MAX_WORDS);
    if (cut) return cut;
  }
  if (dek && spacedWords(dek) > TLDR_MAX_WORDS) return clauseCut(dek, TLDR_MAX_WORDS) ?? '';
  return '';
}
