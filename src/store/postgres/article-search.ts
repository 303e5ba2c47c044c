import type { Clock } from '../../domain/clock.js';
import type { ArticleFilter, SearchPage, SearchQuery } from '../types.js';
import { keyFloor, KEYS_PER_MS, rowToArticle, type ArticleRow } from '../sqlite/article-rows.js';
import { searchTerms } from '../sqlite/fts-query.js';
import { partialPlan, type Word } from '../sqlite/partial-match.js';
import type { PgDb } from './db.js';

/** Weights for ts_rank, in PostgreSQL's order {D, C, B, A}: headline 10, dek 4, body 1 (SQLite's bm25 weights). */
const WEIGHTS = '{0.0, 0.1, 0.4, 1.0}';
/** Recency multiplies relevance by up to 1 + WEIGHT, halving every HALF_LIFE_DAYS (as on SQLite). */
const RECENCY_WEIGHT = 1;
const HALF_LIFE_DAYS = 7;
const DAY_MS = 86_400_000;
/** The newest window (days) first, then everything since `since:`. */
const WINDOWS_DAYS = [30];
const SAMPLE_FACTOR = 4;
const CONFIG = 'newsdesk_english';
const ROW_COLS = `seq, id, url, canonical_url, title, dek, body, section, topics, source, author, published_at, published_ms,
  updated_at, priority, status, image_url, related, version, content_hash, ingested_at, version_stored_at, pub_key, origin`;

type Filters = Pick<SearchQuery, 'section' | 'source' | 'since'>;
interface Scored { seq: number; rel: number; blended: number; n: number; best: number }

/**
 * The read side on PostgreSQL, mirroring src/store/sqlite/article-search.ts:
 * 1. Every word must match (AND). Score = ts_rank over the weighted tsvector × (1 + 2^(−age / 7 days)), computed
 *    with every filter (section, source, since: as a publication-key range) inside the ranked query; the newest
 *    30 days are ranked first and settle the page when nothing older could beat it, else everything is ranked.
 * 2. When no story has every word: stories with the most of the words first, among equal counts the rarer words
 *    first (partial-match.ts), each set ranked as in 1.
 * User words reach PostgreSQL only as bound parameters of plainto_tsquery (never tsquery syntax); autocomplete's
 * prefix is a quoted lexeme made only of letters and digits.
 */
export class PgArticleSearch {
  constructor(private readonly db: PgDb, private readonly now: Clock) {}

