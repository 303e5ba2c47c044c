import type { Clock } from '../../domain/clock.js';
import type { ArticleFilter, SearchPage, SearchQuery } from '../types.js';
import { keyFloor, keyMs, KEYS_PER_MS, rowToArticle, VISIBLE_SQL, type ArticleRow } from '../sqlite/article-rows.js';
import { searchTerms } from '../sqlite/fts-query.js';
import { partialPlan, type Word } from '../sqlite/partial-match.js';
import type { PgDb } from './db.js';
import { TermShares } from './term-shares.js';
import { hasCjk } from '../cjk.js';
import { firstRound, storyPage, type StoryPageSource } from '../story-pages.js';

/** Weights for ts_rank, in PostgreSQL's order {D, C, B, A}: headline 10, dek 4, body 1 (SQLite's bm25 weights). */
const WEIGHTS = '{0.0, 0.1, 0.4, 1.0}';
/** Recency multiplies relevance by up to 1 + WEIGHT, halving every HALF_LIFE_DAYS (as on SQLite). */
const RECENCY_WEIGHT = 1;
const HALF_LIFE_DAYS = 7;
const DAY_MS = 86_400_000;
/** Windows expected to hold this many matches, newest first (as SQLite's): 250, then 2,000, then every match. */
const WINDOWS = [250, 2_000];
/**
 * The most relevance (ts_rank of the words as alternatives, weights below) a story can have without a query word in
 * its headline: each word's score is at most its best weight (the series over further occurrences is normalised to 1),
 * and below the headline's the best is the dek's, 0.4.
 */
const BODY_ONLY_MAX_REL = 0.4 + 1e-6;
/** A query of ubiquitous words only looks for headline matches among this many newest matches (as on SQLite). */
const COMMON_ONLY_RECENT = 50;
const CONFIG = 'newsdesk_english';
/** The stemmed headline, as its index (articles_title_tsv) has it. */
const HEADLINE = `to_tsvector('${CONFIG}', newsdesk_cjk(title))`;
const ROW_COLS = `seq, embargo_ms, id, url, canonical_url, title, dek, body, section, topics, source, author, published_at, published_ms,
  updated_at, priority, status, image_url, related, version, content_hash, ingested_at, version_stored_at, pub_key, origin`;

type Filters = Pick<SearchQuery, 'section' | 'source' | 'since'>;
interface Scored { seq: number; rel: number; blended: number }

/**
 * The read side on PostgreSQL, mirroring src/store/sqlite/article-search.ts:
 * 1. Every word must match (AND). Score = ts_rank of the words over the weighted tsvector × (1 + 2^(−age / 7 days)),
 *    with every filter (section, source, since: as a publication-key range) inside the ranked query. A word in more
 *    than half of all stories (term-shares.ts) is not scored: it only narrows, checked on the ranked candidates. A
 *    query of such words only: headline matches among the 50 newest matches, newest first, then the other matches.
 *    The newest stories are ranked first, and older ones only as far as they could still make the page (ranked()).
 * 2. When no story has every word: stories with the most of the words first, among equal counts the rarer words
 *    first (partial-match.ts), each set ranked as in 1.
 * User words reach PostgreSQL only as bound parameters of plainto_tsquery, or of phraseto_tsquery over newsdesk_cjk for
 * Chinese, Japanese and Korean (never tsquery syntax); autocomplete's
 * prefix is a quoted lexeme made only of letters and digits.
 */
export class PgArticleSearch {
  private readonly terms: TermShares;

  constructor(private readonly db: PgDb, private readonly now: Clock) {
    this.terms = new TermShares(db, CONFIG);
  }

  /** Newest first, one row per story (story-pages.ts). */
  async latest(filter: ArticleFilter & { limit: number; offset: number }): Promise<SearchPage> {
    const params: unknown[] = [];
    const where = filterSql(filter, params);
    const newest = async (want: number) =>
      (await this.db.rows<{ k: number }>(
        `SELECT pub_key AS k FROM articles ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY pub_key DESC LIMIT $${params.length + 1}`,
        [...params, want],
      )).map((r) => Number(r.k));
    return storyPage(this.storySource(newest), paging(filter), filter);
  }

