import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseFeedDate } from './dates.js';
import { htmlToLine, htmlToText } from './html-text.js';
import { resolveLink } from './links.js';
import type { FeedItem, ParsedFeed } from './types.js';
import { asArray, attr, child, first, isRecord, textOf, unwrapRawXmlText, type XmlNode } from './xml-node.js';

export class FeedParseError extends Error {}

/**
 * Namespace prefixes are removed (content:encoded → encoded, dc:date → date) because feeds pick their own
 * prefixes. Atom's content and summary stay raw so type="xhtml" keeps its markup.
 */
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  stopNodes: ['*.content', '*.summary'],
  processEntities: true,
  htmlEntities: false,
});

export function parseXmlFeed(xml: string, feedUrl: string, now: number): ParsedFeed {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new FeedParseError(`broken XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml) as Record<string, unknown>;
  } catch (err) {
    throw new FeedParseError(`broken XML: ${(err as Error).message}`);
  }
  if (isRecord(doc.rss)) return parseRss(doc.rss, feedUrl, now);
  if (isRecord(doc.RDF)) return parseRdf(doc.RDF, feedUrl, now);
  if (isRecord(doc.feed)) return parseAtom(doc.feed, feedUrl, now);
  const root = Object.keys(doc).find((k) => !k.startsWith('?')) ?? 'nothing';
  throw new FeedParseError(`not a feed: the document's root is <${root}>, not <rss>, <rdf:RDF> or <feed>`);
}

function parseRss(rss: Record<string, unknown>, feedUrl: string, now: number): ParsedFeed {
  const channel = first(rss.channel);
  const siteLink = resolveLink(textOf(child(channel, 'link')), feedUrl);
  const ttl = Number.parseInt(textOf(child(channel, 'ttl')), 10);
  return {
    format: 'rss',
    title: htmlToLine(textOf(child(channel, 'title'))),
    ttlMinutes: Number.isFinite(ttl) && ttl > 0 ? ttl : null,
    items: asArray(child(channel, 'item')).map((item) => rssItem(item, [feedUrl, siteLink], now)),
  };
}

/** RSS 2.0 items, and RSS 1.0 items (same element names plus rdf:about and Dublin Core). */
function rssItem(item: XmlNode, bases: Array<string | null>, now: number): FeedItem {
  const description = htmlToText(textOf(child(item, 'description')));
  const encoded = htmlToText(textOf(child(item, 'encoded')));
  const guid = textOf(child(item, 'guid')).trim() || attr(item, 'about')?.trim() || null;
  const permalinkGuid = guid && attr(child(item, 'guid'), 'isPermaLink') !== 'false' ? guid : null;
  return {
    guid,
    link: resolveLink(textOf(child(item, 'link')), ...bases) ?? resolveLink(permalinkGuid, ...bases),
    title: htmlToLine(textOf(child(item, 'title'))),
    summary: encoded ? description : '',
    content: encoded || description,
    publishedAt: parseFeedDate(textOf(child(item, 'pubDate')) || textOf(child(item, 'date')), now),
    updatedAt: parseFeedDate(textOf(child(item, 'modified')) || textOf(child(item, 'updated')), now),
    categories: [...asArray(child(item, 'category')), ...asArray(child(item, 'subject'))]
      .map((c) => htmlToLine(textOf(c)))
      .filter(Boolean),
    author: htmlToLine(textOf(child(item, 'creator')) || textOf(child(item, 'author'))),
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

function parseRdf(rdf: Record<string, unknown>, feedUrl: string, now: number): ParsedFeed {
  const channel = first(rdf.channel);
  const siteLink = resolveLink(textOf(child(channel, 'link')), feedUrl);
  // RSS 1.0 puts items beside the channel, not inside it.
  return {
    format: 'rdf',
    title: htmlToLine(textOf(child(channel, 'title'))),
    ttlMinutes: null,
    items: asArray(rdf.item).map((item) => rssItem(item, [feedUrl, siteLink], now)),
  };
}

function parseAtom(feed: Record<string, unknown>, feedUrl: string, now: number): ParsedFeed {
  const feedBase = resolveLink(attr(feed, 'base'), feedUrl) ?? feedUrl;
  return {
    format: 'atom',
    title: atomText(feed.title),
    ttlMinutes: null,
    items: asArray(feed.entry).map((entry) => atomEntry(entry, feedBase, now)),
  };
}

function atomEntry(entry: XmlNode, feedBase: string, now: number): FeedItem {
  const base = resolveLink(attr(entry, 'base'), feedBase) ?? feedBase;
  const links = asArray(child(entry, 'link'));
  const alternate =
    links.find((l) => (attr(l, 'rel') ?? 'alternate') === 'alternate' && !attr(l, 'type')?.startsWith('image')) ??
    links.find((l) => !attr(l, 'rel'));
  const image = links.find((l) => attr(l, 'rel') === 'enclosure' && attr(l, 'type')?.startsWith('image/'));
  const content = atomText(child(entry, 'content'), 'block');
  const summary = atomText(child(entry, 'summary'), 'block');
  return {
    guid: textOf(child(entry, 'id')).trim() || null,
    link: resolveLink(attr(alternate, 'href'), base),
    title: atomText(child(entry, 'title')),
    summary: content ? summary : '',
    content: content || summary,
    publishedAt: parseFeedDate(textOf(child(entry, 'published')) || textOf(child(entry, 'issued')), now),
    updatedAt: parseFeedDate(textOf(child(entry, 'updated')) || textOf(child(entry, 'modified')), now),
    categories: asArray(child(entry, 'category'))
      .map((c) => (attr(c, 'label') ?? attr(c, 'term') ?? textOf(c)).trim())
      .filter(Boolean),
    author: asArray(child(entry, 'author'))
      .map((a) => htmlToLine(textOf(child(a, 'name')) || textOf(a)))
      .filter(Boolean)
      .join(', '),
    imageUrl: image ? resolveLink(attr(image, 'href'), base) : null,
  };
}

/** Atom text constructs: type text (plain), html (escaped markup) or xhtml (inline markup in a div). */
function atomText(node: XmlNode, shape: 'line' | 'block' = 'line'): string {
  if (node === undefined) return '';
  const type = (attr(node, 'type') ?? 'text').toLowerCase();
  const raw = textOf(node);
  const asText = shape === 'line' ? htmlToLine : htmlToText;
  if (type === 'xhtml') return asText(raw);
  // content and summary (the blocks) arrive raw, as stop nodes; titles were already entity-decoded.
  const decoded = shape === 'block' ? unwrapRawXmlText(raw) : raw;
  if (type === 'html' || type === 'text/html') return asText(decoded);
  return shape === 'line' ? decoded.replace(/\s+/g, ' ').trim() : decoded.replace(/[ \t]+/g, ' ').replace(/\n{3,}/g, '\n\n').trim();
}
