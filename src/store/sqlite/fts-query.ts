/**
 * Builds FTS5 MATCH expressions. User text reaches FTS5 only as double-quoted strings (a quote inside is
 * doubled), so no input can be read as FTS5 syntax (NEAR, *, ^, -, column filters, AND/OR/NOT) and none can
 * raise an SQLite error. Filter tokens live in the `tags` column, which user terms never reach.
 */

/** More terms than this add cost, not precision. */
const MAX_TERMS = 24;
/** unicode61 drops everything that is not a letter or a digit; a term without one would be an empty phrase. */
const SEARCHABLE = /[\p{L}\p{N}]/u;

export type MatchMode = 'all' | 'any';

/** Words of the user's text, deduplicated case-insensitively, without tokens that cannot match anything. */
export function searchTerms(text: string): string[] {
  const seen = new Set<string>();
  const terms: string[] = [];
  // NUL ends the string FTS5's parser sees (an "unterminated string" error); lone surrogates are not UTF-8.
  const clean = text.replace(/[\p{Cc}\p{Cs}]/gu, ' ').normalize('NFC');
  for (const raw of clean.split(/[\s\u201c\u201d\u201e\u00ab\u00bb]+/u)) {
    if (!raw || !SEARCHABLE.test(raw)) continue;
    const key = raw.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    terms.push(raw);
    if (terms.length === MAX_TERMS) break;
  }
  return terms;
}

export function quoteTerm(term: string): string {
  return `"${term.replace(/"/g, '""')}"`;
}

export interface FilterTokens {
  section?: string;
  source?: string;
}

/**
 * The user's words, searched in title, dek and body. Only a word shaped like a filter token (zz + letter +
 * digit) gets a column filter, so it cannot reach the tags column; the others need none, and skipping it
 * spares FTS5 reading every match's positions just to check columns.
 */
export function textMatch(terms: string[], mode: MatchMode): string {
  const phrases = terms.map((t) => (TAG_SHAPED.test(t) ? `{title dek body} : ${quoteTerm(t)}` : quoteTerm(t)));
  return `(${phrases.join(mode === 'all' ? ' AND ' : ' OR ')})`;
}
const TAG_SHAPED = /(^|[^\p{L}\p{N}])zz\p{L}\p{N}/iu;

/** Every word in the headline (the stemmed title column of articles_fts). */
export function headlineMatch(terms: string[]): string {
  return `{title} : (${terms.map(quoteTerm).join(' AND ')})`;
}

/** Autocomplete over the headlines-only index: every word but the last in full, the last as a prefix. */
export function prefixMatch(terms: string[]): string {
  return terms.map((t, i) => (i === terms.length - 1 ? `${quoteTerm(t)}*` : quoteTerm(t))).join(' AND ');
}

export function withFilters(match: string, filters: FilterTokens): string {
  const parts = [match];
  if (filters.section) parts.push(`tags : ${quoteTerm(sectionToken(filters.section))}`);
  if (filters.source) parts.push(`tags : ${quoteTerm(sourceToken(filters.source))}`);
  return parts.join(' AND ');
}

/** The tags column's text for one article. Time needs no token: the FTS rowid is the publication time. */
export function tagsFor(a: { section: string; source: string }): string {
  return `${sectionToken(a.section)} ${sourceToken(a.source)}`;
}

// Tokens end in digits so the porter stemmer leaves them alone; names are hashed to digits because sections
// and sources may hold spaces and punctuation that the tokenizer would split on.
export function sectionToken(section: string): string {
  return `zzs${digitsOf(section)}`;
}

export function sourceToken(source: string): string {
  return `zzo${digitsOf(source)}`;
}

/** FNV-1a (two lanes, 64 bits of spread) over the case-folded name, as decimal digits. */
function digitsOf(name: string): string {
  const text = name.trim().toLowerCase();
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return `${h1}${String(h2).padStart(10, '0')}`;
}
