import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HTTPReceiver, Installation, InstallationQuery, InstallationStore, InstallURLOptions, StateStore } from '@slack/bolt';
import type { Logger } from '../../log.js';
import type { HttpServer } from '../../server/http.js';
import type { OAuthStateRows, SlackInstallation, SlackInstallationStore } from '../../store/types.js';
import type { SlackTokens } from './tokens.js';

/**
 * Slack for many workspaces, through Bolt's own OAuth (its HTTPReceiver's InstallProvider): `/slack/install` sets the
 * state (kept server-side here: single use, 10 minutes; Bolt also binds it to the browser with a cookie) and sends the
 * installer to Slack; `/slack/oauth_redirect` checks the state, trades the code with oauth.v2.access and stores the
 * installation through the bridge below, tokens sealed. Pages are plain, name the workspace, and show no token.
 */
export const SLACK_INSTALL_PATH = '/slack/install';
export const SLACK_REDIRECT_PATH = '/slack/oauth_redirect';
export const STATE_TTL_MS = 10 * 60_000;
/** slack-manifest.yml's bot scopes (tests/adapters/slack/manifest.test.ts checks the two agree). */
export const SLACK_BOT_SCOPES = ['commands', 'chat:write', 'channels:join', 'channels:read', 'groups:read', 'channels:history', 'groups:history', 'users:read'];

/** Why a workspace's alerts stopped, as /alerts list shows it (subscription) and as its dropped deliveries say (outbox). */
export type WorkspaceGoneEvent = 'app_uninstalled' | 'tokens_revoked' | 'invalid_refresh_token';
export const WORKSPACE_GONE: Record<WorkspaceGoneEvent, { reason: string; outboxReason: string }> = {
  app_uninstalled: { reason: 'Newsdesk was uninstalled from this Slack workspace: install it again (Add to Slack), then /alerts resume', outboxReason: 'uninstalled' },
  tokens_revoked: { reason: "Newsdesk's token for this Slack workspace was revoked: install it again (Add to Slack), then /alerts resume", outboxReason: 'uninstalled (token revoked)' },
  invalid_refresh_token: { reason: "Slack refused to refresh Newsdesk's token for this workspace: install it again (Add to Slack), then /alerts resume", outboxReason: 'uninstalled (token refresh refused)' },
};

const stateId = (state: string) => createHash('sha256').update(state).digest('hex');

/** Bolt's StateStore over the Newsdesk store: the state value is random, only its hash is kept, and it is taken once. */
export function storeBackedStateStore(rows: OAuthStateRows, now: () => number): StateStore {
  return {
    async generateStateParam(installOptions: InstallURLOptions): Promise<string> {
      const state = randomBytes(24).toString('base64url');
      await rows.put(stateId(state), JSON.stringify(installOptions), now() + STATE_TTL_MS);
      return state;
    },
    async verifyStateParam(_now: Date, state: string): Promise<InstallURLOptions> {
      const payload = await rows.take(stateId(state), now());
      if (payload === null) {
        throw Object.assign(new Error('The install link is unknown, expired or was used already'), { code: 'slack_oauth_invalid_state' });
      }
      return JSON.parse(payload) as InstallURLOptions;
    },
  };
}

/** Bolt's Installation → ours. Bolt states expiry from its own Date.now(): kept as "seconds left" on our clock. */
export function fromBolt(i: Installation<'v1' | 'v2', boolean>, now: number): SlackInstallation {
  if (!i.bot?.token) throw new Error('the Slack installation has no bot token (the bot scopes were not granted)');
  const expiresAt = i.bot.expiresAt;
  return {
    teamId: i.team?.id ?? null,
    enterpriseId: i.enterprise?.id ?? null,
    isEnterpriseInstall: Boolean(i.isEnterpriseInstall),
    teamName: i.team?.name ?? null,
    appId: i.appId ?? null,
    botToken: i.bot.token,
    botUserId: i.bot.userId ?? null,
    botId: i.bot.id ?? null,
    scopes: i.bot.scopes ?? [],
    refreshToken: i.bot.refreshToken ?? null,
    tokenExpiresAt: expiresAt ? now + (expiresAt - Math.floor(Date.now() / 1000)) * 1000 : null,
    installerUserId: i.user?.id ?? null,
    installedAt: now,
  };
}

/**
 * Ours → Bolt's, without the refresh token and expiry: Newsdesk refreshes (SlackTokens, under a lease), so Bolt's
 * authorize never does a second, unleased refresh of its own.
 */
