import type { ArticleStatus, Priority } from '../core/reply.js';

export interface RelatedLink {
  title: string;
  url?: string;
}

/** A stored article: one row, current version. Times are ISO 8601 strings (UTC). */
export interface Article {
  id: string;
  url: string | null;
  /** https, no fragment, no utm_*, no trailing slash */
  canonicalUrl: string | null;
  title: string;
  dek: string;
  body: string;
  section: string;
  topics: string[];
  source: string;
  author: string;
  publishedAt: string;
  updatedAt: string;
  priority: Priority;
  status: ArticleStatus;
  imageUrl: string | null;
  related: RelatedLink[];
  version: number;
  /** Hash of the whitespace-normalised title, dek, body, priority and status. */
  contentHash: string;
  /** When this row was first stored here. */
  ingestedAt: string;
}

/** What a source hands the store (files, feeds, HTTP push all produce this). */
export interface ArticleInput {
  id?: string;
  url?: string | null;
  title: string;
  dek?: string;
  body?: string;
  section?: string;
  topics?: string[];
  source?: string;
  author?: string;
  publishedAt?: string;
  /** When the source gives no date: the date a new article gets. An article already stored keeps its own. */
  firstSeenAt?: string;
  updatedAt?: string;
  priority?: Priority;
  status?: ArticleStatus;
  imageUrl?: string | null;
  related?: RelatedLink[];
  /** Fallback id when neither an id nor a URL is given (e.g. the file name). */
  fallbackId?: string;
  /** Store and index it, but raise no alert (first poll of a new feed); handed on to change listeners. */
  quiet?: boolean;
}

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
