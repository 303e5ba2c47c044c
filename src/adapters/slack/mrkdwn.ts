import { linkableUrl } from '../../core/links.js';
/**
 * Slack mrkdwn helpers. Slack reads `<…>` as control sequences (`<!channel>`, `<@U1>`, `<url|text>`), so every
 * untrusted string is escaped (`&`, `<`, `>`) before it goes into a message; only the links we build are raw.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Cuts already-escaped text to `max` characters at a word boundary with an ellipsis, never inside an entity
 * such as `&amp;` (a half entity would show as raw text).
 */
export function cutEscaped(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return '…'.slice(0, max);
  let cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  if (space > max * 0.6) cut = cut.slice(0, space);
  const amp = cut.lastIndexOf('&');
  if (amp !== -1 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  // Trailing punctuation goes before the ellipsis, but not the `;` that ends an entity.
  cut = cut.replace(/[\s,:.-]+$/, '');
  while (cut.endsWith(';') && !/&[a-z]+;$/.test(cut)) cut = cut.slice(0, -1).replace(/[\s,:.-]+$/, '');
  return `${cut}…`;
}

/** Escape, then cut: the limit applies to what Slack receives. */
export function fitText(text: string, max: number): string {
  return cutEscaped(escapeMrkdwn(text.replace(/\s+/g, ' ').trim()), max);
}

/** Multi-line variant: keeps line breaks (card text, summaries), collapses other runs of whitespace. */
export function fitParagraphs(text: string, max: number): string {
  const normal = text.replace(/\r\n?/g, '\n').replace(/[^\S\n]+/g, ' ').replace(/\n{3,}/g, '\n\n').trim();
  return cutEscaped(escapeMrkdwn(normal), max);
}

/** http(s) URLs only, at most 2000 characters (the rule every platform shares); anything else is not linked. */
export const safeUrl = linkableUrl;

/**
 * `<url|title>` with both parts made safe: the URL's `&<>` escaped and `|` percent-encoded (it would end the URL),
 * the title escaped and its `|` replaced by a look-alike (Slack splits the link at the first `|`).
 */
export function link(url: string, title: string, maxTitle = 300): string {
  const href = escapeMrkdwn(url).replace(/\|/g, '%7C');
  const label = fitText(title.replace(/\|/g, '∣'), maxTitle) || href;
  return `<${href}|${label}>`;
}

/** ~struck~ each line of a title: Slack strikethrough does not span line breaks. */
export function strike(escaped: string): string {
  return escaped
    .split('\n')
    .map((line) => (line.trim() ? `~${line.trim()}~` : line))
    .join('\n');
}
