import type { Database } from 'better-sqlite3';
import type { FeedState } from '../types.js';

/**
 * Polling state that must survive a restart: validators for conditional GET, whether the first (quiet)
 * poll happened, health figures, and when each item was first seen (the date of undated items).
 * Applied as migration `300-feeds`.
 */
export const FEED_STATE_SCHEMA = `
CREATE TABLE feed_state (
  feed_id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  etag TEXT,
  last_modified TEXT,
  first_poll_done INTEGER NOT NULL DEFAULT 0,
  last_attempt_at INTEGER,
  last_success_at INTEGER,
  next_poll_at INTEGER,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  failing_since INTEGER,
  last_error TEXT
);
CREATE TABLE feed_items (
  feed_id TEXT NOT NULL,
  article_id TEXT NOT NULL,
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  PRIMARY KEY (feed_id, article_id)
) WITHOUT ROWID;
CREATE INDEX feed_items_last_seen ON feed_items(feed_id, last_seen_at);
`;

/** Items gone from a feed this long are forgotten (an undated item reappearing later is then new-dated). */
const SEEN_RETENTION_MS = 30 * 24 * 3600_000;

interface Row {
  feed_id: string;
  url: string;
  etag: string | null;
  last_modified: string | null;
  first_poll_done: number;
  last_attempt_at: number | null;
  last_success_at: number | null;
  next_poll_at: number | null;
  consecutive_failures: number;
  failing_since: number | null;
  last_error: string | null;
}

export class SqliteFeedState {
  private readonly getStmt;
  private readonly saveStmt;
  private readonly firstSeenStmt;
  private readonly markSeenStmt;
  private readonly pruneStmt;
  private readonly forgetItemsStmt;

  constructor(private readonly db: Database) {
    this.getStmt = db.prepare<[string], Row>('SELECT * FROM feed_state WHERE feed_id = ?');
    this.saveStmt = db.prepare(`
      INSERT INTO feed_state (feed_id, url, etag, last_modified, first_poll_done, last_attempt_at, last_success_at,
        next_poll_at, consecutive_failures, failing_since, last_error)
      VALUES (@feed_id, @url, @etag, @last_modified, @first_poll_done, @last_attempt_at, @last_success_at,
        @next_poll_at, @consecutive_failures, @failing_since, @last_error)
      ON CONFLICT(feed_id) DO UPDATE SET url = excluded.url, etag = excluded.etag,
        last_modified = excluded.last_modified, first_poll_done = excluded.first_poll_done,
        last_attempt_at = excluded.last_attempt_at, last_success_at = excluded.last_success_at,
        next_poll_at = excluded.next_poll_at, consecutive_failures = excluded.consecutive_failures,
        failing_since = excluded.failing_since, last_error = excluded.last_error`);
    this.firstSeenStmt = db.prepare<[string, string], { first_seen_at: number }>(
      'SELECT first_seen_at FROM feed_items WHERE feed_id = ? AND article_id = ?',
    );
    this.markSeenStmt = db.prepare(`
      INSERT INTO feed_items (feed_id, article_id, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)
      ON CONFLICT(feed_id, article_id) DO UPDATE SET last_seen_at = excluded.last_seen_at`);
    this.pruneStmt = db.prepare('DELETE FROM feed_items WHERE feed_id = ? AND last_seen_at < ?');
    this.forgetItemsStmt = db.prepare('DELETE FROM feed_items WHERE feed_id = ?');
  }

  get(feedId: string): FeedState | null {
    const r = this.getStmt.get(feedId);
    if (!r) return null;
    return {
      feedId: r.feed_id, url: r.url, etag: r.etag, lastModified: r.last_modified, firstPollDone: r.first_poll_done === 1,
      lastAttemptAt: r.last_attempt_at, lastSuccessAt: r.last_success_at, nextPollAt: r.next_poll_at,
      consecutiveFailures: r.consecutive_failures, failingSince: r.failing_since, lastError: r.last_error,
    };
  }

  save(s: FeedState): void {
    this.saveStmt.run({
      feed_id: s.feedId, url: s.url, etag: s.etag, last_modified: s.lastModified, first_poll_done: s.firstPollDone ? 1 : 0,
      last_attempt_at: s.lastAttemptAt, last_success_at: s.lastSuccessAt, next_poll_at: s.nextPollAt,
      consecutive_failures: s.consecutiveFailures, failing_since: s.failingSince, last_error: s.lastError,
    });
  }

  /** A feed whose URL changed is a new feed: its old items say nothing about the new one. */
  forgetItems(feedId: string): void {
    this.forgetItemsStmt.run(feedId);
  }

  firstSeen(feedId: string, articleId: string): number | null {
    return this.firstSeenStmt.get(feedId, articleId)?.first_seen_at ?? null;
  }

  /** Records this poll's items and forgets those long gone, in one transaction. */
  markSeen(feedId: string, articleIds: string[], now: number): void {
    this.db.transaction(() => {
      for (const id of articleIds) this.markSeenStmt.run(feedId, id, now, now);
      this.pruneStmt.run(feedId, now - SEEN_RETENTION_MS);
    })();
  }
}
