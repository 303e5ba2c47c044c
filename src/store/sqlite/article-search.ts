import type { Database, Statement } from 'better-sqlite3';
import type { ArticleFilter, SearchPage, SearchQuery } from '../types.js';
import { keyFloor, keyMs, KEYS_PER_MS, rowToArticle, type ArticleRow, VISIBLE_SQL } from './article-rows.js';
import { headlineMatch, prefixMatch, quoteTerm, searchTerms, textMatch, withFilters } from './fts-query.js';
import { partialPlan, type Word } from './partial-match.js';
import { loadNewsrank } from './native/newsrank.js';
import { TermStats } from './term-stats.js';
import { firstRound, storyPage, type StoryLabels, type StoryPageSource } from '../story-pages.js';
import { cjkBigrams } from '../cjk.js';

/** Headline beats dek beats body; the tags column (filter tokens) never scores. */
/** Recency multiplies relevance by up to 1 + WEIGHT, halving every HALF_LIFE_DAYS. */
const RECENCY_WEIGHT = 1;
const HALF_LIFE_DAYS = 7;
const DAY_MS = 86_400_000;
/**
 * Windows: the newest K matches first, then every match. Scoring every match of a common word is what costs,
 * and the newest few hundred usually settle the page (see `settled`). Windows are counted in matches, newest
 * first (FTS5 walks a doclist backwards cheaply; a rowid range made it read far more). With FTS5's bm25() each
 * window pays a pass over every word's whole doclist again (it counts documents), so it gets one window.
 */
const WINDOWS_BM25 = [2_000];
const WINDOWS_NEWSRANK = [250, 2_000];
/** Column weights, title, dek, body, tags. */
const WEIGHTS = '10.0, 4.0, 1.0, 0.0';
/** A window's best relevance estimates the corpus's only from a sample this many times the page. */
const SAMPLE_FACTOR = 4;
/** Candidates (times the page) ranked before the ubiquitous words are checked on them. */
const CANDIDATE_FACTOR = 4;
/** A query of ubiquitous words only looks for headline matches among this many newest matches. */
const COMMON_ONLY_RECENT = 50;
/** Autocomplete's candidates per headline wanted, newest first, whose headlines are checked for the last word's prefix. */
const SUGGEST_CANDIDATE_FACTOR = 4;
/** titles_fts's longest prefix index (prefix = '2 3'), in characters. */
const INDEXED_PREFIX = 3;
/** A last word the headline check can fold exactly as titles_fts does: letters and digits only. */
const PLAIN_PREFIX = /^[\p{L}\p{N}]+$/u;

type Filters = Pick<SearchQuery, 'section' | 'source' | 'since'>;
interface Scored { seq: number; rel: number; blended: number; n: number; best: number; oldest: number; ok: number }

/**
 * The read side. Ranking (see README "Search ranking"):
 * 1. Every word must match (AND). Score = bm25 (headline 10, dek 4, body 1) × (1 + 2^(−age / 7 days)). bm25 is
 *    computed by newsrank (native/newsrank.c), FTS5's bm25 with each word's idf handed in from term-stats.ts
 *    instead of counted over the word's whole doclist on every query; without a C compiler, by FTS5's bm25().
 *    A word found in more than half of all stories has bm25 idf 0 (FTS5 clamps it to 1e-6): it only narrows
 *    the matches, so it is checked on the ranked candidates instead of being scored (scoring it would cost a
 *    pass over its whole doclist). A query of such words only: headline matches among the 50 newest matches,
 *    newest first, then the other matches, newest first.
 * 2. When no story has every word: stories with the most of the words first, among equal counts the rarer
 *    words first (summed idf), each group ranked as in 1 (partial-match.ts).
 * Ranking runs in a subquery over the FTS index alone, with every filter inside it: section and source as tag
 * tokens in the MATCH, since: as a rowid range (rowids are publication times). Articles are joined afterwards.
 */
export class ArticleSearch {
  private readonly stats: TermStats;
  private readonly statements = new Map<string, Statement>();
  /** newsrank (native/newsrank.c: bm25 with the idf handed in) is loaded; else FTS5's bm25() ranks. */
  private readonly native: boolean;

  constructor(private readonly db: Database, private readonly now: () => Date) {
    this.stats = new TermStats(db);
    this.native = loadNewsrank(db);
  }

