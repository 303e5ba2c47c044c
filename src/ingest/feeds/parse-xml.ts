import { parseFeedDate } from './dates.js';
import { htmlToHeadlineSliced, htmlToLineSliced, htmlToTextSliced, MAX_LINE_CHARS, MAX_TEXT_CHARS } from './html-text.js';
import { resolveLink } from './links.js';
import type { TimeSlice } from './time-slice.js';
import type { FeedItem, ParsedFeed } from './types.js';
import { parseXmlTree, XmlTreeError } from './xml-tree.js';
import { asArray, attr, child, first, isRecord, textOf, unwrapRawXmlText, type XmlNode } from './xml-node.js';

export class FeedParseError extends Error {}

export async function parseXmlFeed(xml: string, feedUrl: string, now: number, slice: TimeSlice): Promise<ParsedFeed> {
  let doc: Record<string, unknown>;
  try {
    doc = await parseXmlTree(xml, slice);
  } catch (err) {
    if (err instanceof XmlTreeError) throw new FeedParseError(err.message);
    throw err;
  }
  if (isRecord(doc.rss)) return parseRss(doc.rss, feedUrl, now, slice);
  if (isRecord(doc.RDF)) return parseRdf(doc.RDF, feedUrl, now, slice);
  if (isRecord(doc.feed)) return parseAtom(doc.feed, feedUrl, now, slice);
  const root = Object.keys(doc)[0] ?? 'nothing';
  throw new FeedParseError(`not a feed: the document's root is <${root}>, not <rss>, <rdf:RDF> or <feed>`);
}

async function parseRss(rss: Record<string, unknown>, feedUrl: string, now: number, slice: TimeSlice): Promise<ParsedFeed> {
  const channel = first(rss.channel);
  const siteLink = resolveLink(textOf(child(channel, 'link')), feedUrl);
  const ttl = Number.parseInt(textOf(child(channel, 'ttl')), 10);
  const items: FeedItem[] = [];
  for (const item of asArray(child(channel, 'item'))) items.push(await rssItem(item, [feedUrl, siteLink], now, slice));
  return {
    format: 'rss',
    title: await htmlToHeadlineSliced(textOf(child(channel, 'title')), slice),
    ttlMinutes: Number.isFinite(ttl) && ttl > 0 ? ttl : null,
    items,
  };
}

/** RSS 2.0 items, and RSS 1.0 items (same element names plus rdf:about and Dublin Core). */
async function rssItem(item: XmlNode, bases: Array<string | null>, now: number, slice: TimeSlice): Promise<FeedItem> {
  const line = (html: string) => htmlToLineSliced(html, slice);
  const description = await htmlToTextSliced(textOf(child(item, 'description')), slice);
  const encoded = await htmlToTextSliced(textOf(child(item, 'encoded')), slice);
  const categories: string[] = [];
  for (const c of [...asArray(child(item, 'category')), ...asArray(child(item, 'subject'))]) {
    const text = await line(textOf(c));
    if (text) categories.push(text);
  }
  const guid = textOf(child(item, 'guid')).trim() || attr(item, 'about')?.trim() || null;
  const permalinkGuid = guid && attr(child(item, 'guid'), 'isPermaLink') !== 'false' ? guid : null;
  return {
    guid,
    link: resolveLink(textOf(child(item, 'link')), ...bases) ?? resolveLink(permalinkGuid, ...bases),
    title: await htmlToHeadlineSliced(textOf(child(item, 'title')), slice),
    summary: encoded ? description : '',
    content: encoded || description,
    publishedAt: parseFeedDate(textOf(child(item, 'pubDate')) || textOf(child(item, 'date')), now),
    updatedAt: parseFeedDate(textOf(child(item, 'modified')) || textOf(child(item, 'updated')), now),
    categories,
    author: await line(textOf(child(item, 'creator')) || textOf(child(item, 'author'))),
    imageUrl: rssImage(item, bases),
  };
}

function rssImage(item: XmlNode, bases: Array<string | null>): string | null {
  for (const enclosure of asArray(child(item, 'enclosure'))) {
    if (attr(enclosure, 'type')?.startsWith('image/')) return resolveLink(attr(enclosure, 'url'), ...bases);
  }
  for (const media of [...asArray(child(item, 'content')), ...asArray(child(item, 'thumbnail'))]) {
    const medium = attr(media, 'medium') ?? attr(media, 'type') ?? 'image';
    if (medium.startsWith('image')) {
      const url = resolveLink(attr(media, 'url'), ...bases);
      if (url) return url;
    }
  }
  return null;
}

