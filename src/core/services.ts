import type { ActionStateStore, ArticleStore, DerivedCache } from '../store/types.js';
import type { Summarizer } from '../summarize/types.js';
import type { AlertsService } from './alerts-service.js';
import type { Article } from '../domain/article.js';
import type { Verification } from '../domain/approval.js';

/** What commands may use. Adapters never see this. */
export interface Services {
  articles: ArticleStore;
  summarizer: Summarizer;
  cache: DerivedCache;
  actionState: ActionStateStore;
  /** Breaking-news alerts (/alerts); absent when the alerts module is not started. */
  alerts?: AlertsService;
  /**
   * The verification label each article's story shows (an editor's label on the story wins over the source's field);
   * absent: the articles' own field.
   */
  labels?: { forArticles(articles: ReadonlyArray<Pick<Article, 'id' | 'verification'>>): Promise<Map<string, Verification>> };
  /** Feed polling health (/alerts sources); each entry is one feed as the poller reports it. */
  feeds?: { health(): ReadonlyArray<object> };
}
