import type { Database, Statement } from 'better-sqlite3';
import type { LearnedCeilingRow, PacingStateStore } from '../types.js';

export const PACING_STATE_SCHEMA = `
  -- Posting ceilings learned per workspace (Slack's undisclosed workspace limit), one row each, last write wins.
  CREATE TABLE pacing_ceilings (
    platform TEXT NOT NULL,
    workspace TEXT NOT NULL,
    per_minute REAL NOT NULL CHECK (per_minute > 0),
    learned_ms INTEGER NOT NULL,
    PRIMARY KEY (platform, workspace)
  )`;

export class SqlitePacingState implements PacingStateStore {
  private readonly select: Statement;
  private readonly upsert: Statement;

  constructor(db: Database) {
    this.select = db.prepare('SELECT platform, workspace, per_minute, learned_ms FROM pacing_ceilings');
    this.upsert = db.prepare(`
      INSERT INTO pacing_ceilings (platform, workspace, per_minute, learned_ms) VALUES (?, ?, ?, ?)
      ON CONFLICT (platform, workspace) DO UPDATE SET per_minute = excluded.per_minute, learned_ms = excluded.learned_ms`);
  }

  async loadCeilings(): Promise<LearnedCeilingRow[]> {
    const rows = this.select.all() as Array<{ platform: string; workspace: string; per_minute: number; learned_ms: number }>;
    return rows.map((r) => ({ platform: r.platform, workspace: r.workspace, perMinute: r.per_minute, learnedAt: new Date(r.learned_ms) }));
  }

  async saveCeiling(row: LearnedCeilingRow): Promise<void> {
    this.upsert.run(row.platform, row.workspace, row.perMinute, row.learnedAt.getTime());
  }
}
