import { recallFromRow, type RecallRow } from '../outbox-rows.js';
import { approvalFromRow, labelFromRow, replaceableGuard, type ApprovalRow, type LabelRow } from '../approval-rows.js';
import type { ApprovalDecision, StoryLabel } from '../../domain/approval.js';
import type { StoryRecall } from '../../domain/delivery.js';
import type { Database, Statement } from 'better-sqlite3';
import type { Origin } from '../../domain/article.js';
import type { StoryRecord } from '../../domain/delivery.js';
import type { NewStoryMember } from '../types.js';
import { preparedOnce } from './statements.js';

/**
 * How each article mapped onto a story (itself, or a duplicate of another), in `alert_stories` (migration
 * 201): alert dedupe and /alerts why read it. Synchronous; the Store wraps it as the async StoryStore.
 */
export class SqliteStories {
  private readonly stmt: (sql: string) => Statement;

  constructor(db: Database) {
    this.stmt = preparedOnce(db);
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

  addStory(s: NewStoryMember): void {
    this.stmt(
        `INSERT OR IGNORE INTO alert_stories (article_id, story_id, canonical_url, title_key, duplicate_reason, quiet, seen_at, origin)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(s.articleId, s.storyId, s.canonicalUrl, s.titleKey, s.duplicateReason, s.quiet ? 1 : 0, s.seenAt, s.origin);
  }

  storyByUrl(canonicalUrl: string, otherThan: Origin | null): string | null {
    const r = this.stmt('SELECT story_id FROM alert_stories WHERE canonical_url = ? AND origin IS NOT ? ORDER BY seen_at, rowid LIMIT 1').get(canonicalUrl, otherThan) as
      | { story_id: string } | undefined;
    return r?.story_id ?? null;
  }

  /** Headlines seen since then, oldest first: loads the fan-out's in-memory near-duplicate index once. */
  storiesSeenSince(sinceMs: number): Array<{ articleId: string; storyId: string; key: string; seenAt: number; origin: Origin | null }> {
    return this.stmt('SELECT article_id AS articleId, story_id AS storyId, title_key AS key, seen_at AS seenAt, origin FROM alert_stories WHERE seen_at >= ? ORDER BY seen_at, rowid')
      .all(sinceMs) as Array<{ articleId: string; storyId: string; key: string; seenAt: number; origin: Origin | null }>;
  }

  storiesAddedAfter(position: number, sinceMs: number): Array<{ articleId: string; storyId: string; key: string; seenAt: number; origin: Origin | null; position: number }> {
    return this.stmt(`SELECT article_id AS articleId, story_id AS storyId, title_key AS key, seen_at AS seenAt, origin, rowid AS position
        FROM alert_stories WHERE rowid > ? AND seen_at >= ? ORDER BY rowid`)
      .all(position, sinceMs) as Array<{ articleId: string; storyId: string; key: string; seenAt: number; origin: Origin | null; position: number }>;
  }

  members(storyId: string): Array<{ articleId: string; origin: Origin | null; duplicateReason: string | null }> {
    return this.stmt('SELECT article_id AS articleId, origin, duplicate_reason AS duplicateReason FROM alert_stories WHERE story_id = ? ORDER BY seen_at, rowid')
      .all(storyId) as Array<{ articleId: string; origin: Origin | null; duplicateReason: string | null }>;
  }

  shown(storyId: string): string | null {
    const r = this.stmt('SELECT article_id FROM story_shown WHERE story_id = ?').get(storyId) as { article_id: string } | undefined;
    return r?.article_id ?? null;
  }

  setShown(storyId: string, articleId: string): void {
    this.stmt('INSERT INTO story_shown (story_id, article_id) VALUES (?, ?) ON CONFLICT (story_id) DO UPDATE SET article_id = excluded.article_id').run(storyId, articleId);
  }

  addRecall(r: StoryRecall): boolean {
    return this.stmt(`INSERT INTO story_recalls (story_id, platform, workspace, kind, reason, by_id, by_name, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (story_id, platform, workspace) DO NOTHING`)
      .run(r.storyId, r.platform, r.workspace, r.kind, r.reason, r.by.id, r.by.name, r.at).changes === 1;
  }

  recalls(storyId: string): StoryRecall[] {
    return (this.stmt('SELECT * FROM story_recalls WHERE story_id = ? ORDER BY at').all(storyId) as RecallRow[]).map(recallFromRow);
  }

  /** The first final decision wins: written only over no decision or a hold (approval-rows.ts); `won` false otherwise. */
  decide(d: ApprovalDecision): { won: boolean; current: ApprovalDecision } {
    const won = this.stmt(`INSERT INTO story_approvals (story_id, channel, outcome, label, by_id, by_name, at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (story_id, channel) DO UPDATE SET outcome = excluded.outcome, label = excluded.label, by_id = excluded.by_id,
          by_name = excluded.by_name, at = excluded.at WHERE ${replaceableGuard(d.outcome, 'story_approvals.outcome')}`)
      .run(d.storyId, d.channel, d.outcome, d.label, d.by.id, d.by.name, d.at).changes === 1;
    return { won, current: this.approval(d.storyId, d.channel)! };
  }

  approval(storyId: string, channel: string): ApprovalDecision | null {
    const r = this.stmt('SELECT * FROM story_approvals WHERE story_id = ? AND channel = ?').get(storyId, channel) as ApprovalRow | undefined;
    return r ? approvalFromRow(r) : null;
  }

  approvals(storyId: string): ApprovalDecision[] {
    return (this.stmt('SELECT * FROM story_approvals WHERE story_id = ? ORDER BY at, channel').all(storyId) as ApprovalRow[]).map(approvalFromRow);
  }

  /** True when the story's label changed (setting the label it has is no change). */
  setLabel(l: StoryLabel): boolean {
    return this.stmt(`INSERT INTO story_labels (story_id, label, by_id, by_name, at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (story_id) DO UPDATE SET label = excluded.label, by_id = excluded.by_id, by_name = excluded.by_name, at = excluded.at
        WHERE story_labels.label <> excluded.label`)
      .run(l.storyId, l.label, l.by.id, l.by.name, l.at).changes === 1;
  }

  label(storyId: string): StoryLabel | null {
    const r = this.stmt('SELECT * FROM story_labels WHERE story_id = ?').get(storyId) as LabelRow | undefined;
    return r ? labelFromRow(r) : null;
  }
}
