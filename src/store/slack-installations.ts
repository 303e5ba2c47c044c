import { SecretBox } from './secret-box.js';
import type { SlackInstallation, SlackInstallationQuery, SlackInstallationRows, SlackInstallationStore, StoredSlackInstallation } from './types.js';

/**
 * The installation store of Slack's OAuth mode, over either backend's rows: the bot token, the refresh token and the
 * app id are sealed with AES-256-GCM (NEWSDESK_SECRET_KEY) and bound to the row's key before they are written;
 * what finds an installation (team, enterprise, bot user, scopes, expiry, installer, when) stays in clear.
 * An org-wide install (isEnterpriseInstall) is stored under its enterprise id and answers for every team in it
 * that has no installation of its own.
 */
interface Sealed {
  botToken: string;
  refreshToken: string | null;
  appId: string | null;
}

export function installationKey(q: SlackInstallationQuery): string | null {
  if (q.isEnterpriseInstall && q.enterpriseId) return q.enterpriseId;
  return q.teamId ?? null;
}

export class SealedSlackInstallations implements SlackInstallationStore {
  private readonly box: SecretBox;

  constructor(private readonly rows: SlackInstallationRows, key: Buffer | string) {
    this.box = new SecretBox(key);
  }

  async store(i: SlackInstallation, now: number): Promise<void> {
    const key = installationKey(i);
    if (!key) throw new Error('a Slack installation needs a team id, or an enterprise id for an org-wide install');
    const secrets: Sealed = { botToken: i.botToken, refreshToken: i.refreshToken, appId: i.appId };
    await this.rows.put({
      key, teamId: i.teamId, enterpriseId: i.enterpriseId, isEnterpriseInstall: i.isEnterpriseInstall, teamName: i.teamName,
      botUserId: i.botUserId, botId: i.botId, scopes: i.scopes, tokenExpiresAt: i.tokenExpiresAt, installerUserId: i.installerUserId,
      installedAt: i.installedAt, updatedAt: now, sealed: this.box.seal(JSON.stringify(secrets), key),
    });
  }

  async fetch(q: SlackInstallationQuery): Promise<SlackInstallation | null> {
    const own = !q.isEnterpriseInstall && q.teamId ? await this.rows.get(q.teamId) : null;
    if (own) return this.open(own);
    const org = q.enterpriseId ? await this.rows.get(q.enterpriseId) : null;
    return org?.isEnterpriseInstall ? this.open(org) : null;
  }

  async delete(q: SlackInstallationQuery): Promise<boolean> {
    const key = installationKey(q);
    return key ? this.rows.delete(key) : false;
  }

  async list(): Promise<Array<Omit<StoredSlackInstallation, 'sealed'>>> {
    return (await this.rows.list()).map(({ sealed: _sealed, ...rest }) => rest);
  }

  private open(row: StoredSlackInstallation): SlackInstallation {
    const s = JSON.parse(this.box.open(row.sealed, row.key)) as Sealed;
    return {
      teamId: row.teamId, enterpriseId: row.enterpriseId, isEnterpriseInstall: row.isEnterpriseInstall, teamName: row.teamName,
      appId: s.appId, botToken: s.botToken, botUserId: row.botUserId, botId: row.botId, scopes: row.scopes,
      refreshToken: s.refreshToken, tokenExpiresAt: row.tokenExpiresAt, installerUserId: row.installerUserId, installedAt: row.installedAt,
    };
  }
}
