import { isVerification, type Verification } from '../../domain/approval.js';
import type { ArticleStatus, Priority } from '../../domain/article.js';
import { articleId, canonicalUrl, contentHash, normalizeWhitespace } from '../canonical.js';
import type { Article, ArticleInput, RelatedLink } from '../../domain/article.js';
import { EmbargoRefused, MAX_EMBARGO_MS } from '../../domain/article.js';
import { unpackBody, type StoredBody } from './body-codec.js';

/** An `articles` row as SQLite returns it. */
export interface ArticleRow {
  seq: number;
  id: string;
  url: string | null;
  canonical_url: string | null;
  title: string;
  dek: string;
  /** Text, or deflated (body-codec.ts). */
  body: StoredBody;
  section: string;
  topics: string;
  source: string;
  author: string;
  published_at: string;
  published_ms: number;
  updated_at: string;
  priority: Priority;
  status: ArticleStatus;
  image_url: string | null;
  related: string;
  version: number;
  content_hash: string;
  ingested_at: string;
  origin: string | null;
  /** When the current version was written (history's stored_at for it). */
  version_stored_at: string;
  /** Publication-time key; the FTS rowid. */
  pub_key: number;
  /** The embargo's time (epoch ms) while the story is held; null once lifted, or never embargoed. */
  embargo_ms: number | null;
  /** The source's verification label (migration 910); absent on an older schema. */
  verification?: string | null;
}

/** An input with every default applied: what would be stored, minus version and bookkeeping. */
export type NormalizedArticle = Omit<Article, 'version' | 'ingestedAt' | 'updatedAt'> & {
  updatedAt: string | null;
  publishedMs: number;
};

/**
 * Row keys are publication times: ms x KEYS_PER_MS plus a free slot, so key order is time order (articles.pub_key
 * and both FTS indexes' rowids). Times are clamped to 1970–2096 to stay inside a double's exact range.
 */
export const KEYS_PER_MS = 1024;
const MAX_KEY_MS = 4e12;

/** The smallest key an article published at `ms` can have (the lower bound of a since: range). */
export function keyFloor(ms: number): number {
  return Math.floor(Math.min(MAX_KEY_MS, Math.max(0, ms))) * KEYS_PER_MS;
}

/** A key's publication time, in ms. */
export function keyMs(key: number): number {
  return Math.floor(key / KEYS_PER_MS);
}

export const DEFAULT_SECTION = 'general';
export const DEFAULT_SOURCE = 'Newsdesk';
const PRIORITIES: readonly Priority[] = ['breaking', 'urgent', 'routine'];
const STATUSES: readonly ArticleStatus[] = ['published', 'corrected', 'retracted', 'killed'];

export function normalizeInput(input: ArticleInput, now: Date): NormalizedArticle {
  const title = normalizeWhitespace(input.title);
  if (!title) throw new Error('an article needs a headline (title)');
  const published = toIso(input.publishedAt) ?? toIso(input.firstSeenAt) ?? now.toISOString();
  const dek = normalizeWhitespace(input.dek);
  const body = normalizeBody(input.body);
  const priority = PRIORITIES.includes(input.priority as Priority) ? (input.priority as Priority) : 'routine';
  const status = STATUSES.includes(input.status as ArticleStatus) ? (input.status as ArticleStatus) : 'published';
  return {
    id: articleId(input),
    origin: input.origin ?? 'push',
    url: input.url?.trim() || null,
    canonicalUrl: canonicalUrl(input.url),
    title,
    dek,
    body,
    section: normalizeWhitespace(input.section).toLowerCase() || DEFAULT_SECTION,
    topics: [...new Set((input.topics ?? []).map(normalizeWhitespace).filter(Boolean))],
    source: normalizeWhitespace(input.source) || DEFAULT_SOURCE,
    author: normalizeWhitespace(input.author),
    publishedAt: published,
    publishedMs: Date.parse(published),
    updatedAt: toIso(input.updatedAt),
    priority,
    status,
    imageUrl: input.imageUrl?.trim() || null,
    related: (input.related ?? []).filter((r) => r && normalizeWhitespace(r.title)),
    contentHash: contentHash({ title, dek, body, priority, status }),
    // Settled against what is stored by embargoFor (the store's write); a new article's request as given.
    embargoUntil: input.embargoUntil ? toIso(input.embargoUntil) : null,
    // Settled against what is stored by the store's write (omitted keeps it); a new article's as given.
    verification: isVerification(input.verification) ? input.verification : null,
  };
}

/** The label a write stores: the input's (null clears it), else what is stored. */
export function verificationFor(input: ArticleInput, previous: Article | undefined): Verification | null {
  if (input.verification === undefined) return previous?.verification ?? null;
  return isVerification(input.verification) ? input.verification : null;
}

