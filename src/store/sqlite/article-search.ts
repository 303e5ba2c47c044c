import type { Database, Statement } from 'better-sqlite3';
import type { ArticleFilter, SearchPage, SearchQuery } from '../types.js';
import { keyFloor, KEYS_PER_MS, rowToArticle, type ArticleRow } from './article-rows.js';
import { prefixMatch, searchTerms, textMatch, withFilters, type MatchMode } from './fts-query.js';

/** Headline beats dek beats body; the tags column (filter tokens) never scores. */
const BM25 = 'bm25(articles_fts, 10.0, 4.0, 1.0, 0.0)';
/** Recency multiplies relevance by up to 1 + WEIGHT, halving every HALF_LIFE_DAYS. */
const RECENCY_WEIGHT = 1;
const HALF_LIFE_DAYS = 7;
const DAY_MS = 86_400_000;
/**
 * The newest window (days) first, then everything: scoring every match of a very common word is what costs,
 * and the recent window usually settles the page (see `settled`). Measured at 100k: [30] beat [7, 49] and
 * [14, 60] (each widening pays bm25's document-frequency pass again).
 */
const WINDOWS_DAYS = [30];
/** A window's best relevance estimates the corpus's only from a sample this many times the page. */
const SAMPLE_FACTOR = 4;

/**
 * The read side. Ranking runs in a subquery over the FTS index alone, with every filter inside it: section and
 * source as tag tokens in the MATCH, since: as a rowid range (rowids are publication times). The recency blend
 * is computed there too, from the rowid, so ORDER BY … LIMIT returns the page; articles are joined afterwards.
 */
export class ArticleSearch {
  private readonly windowQuery: Statement;
  private readonly finalQuery: Statement;

  constructor(private readonly db: Database, private readonly now: () => Date) {
    const blend = `rel * (1.0 + ${RECENCY_WEIGHT} * exp(-0.6931471805599453 * max(0.0, @now - rowid / ${KEYS_PER_MS}.0) / ${HALF_LIFE_DAYS * DAY_MS}.0))`;
    const scored = `SELECT rowid AS seq, rel, ${blend} AS blended
         FROM (SELECT rowid, -${BM25} AS rel FROM articles_fts WHERE articles_fts MATCH @match AND rowid >= @lo)`;
    // The last window needs no sample statistics, and computing them would hold every match in a sorter.
    this.finalQuery = db.prepare(`${scored} ORDER BY blended DESC, seq DESC LIMIT @need`);
    // rel: bm25 as a positive number (bigger is better); blended: rel × (1 + WEIGHT · 2^(−age / half-life)).
    this.windowQuery = db.prepare(
      `SELECT seq, rel, blended, count(*) OVER () AS n, max(rel) OVER () AS best FROM (${scored}) ORDER BY blended DESC, seq DESC LIMIT @need`,
    );
  }

  latest(filter: ArticleFilter & { limit: number; offset: number }): SearchPage {
    const { where, params } = plainFilters(filter);
    const { limit, offset } = paging(filter);
    const rows = this.db
      .prepare(`SELECT * FROM articles ${where} ORDER BY pub_key DESC LIMIT ? OFFSET ?`)
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
      return this.db.prepare('SELECT id, title FROM articles ORDER BY pub_key DESC LIMIT ?').all(n) as Array<{ id: string; title: string }>;
    }
    const last = terms[terms.length - 1];
    if (terms.length === 1 && last.length < 2) return this.suggestOneLetter(last, n);
    // rowid order is publication order: the newest n matching headlines, and the index stops there.
    return this.db
      .prepare(
        `SELECT a.id, a.title FROM (SELECT rowid FROM titles_fts WHERE titles_fts MATCH ? ORDER BY rowid DESC LIMIT ?) f
         JOIN articles a ON a.pub_key = f.rowid ORDER BY a.pub_key DESC`,
      )
      .all(prefixMatch(terms), n) as Array<{ id: string; title: string }>;
  }

  /** One letter would expand to thousands of index terms: scan recent headlines instead. */
  private suggestOneLetter(letter: string, n: number): Array<{ id: string; title: string }> {
    const lower = letter.toLowerCase();
    const recent = this.db.prepare('SELECT id, title FROM articles ORDER BY pub_key DESC LIMIT 1000').all() as Array<{ id: string; title: string }>;
    return recent.filter((r) => r.title.toLowerCase().split(/[^\p{L}\p{N}]+/u).some((w) => w.startsWith(lower))).slice(0, n);
  }

  /**
   * Top offset+limit+1 by blended score. The newest window is scored first; it settles the page when its
   * need-th blended score beats the best relevance seen in it times the boost at the window's edge (older
   * articles get at most that boost), measured over enough matches for that best to be representative.
   * Otherwise the window widens, up to everything since `since`.
   */
  private ranked(terms: string[], mode: MatchMode, query: SearchQuery): SearchPage {
    const { limit, offset } = paging(query);
    const need = offset + limit + 1;
    const sinceKey = query.since && !Number.isNaN(query.since.getTime()) ? keyFloor(query.since.getTime()) : 0;
    const match = withFilters(textMatch(terms, mode), { section: query.section, source: query.source });
    const now = this.now().getTime();
    let rows: Array<{ seq: number; rel: number; blended: number; n: number; best: number }> = [];
    for (const days of [...WINDOWS_DAYS, Infinity]) {
      const edge = days === Infinity ? 0 : keyFloor(now - days * DAY_MS);
      const lo = Math.max(sinceKey, edge);
      const last = lo === sinceKey;
      rows = (last ? this.finalQuery : this.windowQuery).all({ match, lo, now, need }) as typeof rows;
      if (last) break;
      if (settled(rows, need, recencyBoost(days * DAY_MS))) break;
    }
    const pageSeqs = rows.slice(offset, offset + limit).map((r) => r.seq);
    return { items: this.bySeq(pageSeqs).map(rowToArticle), hasMore: rows.length > offset + limit };
  }

  private bySeq(seqs: number[]): ArticleRow[] {
    if (seqs.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT * FROM articles WHERE pub_key IN (${seqs.map(() => '?').join(',')})`)
      .all(...seqs) as ArticleRow[];
    const bySeq = new Map(rows.map((r) => [r.pub_key, r]));
    return seqs.map((s) => bySeq.get(s)).filter((r): r is ArticleRow => r !== undefined);
  }
}

function settled(rows: Array<{ blended: number; n: number; best: number }>, need: number, edgeBoost: number): boolean {
  if (rows.length < need || rows[0].n < SAMPLE_FACTOR * need) return false;
  return rows[need - 1].blended >= rows[0].best * edgeBoost;
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
    clauses.push('pub_key >= ?');
    params.push(keyFloor(filter.since.getTime()));
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
