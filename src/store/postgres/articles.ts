import { mergeRecordedStories } from '../story-groups.js';
import type { Article, ArticleInput } from '../../domain/article.js';
import type { Clock } from '../../domain/clock.js';
import { ArticleKilled, isNewsroomOrigin, PRIORITY_RANK, type Origin } from '../../domain/article.js';
import { groupDuplicates } from '../../summarize/briefing.js';
import { OriginConflict } from '../types.js';
import type { ArticleChangeListener, ArticleFilter, ArticleStore, PeriodStories, PeriodStory, SearchPage, SearchQuery, StoredVersion, UpsertResult } from '../types.js';
import { articleId, canonicalUrl } from '../canonical.js';
import { embargoFor, verificationFor, keyFloor, KEYS_PER_MS, normalizeInput, rowToArticle, sameMetadata, VISIBLE_SQL, type ArticleRow, type NormalizedArticle } from '../sqlite/article-rows.js';
import { lockKey, type PgDb } from './db.js';
import { PgArticleSearch } from './article-search.js';

const CHUNK_BUDGET_MS = 50;
const COLS = ['id', 'url', 'canonical_url', 'title', 'dek', 'body', 'section', 'topics', 'source', 'author', 'published_at', 'published_ms',
  'updated_at', 'priority', 'status', 'image_url', 'related', 'version', 'content_hash', 'ingested_at', 'version_stored_at', 'origin', 'embargo_ms', 'verification'] as const;
const ROW_COLS = `seq, ${COLS.join(', ')}, pub_key`;
/** Each column's type, for the arrays of a multi-row INSERT. */
const COL_TYPES: Record<(typeof COLS)[number], string> = {
  id: 'text', url: 'text', canonical_url: 'text', title: 'text', dek: 'text', body: 'text', section: 'text', topics: 'text', source: 'text',
  author: 'text', published_at: 'text', published_ms: 'bigint', updated_at: 'text', priority: 'text', status: 'text', image_url: 'text',
  related: 'text', version: 'integer', content_hash: 'text', ingested_at: 'text', version_stored_at: 'text', origin: 'text', embargo_ms: 'bigint',
  verification: 'text',
};
/** New rows per multi-row INSERT in upsertMany. */
const ROWS_PER_INSERT = 100;

/**
 * Articles in PostgreSQL, mirroring SqliteArticleStore: one current row each, superseded versions in
 * article_versions, the weighted tsvector kept by the row itself (a generated column). Writes to articles take a
 * transaction-scoped advisory lock (key includes the schema): publication keys are allocated from the rows, and
 * two instances must not hand out the same one. Change listeners run inside the writing transaction.
 */
export class PgArticleStore implements ArticleStore {
  private readonly listeners = new Set<ArticleChangeListener>();
  private readonly chunkSize: number;
  private readonly search_: PgArticleSearch;
  private readonly writeLock: [number, number];
  private closed = false;

  constructor(private readonly db: PgDb, private readonly opts: { now: Clock; chunkSize?: number }) {
    this.chunkSize = Math.max(1, opts.chunkSize ?? 500);
    this.search_ = new PgArticleSearch(db, opts.now);
    this.writeLock = [lockKey('newsdesk:articles'), lockKey(`newsdesk:articles:${db.schema}`)];
  }

  upsert(input: ArticleInput): Promise<UpsertResult> {
    return this.db.transaction(() => this.write(input));
  }

  async upsertMany(inputs: ArticleInput[], onProgress?: (done: number, total: number) => void): Promise<UpsertResult[]> {
    const results: UpsertResult[] = [];
    for (let i = 0; i < inputs.length; ) {
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      this.assertOpen();
      const before = results.length;
      try {
        i = await this.db.transaction(async () => {
          const deadline = performance.now() + CHUNK_BUDGET_MS * 4;
          let j = i;
          const end = Math.min(inputs.length, i + this.chunkSize);
          do j = await this.writeBatch(inputs, j, end, deadline, results);
          while (j < end && performance.now() < deadline);
          return j;
        });
      } catch (err) {
        results.length = before;
        throw err;
      }
      onProgress?.(i, inputs.length);
    }
    return results;
  }

