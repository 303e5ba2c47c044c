import type { Database } from 'better-sqlite3';
import type { ChannelRef, Platform } from '../../domain/channel.js';
import type { OpsChannel } from '../../domain/ops.js';
import type { Scope } from '../../domain/subscription.js';

/** Operations channels, one per scope, and the problems open in each (src/store/types.ts OpsStore). */
export const OPS_SCHEMA = `
CREATE TABLE ops_channels (
  platform TEXT NOT NULL,
  workspace TEXT NOT NULL,
  channel TEXT NOT NULL,
  channel_name TEXT,
  set_by TEXT NOT NULL,
  set_by_name TEXT NOT NULL,
  set_at TEXT NOT NULL,
  PRIMARY KEY (platform, workspace)
);
CREATE TABLE ops_problems (
  platform TEXT NOT NULL,
  workspace TEXT NOT NULL,
  cause TEXT NOT NULL,
  detail TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  PRIMARY KEY (platform, workspace, cause)
);
`;

/**
 * Notices go through the outbox under their own key (ops:<cause>:<day>, ops:<scope>), which no subscription row
 * names: the outbox's reference to subscriptions goes, and its kinds gain 'notice'. SQLite alters neither in place:
 * the table is rebuilt from its own stored definition (whatever columns later migrations added), with its indexes
 * and triggers.
 */
export function allowOutboxNotices(db: Database): void {
  const table = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'alert_outbox'").get() as { sql: string };
  const extras = db.prepare("SELECT sql FROM sqlite_schema WHERE tbl_name = 'alert_outbox' AND type IN ('index', 'trigger') AND sql IS NOT NULL").all() as Array<{ sql: string }>;
  const rebuilt = table.sql
    .replace(/\s+REFERENCES\s+alert_subscriptions\s*\(\s*id\s*\)/i, '')
    .replace(/CHECK\s*\(\s*kind\s+IN\s*\(([^)]*)\)\s*\)/i, (_m, kinds: string) => `CHECK (kind IN (${kinds},'notice'))`)
    .replace(/^CREATE TABLE\s+"?alert_outbox"?/i, 'CREATE TABLE alert_outbox_rebuilt');
  if (!rebuilt.includes("'notice'")) throw new Error('alert_outbox has no kind CHECK to extend');
  db.exec(rebuilt);
  db.exec('INSERT INTO alert_outbox_rebuilt SELECT * FROM alert_outbox');
  db.exec('DROP TABLE alert_outbox');
  db.exec('ALTER TABLE alert_outbox_rebuilt RENAME TO alert_outbox');
  for (const { sql } of extras) db.exec(sql);
}

interface ChannelRow { platform: string; workspace: string; channel: string; channel_name: string | null; set_by: string; set_by_name: string; set_at: string }

const channelOf = (r: ChannelRow): OpsChannel => ({
  platform: r.platform as Platform, workspace: r.workspace, channel: r.channel as ChannelRef, channelName: r.channel_name,
  setBy: r.set_by, setByName: r.set_by_name, setAt: r.set_at,
});

export class SqliteOps {
  constructor(private readonly db: Database) {}

  setChannel(scope: Scope, target: { channel: ChannelRef; channelName: string | null } | null, by: { id: string; name: string }, at: Date): void {
    if (!target) {
      this.db.prepare('DELETE FROM ops_channels WHERE platform = ? AND workspace = ?').run(scope.platform, scope.workspace);
      return;
    }
    this.db.prepare(
      `INSERT INTO ops_channels (platform, workspace, channel, channel_name, set_by, set_by_name, set_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (platform, workspace) DO UPDATE SET channel = excluded.channel, channel_name = excluded.channel_name,
         set_by = excluded.set_by, set_by_name = excluded.set_by_name, set_at = excluded.set_at`,
    ).run(scope.platform, scope.workspace, target.channel, target.channelName, by.id, by.name, at.toISOString());
  }

  channel(scope: Scope): OpsChannel | null {
    const r = this.db.prepare('SELECT * FROM ops_channels WHERE platform = ? AND workspace = ?').get(scope.platform, scope.workspace) as ChannelRow | undefined;
    return r ? channelOf(r) : null;
  }

  channels(): OpsChannel[] {
    return (this.db.prepare('SELECT * FROM ops_channels ORDER BY platform, workspace').all() as ChannelRow[]).map(channelOf);
  }

  openProblem(scope: Scope, cause: string, detail: string, at: number): boolean {
    return this.db.prepare(
      'INSERT INTO ops_problems (platform, workspace, cause, detail, opened_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(scope.platform, scope.workspace, cause, detail, at).changes === 1;
  }

  closeProblem(scope: Scope, cause: string): boolean {
    return this.db.prepare('DELETE FROM ops_problems WHERE platform = ? AND workspace = ? AND cause = ?')
      .run(scope.platform, scope.workspace, cause).changes === 1;
  }

  problems(scope: Scope): Array<{ cause: string; detail: string; openedAt: number }> {
    return (this.db.prepare('SELECT cause, detail, opened_at FROM ops_problems WHERE platform = ? AND workspace = ? ORDER BY opened_at, cause')
      .all(scope.platform, scope.workspace) as Array<{ cause: string; detail: string; opened_at: number }>)
      .map((r) => ({ cause: r.cause, detail: r.detail, openedAt: r.opened_at }));
  }
}
