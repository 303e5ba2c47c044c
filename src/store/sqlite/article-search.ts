import type { Database, Statement } from 'better-sqlite3';
import type { ArticleFilter, SearchPage, SearchQuery } from '../types.js';
import { rowToArticle, type ArticleRow } from './article-rows.js';
import { prefixMatch, searchTerms, textMatch, timeBuckets, withFilters, type MatchMode } from './fts-query.js';

/** Headline beats dek beats body; the tags column (filter tokens) never scores. */
const BM25 = 'bm25(articles_fts, 10.0, 4.0, 1.0, 0.0)';
/** Recency multiplies relevance by up to 1 + WEIGHT, halving every HALF_LIFE_DAYS. */
const RECENCY_WEIGHT = 1;
const HALF_LIFE_DAYS = 7;
const DAY_MS = 86_400_000;
/** The ranked pool the recency blend reorders: large enough that the blend rarely reaches past it. */
const MIN_POOL = 100;
const MAX_POOL = 2_000;

/**
 * The read side. Ranking runs in a subquery over the FTS index alone (ORDER BY bm25 LIMIT pool) with every
 * filter already inside the MATCH as tag tokens, and articles are joined afterwards: joining first makes
 * SQLite read every matching row, which is what made common words slow. Recency is blended over that pool.
 */
export class ArticleSearch {
  private readonly publishedRange: Statement;

  constructor(private readonly db: Database, private readonly now: () => Date) {
    this.publishedRange = db.prepare('SELECT min(published_ms) AS lo, max(published_ms) AS hi FROM articles');
  }

  latest(filter: ArticleFilter & { limit: number; offset: number }): SearchPage {
    const { where, params } = plainFilters(filter);
    const { limit, offset } = paging(filter);
    const rows = this.db
      .prepare(`SELECT * FROM articles ${where} ORDER BY published_ms DESC, seq DESC LIMIT ? OFFSET ?`)
      .all(...params, limit + 1, offset) as ArticleRow[];
    return { items: rows.slice(0, limit).map(rowToArticle), hasMore: rows.length > limit };
  }

  search(query: SearchQuery): SearchPage {
    const text = query.text ?? '';
    if (!text.trim()) return this.latest(query);
    const terms = searchTerms(text);
    if (terms.length === 0) return { items: [], hasMore: false };
    const all = this.ranked(terms, 'all', query);
    if (all.items.length > 0 || terms.length === 1) return { ...all, matched: 'all' };
    // Nothing has every word: offer what has any of them, and say so.
    if (query.offset > 0 && this.ranked(terms, 'all', { ...query, offset: 0, limit: 1 }).items.length > 0) {
      return { ...all, matched: 'all' };
    }
    return { ...this.ranked(terms, 'any', query), matched: 'any' };
  }

  suggest(prefix: string, limit: number): Array<{ id: string; title: string }> {
    const n = Math.max(0, Math.min(Math.floor(limit) || 0, 100));
    if (n === 0) return [];
    const terms = searchTerms(prefix);
    if (terms.length === 0) {
      return this.db.prepare('SELECT id, title FROM articles ORDER BY published_ms DESC LIMIT ?').all(n) as Array<{ id: string; title: string }>;
    }
    const last = terms[terms.length - 1];
    if (terms.length === 1 && last.length < 2) return this.suggestOneLetter(last, n);
    // Newest rows first (rowid order follows ingestion), stopping early; then by publication among those.
    const rows = this.db
      .prepare(
        `SELECT a.id, a.title FROM (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT ?) f
         JOIN articles a ON a.seq = f.rowid ORDER BY a.published_ms DESC LIMIT ?`,
      )
      .all(prefixMatch(terms), n * 8, n) as Array<{ id: string; title: string }>;
    return rows;
  }

