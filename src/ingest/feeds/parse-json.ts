import { z } from 'zod';
import { parseFeedDate } from './dates.js';
import { htmlToTextSliced, MAX_LINE_CHARS, MAX_TEXT_CHARS } from './html-text.js';
import { resolveLink } from './links.js';
import { FeedParseError } from './parse-xml.js';
import type { TimeSlice } from './time-slice.js';
import type { FeedItem, ParsedFeed } from './types.js';

/** JSON Feed 1.0 and 1.1 (jsonfeed.org): only the fields Newsdesk uses; unknown ones are ignored. */
const author = z.object({ name: z.string().optional() }).loose();
const jsonFeedItem = z
  .object({
    id: z.union([z.string(), z.number()]).transform(String),
    url: z.string().optional(),
    external_url: z.string().optional(),
    title: z.string().optional(),
    content_html: z.string().optional(),
    content_text: z.string().optional(),
    summary: z.string().optional(),
    image: z.string().optional(),
    banner_image: z.string().optional(),
    date_published: z.string().optional(),
    date_modified: z.string().optional(),
    authors: z.array(author).optional(),
    author: author.optional(),
    tags: z.array(z.string()).optional(),
  })
  .loose();

const jsonFeed = z
  .object({
    version: z.string().regex(/jsonfeed\.org\/version\//, 'a jsonfeed.org version URL'),
    title: z.string().optional(),
    home_page_url: z.string().optional(),
    feed_url: z.string().optional(),
    items: z.array(z.unknown()),
  })
  .loose();

export async function parseJsonFeed(text: string, feedUrl: string, now: number, slice: TimeSlice): Promise<ParsedFeed> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new FeedParseError(`broken JSON: ${(err as Error).message}`);
  }
  const feed = jsonFeed.safeParse(data);
  if (!feed.success) {
    const issue = feed.error.issues[0];
    throw new FeedParseError(`not a JSON Feed: ${issue.path.join('.') || 'document'}: ${issue.message}`);
  }
  const bases = [feedUrl, resolveLink(feed.data.home_page_url, feedUrl)];
  const items: FeedItem[] = [];
  // One malformed item is skipped rather than failing the whole feed.
  for (const raw of feed.data.items) {
    const parsed = jsonFeedItem.safeParse(raw);
    if (parsed.success) items.push(await jsonItem(parsed.data, bases, now, slice));
    await slice.checkpoint();
  }
  return { format: 'json', title: feed.data.title?.trim() ?? '', ttlMinutes: null, items };
}

async function jsonItem(item: z.infer<typeof jsonFeedItem>, bases: Array<string | null>, now: number, slice: TimeSlice): Promise<FeedItem> {
  const content = item.content_html
    ? await htmlToTextSliced(item.content_html, slice)
    : (item.content_text ?? '').slice(0, MAX_TEXT_CHARS).trim();
  const summary = item.summary?.slice(0, MAX_TEXT_CHARS).trim() ?? '';
  const authors = item.authors ?? (item.author ? [item.author] : []);
  return {
    guid: item.id.trim() || null,
    link: resolveLink(item.url, ...bases) ?? resolveLink(item.external_url, ...bases),
    // Plain text, by the JSON Feed spec (HTML goes in content_html only): "&amp;" or "<b>" in a title are what it says.
    title: (item.title ?? '').slice(0, MAX_LINE_CHARS).replace(/\s+/g, ' ').trim(),
    summary: content ? summary : '',
    content: content || summary,
    publishedAt: parseFeedDate(item.date_published, now),
    updatedAt: parseFeedDate(item.date_modified, now),
    categories: (item.tags ?? []).map((t) => t.trim()).filter(Boolean),
    author: authors.map((a) => a.name?.trim()).filter(Boolean).join(', '),
    imageUrl: resolveLink(item.image, ...bases) ?? resolveLink(item.banner_image, ...bases),
  };
}