  async search(query: SearchQuery): Promise<SearchPage> {
    const text = query.text ?? '';
    if (!text.trim()) return this.latest(query);
    const terms = searchTerms(text);
    if (terms.length === 0) return { items: [], hasMore: false };
    const { limit, offset } = paging(query);
    const lexemes = await this.terms.lexemes(terms);
    const words: Word[] = [];
    for (let i = 0; i < terms.length; i++) words.push({ text: terms[i], tokens: lexemes[i], ubiquitous: await this.terms.ubiquitous(lexemes[i]) });
    const firstWant = firstRound({ limit, offset });
    const first = await this.rankAll(words, query, firstWant);
    const partial = first.length === 0 && words.length > 1;
    const rank = async (want: number) =>
      partial ? this.rankPartial(words, query, want) : want === firstWant ? first : this.rankAll(words, query, want);
    const page = await storyPage(this.storySource(rank), { limit, offset }, query);
    return { ...page, matched: partial ? 'any' : 'all' };
  }

  /** Story pages over these article keys (story-pages.ts): what groups them, and every member of a page's stories. */
  private storySource(ranked: (want: number) => Promise<number[]>): StoryPageSource {
    return {
      ranked,
      labels: async (keys) =>
        (await this.db.rows<{ key: number; canonicalUrl: string | null; storyId: string | null }>(
          `SELECT a.pub_key AS key, a.canonical_url AS "canonicalUrl", s.story_id AS "storyId"
           FROM articles a LEFT JOIN alert_stories s ON s.article_id = a.id WHERE a.pub_key = ANY($1::bigint[])`, [keys],
        )).map((r) => ({ ...r, key: Number(r.key) })),
      members: async (keys) =>
        (await this.db.rows<ArticleRow & { story_id_: string | null; shown_id_: string | null }>(
          `WITH c AS (SELECT seq, id, canonical_url FROM articles WHERE pub_key = ANY($1::bigint[])),
           m(seq) AS (
             SELECT seq FROM c
             UNION SELECT seq FROM articles WHERE canonical_url IN (SELECT canonical_url FROM c)
             UNION SELECT a.seq FROM alert_stories s JOIN articles a ON a.id = s.article_id
               WHERE s.story_id IN (SELECT cs.story_id FROM alert_stories cs JOIN c ON cs.article_id = c.id))
           SELECT ${ROW_COLS.split(',').map((c) => `a.${c.trim()}`).join(', ')}, s.story_id AS story_id_, sh.article_id AS shown_id_
           FROM m JOIN articles a ON a.seq = m.seq
           LEFT JOIN alert_stories s ON s.article_id = a.id LEFT JOIN story_shown sh ON sh.story_id = s.story_id
           WHERE a.embargo_ms IS NULL AND a.status <> 'killed'`,
          [keys],
        )).map((r) => ({ key: Number(r.pub_key), article: rowToArticle(r), storyId: r.story_id_, shownId: r.shown_id_ })),
    };
  }

  async suggest(prefix: string, limit: number): Promise<Array<{ id: string; title: string }>> {
    const n = Math.max(0, Math.min(Math.floor(limit) || 0, 100));
    if (n === 0) return [];
    const words = searchTerms(prefix).flatMap((t) => t.toLowerCase().split(/[^\p{L}\p{N}]+/u)).filter(Boolean);
    if (words.length === 0) return this.db.rows(`SELECT id, title FROM articles WHERE ${VISIBLE_SQL} ORDER BY pub_key DESC LIMIT $1`, [n]);
    const last = words[words.length - 1];
    if (words.length === 1 && last.length < 2) {
      const recent = await this.db.rows<{ id: string; title: string }>(`SELECT id, title FROM articles WHERE ${VISIBLE_SQL} ORDER BY pub_key DESC LIMIT 1000`);
      return recent.filter((r) => r.title.toLowerCase().split(/[^\p{L}\p{N}]+/u).some((w) => w.startsWith(last))).slice(0, n);
    }
    // Every word but the last in full, the last as a prefix: a quoted lexeme of letters and digits only.
    const full = words.slice(0, -1);
    const parts = full.map((_, i) => `plainto_tsquery('simple', $${i + 2})`);
    parts.push(`to_tsquery('simple', $${full.length + 2})`);
    return this.db.rows(
      `SELECT id, title FROM articles WHERE title_words @@ (${parts.join(' && ')}) AND ${VISIBLE_SQL} ORDER BY pub_key DESC LIMIT $1`,
      [n, ...full, `'${last}':*`],
    );
  }

