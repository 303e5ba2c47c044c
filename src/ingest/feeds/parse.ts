import { parseJsonFeed } from './parse-json.js';
import { parseXmlFeed } from './parse-xml.js';
import { PARSE_QUEUE, type SliceQueue } from './time-slice.js';
import type { ParsedFeed } from './types.js';

export { FeedParseError } from './parse-xml.js';

export interface ParseFeedOptions {
  /** Real time a parse may run before the next job (or the event loop) gets a turn. */
  budgetMs?: number;
  /** The queue parses take turns in: the process's one by default. */
  queue?: SliceQueue;
}

/** Short enough that 1 slice is an acceptable stall, long enough that handing over costs little. */
const PARSE_BUDGET_MS = 10;

/**
 * Any supported feed → items. The format is read from the document itself (servers label feeds
 * text/xml, application/octet-stream or worse). Rejects with FeedParseError for that feed; never crashes the poller.
 * The work is time-sliced in one queue shared by every parse: however many feeds parse at once, the event loop
 * stalls one slice at most, and waiting requests run between any two slices.
 */
export function parseFeed(body: string, feedUrl: string, now: number, options: ParseFeedOptions = {}): Promise<ParsedFeed> {
  return (options.queue ?? PARSE_QUEUE).run((slice) => {
    const text = body.replace(/^\uFEFF/, '').trimStart();
    if (text.startsWith('{')) return parseJsonFeed(text, feedUrl, now, slice);
    return parseXmlFeed(text, feedUrl, now, slice);
  }, options.budgetMs ?? PARSE_BUDGET_MS);
}
