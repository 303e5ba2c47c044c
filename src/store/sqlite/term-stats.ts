import type { Database, Statement } from 'better-sqlite3';
import { cjkBigrams } from '../cjk.js';
import { unpackBody, type StoredBody } from './body-codec.js';

/**
 * How common each word is, as the ranking needs to know it:
 *
 * - `ubiquitous(term)`: the word is in more than half of all stories. FTS5's bm25 clamps the idf of such a word to
 *   1e-6, so it adds nothing to a score; it only narrows the matches. Scoring it anyway costs a pass over its whole
 *   doclist (bm25 counts the documents of every phrase), which at 100k stories is what made /news slow.
 *   Known from a sample (SAMPLE_SIZE stories spread evenly over the store), refreshed when the store has grown or
 *   shrunk by a quarter; a word counts as ubiquitous from UBIQUITOUS_SHARE of the sample up (above a half, so a
 *   word near the line keeps its tiny idf: at a true share of 0.45 it is only ln(0.55 / 0.45) = 0.2).
 * - `docCount(match, cap)`: matching stories, counted up to `cap`: enough to order words by rarity.
 * - `docEstimate(tokens, match, n)`: a word's document count for its idf: counted exactly below a cap (0.6% of
 *   the store, at least 500), above it the sample's share times the store's size (±10% for a word in 1% of
 *   stories: its idf moves by 0.1, against idfs of 2–12).
 *
 * Words become index terms through a temporary FTS5 table with the same tokenizer as articles_fts (porter,
 * unicode61, remove_diacritics 2), so "Governments" is looked up as "govern", exactly as the index holds it.
 */
const SAMPLE_SIZE = 1_000;
/** Terms in at least this many sampled stories are kept (a share of 0.3%), with their share. */
const SAMPLE_MIN_DOCS = 3;
const UBIQUITOUS_SHARE = 0.55;
/** Below this many stories every word is scored: bm25 over a small store is cheap. */
const MIN_ARTICLES = 1_000;
const REFRESH_RATIO = 1.25;
const TOKEN_MEMO_SIZE = 20_000;

export class TermStats {
  private readonly probeInsert: Statement;
  private readonly probeTerms: Statement;
  private readonly probeClear: Statement;
  private readonly lookup: Statement;
  private readonly countMatches: Statement;
  private checkedAt = -1;
  private readonly tokenMemo = new Map<string, string[]>();

  constructor(private readonly db: Database) {
    db.exec(`
      CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_probe USING fts5(t, tokenize = 'porter unicode61 remove_diacritics 2');
      CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_probe_terms USING fts5vocab(temp, search_probe, 'instance');
      CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_probe_rows USING fts5vocab(temp, search_probe, 'row');
    `);
    this.probeInsert = db.prepare('INSERT INTO temp.search_probe (rowid, t) VALUES (?, ?)');
    this.probeTerms = db.prepare('SELECT doc, term FROM temp.search_probe_terms ORDER BY doc, "offset"');
    this.probeClear = db.prepare('DELETE FROM temp.search_probe');
    this.lookup = db.prepare('SELECT share FROM search_term_stats WHERE term = ?');
    this.countMatches = db.prepare('SELECT count(*) AS n FROM (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT ?)');
  }

  /** Each text's index terms, in order (one user word may give several: "e-mail" is "e", "mail"). */
  tokenize(texts: string[]): string[][] {
    const missing = [...new Set(texts.filter((t) => !this.tokenMemo.has(t)))];
    if (missing.length > 0) {
      const out = missing.map((): string[] => []);
      this.db.transaction(() => {
        missing.forEach((t, i) => this.probeInsert.run(i + 1, t));
        for (const r of this.probeTerms.all() as Array<{ doc: number; term: string }>) out[r.doc - 1].push(r.term);
        this.probeClear.run();
      })();
      // The tokenizer is fixed, so a word's terms never change; the memo is only bounded.
      if (this.tokenMemo.size + missing.length > TOKEN_MEMO_SIZE) this.tokenMemo.clear();
      missing.forEach((t, i) => this.tokenMemo.set(t, out[i]));
    }
    return texts.map((t) => this.tokenMemo.get(t)!);
  }

  /** True when the (single-token) word is in more than half of the stories, per the last sample. */
  ubiquitous(tokens: string[]): boolean {
    if (tokens.length !== 1) return false;
    const row = this.lookup.get(tokens[0]) as { share: number } | undefined;
    return row !== undefined && row.share >= UBIQUITOUS_SHARE;
  }

  /** A word's document count: exact below the cap, else from the sample (see above). */
  docEstimate(tokens: string[], match: string, n: number): number {
    const cap = Math.max(500, Math.ceil(n * 0.006));
    const share = tokens.length === 1 ? (this.lookup.get(tokens[0]) as { share: number } | undefined)?.share : undefined;
    if (share !== undefined && share * n >= cap) return share * n;
    const counted = this.docCount(match, cap);
    return counted >= cap && share !== undefined ? Math.max(cap, share * n) : counted;
  }

  /** How many stories match the FTS5 expression, counting no further than `cap`. */
  docCount(match: string, cap: number): number {
    return (this.countMatches.get(match, cap) as { n: number }).n;
  }

  /**
   * Re-samples when the store has changed size by a quarter since the last sample (cheap to check: the
   * highest arrival number). Called after bulk loads, on open and every so many single writes.
   */
  refreshIfStale(): void {
    const size = (this.db.prepare('SELECT coalesce(max(seq), 0) AS n FROM articles').get() as { n: number }).n;
    if (size === this.checkedAt) return;
    this.checkedAt = size;
    const meta = this.db.prepare("SELECT value FROM search_stats_meta WHERE key = 'sampled_at_size'").get() as { value: number } | undefined;
    const last = meta?.value ?? 0;
    if (size < MIN_ARTICLES) {
      if (last !== 0) this.resample(0);
      return;
    }
    if (last > 0 && size < last * REFRESH_RATIO && size > last / REFRESH_RATIO) return;
    this.resample(size);
  }

  /** Stories spread evenly by arrival number (missing numbers are skipped), tokenized like the index. */
  private resample(size: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM search_term_stats').run();
      if (size > 0) {
        // Arrival numbers spread evenly over 1..size (point lookups: a scan would read every body).
        const bySeq = this.db.prepare('SELECT title, dek, body FROM articles WHERE seq = ?');
        const rows: Array<{ title: string; dek: string; body: StoredBody }> = [];
        const picks = Math.min(SAMPLE_SIZE, size);
        for (let i = 0; i < picks; i++) {
          const row = bySeq.get(1 + Math.floor(((i + 0.5) * size) / picks)) as (typeof rows)[number] | undefined;
          if (row) rows.push(row);
        }
        rows.forEach((r, i) => this.probeInsert.run(i + 1, cjkBigrams(`${r.title}\n${r.dek}\n${unpackBody(r.body)}`)));
        if (rows.length > 0) {
          this.db
            .prepare(
              `INSERT INTO search_term_stats (term, share)
               SELECT term, doc * 1.0 / ? FROM temp.search_probe_rows WHERE doc >= ?`,
            )
            .run(rows.length, SAMPLE_MIN_DOCS);
        }
        this.probeClear.run();
      }
      this.db
        .prepare("INSERT INTO search_stats_meta (key, value) VALUES ('sampled_at_size', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .run(size);
    })();
  }
}
