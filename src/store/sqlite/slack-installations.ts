import type { Database, Statement } from 'better-sqlite3';
import type { OAuthStateRows, SlackInstallationRows, StoredSlackInstallation } from '../types.js';
import { installationFromRow, installationParams, type InstallationRow as Row } from '../slack-installation-rows.js';

/** Slack installations (OAuth mode) and the install flow's pending states. Tokens arrive sealed. */
export const SLACK_INSTALLATIONS_SCHEMA = `
  CREATE TABLE slack_installations (
    key TEXT PRIMARY KEY,
    team_id TEXT,
    enterprise_id TEXT,
    is_enterprise_install INTEGER NOT NULL,
    team_name TEXT,
    bot_user_id TEXT,
    bot_id TEXT,
    scopes TEXT NOT NULL,
    token_expires_at INTEGER,
    installer_user_id TEXT,
    installed_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    sealed TEXT NOT NULL
  );
  CREATE TABLE slack_oauth_states (
    id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );`;

export class SqliteSlackInstallations implements SlackInstallationRows {
  private readonly upsert: Statement;
  private readonly one: Statement;
  private readonly remove: Statement;
  private readonly all: Statement;

  constructor(db: Database) {
    this.upsert = db.prepare(`
      INSERT INTO slack_installations (key, team_id, enterprise_id, is_enterprise_install, team_name, bot_user_id, bot_id, scopes,
        token_expires_at, installer_user_id, installed_at, updated_at, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET team_id = excluded.team_id, enterprise_id = excluded.enterprise_id,
        is_enterprise_install = excluded.is_enterprise_install, team_name = excluded.team_name, bot_user_id = excluded.bot_user_id,
        bot_id = excluded.bot_id, scopes = excluded.scopes, token_expires_at = excluded.token_expires_at,
        installer_user_id = excluded.installer_user_id, installed_at = excluded.installed_at, updated_at = excluded.updated_at, sealed = excluded.sealed`);
    this.one = db.prepare('SELECT * FROM slack_installations WHERE key = ?');
    this.remove = db.prepare('DELETE FROM slack_installations WHERE key = ?');
    this.all = db.prepare('SELECT * FROM slack_installations ORDER BY key');
  }

  async put(row: StoredSlackInstallation): Promise<void> {
    this.upsert.run(...installationParams(row));
  }

  async get(key: string): Promise<StoredSlackInstallation | null> {
    const r = this.one.get(key) as Row | undefined;
    return r ? installationFromRow(r) : null;
  }

  async delete(key: string): Promise<boolean> {
    return this.remove.run(key).changes > 0;
  }

  async list(): Promise<StoredSlackInstallation[]> {
    return (this.all.all() as Row[]).map(installationFromRow);
  }
}

export class SqliteOAuthStates implements OAuthStateRows {
  private readonly insert: Statement;
  private readonly takeOne: Statement;
  private readonly purge: Statement;

  constructor(db: Database) {
    this.insert = db.prepare('INSERT INTO slack_oauth_states (id, payload, expires_at) VALUES (?, ?, ?)');
    this.takeOne = db.prepare('DELETE FROM slack_oauth_states WHERE id = ? RETURNING payload, expires_at');
    this.purge = db.prepare('DELETE FROM slack_oauth_states WHERE expires_at <= ?');
  }

  async put(id: string, payload: string, expiresAt: number): Promise<void> {
    this.insert.run(id, payload, expiresAt);
  }

  /** One statement: two callbacks with the same state cannot both take it. */
  async take(id: string, now: number): Promise<string | null> {
    const r = this.takeOne.get(id) as { payload: string; expires_at: number } | undefined;
    this.purge.run(now);
    return r && Number(r.expires_at) > now ? r.payload : null;
  }
}
