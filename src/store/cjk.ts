/**
 * Chinese, Japanese and Korean text has no spaces between words, so FTS5's unicode61 and PostgreSQL's parser read a
 * whole run of it as one token ("世纪华通宣布收购" is one word to them): a headline could only be found by typing all of
 * it. Search indexes such runs as overlapping character bigrams instead ("世纪 纪华 华通 通宣 …"), and a query's run
 * becomes the same bigrams, searched as a phrase: any substring of two characters or more is found, with no
 * dictionary to go stale. A run of one character stays one token (so a lone character is found only where it stands
 * alone: a bigram index cannot do better without doubling its size).
 *
 * Index time and query time must split alike. SQLite splits here, in JS; PostgreSQL splits with newsdesk_cjk()
 * (migration 510-search-cjk-bigrams, src/store/postgres/migrations.ts), which is this function written in PL/pgSQL:
 * the same ranges (CJK_RANGES below, in the SQL as \u/\U escapes) and the same output, checked on written-out
 * examples by tests/store/contract/cjk-search.test.ts.
 */

/**
 * Han (CJK ideographs, extensions A–G, compatibility), 々〆〇, Hiragana, Katakana (not the middle dot ・, which is
 * punctuation), half-width Katakana, Hangul syllables and jamo.
 */
export const CJK_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x11ff],
  [0x3005, 0x3007],
  [0x3041, 0x309f],
  [0x30a0, 0x30fa],
  [0x30fc, 0x30ff],
  [0x3130, 0x318f],
  [0x31f0, 0x31ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa960, 0xa97f],
  [0xac00, 0xd7af],
  [0xd7b0, 0xd7ff],
  [0xf900, 0xfaff],
  [0xff66, 0xff9f],
  [0x20000, 0x2fa1f],
  [0x30000, 0x3134f],
];

const hex = (n: number) => `\\u{${n.toString(16)}}`;
const CLASS = `[${CJK_RANGES.map(([a, b]) => `${hex(a)}-${hex(b)}`).join('')}]`;
const RUN = new RegExp(`${CLASS}+`, 'gu');
const ANY = new RegExp(CLASS, 'u');

export function hasCjk(text: string): boolean {
  return ANY.test(text);
}

/**
 * The text as the search index holds it: each run of CJK characters replaced by its bigrams (a lone character by
 * itself), set apart by spaces; everything else as it was. Text without CJK comes back unchanged.
 */
export function cjkBigrams(text: string): string {
  if (!ANY.test(text)) return text;
  return text.replace(RUN, (run) => {
    const chars = Array.from(run);
    if (chars.length === 1) return ` ${run} `;
    const pairs: string[] = [];
    for (let i = 0; i < chars.length - 1; i++) pairs.push(chars[i] + chars[i + 1]);
    return ` ${pairs.join(' ')} `;
  });
}
