import type { CommandContext } from '../src/core/command.js';
import { looksLikeUrl } from '../src/core/text.js';
import type { Article } from '../src/domain/article.js';

export interface ResolvedArticle {
  article: Article;
  /** Other matches when the article was found by headline words (best first). */
  others: Article[];
}

/** How users name an article everywhere (/summary, /alerts why): id, then URL, then headline words. */
export async function resolveArticle(ctx: CommandContext, ref: string, runnersUp = 0, opts: { includeHidden?: boolean } = {}): Promise<ResolvedArticle | null> {
  const store = ctx.services.articles;
  // Held (embargoed) stories are found by id or link only for admins' /alerts why; never by readers.
  const byId = await store.get(ref, opts);
  if (byId) return { article: byId, others: [] };
  if (looksLikeUrl(ref)) {
    const byUrl = await store.getByUrl(ref, opts);
    return byUrl ? { article: byUrl, others: [] } : null;
  }
  const page = await store.search({ text: ref, limit: runnersUp + 1, offset: 0 });
  if (page.items.length === 0) return null;
  return { article: page.items[0], others: page.items.slice(1) };
}
