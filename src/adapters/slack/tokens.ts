import type { Logger } from '../../log.js';
import { installationKey } from '../../store/slack-installations.js';
import type { Coordination, SlackInstallation, SlackInstallationQuery, SlackInstallationStore } from '../../store/types.js';
import { Permanent } from '../../outbound/port.js';

/**
 * Whose token a Slack call carries. One workspace (SLACK_BOT_TOKEN): always that one. Many (OAuth): the installation
 * of the workspace the call concerns, from the store, refreshed before it expires when token rotation is on. With
 * several instances one refreshes a workspace's token at a time (a lease); the others wait and read the new pair from
 * the store. A refresh Slack refuses with invalid_refresh_token means the workspace is gone, as an uninstall does.
 */
export interface RefreshedTokens {
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
}

export interface SlackTokensOptions {
  installations: SlackInstallationStore;
  /** oauth.v2.access with grant_type=refresh_token. */
  refresh(refreshToken: string): Promise<RefreshedTokens>;
  coordination?: Pick<Coordination, 'acquire' | 'release'>;
  /** The application clock, epoch ms. */
  now: () => number;
  logger: Logger;
  /** Refresh when the token has less than this left (Bolt's own: 2 hours of Slack's 12). */
  refreshMarginMs?: number;
  /** The workspace cannot be reached any more (refresh refused): pause it as an uninstall does. */
  onGone(teamKey: string, event: 'invalid_refresh_token'): Promise<void>;
}

export const NOT_INSTALLED_REASON = 'Newsdesk is not installed in this Slack workspace (uninstalled, or never installed): install it again with Add to Slack, then /alerts resume';

const LEASE_TTL_MS = 30_000;
const WAIT_FOR_OTHER_MS = 15_000;

export class SlackTokens {
  private readonly margin: number;
  private readonly refreshing = new Map<string, Promise<SlackInstallation | null>>();
  private readonly forced = new Set<string>();
  private readonly warned = new Set<string>();

  constructor(private readonly opts: SlackTokensOptions) {
    this.margin = opts.refreshMarginMs ?? 2 * 3_600_000;
  }

  /** The installation for a team (or org), its token fresh; null when none is stored. */
  async installation(q: SlackInstallationQuery): Promise<SlackInstallation | null> {
    const inst = await this.opts.installations.fetch(q);
    if (!inst) {
      const key = installationKey(q) ?? '?';
      if (!this.warned.has(key)) {
        this.warned.add(key);
        this.opts.logger.warn({ team: q.teamId ?? null, enterprise: q.enterpriseId ?? null }, 'slack: no installation for this workspace; its alerts pause until it installs Newsdesk again');
      }
      return null;
    }
    this.warned.delete(installationKey(inst)!);
    return this.due(inst) ? this.refreshed(inst) : inst;
  }

  /** The bot token of a team, or Permanent(not_installed) (scope channel: the subscription pauses with the reason). */
  async tokenFor(teamId: string): Promise<string> {
    const inst = await this.installation({ teamId });
    if (!inst) throw new Permanent('not_installed', NOT_INSTALLED_REASON, 'channel');
    return inst.botToken;
  }

  /** Slack answered token_expired: the next call refreshes whatever the stored expiry says. */
  expired(teamId: string): void {
    this.forced.add(teamId);
  }

  private due(i: SlackInstallation): boolean {
    if (!i.refreshToken) return false;
    const key = installationKey(i)!;
    return this.forced.has(key) || (i.tokenExpiresAt !== null && i.tokenExpiresAt - this.opts.now() < this.margin);
  }

  private refreshed(inst: SlackInstallation): Promise<SlackInstallation | null> {
    const key = installationKey(inst)!;
    let p = this.refreshing.get(key);
    if (!p) {
      p = this.refresh(inst, key).finally(() => this.refreshing.delete(key));
      this.refreshing.set(key, p);
    }
    return p;
  }

  private async refresh(seen: SlackInstallation, key: string): Promise<SlackInstallation | null> {
    const { coordination, installations, logger } = this.opts;
    const lease = `slack-token-refresh:${key}`;
    const query = { teamId: seen.teamId, enterpriseId: seen.enterpriseId, isEnterpriseInstall: seen.isEnterpriseInstall };
    // Real elapsed time (a bound on waiting), not application time: the monotonic clock.
    const giveUpAt = performance.now() + WAIT_FOR_OTHER_MS;
    for (;;) {
      if (!coordination || (await coordination.acquire(lease, LEASE_TTL_MS))) {
        try {
          // Read again under the lease: another instance may have refreshed it a moment ago.
          const current = await installations.fetch(query);
          if (!current) return null;
          if (!this.due(current) || (this.forced.has(key) && current.botToken !== seen.botToken)) {
            this.forced.delete(key);
            return current;
          }
          let fresh: RefreshedTokens;
          try {
            fresh = await this.opts.refresh(current.refreshToken!);
          } catch (err) {
            if ((err as { data?: { error?: string } }).data?.error === 'invalid_refresh_token') {
              logger.error({ team: key }, 'slack: the refresh token was refused (invalid_refresh_token); the workspace is paused as if uninstalled');
              await installations.delete(query);
              await this.opts.onGone(key, 'invalid_refresh_token');
              return null;
            }
            throw err;
          }
          const next: SlackInstallation = {
            ...current, botToken: fresh.accessToken, refreshToken: fresh.refreshToken,
            tokenExpiresAt: this.opts.now() + fresh.expiresInSeconds * 1000,
          };
          await installations.store(next, this.opts.now());
          this.forced.delete(key);
          logger.info({ team: key, expiresInSeconds: fresh.expiresInSeconds }, 'slack: bot token refreshed (token rotation)');
          return next;
        } finally {
          if (coordination) await coordination.release(lease).catch(() => {});
        }
      }
      // Another instance holds the lease and is refreshing: read what it stores.
      await new Promise((r) => setTimeout(r, 100));
      const current = await installations.fetch(query);
      if (!current) return null;
      if (current.botToken !== seen.botToken || performance.now() > giveUpAt) {
        this.forced.delete(key);
        return current;
      }
    }
  }
}
