import type { Logger } from '../log.js';
import type { Summarizer } from '../summarize/types.js';
import type { AlertArticle } from './render.js';

/**
 * One TL;DR per article version, shared by every channel the alert goes to (a fan-out renders the same story
 * hundreds of times). A summarizer failure falls back to the dek, and is not retried for that version.
 */
export function createTldrCache(summarizer: Pick<Summarizer, 'tldr'> | undefined, logger: Logger): (article: AlertArticle) => string | undefined {
  const tldrs = new Map<string, string>();
  return (article) => {
    if (!summarizer) return undefined;
    const key = `${article.id}@${article.version}`;
    let t = tldrs.get(key);
    if (t === undefined) {
      try {
        t = summarizer.tldr(article);
      } catch (err) {
        logger.warn({ err, article: article.id }, 'TL;DR failed; the alert uses the dek');
        t = '';
      }
      if (tldrs.size > 500) tldrs.clear();
      tldrs.set(key, t);
    }
    return t || undefined;
  };
}