  /** The top `need` stories (publication keys) having every word, best first. */
  private async rankAll(words: Word[], filters: Filters, need: number): Promise<number[]> {
    const scored = words.filter((w) => !w.ubiquitous);
    const common = words.filter((w) => w.ubiquitous);
    if (scored.length === 0) return this.commonOnly(common.map((w) => w.text), filters, need);
    return this.ranked(scored, common, filters, need);
  }

  /**
   * Top `need` publication keys having every word, best first: exactly the page that ranking every match gives, found
   * without ranking them all. The newest stories come first: a publication-key window expected (from the words'
   * shares, over the store's key range) to hold the newest 250 matches, then 2,000, then the rest since `since:`; a
   * window is a key range, so PostgreSQL fetches only its matches (GIN and the key index together). After a window,
   * with T the need-th score so far, an older story makes the page only if its score beats T: relevance is at most 1,
   * so only stories young enough for their recency boost to exceed T can; and where T is above BODY_ONLY_MAX_REL times
   * the boost at the window's edge, only stories with a query word in the headline. Those few are ranked, and done.
   */
  private async ranked(scored: Word[], common: Word[], filters: Filters, need: number): Promise<number[]> {
    const extent = await this.terms.storeExtent();
    // A word PostgreSQL's statistics do not list is rarer than every listed one: sized as the rarest listed (at most).
    const rarest = await this.terms.rarestListed();
    const shareOf = async (w: Word) => (w.tokens.length === 1 ? ((await this.terms.share(w.tokens[0])) ?? rarest) : rarest);
    const shares = await Promise.all(scored.map(shareOf));
    const fewest = Math.min(...shares) * extent.size;
    // Matches of every word, were the words independent: what sizes a window expected to hold so many.
    const expected = Math.min(fewest, [...shares, ...(await Promise.all(common.map(shareOf)))].reduce((p, x) => p * x, extent.size));
    const q = { words: scored.map((w) => w.text), common: common.map((w) => w.text), filters, now: this.now().getTime(), need };
    const sinceKey = sinceFloor(filters);
    let kept: Scored[] = [];
    let before: number | undefined;
    const add = (rows: Scored[]) => (kept = [...kept, ...rows].sort((x, y) => y.blended - x.blended || y.seq - x.seq).slice(0, need));
    for (const window of [...WINDOWS, Infinity]) {
      if (window !== Infinity && fewest <= window) continue;
      const edge = window === Infinity ? sinceKey : Math.floor(extent.hi - ((extent.hi - extent.lo) * window) / Math.max(window, expected));
      const lo = edge <= Math.max(sinceKey, extent.lo) ? sinceKey : edge;
      add(await this.scoreWindow({ ...q, lo, before }));
      if (lo === sinceKey) break;
      before = lo;
      if (kept.length < need) continue;
      const t = kept[need - 1].blended;
      if (t < BODY_ONLY_MAX_REL * recencyBoost(q.now - keyMs(lo))) continue;
      // Older than this, even a relevance of 1 cannot beat t.
      const youngest = t > 1 ? keyFloor(q.now - HALF_LIFE_DAYS * DAY_MS * Math.log2(RECENCY_WEIGHT / (t - 1))) : 0;
      if (youngest < lo) add(await this.scoreWindow({ ...q, lo: Math.max(sinceKey, youngest), before, headline: true }));
      break;
    }
    return kept.map((r) => r.seq);
  }

