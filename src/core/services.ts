import type { ActionStateStore, ArticleStore, DerivedCache } from '../store/types.js';
import type { Summarizer } from '../summarize/types.js';
import type { AlertsService } from './alerts-service.js';

/** What commands may use. Adapters never see this. */
export interface Services {
  articles: ArticleStore;
  summarizer: Summarizer;
  cache: DerivedCache;
  actionState: ActionStateStore;
  /** Breaking-news alerts (/alerts); absent when the alerts module is not started. */
  alerts?: AlertsService;
  /** Feed polling health (/alerts sources); each entry is one feed as the poller reports it. */
  feeds?: { health(): ReadonlyArray<object> };
}
