import { createHash } from 'node:crypto';
import type { ArticleInput } from '../domain/article.js';

/** Ids are Discord autocomplete values: at most 100 characters. */
export const MAX_ID_LENGTH = 100;

/**
 * The one form of a URL used for dedupe: https, lower-case host, no fragment, no utm_* parameters,
 * no trailing slash. Anything that is not an http(s) URL gives null.
 */
export function canonicalUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.protocol = 'https:';
  url.hash = '';
  url.hostname = url.hostname.toLowerCase();
  if (url.port === '443' || url.port === '80') url.port = '';
  for (const key of [...url.searchParams.keys()]) {
    if (key.toLowerCase().startsWith('utm_')) url.searchParams.delete(key);
  }
  let out = url.toString();
  // URL.toString() keeps a bare "?" when every parameter was removed.
  if (url.search === '') out = out.replace(/\?$/, '');
  return stripTrailingSlash(out);
}

function stripTrailingSlash(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q);
  return path.replace(/\/+$/, '') + query;
}

export function shortHash(text: string, length = 16): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Ids may not hold whitespace or '#' (message references use '#'), and stay within 100 characters. */
export function cleanId(raw: string): string {
  const id = raw.trim().replace(/[\s#]+/g, '-');
  if (id.length <= MAX_ID_LENGTH) return id;
  // Keep a readable head and make the tail unique.
  return `${id.slice(0, MAX_ID_LENGTH - 17)}-${shortHash(id)}`;
}

/**
 * The article id: the source's id, else a hash of the canonical URL, else the fallback (e.g. the file name),
 * else a hash of what the article says (title, source, date) so the same story twice is still one row.
 * A hash includes the origin, so two origins never derive the same id; data/ files keep the unprefixed hash
 * they always had, so a store made before origins existed does not get every URL-only file twice on restart.
 */
export function articleId(input: Pick<ArticleInput, 'id' | 'url' | 'fallbackId' | 'title' | 'source' | 'publishedAt' | 'origin'>): string {
  if (input.id?.trim()) return cleanId(input.id);
  const salt = input.origin === 'files' ? '' : `${input.origin ?? 'push'}\n`;
  const canonical = canonicalUrl(input.url);
  if (canonical) return shortHash(salt + canonical);
  if (input.fallbackId?.trim()) return cleanId(input.fallbackId);
  return shortHash(salt + JSON.stringify([normalizeWhitespace(input.title), input.source ?? '', input.publishedAt ?? '']));
}

/**
 * Every run of whitespace becomes one space. Written to match only the runs that change (two or more characters, or
 * one that is not a space): `/\s+/g` matched every single space too, and cost ~10× as much on an article body
 * (issue 31: it was a third of bulk ingest's JavaScript). The same result for every string.
 */
export function normalizeWhitespace(text: string | null | undefined): string {
  return (text ?? '').replace(/\s{2,}|[^\S ]/g, ' ').trim();
}

/** Only these fields make a new version; whitespace changes alone do not. */
export function contentHash(a: { title: string; dek: string; body: string; priority: string; status: string }): string {
  const parts = [a.title, a.dek, a.body, a.priority, a.status].map(normalizeWhitespace);
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