  /** Keeps the word statistics in step with the store's size (cheap when nothing changed). */
  refreshStats(): void {
    this.stats.refreshIfStale();
  }

  /** Newest first, one row per story (story-pages.ts). */
  latest(filter: ArticleFilter & { limit: number; offset: number }): Promise<SearchPage> {
    const { where, params } = plainFilters(filter);
    const newest = this.db.prepare(`SELECT pub_key AS k FROM articles ${where} ORDER BY pub_key DESC LIMIT ?`).pluck();
    return storyPage(this.storySource((want) => newest.all(...params, want) as number[]), paging(filter), filter);
  }

  async search(query: SearchQuery): Promise<SearchPage> {
    const text = query.text ?? '';
    if (!text.trim()) return this.latest(query);
    // A CJK word becomes its bigrams, as the index holds it (a phrase of them: see ../cjk.ts).
    const terms = searchTerms(text).map((t) => cjkBigrams(t).trim());
    if (terms.length === 0) return { items: [], hasMore: false };
    const { limit, offset } = paging(query);
    const tokens = this.stats.tokenize(terms);
    const words: Word[] = terms.map((text, i) => ({ text, tokens: tokens[i], ubiquitous: this.stats.ubiquitous(tokens[i]) }));

    const firstWant = firstRound({ limit, offset });
    const first = this.rankAll(words, query, firstWant);
    // Nothing has every word: offer what has most of them, and say so.
    const partial = first.length === 0 && words.length > 1;
    const rank = (want: number) =>
      partial ? this.rankPartial(words, query, want) : want === firstWant ? first : this.rankAll(words, query, want);
    const page = await storyPage(this.storySource(rank), { limit, offset }, query);
    return { ...page, matched: partial ? 'any' : 'all' };
  }

  /** Story pages over these article keys (story-pages.ts): what groups them, and every member of a page's stories. */
  private storySource(ranked: (want: number) => number[]): StoryPageSource {
    const labels = this.prepared('storyLabels', () =>
      `SELECT a.pub_key AS key, a.canonical_url AS canonicalUrl, s.story_id AS storyId
       FROM articles a LEFT JOIN alert_stories s ON s.article_id = a.id WHERE a.pub_key IN (SELECT value FROM json_each(?))`);
    const members = this.prepared('storyMembers', () =>
      `WITH c AS (SELECT seq, id, canonical_url FROM articles WHERE pub_key IN (SELECT value FROM json_each(?))),
       m(seq) AS (
         SELECT seq FROM c
         UNION SELECT seq FROM articles WHERE canonical_url IN (SELECT canonical_url FROM c)
         UNION SELECT a.seq FROM alert_stories s JOIN articles a ON a.id = s.article_id
           WHERE s.story_id IN (SELECT cs.story_id FROM alert_stories cs JOIN c ON cs.article_id = c.id))
       SELECT a.*, s.story_id AS story_id_, sh.article_id AS shown_id_ FROM m JOIN articles a ON a.seq = m.seq
       LEFT JOIN alert_stories s ON s.article_id = a.id LEFT JOIN story_shown sh ON sh.story_id = s.story_id
       WHERE a.embargo_ms IS NULL AND a.status <> 'killed'`);
    return {
      ranked: async (want) => ranked(want),
      labels: async (keys) => labels.all(JSON.stringify(keys)) as StoryLabels[],
      members: async (keys) =>
        (members.all(JSON.stringify(keys)) as Array<ArticleRow & { story_id_: string | null; shown_id_: string | null }>)
          .map((r) => ({ key: r.pub_key, article: rowToArticle(r), storyId: r.story_id_, shownId: r.shown_id_ })),
    };
  }

  suggest(prefix: string, limit: number): Array<{ id: string; title: string }> {
    const n = Math.max(0, Math.min(Math.floor(limit) || 0, 100));
    if (n === 0) return [];
    const terms = searchTerms(prefix);
    if (terms.length === 0) return this.recentHeadlines(n);
    const last = terms[terms.length - 1];
    if (terms.length === 1 && last.length < 2) return this.suggestOneLetter(last, n);
    const chars = Array.from(last);
    if (PLAIN_PREFIX.test(last) && (chars.length > INDEXED_PREFIX || (chars.length < 2 && terms.length > 1))) {
      const found = this.suggestByHeadlines(terms.slice(0, -1), chars.length > INDEXED_PREFIX ? chars.slice(0, INDEXED_PREFIX).join('') : null, last, n);
      if (found) return found;
    }
    // rowid order is publication order: the newest n matching headlines, and the index stops there.
    return this.newestHeadlines(prefixMatch(terms), n);
  }

