import type { ChannelRef, Platform } from '../../domain/channel.js';
import type { OpsChannel } from '../../domain/ops.js';
import type { Scope } from '../../domain/subscription.js';
import type { OpsStore } from '../types.js';
import type { PgDb } from './db.js';

/**
 * Operations channels and open problems (src/store/types.ts OpsStore). Notices go through the outbox under their
 * own key, which no subscription row names: the outbox loses its reference to subscriptions and gains the kind
 * 'notice' (the kind list read from the constraint as it stands, so kinds added since are kept).
 */
export const OPS_MIGRATION_SQL = `
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
    opened_at BIGINT NOT NULL,
    PRIMARY KEY (platform, workspace, cause)
  );`;

export const OUTBOX_NOTICES_SQL = `
  DO $do$
  DECLARE
    fk TEXT;
    kinds TEXT;
  BEGIN
    SELECT conname INTO fk FROM pg_constraint
      WHERE conrelid = 'alert_outbox'::regclass AND contype = 'f' AND confrelid = 'alert_subscriptions'::regclass;
    IF fk IS NOT NULL THEN EXECUTE format('ALTER TABLE alert_outbox DROP CONSTRAINT %I', fk); END IF;
    SELECT conname, pg_get_constraintdef(oid) INTO fk, kinds FROM pg_constraint
      WHERE conrelid = 'alert_outbox'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%kind%';
    EXECUTE format('ALTER TABLE alert_outbox DROP CONSTRAINT %I', fk);
    -- CHECK ((kind = ANY (ARRAY['alert'::text, …]))) → the same list with 'notice'.
    EXECUTE 'ALTER TABLE alert_outbox ADD CONSTRAINT ' || quote_ident(fk) || ' '
      || regexp_replace(kinds, '\\]', ', ''notice''::text]');
  END
  $do$;`;

interface ChannelRow { platform: string; workspace: string; channel: string; channel_name: string | null; set_by: string; set_by_name: string; set_at: string }

const channelOf = (r: ChannelRow): OpsChannel => ({
  platform: r.platform as Platform, workspace: r.workspace, channel: r.channel as ChannelRef, channelName: r.channel_name,
  setBy: r.set_by, setByName: r.set_by_name, setAt: r.set_at,
});

export class PgOps implements OpsStore {
  constructor(private readonly db: PgDb) {}

  async setChannel(scope: Scope, target: { channel: ChannelRef; channelName: string | null } | null, by: { id: string; name: string }, at: Date): Promise<void> {
    if (!target) {
      await this.db.query('DELETE FROM ops_channels WHERE platform = $1 AND workspace = $2', [scope.platform, scope.workspace]);
      return;
    }
    await this.db.query(
      `INSERT INTO ops_channels (platform, workspace, channel, channel_name, set_by, set_by_name, set_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (platform, workspace) DO UPDATE SET channel = excluded.channel, channel_name = excluded.channel_name,
         set_by = excluded.set_by, set_by_name = excluded.set_by_name, set_at = excluded.set_at`,
      [scope.platform, scope.workspace, target.channel, target.channelName, by.id, by.name, at.toISOString()]);
  }

  async channel(scope: Scope): Promise<OpsChannel | null> {
    const r = await this.db.one<ChannelRow>('SELECT * FROM ops_channels WHERE platform = $1 AND workspace = $2', [scope.platform, scope.workspace]);
    return r ? channelOf(r) : null;
  }

  async channels(): Promise<OpsChannel[]> {
    return (await this.db.rows<ChannelRow>('SELECT * FROM ops_channels ORDER BY platform, workspace')).map(channelOf);
  }

  async openProblem(scope: Scope, cause: string, detail: string, at: number): Promise<boolean> {
    const r = await this.db.query(
      'INSERT INTO ops_problems (platform, workspace, cause, detail, opened_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [scope.platform, scope.workspace, cause, detail, at]);
    return r.rowCount === 1;
  }

  async closeProblem(scope: Scope, cause: string): Promise<boolean> {
    const r = await this.db.query('DELETE FROM ops_problems WHERE platform = $1 AND workspace = $2 AND cause = $3', [scope.platform, scope.workspace, cause]);
    return r.rowCount === 1;
  }

  async problems(scope: Scope): Promise<Array<{ cause: string; detail: string; openedAt: number }>> {
    const rows = await this.db.rows<{ cause: string; detail: string; opened_at: string }>(
      'SELECT cause, detail, opened_at FROM ops_problems WHERE platform = $1 AND workspace = $2 ORDER BY opened_at, cause', [scope.platform, scope.workspace]);
    return rows.map((r) => ({ cause: r.cause, detail: r.detail, openedAt: Number(r.opened_at) }));
  }
}
