/** The article: what every source produces, the store keeps, commands show and alerts deliver. */
export type Priority = 'breaking' | 'urgent' | 'routine';
export const PRIORITIES: readonly Priority[] = ['breaking', 'urgent', 'routine'];
/** 0 breaking, 1 urgent, 2 routine: the order alerts go out in. */
export const PRIORITY_RANK: Record<Priority, number> = { breaking: 0, urgent: 1, routine: 2 };

export type ArticleStatus = 'published' | 'corrected' | 'retracted';

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