  private newestHeadlines(match: string, n: number): Array<{ id: string; title: string }> {
    return this.prepared('newestHeadlines', () =>
      `SELECT a.id, a.title FROM (SELECT rowid FROM titles_fts WHERE titles_fts MATCH @match ORDER BY rowid DESC LIMIT @n) f
       JOIN articles a ON a.pub_key = f.rowid ORDER BY a.pub_key DESC`).all({ match, n }) as Array<{ id: string; title: string }>;
  }

  /**
   * FTS5 answers a prefix its prefix indexes do not hold (one letter, or four and more) by merging the doclists of
   * every index word it covers, in full, whatever else the query says: measured at 100k articles, "government m"
   * and "govern" were autocomplete's p99 (3–16 ms, against 0.1 ms for "gov"). So the index is asked for the whole
   * words and the prefix's first INDEXED_PREFIX letters (`head`; none for one letter), newest first, and the whole
   * prefix is checked on the newest few of those headlines, folded as the index folds them. Null when that cannot
   * decide (too few of them match, and there are more): then the whole prefix is rare enough for the index itself
   * to answer cheaply, and the caller asks it.
   */
  private suggestByHeadlines(words: string[], head: string | null, prefix: string, n: number): Array<{ id: string; title: string }> | null {
    const match = [...words.map(quoteTerm), ...(head ? [`${quoteTerm(head)}*`] : [])].join(' AND ');
    const folded = foldWord(prefix);
    const want = n * SUGGEST_CANDIDATE_FACTOR;
    const candidates = this.newestHeadlines(match, want);
    const found = candidates.filter((c) => headlineWords(c.title).some((w) => w.startsWith(folded))).slice(0, n);
    return found.length === n || candidates.length < want ? found : null;
  }

  /** One letter would expand to thousands of index terms: scan recent headlines instead. */
  private suggestOneLetter(letter: string, n: number): Array<{ id: string; title: string }> {
    const folded = foldWord(letter);
    return this.recentHeadlines(1000).filter((r) => headlineWords(r.title).some((w) => w.startsWith(folded))).slice(0, n);
  }

  /** The newest n visible headlines. */
  private recentHeadlines(n: number): Array<{ id: string; title: string }> {
    return this.prepared('recentHeadlines', () => `SELECT id, title FROM articles WHERE ${VISIBLE_SQL} ORDER BY pub_key DESC LIMIT ?`).all(n) as Array<{ id: string; title: string }>;
  }

  /** The top `need` stories (publication keys) having every word, best first. */
  private rankAll(words: Word[], filters: Filters, need: number): number[] {
    const scored = words.filter((w) => !w.ubiquitous);
    const common = words.filter((w) => w.ubiquitous).map((w) => w.text);
    if (scored.length === 0) return this.commonOnly(common, filters, need);
    return this.ranked(scored, common, filters, need);
  }

  /** Stories with most of the words (see partial-match.ts), deduplicated, best first. */
  private rankPartial(words: Word[], filters: Filters, need: number): number[] {
    const plan = partialPlan(words, (w) => this.wordDocs(w), this.articleCount());
    const seen = new Set<number>();
    const out: number[] = [];
    for (const subset of plan) {
      for (const seq of this.rankAll(subset, filters, need + seen.size)) {
        if (seen.has(seq)) continue;
        seen.add(seq);
        out.push(seq);
        if (out.length >= need) return out;
      }
    }
    return out;
  }

  private wordDocs(word: Word): number {
    const total = this.articleCount();
    return word.ubiquitous ? total : this.stats.docEstimate(word.tokens, textMatch([word.text], 'all'), total);
  }

  private articleCount(): number {
    return (this.prepared('count', () => 'SELECT coalesce(max(seq), 0) AS n FROM articles').get() as { n: number }).n;
  }