  /**
   * After a bulk load: statistics (ANALYZE), and the GIN indexes' pending lists merged into the indexes (fastupdate
   * queues new entries in a list every search scans whole: ~190 pages after a 100k load, half of a common word's
   * index time).
   */
  async optimize(): Promise<void> {
    // Longer than a statement's bound on a large store: its own unbounded (long) transaction.
    await this.db.transaction(async () => {
      await this.db.query('ANALYZE articles');
      await this.db.query(`SELECT gin_clean_pending_list(indexrelid::regclass) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_am a ON a.oid = c.relam WHERE i.indrelid = 'articles'::regclass AND a.amname = 'gin'`);
    }, { long: true });
  }

  async get(id: string, opts?: { includeHidden?: boolean }): Promise<Article | null> {
    const row = await this.db.one<ArticleRow>(`SELECT ${ROW_COLS} FROM articles WHERE id = $1${opts?.includeHidden ? '' : ` AND ${VISIBLE_SQL}`}`, [id]);
    return row ? rowToArticle(row) : null;
  }

  async getByUrl(url: string, opts?: { includeHidden?: boolean }): Promise<Article | null> {
    const canonical = canonicalUrl(url);
    if (!canonical) return null;
    const row = await this.byCanonical(canonical, !opts?.includeHidden);
    return row ? rowToArticle(row) : null;
  }

  async liftDue(now: number): Promise<Article[]> {
    this.assertOpen();
    return this.db.transaction(async () => {
      await this.db.xactLock(...this.writeLock);
      // Conditional: held and due. Under the articles write lock, of several instances lifting at once exactly one
      // finds the row still held; the others' UPDATE changes nothing.
      const rows = await this.db.rows<ArticleRow>(
        `UPDATE articles SET embargo_ms = NULL
         WHERE seq IN (SELECT seq FROM articles WHERE embargo_ms IS NOT NULL AND embargo_ms <= $1 ORDER BY embargo_ms LIMIT 100)
           AND embargo_ms IS NOT NULL AND embargo_ms <= $1
         RETURNING ${ROW_COLS}`, [now]);
      const lifted = rows.map(rowToArticle);
      for (const article of lifted) await this.notify({ article, outcome: 'created', lifted: true }, false);
      return lifted;
    });
  }

  async nextEmbargoAt(): Promise<number | null> {
    return (await this.db.one<{ t: number | null }>('SELECT min(embargo_ms) AS t FROM articles WHERE embargo_ms IS NOT NULL'))?.t ?? null;
  }

  latest(filter: ArticleFilter & { limit: number; offset: number }): Promise<SearchPage> {
    return this.search_.latest(filter);
  }

