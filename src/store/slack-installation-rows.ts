import type { StoredSlackInstallation } from './types.js';

/** slack_installations rows ↔ StoredSlackInstallation, the same on both backends. */
export interface InstallationRow {
  key: string; team_id: string | null; enterprise_id: string | null; is_enterprise_install: number; team_name: string | null;
  bot_user_id: string | null; bot_id: string | null; scopes: string; token_expires_at: number | null; installer_user_id: string | null;
  installed_at: number; updated_at: number; sealed: string;
}

export function installationFromRow(r: InstallationRow): StoredSlackInstallation {
  return {
    key: r.key, teamId: r.team_id, enterpriseId: r.enterprise_id, isEnterpriseInstall: Boolean(r.is_enterprise_install), teamName: r.team_name,
    botUserId: r.bot_user_id, botId: r.bot_id, scopes: r.scopes ? r.scopes.split(',') : [], tokenExpiresAt: r.token_expires_at === null ? null : Number(r.token_expires_at),
    installerUserId: r.installer_user_id, installedAt: Number(r.installed_at), updatedAt: Number(r.updated_at), sealed: r.sealed,
  };
}

export function installationParams(i: StoredSlackInstallation): unknown[] {
  return [
    i.key, i.teamId, i.enterpriseId, i.isEnterpriseInstall ? 1 : 0, i.teamName, i.botUserId, i.botId, i.scopes.join(','),
    i.tokenExpiresAt, i.installerUserId, i.installedAt, i.updatedAt, i.sealed,
  ];
}

