import type { PublishLogStore, PublishWindow } from '../types.js';
import { lockKey, type PgDb } from './db.js';

export const PUBLISH_LOG_SCHEMA = `
  CREATE TABLE publish_log (
    id BIGSERIAL PRIMARY KEY,
    channel TEXT NOT NULL,
    at BIGINT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('published', 'held')),
    problem TEXT
  );
  CREATE INDEX publish_log_channel_at ON publish_log (channel, at);`;

/**
 * Publishes per channel (src/store/sqlite/publish-log.ts). take() counts and inserts under a transaction-scoped
 * advisory lock on the channel (its key includes the schema): instances taking the same channel's publishes queue
 * behind each other, so the last publish of the hour goes to one of them.
 */
export class PgPublishLog implements PublishLogStore {
  constructor(private readonly db: PgDb) {}

  async take(channel: string, at: number, limit: number, windowMs: number, heldProblem: string): Promise<number | null> {
    return this.db.transaction(async () => {
      await this.db.xactLock(lockKey(`newsdesk:${this.db.schema}:publish`), lockKey(channel));
      const since = at - windowMs;
      await this.db.query('DELETE FROM publish_log WHERE channel = $1 AND at <= $2', [channel, since]);
      const { n } = (await this.db.one<{ n: number }>(
        `SELECT COUNT(*)::int AS n FROM publish_log WHERE channel = $1 AND at > $2 AND outcome = 'published'`, [channel, since]))!;
      const outcome = n >= limit ? 'held' : 'published';
      const row = await this.db.one<{ id: string }>(
        'INSERT INTO publish_log (channel, at, outcome, problem) VALUES ($1, $2, $3, $4) RETURNING id',
        [channel, at, outcome, outcome === 'held' ? heldProblem : null]);
      return outcome === 'held' ? null : Number(row!.id);
    });
  }

  async refused(id: number, problem: string): Promise<void> {
    await this.db.query(`UPDATE publish_log SET outcome = 'held', problem = $1 WHERE id = $2`, [problem, id]);
  }

  async window(channel: string, since: number): Promise<PublishWindow> {
    const row = (await this.db.one<{ published: number; held: number; last: string | null }>(
      `SELECT COUNT(*) FILTER (WHERE outcome = 'published')::int AS published, COUNT(*) FILTER (WHERE outcome = 'held')::int AS held,
         (SELECT problem FROM publish_log WHERE channel = $1 AND at > $2 AND outcome = 'held' ORDER BY at DESC, id DESC LIMIT 1) AS last
       FROM publish_log WHERE channel = $1 AND at > $2`, [channel, since]))!;
    return { published: row.published, held: row.held, lastProblem: row.last };
  }
}