  /**
   * The best `need` matches from key `lo` on (before `before`; with a query word in the headline if `headline`),
   * every filter inside, those lacking a ubiquitous word dropped. Relevance: ts_rank of the words as alternatives
   * (each word's weighted occurrences, averaged over the words; every word is required by the match itself): at most
   * 1, and at most BODY_ONLY_MAX_REL without a query word in the headline.
   */
  private async scoreWindow(p: { words: string[]; common: string[]; filters: Filters; lo: number; before?: number; headline?: boolean; now: number; need: number }): Promise<Scored[]> {
    const params: unknown[] = [...p.words];
    const all = tsquery(p.words, 1);
    const any = tsquery(p.words, 1, '||');
    const where = [`tsv @@ (${all})`, ...filterSql({ ...p.filters, since: undefined }, params)];
    params.push(p.lo, p.now, p.need);
    const [pLo, pNow, pNeed] = [params.length - 2, params.length - 1, params.length];
    where.push(`pub_key >= $${pLo}`);
    if (p.before !== undefined) {
      params.push(p.before);
      where.push(`pub_key < $${params.length}`);
    }
    if (p.headline) where.push(`${HEADLINE} @@ (${any})`);
    let ok = 'true';
    if (p.common.length > 0) {
      ok = `tsv @@ (${tsquery(p.common, params.length + 1)})`;
      params.push(...p.common);
    }
    const blend = `rel * (1.0 + ${RECENCY_WEIGHT} * exp(-0.6931471805599453 * greatest(0.0, $${pNow}::float8 - pub_key::float8 / ${KEYS_PER_MS}.0) / ${HALF_LIFE_DAYS * DAY_MS}.0))`;
    return this.db.rows<Scored>(
      `SELECT seq, rel, blended FROM (
         SELECT pub_key AS seq, rel, ok, ${blend} AS blended
         FROM (SELECT pub_key, ts_rank('${WEIGHTS}', tsv, ${any})::float8 AS rel, ${ok} AS ok FROM articles WHERE ${where.join(' AND ')} OFFSET 0) m
       ) s WHERE ok ORDER BY blended DESC, seq DESC LIMIT $${pNeed}`,
      params,
    );
  }

  /**
   * Every word is in most stories, so relevance cannot tell them apart: among the newest COMMON_ONLY_RECENT matches
   * (or the page, if longer), those with every word in the headline first; newest first within each group.
   */
  private async commonOnly(words: string[], filters: Filters, need: number): Promise<number[]> {
    const params: unknown[] = [...words];
    const q = tsquery(words, 1);
    const where = [`tsv @@ (${q})`, ...filterSql(filters, params)];
    params.push(Math.max(need, COMMON_ONLY_RECENT));
    const rows = await this.db.rows<{ seq: number; head: boolean }>(
      `SELECT pub_key AS seq, ${HEADLINE} @@ (${q}) AS head
       FROM (SELECT pub_key, title FROM articles WHERE ${where.join(' AND ')} ORDER BY pub_key DESC LIMIT $${params.length}) c
       ORDER BY pub_key DESC`,
      params,
    );
    return [...rows.filter((r) => r.head), ...rows.filter((r) => !r.head)].slice(0, need).map((r) => r.seq);
  }

  private async rankPartial(words: Word[], filters: Filters, need: number): Promise<number[]> {
    const { total, docs } = await this.docEstimates(words);
    const plan = partialPlan(words, (w) => docs.get(w.text) ?? 0, total);
    const seen = new Set<number>();
    const out: number[] = [];
    for (const subset of plan) {
      for (const seq of await this.rankAll(subset, filters, need + seen.size)) {
        if (seen.has(seq)) continue;
        seen.add(seq);
        out.push(seq);
        if (out.length >= need) return out;
      }
    }
    return out;
  }

