import type { ArticleStore } from '../store/types.js';
import type { Summarizer } from '../summarize/types.js';
import type { OutboundPort, Platform } from './outbound.js';
import type { AlertsService } from '../alerts/types.js';

/** Short-key storage for state that does not fit in a button id (Discord custom_id ≤ 100). */
export interface ActionStateStore {
  put(state: unknown): Promise<string>;
  get(key: string): Promise<unknown | null>;
}

/** Derived, disposable data (query results, summaries); invalidated on every store change. */
export interface DerivedCache {
  get<T>(key: string): T | undefined;
  set<T>(key: string, value: T): void;
  clear(): void;
}

/** What commands may use. Adapters never see this. */
export interface Services {
  articles: ArticleStore;
  summarizer: Summarizer;
  cache: DerivedCache;
  actionState: ActionStateStore;
  /** The outbound ports of the adapters that are running (channel checks, test alerts). */
  ports: Map<Platform, OutboundPort>;
  /** Breaking-news alerts (/alerts); absent when the alerts module is not started. */
  alerts?: AlertsService;
  /** Feed polling health (/alerts sources); each entry is one feed as the poller reports it. */
  feeds?: { health(): ReadonlyArray<object> };
}