  /** As src/store/sqlite/period-stories.ts: every article of the period, grouped into stories before the section filter. */
  async periodStories(filter: PeriodStories): Promise<PeriodStory[]> {
    const params: unknown[] = [keyFloor(filter.since.getTime())];
    let range = `pub_key >= $1 AND ${VISIBLE_SQL}`;
    if (filter.until && !Number.isNaN(filter.until.getTime())) {
      params.push(keyFloor(filter.until.getTime()));
      range += ' AND pub_key < $2';
    }
    const rows = await this.db.rows<ArticleRow>(`SELECT ${ROW_COLS} FROM articles WHERE ${range} ORDER BY pub_key DESC`, params);
    const articles = rows
      .map(rowToArticle)
      .sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || b.publishedAt.localeCompare(a.publishedAt));
    const section = filter.section?.trim().toLowerCase();
    const stories: PeriodStory[] = [];
    const groups = groupDuplicates(articles);
    const storyOf = new Map<string, string>();
    if (groups.size >= 2) {
      const recorded = await this.db.rows<{ a: string; s: string }>('SELECT article_id AS a, story_id AS s FROM alert_stories WHERE article_id = ANY($1::text[])', [articles.map((a) => a.id)]);
      for (const r of recorded) storyOf.set(r.a, r.s);
    }
    for (const [root, members] of mergeRecordedStories(articles, groups, storyOf)) {
      const lead = articles[root];
      if (section && lead.section.toLowerCase() !== section) continue;
      const sources = new Set(members.map((i) => articles[i].source.trim().toLowerCase() || `(no source) ${articles[i].id}`));
      stories.push({ article: lead, duplicateIds: members.filter((i) => i !== root).map((i) => articles[i].id), sourceCount: sources.size });
    }
    return stories;
  }

  search(query: SearchQuery): Promise<SearchPage> {
    return this.search_.search(query);
  }

  suggest(prefix: string, limit: number): Promise<Array<{ id: string; title: string }>> {
    return this.search_.suggest(prefix, limit);
  }

  async sections(): Promise<string[]> {
    return (await this.db.rows<{ v: string }>('SELECT DISTINCT section AS v FROM articles ORDER BY 1')).map((r) => r.v);
  }

  async sources(): Promise<string[]> {
    return (await this.db.rows<{ v: string }>('SELECT DISTINCT source AS v FROM articles ORDER BY 1')).map((r) => r.v);
  }

  async count(): Promise<number> {
    return (await this.db.one<{ n: number }>('SELECT count(*) AS n FROM articles'))!.n;
  }

  async storedVersion(id: string, version: number): Promise<StoredVersion | null> {
    const row = await this.db.one<Record<string, string & number>>(
      `SELECT version, title, dek, body, priority, status, content_hash, updated_at FROM article_versions WHERE article_id = $1 AND version = $2
       UNION ALL SELECT version, title, dek, body, priority, status, content_hash, updated_at FROM articles WHERE id = $1 AND version = $2
       LIMIT 1`,
      [id, version],
    );
    return row ? storedVersionOf(row) : null;
  }

  /** Every stored version of an article, oldest first (the current one last). */
  async history(id: string): Promise<Array<Pick<Article, 'version' | 'title' | 'dek' | 'body' | 'priority' | 'status' | 'contentHash'> & { storedAt: string }>> {
    const rows = await this.db.rows<Record<string, string & number>>(
      `SELECT version, title, dek, body, priority, status, content_hash, stored_at FROM article_versions WHERE article_id = $1
       UNION ALL SELECT version, title, dek, body, priority, status, content_hash, version_stored_at FROM articles WHERE id = $1
       ORDER BY version`,
      [id],
    );
    return rows.map((r) => ({
      version: r.version, title: r.title, dek: r.dek, body: r.body, priority: r.priority, status: r.status,
      contentHash: r.content_hash, storedAt: r.stored_at,
    }));
  }

  onChange(listener: ArticleChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the article store is closed');
  }

  private async byCanonical(canonical: string, visibleOnly = false): Promise<ArticleRow | undefined> {
    // One link, several origins: the newsroom's own article first, then the newest.
    return this.db.one<ArticleRow>(`SELECT ${ROW_COLS} FROM articles WHERE canonical_url = $1${visibleOnly ? ` AND ${VISIBLE_SQL}` : ''}
      ORDER BY (origin IS NULL OR origin IN ('push','files')) DESC, pub_key DESC LIMIT 1`, [canonical]);
  }

  /**
   * As SqliteArticleStore.writeBatch: inputs[from, end) stored exactly as write() one by one would store them, with
   * one lookup of the ids, one of the new rows' keys and one INSERT of their rows (unnest of one array per column).
   * Anything but a new article goes through write() in its turn; listeners hear each change in input order, after
   * its row is written and before the next one is (with listeners, new rows go in one at a time).
   */
  private async writeBatch(inputs: ArticleInput[], from: number, end: number, deadline: number, results: UpsertResult[]): Promise<number> {
    this.assertOpen();
    await this.db.xactLock(...this.writeLock);
    const batch = inputs.slice(from, end);
    const ids = batch.map(idOrNull).filter((id): id is string => id !== null);
    const stored = new Set((await this.db.rows<{ id: string }>('SELECT id FROM articles WHERE id = ANY($1::text[])', [ids])).map((r) => r.id));
    const pending: Array<{ article: Article; publishedMs: number; storedAt: string; quiet: boolean | undefined }> = [];
    const flush = async () => {
      if (pending.length === 0) return;
      const rows = pending.splice(0);
      const keys = await this.keysFor(rows.map((r) => r.publishedMs));
      const columns: unknown[][] = [keys, ...COLS.map(() => [] as unknown[])];
      for (const r of rows) toValues(r.article, r.publishedMs, r.storedAt).forEach((v, c) => columns[c + 1].push(v));
      await this.db.query(
        `INSERT INTO articles (pub_key, ${COLS.join(', ')}) SELECT * FROM unnest(${['bigint', ...COLS.map((c) => COL_TYPES[c])].map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`,
        columns,
      );
      for (const r of rows) results.push(await this.notify({ article: r.article, outcome: 'created' }, r.quiet));
    };
    let i = from;
    for (const input of batch) {
      i++;
      const now = this.opts.now();
      let next: NormalizedArticle | null;
      try {
        next = normalizeInput(input, now);
        if (stored.has(next.id)) next = null;
        else next.embargoUntil = embargoFor(next.id, input, undefined, now.getTime());
      } catch {
        next = null; // refused: write() throws the same, in its turn
      }
      const id = idOrNull(input);
      if (id !== null) stored.add(id);
      if (next === null) {
        await flush();
        results.push(await this.write(input));
      } else {
        const article: Article = { ...stripNormalized(next), updatedAt: next.updatedAt ?? next.publishedAt, version: 1, ingestedAt: now.toISOString() };
        pending.push({ article, publishedMs: next.publishedMs, storedAt: now.toISOString(), quiet: input.quiet });
        if (pending.length >= ROWS_PER_INSERT || this.listeners.size > 0) await flush();
        else continue;
      }
      if (performance.now() >= deadline) break;
    }
    await flush();
    return i;
  }

  /** keyFor for new rows inserted together, in order: each one's key counts as taken for the next. */
  private async keysFor(publishedMs: number[]): Promise<number[]> {
    const floors = publishedMs.map(keyFloor);
    const lastByFloor = new Map<number, number | null>();
    const found = await this.db.rows<{ f: string; k: string | null }>(
      `SELECT f::text AS f, (SELECT max(pub_key) FROM articles WHERE pub_key BETWEEN f AND f + ${KEYS_PER_MS - 1})::text AS k
       FROM unnest($1::bigint[]) AS f`, [[...new Set(floors)]]);
    for (const r of found) lastByFloor.set(Number(r.f), r.k === null ? null : Number(r.k));
    const given = new Set<number>();
    const keys: number[] = [];
    for (const floor of floors) {
      let last = lastByFloor.get(floor) ?? null;
      for (const k of given) if (k >= floor && k < floor + KEYS_PER_MS && (last === null || k > last)) last = k;
      let key = last === null ? floor : last + 1;
      if (key >= floor + KEYS_PER_MS) while (given.has(key) || (await this.db.one('SELECT 1 FROM articles WHERE pub_key = $1', [key]))) key++;
      given.add(key);
      keys.push(key);
    }
    return keys;
  }

  private async write(input: ArticleInput): Promise<UpsertResult> {
    this.assertOpen();
    await this.db.xactLock(...this.writeLock);
    const now = this.opts.now();
    const next = normalizeInput(input, now);
    // By id only: the same link from another origin is another article (the same story, for alerts).
    const existingRow = await this.db.one<ArticleRow>(`SELECT ${ROW_COLS} FROM articles WHERE id = $1`, [next.id]);
    if (existingRow && existingRow.origin !== next.origin) {
      // A row from before origins existed is adopted by the newsroom's own origins; nobody else changes it.
      if (!(existingRow.origin === null && isNewsroomOrigin(next.origin))) throw new OriginConflict(next.id, existingRow.origin as Origin | null);
    }
    const previous = existingRow ? rowToArticle(existingRow) : undefined;
    // A killed story stays killed: nothing written to its id (the push API answers 409 naming the kill).
    if (previous?.status === 'killed') throw new ArticleKilled(previous.id);
    if (previous && !toIsoOrNull(input.publishedAt)) {
      next.publishedAt = previous.publishedAt;
      next.publishedMs = Date.parse(previous.publishedAt);
    }
    next.embargoUntil = embargoFor(next.id, input, previous, now.getTime());
    next.verification = verificationFor(input, previous);
    const lifted = previous !== undefined && previous.embargoUntil !== null && next.embargoUntil === null;

    if (existingRow && previous && previous.contentHash === next.contentHash) {
      if (!sameMetadata(previous, next)) {
        const article: Article = {
          ...stripNormalized(next), id: previous.id, updatedAt: previous.updatedAt, version: previous.version, ingestedAt: previous.ingestedAt,
        };
        const key = await this.keyFor(next.publishedMs, existingRow);
        await this.update(article, next.publishedMs, existingRow.version_stored_at, key, existingRow.seq);
        // Not a version, but a stored change: listeners (the query cache) must hear of it.
        return this.notify(lifted ? { article, outcome: 'created', lifted: true } : { article, outcome: 'unchanged', metadataChanged: true, previous }, input.quiet);
      }
      return { article: previous, outcome: 'unchanged' };
    }

    const article: Article = {
      ...stripNormalized(next),
      id: previous?.id ?? next.id,
      updatedAt: next.updatedAt ?? (previous ? now.toISOString() : next.publishedAt),
      version: (previous?.version ?? 0) + 1,
      ingestedAt: previous?.ingestedAt ?? now.toISOString(),
    };
    const key = await this.keyFor(next.publishedMs, existingRow);
    if (existingRow) {
      await this.db.query(
        `INSERT INTO article_versions (article_id, version, title, dek, body, priority, status, content_hash, updated_at, stored_at)
         SELECT id, version, title, dek, body, priority, status, content_hash, updated_at, version_stored_at FROM articles WHERE seq = $1
         ON CONFLICT (article_id, version) DO UPDATE SET title = excluded.title, dek = excluded.dek, body = excluded.body,
           priority = excluded.priority, status = excluded.status, content_hash = excluded.content_hash,
           updated_at = excluded.updated_at, stored_at = excluded.stored_at`,
        [existingRow.seq],
      );
      await this.update(article, next.publishedMs, now.toISOString(), key, existingRow.seq);
    } else {
      const values = toValues(article, next.publishedMs, now.toISOString());
      await this.db.query(
        `INSERT INTO articles (pub_key, ${COLS.join(', ')}) VALUES ($1, ${COLS.map((_, i) => `$${i + 2}`).join(', ')})`,
        [key, ...values],
      );
    }
    const result: UpsertResult = lifted ? { article, outcome: 'created', lifted: true } : previous ? { article, outcome: 'updated', previous } : { article, outcome: 'created' };
    return this.notify(result, input.quiet);
  }

  /** A listener that throws aborts the transaction: the article and everything the listeners wrote roll back. */
  private async notify(result: UpsertResult, quiet: boolean | undefined): Promise<UpsertResult> {
    const change = quiet ? { ...result, quiet: true } : result;
    for (const listener of this.listeners) await listener(change);
    return result;
  }

  private async update(article: Article, publishedMs: number, versionStoredAt: string, key: number, seq: number): Promise<void> {
    const values = toValues(article, publishedMs, versionStoredAt);
    await this.db.query(
      `UPDATE articles SET pub_key = $1, ${COLS.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE seq = $${COLS.length + 2}`,
      [key, ...values, seq],
    );
  }

  /** As on SQLite: kept while the publication time is unchanged, else the first free slot of the new time. */
  private async keyFor(publishedMs: number, existing?: ArticleRow): Promise<number> {
    const floor = keyFloor(publishedMs);
    if (existing && existing.pub_key >= floor && existing.pub_key < floor + KEYS_PER_MS) return existing.pub_key;
    const last = (await this.db.one<{ k: number | null }>('SELECT max(pub_key) AS k FROM articles WHERE pub_key BETWEEN $1 AND $2', [floor, floor + KEYS_PER_MS - 1]))!.k;
    let key = last === null ? floor : last + 1;
    // Inside the millisecond's slots a key above their highest is free; only one past them (the next millisecond's
    // first) may be taken.
    if (key >= floor + KEYS_PER_MS) while (await this.db.one('SELECT 1 FROM articles WHERE pub_key = $1', [key])) key++;
    return key;
  }
}

