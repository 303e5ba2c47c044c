import type { Article } from '../domain/article.js';
import { PRIORITY_RANK } from '../domain/article.js';
import { type Subscription } from '../domain/subscription.js';

export type MatchResult = { matches: true } | { matches: false; reason: string };

/**
 * Does an article pass a subscription's filters? Pure, so `/alerts why` can ask the same question later and
 * give the same answer the fan-out got. Paused and quiet hours are decided by the caller (they depend on time).
 */
export function matchSubscription(
  article: Pick<Article, 'priority' | 'section' | 'title' | 'dek' | 'topics'>,
  sub: Subscription,
  /** The article's normalized keyword haystack, when the caller matches it against many subscriptions. */
  haystack?: string,
): MatchResult {
  if (PRIORITY_RANK[article.priority] > PRIORITY_RANK[sub.minPriority]) {
    return { matches: false, reason: `priority ${article.priority} is below this subscription's minimum (${sub.minPriority})` };
  }
  if (sub.sections.length > 0 && !sub.sections.includes(article.section.toLowerCase())) {
    return { matches: false, reason: `section "${article.section || 'none'}" is not one of ${sub.sections.join(', ')}` };
  }
  if (sub.keywords.length > 0) {
    const words = haystack ?? keywordHaystack(article);
    if (!sub.keywords.some((k) => containsPhrase(words, normalizedKeyword(k)))) {
      return { matches: false, reason: `none of the keywords (${sub.keywords.join(', ')}) is in the headline, dek or topics` };
    }
  }
  return { matches: true };
}

export function keywordHaystack(article: Pick<Article, 'title' | 'dek' | 'topics'>): string {
  return normalizeWords([article.title, article.dek, ...article.topics].join(' '));
}

/** Keywords are few and reused for every article: normalized once (bounded memo). */
const normalizedKeywords = new Map<string, string>();
function normalizedKeyword(keyword: string): string {
  let n = normalizedKeywords.get(keyword);
  if (n === undefined) {
    if (normalizedKeywords.size > 10_000) normalizedKeywords.clear();
    normalizedKeywords.set(keyword, (n = normalizeWords(keyword)));
  }
  return n;
}

/** Lower-case words separated by single spaces, accents folded: "Modi's" → "modi s". */
export function normalizeWords(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Whole words only: the keyword "war" does not match "award". */
function containsPhrase(haystack: string, phrase: string): boolean {
  if (!phrase) return false;
  return ` ${haystack} `.includes(` ${phrase} `);
}