async function parseRdf(rdf: Record<string, unknown>, feedUrl: string, now: number, slice: TimeSlice): Promise<ParsedFeed> {
  const channel = first(rdf.channel);
  const siteLink = resolveLink(textOf(child(channel, 'link')), feedUrl);
  // RSS 1.0 puts items beside the channel, not inside it.
  const items: FeedItem[] = [];
  for (const item of asArray(rdf.item)) items.push(await rssItem(item, [feedUrl, siteLink], now, slice));
  return { format: 'rdf', title: await htmlToHeadlineSliced(textOf(child(channel, 'title')), slice), ttlMinutes: null, items };
}

async function parseAtom(feed: Record<string, unknown>, feedUrl: string, now: number, slice: TimeSlice): Promise<ParsedFeed> {
  const feedBase = resolveLink(attr(feed, 'base'), feedUrl) ?? feedUrl;
  const items: FeedItem[] = [];
  for (const entry of asArray(feed.entry)) items.push(await atomEntry(entry, feedBase, now, slice));
  return { format: 'atom', title: await atomText(feed.title, slice), ttlMinutes: null, items };
}

async function atomEntry(entry: XmlNode, feedBase: string, now: number, slice: TimeSlice): Promise<FeedItem> {
  const base = resolveLink(attr(entry, 'base'), feedBase) ?? feedBase;
  const links = asArray(child(entry, 'link'));
  const alternate =
    links.find((l) => (attr(l, 'rel') ?? 'alternate') === 'alternate' && !attr(l, 'type')?.startsWith('image')) ??
    links.find((l) => !attr(l, 'rel'));
  const image = links.find((l) => attr(l, 'rel') === 'enclosure' && attr(l, 'type')?.startsWith('image/'));
  const content = await atomText(child(entry, 'content'), slice, 'block');
  const summary = await atomText(child(entry, 'summary'), slice, 'block');
  const authors: string[] = [];
  for (const a of asArray(child(entry, 'author'))) {
    const name = await htmlToLineSliced(textOf(child(a, 'name')) || textOf(a), slice);
    if (name) authors.push(name);
  }
  return {
    guid: textOf(child(entry, 'id')).trim() || null,
    link: resolveLink(attr(alternate, 'href'), base),
    title: await atomText(child(entry, 'title'), slice),
    summary: content ? summary : '',
    content: content || summary,
    publishedAt: parseFeedDate(textOf(child(entry, 'published')) || textOf(child(entry, 'issued')), now),
    updatedAt: parseFeedDate(textOf(child(entry, 'updated')) || textOf(child(entry, 'modified')), now),
    categories: asArray(child(entry, 'category'))
      .map((c) => (attr(c, 'label') ?? attr(c, 'term') ?? textOf(c)).trim())
      .filter(Boolean),
    author: authors.join(', '),
    imageUrl: image ? resolveLink(attr(image, 'href'), base) : null,
  };
}

/** Atom text constructs: type text (plain), html (escaped markup) or xhtml (inline markup in a div). */
async function atomText(node: XmlNode, slice: TimeSlice, shape: 'line' | 'block' = 'line'): Promise<string> {
  if (node === undefined) return '';
  const type = (attr(node, 'type') ?? 'text').toLowerCase();
  const raw = textOf(node);
  const asText = (html: string) => (shape === 'line' ? htmlToHeadlineSliced(html, slice) : htmlToTextSliced(html, slice));
  if (type === 'xhtml') return asText(raw);
  // content and summary (the blocks) arrive raw, as stop nodes; titles were already entity-decoded.
  const decoded = shape === 'block' ? unwrapRawXmlText(raw) : raw;
  if (type === 'html' || type === 'text/html') return asText(decoded);
  await slice.checkpoint();
  const plain = decoded.slice(0, shape === 'line' ? MAX_LINE_CHARS : MAX_TEXT_CHARS);
  return shape === 'line' ? plain.replace(/\s+/g, ' ').trim() : plain.replace(/[ \t]+/g, ' ').replace(/\n{3,}/g, '\n\n').trim();
}