/**
 * The embargo a write stores: the input's (null clears it), else what is stored. A time already past is no embargo
 * (the write lifts it). Refused: an unparseable time, one more than MAX_EMBARGO_MS ahead, and an embargo put on an
 * article readers can already see (recall it instead).
 */
export function embargoFor(id: string, input: ArticleInput, previous: Article | undefined, nowMs: number): string | null {
  let wanted: string | null;
  if (input.embargoUntil === undefined) wanted = previous ? previous.embargoUntil : null;
  else if (input.embargoUntil === null) wanted = null;
  else {
    const ms = Date.parse(input.embargoUntil);
    if (Number.isNaN(ms)) throw new EmbargoRefused(id, 'embargo_until', 'not a date such as 2026-11-25T09:00:00Z');
    if (ms - nowMs > MAX_EMBARGO_MS) throw new EmbargoRefused(id, 'embargo_until', 'more than 365 days ahead');
    wanted = new Date(ms).toISOString();
  }
  if (wanted !== null && Date.parse(wanted) <= nowMs) wanted = null;
  if (wanted !== null && previous && previous.embargoUntil === null && input.embargoUntil !== undefined) {
    throw new EmbargoRefused(id, 'embargo_until', 'already published; recall it instead');
  }
  return wanted;
}

/** Readers never see a held (embargoed) or killed story: the clause every reader query of articles carries. */
export const VISIBLE_SQL = "embargo_ms IS NULL AND status <> 'killed'";

export function isHidden(a: Pick<Article, 'embargoUntil' | 'status'>): boolean {
  return a.embargoUntil !== null || (a.status as string) === 'killed';
}

/** Paragraphs survive (blank line between them); stray spaces and CRLFs do not. */
export function normalizeBody(body: string | undefined): string {
  return (body ?? '')
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    // Runs of spaces and tabs become one space; a lone space is left alone (matching it cost a match per word).
    .map((p) => p.replace(/[ \t]{2,}|\t/g, ' ').replace(/ *\n */g, '\n').trim())
    .filter(Boolean)
    .join('\n\n');
}

function toIso(value: string | undefined): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/**
 * A deflated body is inflated when first read: result pages, the alerts' story lookups and most other readers of
 * a row never read its body. `body` stays an ordinary enumerable, writable property for every caller.
 */
export function rowToArticle(row: ArticleRow): Article {
  const article = rowFields(row);
  if (typeof row.body !== 'string') {
    let body: string | undefined;
    const stored = row.body;
    Object.defineProperty(article, 'body', {
      enumerable: true,
      configurable: true,
      get: () => (body ??= unpackBody(stored)),
      set: (value: string) => {
        Object.defineProperty(article, 'body', { value, enumerable: true, configurable: true, writable: true });
      },
    });
  }
  return article;
}

function rowFields(row: ArticleRow): Article {
  return {
    id: row.id,
    url: row.url,
    canonicalUrl: row.canonical_url,
    title: row.title,
    dek: row.dek,
    body: typeof row.body === 'string' ? row.body : '',
    section: row.section,
    topics: parseJsonArray<string>(row.topics),
    source: row.source,
    author: row.author,
    publishedAt: row.published_at,
    updatedAt: row.updated_at,
    priority: row.priority,
    status: row.status,
    imageUrl: row.image_url,
    related: parseJsonArray<RelatedLink>(row.related),
    version: row.version,
    contentHash: row.content_hash,
    ingestedAt: row.ingested_at,
    origin: (row.origin ?? null) as Article['origin'],
    embargoUntil: row.embargo_ms === null || row.embargo_ms === undefined ? null : new Date(Number(row.embargo_ms)).toISOString(),
    verification: isVerification(row.verification) ? row.verification : null,
  };
}

function parseJsonArray<T>(text: string): T[] {
  try {
    const value = JSON.parse(text);
    return Array.isArray(value) ? value : [];
  } catch {
    return [];
  }
}

/** Fields that are not content: changing them rewrites the row but makes no new version. */
export function sameMetadata(a: Article, b: NormalizedArticle): boolean {
  return (
    a.url === b.url &&
    a.canonicalUrl === b.canonicalUrl &&
    a.section === b.section &&
    a.source === b.source &&
    a.author === b.author &&
    a.publishedAt === b.publishedAt &&
    a.imageUrl === b.imageUrl &&
    a.embargoUntil === b.embargoUntil &&
    a.verification === b.verification &&
    JSON.stringify(a.topics) === JSON.stringify(b.topics) &&
    JSON.stringify(a.related) === JSON.stringify(b.related)
  );
}
