import { linkableUrl } from '../../core/links.js';
/**
 * Discord markdown helpers. Article text is untrusted: it must not open formatting, mask links or look like a
 * mention. (allowed_mentions already stops pings; escaping also stops `<@&123>` from *rendering* as a role.)
 */
const AT_LINE_START = /^(\s*)([#>-]|\d+\.)/gm;
const INLINE = /([\\*_~`|[\]()<])/g;

export function escapeMarkdown(text: string): string {
  return text
    .replace(INLINE, '\\$1')
    .replace(AT_LINE_START, '$1\\$2')
    .replace(/@(everyone|here)/gi, '@\u200b$1')
    .replace(/https?:\/\/\S+/g, (url) => url.replace(/\\([*_~|()[\]])/g, '$1'));
}

/** For link URLs inside `[text](url)`: only http(s), and no bare parentheses or spaces to break out. */
export function safeUrl(url: string | undefined): string | undefined {
  return linkableUrl(url)?.replace(/\(/g, '%28').replace(/\)/g, '%29');
}

/**
 * Cuts at a word boundary with an ellipsis so that the result is at most `max` UTF-16 units
 * (Discord counts characters; UTF-16 length is never smaller, so this is safe).
 */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return max === 1 ? '…' : '';
  let end = max - 1;
  if (/[\uD800-\uDBFF]/.test(text[end - 1] ?? '')) end -= 1;
  let head = text.slice(0, end);
  const space = head.search(/\s\S*$/);
  if (space > max * 0.6) head = head.slice(0, space);
  head = head.replace(/[\s,;:.\-–—]+$/, '');
  // A dangling backslash would escape the ellipsis; an unclosed `~~` or `**` would swallow the rest.
  head = head.replace(/\\+$/, (m) => (m.length % 2 ? m.slice(1) : m));
  return `${head}…`;
}

/** Wraps in `~~` (strikethrough) while keeping the whole within `max`. */
export function strike(text: string, max: number): string {
  return `~~${cut(text, max - 4)}~~`;
}
