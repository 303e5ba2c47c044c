import type { Database } from 'better-sqlite3';
import type { Actor, AuditEntry, Scope } from '../../domain/subscription.js';

/**
 * The audit log of alert subscriptions: who changed what, when. Append-only, enforced by the database:
 * triggers refuse every UPDATE and DELETE, so no code path (ours or a future one) can rewrite history.
 */
export const AUDIT_SCHEMA = `
CREATE TABLE alert_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  actor_name TEXT NOT NULL,
  platform TEXT NOT NULL,
  workspace TEXT NOT NULL,
  action TEXT NOT NULL,
  subscription_id TEXT,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX alert_audit_scope ON alert_audit(platform, workspace, id);
CREATE TRIGGER alert_audit_no_update BEFORE UPDATE ON alert_audit
  BEGIN SELECT RAISE(ABORT, 'alert_audit is append-only'); END;
CREATE TRIGGER alert_audit_no_delete BEFORE DELETE ON alert_audit
  BEGIN SELECT RAISE(ABORT, 'alert_audit is append-only'); END;
`;

interface Row {
  id: number; at: string; actor_id: string; actor_name: string; platform: string; workspace: string;
  action: string; subscription_id: string | null; detail: string;
}

export class SqliteAuditLog {
  constructor(private readonly db: Database) {}

  /** `scope` is where the change happened (the subscription's platform and workspace). */
  append(at: Date, actor: Actor, scope: Scope, action: string, subscriptionId: string | null, detail: Record<string, unknown> = {}): void {
    this.db
      .prepare(
        `INSERT INTO alert_audit (at, actor_id, actor_name, platform, workspace, action, subscription_id, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(at.toISOString(), actor.id, actor.name, scope.platform, scope.workspace, action, subscriptionId, JSON.stringify(detail));
  }

  /** Newest first. */
  recent(scope: Scope, limit: number): AuditEntry[] {
    const rows = this.db
      .prepare('SELECT * FROM alert_audit WHERE platform = ? AND workspace = ? ORDER BY id DESC LIMIT ?')
      .all(scope.platform, scope.workspace, limit) as Row[];
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actorId: r.actor_id,
      actorName: r.actor_name,
      platform: r.platform,
      workspace: r.workspace,
      action: r.action,
      subscriptionId: r.subscription_id,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  }
}
