import type { Reply } from '../core/reply.js';
import type { Article } from '../domain/article.js';
import type { Delivery } from '../domain/delivery.js';
import type { Subscription } from '../domain/subscription.js';
import type { ArticleStore } from '../store/types.js';
import { renderFollowUp } from './render.js';
import { whatChanged } from './what-changed.js';

/**
 * The thread reply for a story's new version: what changed between the version the thread last showed (the last
 * reply's, else the alert's) and the current one. Versions that came in before the reply went out make one reply,
 * from the last shown to the latest. When the shown version cannot be read (another member's text took over the
 * story since, or a store without the lookup), the reply falls back to the new version's summary.
 */
export async function buildFollowUp(
  articles: Partial<Pick<ArticleStore, 'storedVersion'>>,
  row: Pick<Delivery, 'threadVersion' | 'deliveredVersion'>,
  article: Article,
  sub: Subscription,
  opts: { timeZone: string; tldr?: string },
): Promise<Reply> {
  const shown = row.threadVersion ?? row.deliveredVersion;
  const before = shown !== null && shown < article.version && articles.storedVersion
    ? await articles.storedVersion(article.id, shown)
    : null;
  return renderFollowUp(article, { ...opts, sub, changes: before ? whatChanged(before, article) : null });
}