  /**
   * Top `need` by blended score among stories having every `scored` and every `common` word. The newest
   * window is scored first; it settles the page when its need-th blended score beats the best relevance seen
   * in it times the boost at the window's edge (older articles get at most that boost), measured over enough
   * matches for that best to be representative. Otherwise the window widens, up to everything since `since`.
   */
  private ranked(scored: Word[], common: string[], filters: Filters, need: number): number[] {
    const sinceKey = sinceFloor(filters);
    const match = withFilters(textMatch(scored.map((w) => w.text), 'all'), filters);
    const commonMatch = common.length > 0 ? textMatch(common, 'all') : null;
    const total = this.articleCount();
    const docs = scored.map((w) => this.stats.docEstimate(w.tokens, textMatch([w.text], 'all'), total));
    const idfs = this.native ? docs.map((n) => bm25Idf(total, n)) : null;
    const now = this.now().getTime();
    let kept: Scored[] = [];
    for (const window of [...(this.native ? WINDOWS_NEWSRANK : WINDOWS_BM25), Infinity]) {
      // Fewer matches than the window (all words together have at most the rarest one's): score them all.
      if (window !== Infinity && Math.min(...docs) <= window) continue;
      kept = this.scoreWindow({ match, commonMatch, idfs, lo: sinceKey, window, now, need });
      if (window === Infinity || settled(kept, need, window, now)) break;
    }
    return kept.slice(0, need).map((r) => r.seq);
  }

  /** One window's best candidates, those lacking a ubiquitous word dropped (checked on candidates only). */
  private scoreWindow(p: { match: string; commonMatch: string | null; idfs: number[] | null; lo: number; window: number; now: number; need: number }): Scored[] {
    const stmt = this.scoreStatement(p.window === Infinity, p.lo > 0, p.commonMatch !== null, p.idfs?.length ?? null);
    const params: Record<string, unknown> = { match: p.match, now: p.now };
    if (p.lo > 0) params.lo = p.lo;
    if (p.window !== Infinity) params.k = p.window;
    p.idfs?.forEach((idf, i) => (params[`idf${i}`] = idf));
    if (p.commonMatch === null) return stmt.all({ ...params, cand: p.need }) as Scored[];
    params.common = p.commonMatch;
    let cand = p.need * CANDIDATE_FACTOR;
    for (;;) {
      const rows = stmt.all({ ...params, cand }) as Scored[];
      const kept = rows.filter((r) => r.ok);
      // Too few had the ubiquitous words, and there were more candidates: look at all of them.
      if (kept.length >= p.need || rows.length < cand) return kept;
      cand = Number.MAX_SAFE_INTEGER;
    }
  }

  /**
   * rel: bm25 as a positive number (bigger is better); blended: rel × (1 + WEIGHT · 2^(−age / half-life)),
   * computed from the rowid (a publication time) inside the ranked subquery, so ORDER BY … LIMIT gives the page.
   * A window (the newest @k matches) also returns its size, best relevance and oldest key (for `settled`); the
   * last (every match) needs none of them, and computing them would hold every match in a sorter.
   */
  private scoreStatement(last: boolean, since: boolean, withCommon: boolean, idfCount: number | null): Statement {
    return this.prepared(`score:${last}:${since}:${withCommon}:${idfCount}`, () => {
      const rank = idfCount === null
        ? `bm25(articles_fts, ${WEIGHTS})`
        : `newsrank(articles_fts, ${WEIGHTS}, ${Array.from({ length: idfCount }, (_, i) => `@idf${i}`).join(', ')})`;
      const blend = `rel * (1.0 + ${RECENCY_WEIGHT} * exp(-0.6931471805599453 * max(0.0, @now - rowid / ${KEYS_PER_MS}.0) / ${HALF_LIFE_DAYS * DAY_MS}.0))`;
      const matches = `SELECT rowid, -${rank} AS rel FROM articles_fts WHERE articles_fts MATCH @match${since ? ' AND rowid >= @lo' : ''}`;
      const window = last ? matches : `${matches} ORDER BY rowid DESC LIMIT @k`;
      const scored = `SELECT rowid AS seq, rel, ${blend} AS blended FROM (${window})`;
      const stats = last ? '0 AS n, 0 AS best, 0 AS oldest' : 'count(*) OVER () AS n, max(rel) OVER () AS best, min(seq) OVER () AS oldest';
      const top = `SELECT seq, rel, blended, ${stats} FROM (${scored}) ORDER BY blended DESC, seq DESC LIMIT @cand`;
      if (!withCommon) return `SELECT *, 1 AS ok FROM (${top})`;
      return `SELECT c.*, EXISTS (SELECT 1 FROM articles_fts AS u WHERE u.articles_fts MATCH @common AND u.rowid = c.seq) AS ok
        FROM (${top}) AS c ORDER BY c.blended DESC, c.seq DESC`;
    });
  }

