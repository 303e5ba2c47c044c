import { createHash } from 'node:crypto';
import type { ArticleInput } from '../../domain/article.js';
import type { FeedConfig } from './config.js';
import { stripUnsafeText } from '../clean-text.js';
import { applyRules } from './rules.js';
import type { FeedItem } from './types.js';
import { feedOrigin } from '../../domain/article.js';

/** Article ids are autocomplete values on Discord: ≤ 100 characters, no spaces or '#'. */
const MAX_ID_LENGTH = 100;
const ID_SAFE = /^[A-Za-z0-9._:@-]+$/;
const MAX_DEK = 600;
const MAX_TITLE = 500;

/** The item's identity within its feed: the guid, else its canonical link, else its title. */
export function itemKey(item: FeedItem): string | null {
  if (item.guid) return item.guid;
  if (item.link) return canonicalForId(item.link);
  return item.title || null;
}

/**
 * `<feed id>:<guid>` when that is short and plain, else `<feed id>:<hash>`. The feed prefix keeps two feeds'
 * guids ("1", "2", …) from colliding; hashing keeps URL-shaped guids typeable.
 */
export function articleIdFor(feedId: string, key: string): string {
  const plain = `${feedId}:${key}`;
  if (plain.length <= MAX_ID_LENGTH && ID_SAFE.test(key)) return plain;
  return `${feedId}:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** Same page, same id: scheme, fragment, utm_* and a trailing slash do not make a different article. */
function canonicalForId(link: string): string {
  try {
    const url = new URL(link);
    url.protocol = 'https:';
    url.hash = '';
    for (const name of [...url.searchParams.keys()]) if (/^utm_/i.test(name)) url.searchParams.delete(name);
    return url.toString().replace(/\/+(\?|$)/, '$1');
  } catch {
    return link;
  }
}

export interface FeedArticle {
  /** The stable article id (also the key of the seen-items state). */
  id: string;
  input: ArticleInput;
}

/**
 * A feed's items → article inputs, one per id (a guid repeated within the feed keeps its first, newest,
 * occurrence). Undated items take the time they were first seen, so they sort sensibly and keep that date.
 */
export function feedItemsToArticles(
  feed: FeedConfig,
  items: FeedItem[],
  firstSeen: (id: string) => string | undefined,
  now: string,
): FeedArticle[] {
  const out = new Map<string, FeedArticle>();
  for (const raw of items) {
    const item = cleanItem(raw);
    const key = itemKey(item);
    const title = (item.title || firstWords(item.content || item.summary)).slice(0, MAX_TITLE);
    if (!key || !title) continue;
    const id = articleIdFor(feed.id, key);
    if (out.has(id)) continue;
    const ruled = applyRules(feed.rules, { title, categories: item.categories }, {
      title,
      priority: feed.priority,
      section: feed.section,
    });
    out.set(id, {
      id,
      input: {
        id,
        origin: feedOrigin(feed.id),
        url: item.link,
        title: ruled.title,
        dek: clipAtWord(item.summary, MAX_DEK),
        body: item.content,
        section: ruled.section,
        topics: item.categories.slice(0, 30).map((c) => c.slice(0, 60)),
        source: feed.source,
        author: item.author.slice(0, 200),
        publishedAt: item.publishedAt ?? item.updatedAt ?? firstSeen(id) ?? now,
        updatedAt: item.updatedAt ?? undefined,
        priority: ruled.priority,
        imageUrl: item.imageUrl,
        ...(ruled.verification ? { verification: ruled.verification } : {}),
      },
    });
  }
  return [...out.values()];
}

/** Control characters and bidirectional overrides never reach the store (src/ingest/clean-text.ts). */
function cleanItem(item: FeedItem): FeedItem {
  return {
    ...item,
    title: stripUnsafeText(item.title).trim(),
    summary: stripUnsafeText(item.summary),
    content: stripUnsafeText(item.content),
    author: stripUnsafeText(item.author),
    categories: item.categories.map(stripUnsafeText).filter((c) => c.trim()),
  };
}

/** Title-less items (JSON Feed allows them) get their opening words as a headline. */
function firstWords(text: string): string {
  return clipAtWord(text.split('\n')[0] ?? '', 120);
}

function clipAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
