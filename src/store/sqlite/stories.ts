import type { Database, Statement } from 'better-sqlite3';
import type { StoryRecord } from '../../domain/delivery.js';

/**
 * How each article mapped onto a story (itself, or a duplicate of another), in `alert_stories` (migration
 * 201): alert dedupe and /alerts why read it. Synchronous; the Store wraps it as the async StoryStore.
 */
export class SqliteStories {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  story(articleId: string): StoryRecord | null {
    const r = this.stmt('SELECT * FROM alert_stories WHERE article_id = ?').get(articleId) as
      | { article_id: string; story_id: string; duplicate_reason: string | null; quiet: number; seen_at: number }
      | undefined;
    if (!r) return null;
    return {
      articleId: r.article_id, storyId: r.story_id, duplicateOf: r.story_id === r.article_id ? null : r.story_id,
      duplicateReason: r.duplicate_reason, quiet: r.quiet === 1, seenAt: r.seen_at,
    };
  }

  addStory(s: { articleId: string; storyId: string; canonicalUrl: string | null; titleKey: string; duplicateReason: string | null; quiet: boolean; seenAt: number }): void {
    this.stmt(
        `INSERT OR IGNORE INTO alert_stories (article_id, story_id, canonical_url, title_key, duplicate_reason, quiet, seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(s.articleId, s.storyId, s.canonicalUrl, s.titleKey, s.duplicateReason, s.quiet ? 1 : 0, s.seenAt);
  }

  storyByUrl(canonicalUrl: string): string | null {
    const r = this.stmt('SELECT story_id FROM alert_stories WHERE canonical_url = ? LIMIT 1').get(canonicalUrl) as
      | { story_id: string } | undefined;
    return r?.story_id ?? null;
  }

  /** Headlines seen since then, oldest first: loads the fan-out's in-memory near-duplicate index once. */
  storiesSeenSince(sinceMs: number): Array<{ articleId: string; storyId: string; key: string; seenAt: number }> {
    return this.stmt('SELECT article_id AS articleId, story_id AS storyId, title_key AS key, seen_at AS seenAt FROM alert_stories WHERE seen_at >= ? ORDER BY seen_at, rowid')
      .all(sinceMs) as Array<{ articleId: string; storyId: string; key: string; seenAt: number }>;
  }
}