  /**
   * Every word is in most stories, so bm25 cannot tell them apart: among the newest COMMON_ONLY_RECENT matches
   * (or the page, if longer), those with every word in the headline first; newest first within each group.
   */
  private commonOnly(words: string[], filters: Filters, need: number): number[] {
    const lo = sinceFloor(filters);
    const stmt = this.prepared(`common:${lo > 0}`, () =>
      `SELECT seq, EXISTS (SELECT 1 FROM articles_fts AS h WHERE h.articles_fts MATCH @head AND h.rowid = c.seq) AS head
       FROM (SELECT rowid AS seq FROM articles_fts WHERE articles_fts MATCH @match${lo > 0 ? ' AND rowid >= @lo' : ''}
             ORDER BY rowid DESC LIMIT @n) AS c`);
    const params: Record<string, unknown> = { match: withFilters(textMatch(words, 'all'), filters), head: headlineMatch(words), n: Math.max(need, COMMON_ONLY_RECENT) };
    if (lo > 0) params.lo = lo;
    const rows = stmt.all(params) as Array<{ seq: number; head: number }>;
    return [...rows.filter((r) => r.head), ...rows.filter((r) => !r.head)].slice(0, need).map((r) => r.seq);
  }

  private prepared(key: string, sql: () => string): Statement {
    let stmt = this.statements.get(key);
    if (!stmt) {
      stmt = this.db.prepare(sql());
      this.statements.set(key, stmt);
    }
    return stmt;
  }
}

/** bm25's idf, as FTS5 computes it: ln((N − n + 0.5) / (n + 0.5)), and 1e-6 where that is ≤ 0. */
function bm25Idf(total: number, docs: number): number {
  const idf = Math.log((total - docs + 0.5) / (docs + 0.5));
  return idf > 0 ? idf : 1e-6;
}

/**
 * A window settles the page when it held every match, or when its need-th blended score beats the best
 * relevance seen in it times the boost at its oldest match's age (an older story gets at most that boost),
 * over enough matches for that best to stand for the rest.
 */
function settled(rows: Scored[], need: number, window: number, now: number): boolean {
  // Nothing kept: the window may have been full of stories lacking a ubiquitous word; look further.
  if (rows.length === 0) return false;
  if (rows[0].n < window) return true;
  if (rows.length < need || rows[0].n < SAMPLE_FACTOR * need) return false;
  return rows[need - 1].blended >= rows[0].best * recencyBoost(now - keyMs(rows[0].oldest));
}

function recencyBoost(ageMs: number): number {
  const ageDays = Math.max(0, ageMs) / DAY_MS;
  return 1 + RECENCY_WEIGHT * Math.pow(0.5, ageDays / HALF_LIFE_DAYS);
}

function sinceFloor(filters: Filters): number {
  return filters.since && !Number.isNaN(filters.since.getTime()) ? keyFloor(filters.since.getTime()) : 0;
}

function paging(q: { limit: number; offset: number }): { limit: number; offset: number } {
  const limit = Math.max(1, Math.min(Math.floor(q.limit) || 10, 100));
  const offset = Math.max(0, Math.floor(q.offset) || 0);
  return { limit, offset };
}

function plainFilters(filter: ArticleFilter): { where: string; params: unknown[] } {
  // Held and killed stories never reach a reader (search keeps them out of its indexes instead).
  const clauses: string[] = [VISIBLE_SQL];
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

/** A word as titles_fts (unicode61, remove_diacritics 2) holds it: lower case, accents removed. */
function foldWord(word: string): string {
  return word.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** A headline's words as titles_fts holds them: runs of letters, digits and marks, folded. */
function headlineWords(title: string): string[] {
  return foldWord(title).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}