  /** One letter would expand to thousands of index terms: scan recent headlines instead. */
  private suggestOneLetter(letter: string, n: number): Array<{ id: string; title: string }> {
    const lower = letter.toLowerCase();
    const recent = this.db.prepare('SELECT id, title FROM articles ORDER BY published_ms DESC LIMIT 1000').all() as Array<{ id: string; title: string }>;
    return recent.filter((r) => r.title.toLowerCase().split(/[^\p{L}\p{N}]+/u).some((w) => w.startsWith(lower))).slice(0, n);
  }

  private ranked(terms: string[], mode: MatchMode, query: SearchQuery): SearchPage {
    const { limit, offset } = paging(query);
    const since = query.since && !Number.isNaN(query.since.getTime()) ? query.since.getTime() : undefined;
    const range = this.publishedRange.get() as { lo: number | null; hi: number | null };
    if (range.hi === null) return { items: [], hasMore: false };
    // A `since` older than everything stored filters nothing; one newer than everything leaves nothing.
    const sinceActive = since !== undefined && since > (range.lo ?? 0);
    if (since !== undefined && since > range.hi) return { items: [], hasMore: false };
    const match = withFilters(textMatch(terms, mode), {
      section: query.section,
      source: query.source,
      timeBuckets: sinceActive ? timeBuckets(new Date(since!), new Date(range.hi)) : undefined,
    });
    const pool = Math.min(MAX_POOL, Math.max(MIN_POOL, 3 * (offset + limit + 1)));
    // The exact `since` check reads one column per candidate, and only for candidates already inside the
    // window's day buckets.
    const exactSince = sinceActive ? 'AND (SELECT published_ms FROM articles WHERE seq = articles_fts.rowid) >= ?' : '';
    const candidates = this.db
      .prepare(
        `SELECT r.rowid AS seq, r.score AS score, a.published_ms AS published_ms
         FROM (SELECT rowid, ${BM25} AS score FROM articles_fts WHERE articles_fts MATCH ? ${exactSince}
               ORDER BY score LIMIT ?) r
         JOIN articles a ON a.seq = r.rowid`,
      )
      .all(...(sinceActive ? [match, since, pool] : [match, pool])) as Array<{ seq: number; score: number; published_ms: number }>;

    const now = this.now().getTime();
    const blended = candidates
      .map((c) => ({ ...c, blended: -c.score * recencyBoost(now - c.published_ms) }))
      .sort((a, b) => b.blended - a.blended || b.published_ms - a.published_ms || b.seq - a.seq);
    const pageSeqs = blended.slice(offset, offset + limit).map((c) => c.seq);
    return { items: this.bySeq(pageSeqs).map(rowToArticle), hasMore: blended.length > offset + limit };
  }

  private bySeq(seqs: number[]): ArticleRow[] {
    if (seqs.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT * FROM articles WHERE seq IN (${seqs.map(() => '?').join(',')})`)
      .all(...seqs) as ArticleRow[];
    const bySeq = new Map(rows.map((r) => [r.seq, r]));
    return seqs.map((s) => bySeq.get(s)).filter((r): r is ArticleRow => r !== undefined);
  }
}

function recencyBoost(ageMs: number): number {
  const ageDays = Math.max(0, ageMs) / DAY_MS;
  return 1 + RECENCY_WEIGHT * Math.pow(0.5, ageDays / HALF_LIFE_DAYS);
}

function paging(q: { limit: number; offset: number }): { limit: number; offset: number } {
  const limit = Math.max(1, Math.min(Math.floor(q.limit) || 10, 100));
  const offset = Math.max(0, Math.floor(q.offset) || 0);
  return { limit, offset };
}

function plainFilters(filter: ArticleFilter): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.section) {
    clauses.push('section = ?');
    params.push(filter.section.trim());
  }
  if (filter.source) {
    clauses.push('source = ?');
    params.push(filter.source.trim());
  }
  if (filter.since && !Number.isNaN(filter.since.getTime())) {
    clauses.push('published_ms >= ?');
    params.push(filter.since.getTime());
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
