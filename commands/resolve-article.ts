import type { CommandContext } from '../src/core/command.js';
import { looksLikeUrl } from '../src/core/text.js';
import type { Article } from '../src/domain/article.js';

export interface ResolvedArticle {
  article: Article;
  /** Other matches when the article was found by headline words (best first). */
  others: Article[];
}

/** How users name an article everywhere (/summary, /alerts why): id, then URL, then headline words. */
export async function resolveArticle(ctx: CommandContext, ref: string, runnersUp = 0): Promise<ResolvedArticle | null> {
  const store = ctx.services.articles;
  const byId = await store.get(ref);
  if (byId) return { article: byId, others: [] };
  if (looksLikeUrl(ref)) {
    const byUrl = await store.getByUrl(ref);
    return byUrl ? { article: byUrl, others: [] } : null;
  }
  const page = await store.search({ text: ref, limit: runnersUp + 1, offset: 0 });
  if (page.items.length === 0) return null;
  return { article: page.items[0], others: page.items.slice(1) };
}
