import type { Article, ArticleInput } from '../domain/article.js';

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

export interface UpsertResult {
  article: Article;
  outcome: UpsertOutcome;
  /** The version before this write, for 'updated'. */
  previous?: Article;
  /** Stored without alerting (a feed's first poll): copied from ArticleInput.quiet. */
  quiet?: boolean;
}

export interface ArticleFilter {
  section?: string;
  source?: string;
  /** Only articles published at or after this instant. */
  since?: Date;
}

export interface SearchQuery extends ArticleFilter {
  /** User words; reach FTS5 only as quoted terms. Empty → latest. */
  text?: string;
  limit: number;
  offset: number;
}

export interface SearchPage {
  items: Article[];
  /** True when at least one more result exists after this page. */
  hasMore: boolean;
  /**
   * For text searches: 'all' when every word matched; 'any' when nothing had every word and the results
   * are those with any of them (a reply may say so). Absent for `latest`.
   */
  matched?: 'all' | 'any';
}

/** Called inside the write transaction for every stored change (created or updated). */
export type ArticleChangeListener = (change: UpsertResult) => void;

export interface ArticleStore {
  upsert(input: ArticleInput): Promise<UpsertResult>;
  /** Chunked transactions that yield to the event loop between chunks. */
  upsertMany(inputs: ArticleInput[], onProgress?: (done: number, total: number) => void): Promise<UpsertResult[]>;
  get(id: string): Promise<Article | null>;
  getByUrl(url: string): Promise<Article | null>;
  /** Newest first. */
  latest(filter: ArticleFilter & { limit: number; offset: number }): Promise<SearchPage>;
  /** Ranked by bm25 blended with recency; filters applied inside the ranked subquery. */
  search(query: SearchQuery): Promise<SearchPage>;
  /** Headline suggestions for autocomplete: prefix-matching titles, newest first. */
  suggest(prefix: string, limit: number): Promise<Array<{ id: string; title: string }>>;
  sections(): Promise<string[]>;
  sources(): Promise<string[]>;
  count(): Promise<number>;
  /** Listeners run synchronously inside the write transaction (the alerts fan-out uses this). */
  onChange(listener: ArticleChangeListener): () => void;
  close(): Promise<void>;
}

/** Short-key storage for state that does not fit in a button id (Discord custom_id ≤ 100). */
export interface ActionStateStore {
  put(state: unknown): Promise<string>;
  get(key: string): Promise<unknown | null>;
}

/** Derived, disposable data (query results, summaries); invalidated on every store change. */
export interface DerivedCache {
  get<T>(key: string): T | undefined;
  set<T>(key: string, value: T): void;
  clear(): void;
}
