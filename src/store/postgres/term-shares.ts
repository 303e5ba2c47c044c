import type { PgDb } from './db.js';

/**
 * How common each word is, for ranking on PostgreSQL (the counterpart of src/store/sqlite/term-stats.ts):
 *
 * - `share(lexeme)`: the share of stories holding it, from PostgreSQL's own statistics of the tsvector column
 *   (pg_stats.most_common_elems: the lexemes in the most rows of ANALYZE's sample, with the share of rows holding
 *   each). ANALYZE runs after bulk loads (optimize()) and by autovacuum as the table changes, so there is nothing to
 *   keep; a lexeme not listed is rarer than every listed one. Re-read at most every STATS_TTL_MS.
 * - `ubiquitous(lexemes)`: a single-lexeme word in more than UBIQUITOUS_SHARE of the stories (as on SQLite): it adds
 *   next to nothing to a score and only narrows the matches, so it is checked on ranked candidates instead of scored.
 * - `lexemes(words)`: each word as the index holds it (the same text search configuration as the tsvector).
 */
const UBIQUITOUS_SHARE = 0.55;
/** Below this many stories every word is scored (ranking a small store is cheap), as on SQLite. */
const MIN_ARTICLES = 1_000;
const STATS_TTL_MS = 60_000;
const LEXEME_MEMO_SIZE = 20_000;

export interface Extent { size: number; lo: number; hi: number }

export class TermShares {
  private shares = new Map<string, number>();
  private extent: Extent = { size: 0, lo: 0, hi: 0 };
  private rarest = 0;
  private readAt = -Infinity;
  private reading: Promise<void> | null = null;
  private readonly memo = new Map<string, string[]>();

  constructor(private readonly db: PgDb, private readonly config: string) {}

  async lexemes(words: string[]): Promise<string[][]> {
    const missing = [...new Set(words.filter((w) => !this.memo.has(w)))];
    if (missing.length > 0) {
      const rows = await this.db.rows<{ w: string; lx: string[] }>(
        `SELECT w, tsvector_to_array(to_tsvector('${this.config}', newsdesk_cjk(w))) AS lx FROM unnest($1::text[]) AS w`, [missing]);
      if (this.memo.size + rows.length > LEXEME_MEMO_SIZE) this.memo.clear();
      for (const r of rows) this.memo.set(r.w, r.lx);
    }
    return words.map((w) => this.memo.get(w) ?? []);
  }

  /** The share of stories holding the lexeme, when it is among the most common; else undefined (rarer). */
  async share(lexeme: string): Promise<number | undefined> {
    await this.fresh();
    return this.shares.get(lexeme);
  }

  /** The share of the least common listed lexeme: about the most an unlisted one can have (0 without statistics). */
  async rarestListed(): Promise<number> {
    await this.fresh();
    return this.rarest;
  }

  /** The store's size and its publication-key range, as of the last read (for sizing windows). */
  async storeExtent(): Promise<Extent> {
    await this.fresh();
    return this.extent;
  }

  async ubiquitous(lexemes: string[]): Promise<boolean> {
    if (lexemes.length !== 1) return false;
    return ((await this.share(lexemes[0])) ?? 0) >= UBIQUITOUS_SHARE;
  }

  private async fresh(): Promise<void> {
    // Real elapsed time is the point here (how stale a cache may get), not the application's clock.
    if (Date.now() - this.readAt < STATS_TTL_MS) return;
    this.reading ??= this.read().finally(() => (this.reading = null));
    await this.reading;
  }

  private async read(): Promise<void> {
    const extent = (await this.db.one<Extent>('SELECT coalesce(max(seq), 0) AS size, coalesce(min(pub_key), 0) AS lo, coalesce(max(pub_key), 0) AS hi FROM articles'))!;
    const size = extent.size;
    const row = size < MIN_ARTICLES ? undefined : await this.db.one<{ elems: string[] | null; freqs: number[] | null }>(
      `SELECT most_common_elems::text::text[] AS elems, most_common_elem_freqs AS freqs FROM pg_stats
       WHERE schemaname = $1 AND tablename = 'articles' AND attname = 'tsv'`, [this.db.schema]);
    const shares = new Map<string, number>();
    if (row?.elems && row.freqs) row.elems.forEach((e, i) => shares.set(e, row.freqs![i]));
    // most_common_elem_freqs ends with the least and the greatest of the listed shares (and the share of nulls).
    this.rarest = row?.elems && row.freqs ? row.freqs[row.elems.length] ?? 0 : 0;
    this.shares = shares;
    this.extent = extent;
    this.readAt = Date.now();
  }
}
