import { parseJsonFeed } from './parse-json.js';
import { parseXmlFeed } from './parse-xml.js';
import type { ParsedFeed } from './types.js';

export { FeedParseError } from './parse-xml.js';

/**
 * Any supported feed → items. The format is read from the document itself (servers label feeds
 * text/xml, application/octet-stream or worse). Throws FeedParseError for that feed; never crashes the poller.
 */
export function parseFeed(body: string, feedUrl: string, now: number = Date.now()): ParsedFeed {
  const text = body.replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('{')) return parseJsonFeed(text, feedUrl, now);
  return parseXmlFeed(text, feedUrl, now);
}
