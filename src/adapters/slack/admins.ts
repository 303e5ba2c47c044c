import type { webApi } from '@slack/bolt';
import type { Logger } from '../../log.js';

/**
 * Who may use admin commands (/alerts): workspace admins and owners as `users.info` reports them (cached for a few
 * minutes, so a burst of commands costs one lookup), and the user ids listed in SLACK_ADMIN_USER_IDS. With many
 * workspaces, users.info carries the token of the user's workspace (`tokenFor`).
 */
export class SlackAdmins {
  private readonly cache = new Map<string, { isAdmin: boolean; until: number }>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly listed: readonly string[],
    private readonly logger: Logger,
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
    private readonly tokenFor?: (teamId: string) => Promise<string>,
  ) {}

  /** What is known without asking Slack (listed, or cached); undefined when a lookup is needed. */
  known(userId: string, teamId = ''): boolean | undefined {
    if (this.listed.includes(userId)) return true;
    const hit = this.cache.get(`${teamId}/${userId}`);
    return hit && hit.until > this.now() ? hit.isAdmin : undefined;
  }

  async isAdmin(userId: string, teamId = ''): Promise<boolean> {
    const known = this.known(userId, teamId);
    if (known !== undefined) return known;
    try {
      const token = this.tokenFor ? { token: await this.tokenFor(teamId) } : {};
      const res = await this.client.users.info({ user: userId, ...token });
      const u = res.user as { is_admin?: boolean; is_owner?: boolean; is_primary_owner?: boolean } | undefined;
      const isAdmin = Boolean(u?.is_admin || u?.is_owner || u?.is_primary_owner);
      this.cache.set(`${teamId}/${userId}`, { isAdmin, until: this.now() + this.ttlMs });
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
      return isAdmin;
    } catch (err) {
      // Not cached: the next command asks again. Refusing is the safe answer meanwhile.
      this.logger.warn({ err, userId, teamId }, 'slack: users.info failed; treating the user as a non-admin');
      return false;
    }
  }
}
