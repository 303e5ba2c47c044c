import type { Database, Statement } from 'better-sqlite3';
import type { PublishLogStore, PublishWindow } from '../types.js';

export const PUBLISH_LOG_SCHEMA = `
  -- Publishes from announcement channels (Discord: about 10 an hour per channel), and holds, over the last window.
  CREATE TABLE publish_log (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    at INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('published', 'held')),
    problem TEXT
  );
  CREATE INDEX publish_log_channel_at ON publish_log (channel, at)`;

/** One process writes the file: each statement here runs whole before another starts, so take() is atomic. */
export class SqlitePublishLog implements PublishLogStore {
  private readonly prune: Statement;
  private readonly count: Statement;
  private readonly insert: Statement;
  private readonly refuse: Statement;
  private readonly summary: Statement;
  private readonly last: Statement;

  constructor(private readonly db: Database) {
    this.prune = db.prepare('DELETE FROM publish_log WHERE channel = ? AND at <= ?');
    this.count = db.prepare(`SELECT COUNT(*) AS n FROM publish_log WHERE channel = ? AND at > ? AND outcome = 'published'`);
    this.insert = db.prepare('INSERT INTO publish_log (channel, at, outcome, problem) VALUES (?, ?, ?, ?)');
    this.refuse = db.prepare(`UPDATE publish_log SET outcome = 'held', problem = ? WHERE id = ?`);
    this.summary = db.prepare(`SELECT COALESCE(SUM(outcome = 'published'), 0) AS published, COALESCE(SUM(outcome = 'held'), 0) AS held
      FROM publish_log WHERE channel = ? AND at > ?`);
    this.last = db.prepare(`SELECT problem FROM publish_log WHERE channel = ? AND at > ? AND outcome = 'held' ORDER BY at DESC, id DESC LIMIT 1`);
  }

  async take(channel: string, at: number, limit: number, windowMs: number, heldProblem: string): Promise<number | null> {
    return this.db.transaction(() => {
      const since = at - windowMs;
      this.prune.run(channel, since);
      const { n } = this.count.get(channel, since) as { n: number };
      if (n >= limit) {
        this.insert.run(channel, at, 'held', heldProblem);
        return null;
      }
      return Number(this.insert.run(channel, at, 'published', null).lastInsertRowid);
    }).immediate();
  }

  async refused(id: number, problem: string): Promise<void> {
    this.refuse.run(problem, id);
  }

  async window(channel: string, since: number): Promise<PublishWindow> {
    const { published, held } = this.summary.get(channel, since) as { published: number; held: number };
    const last = this.last.get(channel, since) as { problem: string | null } | undefined;
    return { published, held, lastProblem: last?.problem ?? null };
  }
}
