import type { PgDb } from './db.js';
import type { OAuthStateRows, SlackInstallationRows, StoredSlackInstallation } from '../types.js';
import { installationFromRow, installationParams, type InstallationRow as Row } from '../slack-installation-rows.js';

/** Slack installations (OAuth mode) and the install flow's pending states; the same columns as on SQLite. */
export const PG_SLACK_INSTALLATIONS_SCHEMA = `
  CREATE TABLE slack_installations (
    key TEXT PRIMARY KEY,
    team_id TEXT,
    enterprise_id TEXT,
    is_enterprise_install INTEGER NOT NULL,
    team_name TEXT,
    bot_user_id TEXT,
    bot_id TEXT,
    scopes TEXT NOT NULL,
    token_expires_at BIGINT,
    installer_user_id TEXT,
    installed_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sealed TEXT NOT NULL
  );
  CREATE TABLE slack_oauth_states (
    id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    expires_at BIGINT NOT NULL
  );`;

export class PgSlackInstallations implements SlackInstallationRows {
  constructor(private readonly db: PgDb) {}

  async put(row: StoredSlackInstallation): Promise<void> {
    await this.db.query(`
      INSERT INTO slack_installations (key, team_id, enterprise_id, is_enterprise_install, team_name, bot_user_id, bot_id, scopes,
        token_expires_at, installer_user_id, installed_at, updated_at, sealed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
      ON CONFLICT (key) DO UPDATE SET team_id = excluded.team_id, enterprise_id = excluded.enterprise_id,
        is_enterprise_install = excluded.is_enterprise_install, team_name = excluded.team_name, bot_user_id = excluded.bot_user_id,
        bot_id = excluded.bot_id, scopes = excluded.scopes, token_expires_at = excluded.token_expires_at,
        installer_user_id = excluded.installer_user_id, installed_at = excluded.installed_at, updated_at = excluded.updated_at, sealed = excluded.sealed`,
    installationParams(row));
  }

  async get(key: string): Promise<StoredSlackInstallation | null> {
    const rows = await this.db.rows<Row>('SELECT * FROM slack_installations WHERE key = $1', [key]);
    return rows[0] ? installationFromRow(rows[0]) : null;
  }

  async delete(key: string): Promise<boolean> {
    return ((await this.db.query('DELETE FROM slack_installations WHERE key = $1', [key])).rowCount ?? 0) > 0;
  }

  async list(): Promise<StoredSlackInstallation[]> {
    return (await this.db.rows<Row>('SELECT * FROM slack_installations ORDER BY key')).map(installationFromRow);
  }
}

export class PgOAuthStates implements OAuthStateRows {
  constructor(private readonly db: PgDb) {}

  async put(id: string, payload: string, expiresAt: number): Promise<void> {
    await this.db.query('INSERT INTO slack_oauth_states (id, payload, expires_at) VALUES ($1, $2, $3)', [id, payload, expiresAt]);
  }

  /** One statement: of two callbacks with the same state (two instances), one gets it. */
  async take(id: string, now: number): Promise<string | null> {
    const rows = await this.db.rows<{ payload: string; expires_at: number }>('DELETE FROM slack_oauth_states WHERE id = $1 RETURNING payload, expires_at', [id]);
    await this.db.query('DELETE FROM slack_oauth_states WHERE expires_at <= $1', [now]);
    return rows[0] && Number(rows[0].expires_at) > now ? rows[0].payload : null;
  }
}