  /**
   * The store's size (the highest arrival number, read off an index: count(*) would read every row) and each word's
   * document count: a ubiquitous word's is the size; another's is counted below a cap (0.6% of the store, at least
   * 500) unless the statistics put it at the cap or above (then, as when the count reaches the cap, the statistics'
   * figure, at least the cap). One round trip: a word's count runs only when its CASE branch needs it.
   */
  private async docEstimates(words: Word[]): Promise<{ total: number; docs: Map<string, number> }> {
    const params: unknown[] = [];
    const cols: string[] = [];
    const shares: Array<number | undefined> = [];
    for (const w of words) {
      const share = w.ubiquitous ? undefined : w.tokens.length === 1 ? await this.terms.share(w.tokens[0]) : undefined;
      shares.push(share);
      if (w.ubiquitous) {
        cols.push('NULL::bigint');
        continue;
      }
      params.push(w.text, share ?? null);
      const [pText, pShare] = [params.length - 1, params.length];
      cols.push(`CASE WHEN $${pShare}::float8 * t.n::float8 >= t.cap::float8 THEN NULL ELSE
        (SELECT count(*) FROM (SELECT 1 FROM articles WHERE tsv @@ ${wordQuery(w.text, pText)} LIMIT t.cap) x) END`);
    }
    const row = (await this.db.one<Record<string, number | null>>(
      `SELECT t.n AS total, t.cap AS cap, ${cols.map((c, i) => `${c} AS c${i}`).join(', ')}
       FROM (SELECT n, greatest(500, ceil(n::float8 * 0.006::float8))::bigint AS cap FROM (SELECT coalesce(max(seq), 0) AS n FROM articles) m) t`,
      params,
    ))!;
    const total = row.total!;
    const cap = row.cap!;
    const docs = new Map<string, number>();
    words.forEach((w, i) => {
      const share = shares[i];
      const counted = row[`c${i}`];
      let n: number;
      if (w.ubiquitous) n = total;
      else if (counted === null || counted === undefined) n = share! * total;
      else n = counted >= cap && share !== undefined ? Math.max(cap, share * total) : counted;
      docs.set(w.text, n);
    });
    return { total, docs };
  }
}

/** Section, source and since: clauses (bound parameters appended to `params`). */
function filterSql(filter: ArticleFilter, params: unknown[]): string[] {
  // Held (embargoed) and killed stories never reach a reader: inside every ranked query, before its LIMIT.
  const clauses: string[] = [VISIBLE_SQL];
  if (filter.section) {
    params.push(filter.section.trim());
    clauses.push(`lower(section) = lower($${params.length})`);
  }
  if (filter.source) {
    params.push(filter.source.trim());
    clauses.push(`lower(source) = lower($${params.length})`);
  }
  if (filter.since && !Number.isNaN(filter.since.getTime())) {
    params.push(keyFloor(filter.since.getTime()));
    clauses.push(`pub_key >= $${params.length}`);
  }
  return clauses;
}

function recencyBoost(ageMs: number): number {
  return 1 + RECENCY_WEIGHT * Math.pow(0.5, Math.max(0, ageMs) / DAY_MS / HALF_LIFE_DAYS);
}

/** Every word as a lexeme query, all of them (&&) or any (||): the words are bound parameters from `$first` on. */
function tsquery(words: string[], first: number, op: '&&' | '||' = '&&'): string {
  return words.map((w, i) => wordQuery(w, first + i)).join(` ${op} `);
}

/**
 * One word, bound as parameter `$n`: its lexemes. A word with Chinese, Japanese or Korean text is split into the
 * character bigrams the index holds (newsdesk_cjk, migration 510) and searched as a phrase of them.
 */
function wordQuery(word: string, n: number): string {
  return hasCjk(word) ? `phraseto_tsquery('${CONFIG}', newsdesk_cjk($${n}))` : `plainto_tsquery('${CONFIG}', $${n})`;
}

function sinceFloor(filters: Filters): number {
  return filters.since && !Number.isNaN(filters.since.getTime()) ? keyFloor(filters.since.getTime()) : 0;
}

function paging(q: { limit: number; offset: number }): { limit: number; offset: number } {
  return { limit: Math.max(1, Math.min(Math.floor(q.limit) || 10, 100)), offset: Math.max(0, Math.floor(q.offset) || 0) };
}