  async latest(filter: ArticleFilter & { limit: number; offset: number }): Promise<SearchPage> {
    const params: unknown[] = [];
    const where = filterSql(filter, params, 0);
    const { limit, offset } = paging(filter);
    params.push(limit + 1, offset);
    const rows = await this.db.rows<ArticleRow>(
      `SELECT ${ROW_COLS} FROM articles ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY pub_key DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return { items: rows.slice(0, limit).map(rowToArticle), hasMore: rows.length > limit };
  }

  async search(query: SearchQuery): Promise<SearchPage> {
    const text = query.text ?? '';
    if (!text.trim()) return this.latest(query);
    const terms = searchTerms(text);
    if (terms.length === 0) return { items: [], hasMore: false };
    const { limit, offset } = paging(query);
    const need = offset + limit + 1;
    let seqs = await this.ranked(terms, query, need);
    let matched: 'all' | 'any' = 'all';
    if (seqs.length === 0 && terms.length > 1) {
      seqs = await this.rankPartial(terms, query, need);
      matched = 'any';
    }
    return { items: (await this.byKey(seqs.slice(offset, offset + limit))).map(rowToArticle), hasMore: seqs.length > offset + limit, matched };
  }

  async suggest(prefix: string, limit: number): Promise<Array<{ id: string; title: string }>> {
    const n = Math.max(0, Math.min(Math.floor(limit) || 0, 100));
    if (n === 0) return [];
    const words = searchTerms(prefix).flatMap((t) => t.toLowerCase().split(/[^\p{L}\p{N}]+/u)).filter(Boolean);
    if (words.length === 0) return this.db.rows('SELECT id, title FROM articles ORDER BY pub_key DESC LIMIT $1', [n]);
    const last = words[words.length - 1];
    if (words.length === 1 && last.length < 2) {
      const recent = await this.db.rows<{ id: string; title: string }>('SELECT id, title FROM articles ORDER BY pub_key DESC LIMIT 1000');
      return recent.filter((r) => r.title.toLowerCase().split(/[^\p{L}\p{N}]+/u).some((w) => w.startsWith(last))).slice(0, n);
    }
    // Every word but the last in full, the last as a prefix: a quoted lexeme of letters and digits only.
    const full = words.slice(0, -1);
    const parts = full.map((_, i) => `plainto_tsquery('simple', $${i + 2})`);
    parts.push(`to_tsquery('simple', $${full.length + 2})`);
    return this.db.rows(
      `SELECT id, title FROM articles WHERE title_words @@ (${parts.join(' && ')}) ORDER BY pub_key DESC LIMIT $1`,
      [n, ...full, `'${last}':*`],
    );
  }

  /** Top `need` publication keys having every word, best first (newest window first). */
  private async ranked(words: string[], filters: Filters, need: number): Promise<number[]> {
    const sinceKey = sinceFloor(filters);
    const now = this.now().getTime();
    let kept: Scored[] = [];
    for (const days of [...WINDOWS_DAYS, Infinity]) {
      const edge = days === Infinity ? 0 : keyFloor(now - days * DAY_MS);
      const lo = Math.max(sinceKey, edge);
      const last = lo === sinceKey;
      kept = await this.scoreWindow(words, filters, lo, now, need, last);
      if (last || settled(kept, need, recencyBoost(days * DAY_MS))) break;
    }
    return kept.slice(0, need).map((r) => r.seq);
  }

  private async scoreWindow(words: string[], filters: Filters, lo: number, now: number, need: number, last: boolean): Promise<Scored[]> {
    const params: unknown[] = [...words];
    const q = words.map((_, i) => `plainto_tsquery('${CONFIG}', $${i + 1})`).join(' && ');
    const where = [`tsv @@ (${q})`, ...filterSql(filters, params, -1)];
    params.push(lo, now, need);
    const [pLo, pNow, pNeed] = [params.length - 2, params.length - 1, params.length];
    where.push(`pub_key >= $${pLo}`);
    const stats = last ? '0 AS n, 0 AS best' : 'count(*) OVER () AS n, max(rel) OVER () AS best';
    return this.db.rows<Scored>(
      `SELECT seq, rel, blended, ${stats} FROM (
         SELECT pub_key AS seq, rel,
           rel * (1.0 + ${RECENCY_WEIGHT} * exp(-0.6931471805599453 * greatest(0.0, $${pNow}::float8 - pub_key::float8 / ${KEYS_PER_MS}.0) / ${HALF_LIFE_DAYS * DAY_MS}.0)) AS blended
         FROM (SELECT pub_key, ts_rank('${WEIGHTS}', tsv, ${q})::float8 AS rel FROM articles WHERE ${where.join(' AND ')}) m
       ) s ORDER BY blended DESC, seq DESC LIMIT $${pNeed}`,
      params,
    );
  }

  private async rankPartial(terms: string[], filters: Filters, need: number): Promise<number[]> {
    const total = (await this.db.one<{ n: number }>('SELECT count(*) AS n FROM articles'))!.n;
    const docs = new Map<string, number>();
    for (const t of terms) {
      const r = await this.db.one<{ n: number }>(
        `SELECT count(*) AS n FROM (SELECT 1 FROM articles WHERE tsv @@ plainto_tsquery('${CONFIG}', $1) LIMIT 10000) x`, [t]);
      docs.set(t, r!.n);
    }
    const words: Word[] = terms.map((text) => ({ text, tokens: [text.toLowerCase()], ubiquitous: false }));
    const plan = partialPlan(words, (w) => docs.get(w.text) ?? 0, total);
    const seen = new Set<number>();
    const out: number[] = [];
    for (const subset of plan) {
      for (const seq of await this.ranked(subset.map((w) => w.text), filters, need + seen.size)) {
        if (seen.has(seq)) continue;
        seen.add(seq);
        out.push(seq);
        if (out.length >= need) return out;
      }
    }
    return out;
  }

  private async byKey(keys: number[]): Promise<ArticleRow[]> {
    if (keys.length === 0) return [];
    const rows = await this.db.rows<ArticleRow>(`SELECT ${ROW_COLS} FROM articles WHERE pub_key = ANY($1::bigint[])`, [keys]);
    const byKey = new Map(rows.map((r) => [r.pub_key, r]));
    return keys.map((k) => byKey.get(k)).filter((r): r is ArticleRow => r !== undefined);
  }
}

/** Section/source/since clauses; `sinceAsKey` −1 leaves since to the caller (the ranked query's window). */
function filterSql(filter: ArticleFilter, params: unknown[], sinceAsKey: 0 | -1): string[] {
  const clauses: string[] = [];
  if (filter.section) {
    params.push(filter.section.trim());
    clauses.push(`lower(section) = lower($${params.length})`);
  }
  if (filter.source) {
    params.push(filter.source.trim());
    clauses.push(`lower(source) = lower($${params.length})`);
  }
  if (sinceAsKey === 0 && filter.since && !Number.isNaN(filter.since.getTime())) {
    params.push(keyFloor(filter.since.getTime()));
    clauses.push(`pub_key >= $${params.length}`);
  }
  return clauses;
}

function settled(rows: Scored[], need: number, edgeBoost: number): boolean {
  if (rows.length < need || rows[0].n < SAMPLE_FACTOR * need) return false;
  return rows[need - 1].blended >= rows[0].best * edgeBoost;
}

function recencyBoost(ageMs: number): number {
  return 1 + RECENCY_WEIGHT * Math.pow(0.5, Math.max(0, ageMs) / DAY_MS / HALF_LIFE_DAYS);
}

function sinceFloor(filters: Filters): number {
  return filters.since && !Number.isNaN(filters.since.getTime()) ? keyFloor(filters.since.getTime()) : 0;
}

function paging(q: { limit: number; offset: number }): { limit: number; offset: number } {
  return { limit: Math.max(1, Math.min(Math.floor(q.limit) || 10, 100)), offset: Math.max(0, Math.floor(q.offset) || 0) };
}