export function toBolt(i: SlackInstallation): Installation<'v2', boolean> {
  return {
    team: i.teamId ? { id: i.teamId, ...(i.teamName ? { name: i.teamName } : {}) } : undefined,
    enterprise: i.enterpriseId ? { id: i.enterpriseId } : undefined,
    user: { id: i.installerUserId ?? '', token: undefined, scopes: undefined },
    bot: { token: i.botToken, scopes: i.scopes, id: i.botId ?? '', userId: i.botUserId ?? '' },
    ...(i.appId ? { appId: i.appId } : {}),
    tokenType: 'bot',
    isEnterpriseInstall: i.isEnterpriseInstall,
    authVersion: 'v2',
  };
}

export interface InstallationBridgeOptions {
  installations: SlackInstallationStore;
  tokens: SlackTokens;
  now: () => number;
  logger: Logger;
  /** A workspace installed (again): its paused subscriptions stay paused until an admin resumes them. */
  onInstalled?(installation: SlackInstallation): void | Promise<void>;
}

export function installationBridge(opts: InstallationBridgeOptions): InstallationStore {
  return {
    async storeInstallation(installation) {
      const ours = fromBolt(installation, opts.now());
      await opts.installations.store(ours, opts.now());
      opts.logger.info({ team: ours.teamId, enterprise: ours.enterpriseId, orgWide: ours.isEnterpriseInstall, rotation: ours.refreshToken !== null }, 'slack: Newsdesk installed in a workspace');
      await opts.onInstalled?.(ours);
    },
    async fetchInstallation(query: InstallationQuery<boolean>) {
      const found = await opts.tokens.installation({ teamId: query.teamId ?? null, enterpriseId: query.enterpriseId ?? null, isEnterpriseInstall: query.isEnterpriseInstall });
      if (!found) throw new Error(`Newsdesk is not installed in Slack workspace ${query.teamId ?? query.enterpriseId ?? '?'}`);
      return toBolt(found);
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      await opts.installations.delete({ teamId: query.teamId ?? null, enterpriseId: query.enterpriseId ?? null, isEnterpriseInstall: query.isEnterpriseInstall });
    },
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, title: string, body: string): void {
  const html = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`
    + `<body><h1>${escapeHtml(title)}</h1><p>${body}</p></body></html>\n`;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

/** The success and failure pages of /slack/oauth_redirect: plain, naming the workspace, never a token. */
export const installPages = {
  success(installation: Installation<'v1' | 'v2', boolean>, _options: InstallURLOptions, _req: IncomingMessage, res: ServerResponse): void {
    const name = installation.isEnterpriseInstall
      ? `the organization ${installation.enterprise?.name ?? installation.enterprise?.id ?? ''}`
      : `${installation.team?.name ?? 'the workspace'} (${installation.team?.id ?? '?'})`;
    page(res, 200, 'Newsdesk is installed', `Newsdesk is now installed in ${escapeHtml(name)}. Try <code>/news</code> in any channel; `
      + 'workspace admins set up alerts with <code>/alerts subscribe</code>. Alerts paused by an earlier uninstall stay paused until an admin runs <code>/alerts resume</code>.');
  },
  failure(error: Error & { code?: string }, _options: InstallURLOptions, _req: IncomingMessage, res: ServerResponse): void {
    const stateProblem = /state/i.test(error.code ?? '') || /state/i.test(error.message);
    const why = stateProblem
      ? 'The install link expired, was used already, or was started in another browser.'
      : error.code === 'slack_oauth_user_access_denied' || /cancelled/i.test(error.message)
        ? 'The installation was cancelled.'
        : 'Slack did not complete the installation.';
    page(res, stateProblem ? 400 : 500, 'Newsdesk was not installed', `${escapeHtml(why)} <a href="${SLACK_INSTALL_PATH}">Start again</a>.`);
  },
};

/** The install routes on the one HTTP server, answered by Bolt's receiver (its InstallProvider). */
export function mountSlackInstall(http: HttpServer, receiver: HTTPReceiver, logger: Logger): void {
  for (const path of [SLACK_INSTALL_PATH, SLACK_REDIRECT_PATH]) {
    http.mount('GET', path, (req, res) => {
      try {
        receiver.requestListener(req, res);
      } catch (err) {
        logger.error({ err }, 'slack: the install route failed');
        if (!res.headersSent) page(res, 500, 'Newsdesk was not installed', 'Something went wrong on our side.');
      }
    });
  }
}
