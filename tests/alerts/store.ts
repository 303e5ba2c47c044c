import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { AUDIT_SCHEMA } from '../../src/store/sqlite/audit.js';
import { OUTBOX_SCHEMA } from '../../src/store/sqlite/outbox.js';
import { SUBSCRIPTIONS_SCHEMA } from '../../src/store/sqlite/subscriptions.js';
import type { Article, ArticleChangeListener, ArticleInput, ArticleStore, UpsertResult } from '../../src/store/types.js';

/**
 * The write path of an ArticleStore over the alerts tables, for the alerts tests: upsert runs the change
 * listeners inside a real SQLite transaction, as the store's contract says.
 */
export async function openAlertTestStore() {
  const db = new Database(':memory:');
  db.exec(SUBSCRIPTIONS_SCHEMA + OUTBOX_SCHEMA + AUDIT_SCHEMA);
  const rows = new Map<string, Article>();
  const listeners = new Set<ArticleChangeListener>();
  const canonical = (url: string | null | undefined) => (url ? url.replace(/^http:/, 'https:').replace(/[?#].*$/, '').replace(/\/$/, '') : null);

  const upsert = (input: ArticleInput): UpsertResult =>
    db.transaction(() => {
      const canonicalUrl = canonical(input.url);
      const id = input.id ?? (canonicalUrl ? createHash('sha1').update(canonicalUrl).digest('hex').slice(0, 16) : input.fallbackId!);
      const previous = rows.get(id);
      const now = new Date().toISOString();
      const base = {
        id, url: input.url ?? null, canonicalUrl, title: input.title, dek: input.dek ?? '', body: input.body ?? '',
        section: input.section ?? 'world', topics: input.topics ?? [], source: input.source ?? 'Wire', author: input.author ?? '',
        publishedAt: input.publishedAt ?? now, updatedAt: input.updatedAt ?? now, priority: input.priority ?? 'routine',
        status: input.status ?? 'published', imageUrl: input.imageUrl ?? null, related: input.related ?? [],
      };
      const contentHash = createHash('sha1').update(JSON.stringify([base.title, base.dek, base.body, base.priority, base.status])).digest('hex');
      if (previous && previous.contentHash === contentHash) return { article: previous, outcome: 'unchanged' as const };
      const article: Article = { ...base, contentHash, version: (previous?.version ?? 0) + 1, ingestedAt: previous?.ingestedAt ?? now };
      rows.set(id, article);
      const result: UpsertResult = previous ? { article, outcome: 'updated', previous } : { article, outcome: 'created' };
      for (const l of listeners) l(result);
      return result;
    })();

  const articles: Pick<ArticleStore, 'upsert' | 'get' | 'onChange'> = {
    upsert: async (input) => upsert(input),
    get: async (id) => rows.get(id) ?? null,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { db, articles: articles as ArticleStore, close: async () => db.close() };
}