function idOrNull(input: ArticleInput): string | null {
  try {
    return articleId(input);
  } catch {
    return null;
  }
}

function stripNormalized(n: NormalizedArticle): Omit<Article, 'version' | 'ingestedAt' | 'updatedAt'> {
  const { publishedMs: _ms, updatedAt: _u, ...rest } = n;
  return rest;
}

function toValues(a: Article, publishedMs: number, versionStoredAt: string): unknown[] {
  return [
    a.id, a.url, a.canonicalUrl, a.title, a.dek, a.body, a.section, JSON.stringify(a.topics), a.source, a.author,
    a.publishedAt, publishedMs, a.updatedAt, a.priority, a.status, a.imageUrl, JSON.stringify(a.related), a.version,
    a.contentHash, a.ingestedAt, versionStoredAt, a.origin, a.embargoUntil === null ? null : Date.parse(a.embargoUntil), a.verification,
  ];
}

function toIsoOrNull(value: string | undefined): string | null {
  return value && !Number.isNaN(Date.parse(value)) ? value : null;
}

function storedVersionOf(r: Record<string, string & number>): StoredVersion {
  return {
    version: Number(r.version), title: r.title, dek: r.dek, body: r.body, priority: r.priority as StoredVersion['priority'],
    status: r.status as StoredVersion['status'], contentHash: r.content_hash, updatedAt: r.updated_at,
  };
}
