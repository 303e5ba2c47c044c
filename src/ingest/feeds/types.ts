/** One item as read from any feed format: plain text, absolute links, ISO dates (or null when absent). */
export interface FeedItem {
  /** guid / id / rdf:about as the feed wrote it. */
  guid: string | null;
  link: string | null;
  title: string;
  /** The teaser (RSS description when full content exists, Atom summary, JSON Feed summary). */
  summary: string;
  /** The full text when the feed carries it. */
  content: string;
  publishedAt: string | null;
  updatedAt: string | null;
  categories: string[];
  author: string;
  imageUrl: string | null;
}

export type FeedFormat = 'rss' | 'rdf' | 'atom' | 'json';

export interface ParsedFeed {
  format: FeedFormat;
  title: string;
  /** RSS `ttl` (minutes): a floor on how often we poll. */
  ttlMinutes: number | null;
  items: FeedItem[];
}

/** How one feed is doing, as `/alerts sources` shows it and the logs report it. */
export interface FeedHealth {
  name: string;
  url: string;
  /** ok | failing (≥ 1 failure in a row) | never polled yet | disabled */
  status: 'ok' | 'failing' | 'pending' | 'disabled';
  lastSuccess: string | null;
  consecutiveFailures: number;
  lastError: string | null;
  nextPoll: string | null;
}
