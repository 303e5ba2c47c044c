import { parseJsonFeed } from './parse-json.js';
import { parseXmlFeed } from './parse-xml.js';
import { TimeSlice } from './time-slice.js';
import type { ParsedFeed } from './types.js';

export { FeedParseError } from './parse-xml.js';

/**
 * Any supported feed → items. The format is read from the document itself (servers label feeds
 * text/xml, application/octet-stream or worse). Rejects with FeedParseError for that feed; never crashes the poller.
 * The work is time-sliced: a large or hostile feed gives the event loop a turn every few milliseconds.
 */
export function parseFeed(body: string, feedUrl: string, now: number, slice = new TimeSlice()): Promise<ParsedFeed> {
  const text = body.replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('{')) return parseJsonFeed(text, feedUrl, now, slice);
  return parseXmlFeed(text, feedUrl, now, slice);
}
