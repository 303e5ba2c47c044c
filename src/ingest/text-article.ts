import type { Priority } from '../domain/article.js';
import type { RelatedLink } from '../domain/article.js';

/**
 * Reads article text the way pages hand it to us: an optional kicker ("Breaking News", "URGENT"), the
 * headline, often the headline again (the page's own title above its article), paragraphs, and
 * "Read more: …" lines that link elsewhere and are not part of the story.
 */
export interface TextArticle {
  priority?: Priority;
  title: string;
  author?: string;
  body: string;
  related: RelatedLink[];
}

const KICKERS: Array<[RegExp, Priority]> = [
  [/^(breaking|breaking news|news flash|flash|just in)$/i, 'breaking'],
  [/^(urgent|developing|developing story|news alert|alert)$/i, 'urgent'],
];
const RELATED = /^(read more|related|see also|also read|more on this|recommended)\s*[:\-–—]\s*(.+)$/i;
const BOILERPLATE = /^(advertisement|advert|sponsored content|story continues below|share this article)$/i;
const BYLINE = /^by\s+([^\d].{1,80})$/i;
const URL_IN_TEXT = /https?:\/\/[^\s)>\]]+/;

export class TextArticleError extends Error {}

/** Blocks separated by blank lines; a file without any blank line is read one paragraph per line. */
export function paragraphs(text: string): string[] {
  const normalized = text.replace(/\r\n?/g, '\n');
  const blocks = /\n[ \t]*\n/.test(normalized) ? normalized.split(/\n[ \t]*\n/) : normalized.split('\n');
  return blocks.map((b) => b.replace(/\s+/g, ' ').trim()).filter(Boolean);
}

export function kickerPriority(line: string): Priority | undefined {
  const bare = line.replace(/[:!.\-–—\s]+$/u, '').trim();
  if (bare.length > 30) return undefined;
  return KICKERS.find(([re]) => re.test(bare))?.[1];
}

export function parseTextArticle(text: string, opts: { headlineRequired?: boolean } = {}): TextArticle {
  const blocks = paragraphs(text);
  let i = 0;
  const priority = blocks.length > 1 ? kickerPriority(blocks[0]) : undefined;
  if (priority) i++;
  const title = blocks[i++];
  if (!title) {
    if (opts.headlineRequired === false) return { priority, title: '', body: '', related: [] };
    throw new TextArticleError(priority ? 'a kicker line but no headline after it' : 'the file is empty');
  }
  if (title.length > 300) throw new TextArticleError(`the headline (first line) is ${title.length} characters; at most 300`);
  return { priority, title, ...bodyOf(blocks.slice(i), title) };
}

/** Body paragraphs of an article whose headline is known: repeats, byline, related links and ads sorted out. */
export function bodyOf(blocks: string[], title: string): { body: string; related: RelatedLink[]; author?: string } {
  const key = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  const titleKey = key(title);
  let rest = blocks;
  while (rest.length && key(rest[0]) === titleKey) rest = rest.slice(1);
  let author: string | undefined;
  const byline = rest[0]?.match(BYLINE);
  if (byline) {
    author = byline[1].trim();
    rest = rest.slice(1);
  }
  const related: RelatedLink[] = [];
  const body: string[] = [];
  for (const p of rest) {
    const link = p.match(RELATED);
    if (link) related.push(relatedLink(link[2]));
    else if (!BOILERPLATE.test(p) && key(p) !== titleKey) body.push(p);
  }
  return { body: body.join('\n\n'), related, author };
}

function relatedLink(text: string): RelatedLink {
  const url = text.match(URL_IN_TEXT)?.[0];
  const title = (url ? text.replace(url, '') : text).replace(/[\s(\[<>\])|:–—-]+$/u, '').replace(/^[\s|:–—-]+/u, '').trim();
  return url ? { title: title || url, url } : { title };
}
