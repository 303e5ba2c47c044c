import { randomBytes } from 'node:crypto';
import type { Body, MethodResult } from './webapi.js';
import type { StandInTeam } from './world.js';

/**
 * Slack's OAuth v2, as Slack documents it (docs.slack.dev: "Installing with OAuth", oauth.v2.access, "Using token
 * rotation"), stated here on its own, not taken from the code under test:
 * - The authorize page (`/oauth/v2/authorize?client_id&scope&state&redirect_uri[&team]`) sends the installer back to
 *   the redirect URL with `code` and the same `state` (or `error=access_denied`). A code is used once and expires
 *   after 10 minutes; oauth.v2.access answers `invalid_code` otherwise, `bad_redirect_uri` when the redirect_uri
 *   differs from the authorize request's, `invalid_client_id` / `bad_client_secret` for the wrong client.
 * - oauth.v2.access answers `access_token` (xoxb-…), `token_type: "bot"`, `scope`, `bot_user_id`, `app_id`, `team`,
 *   `enterprise`, `is_enterprise_install`, `authed_user`; with token rotation also `refresh_token` and `expires_in`
 *   (43200: access tokens last 12 hours), the access token then being `xoxe.xoxb-…`.
 * - `grant_type=refresh_token`: a new access token and a new refresh token; the refresh token used is revoked
 *   (using it again: `invalid_refresh_token`). An expired access token is refused with `token_expired`; a token of an
 *   uninstalled app with `token_revoked`.
 * - A token works in its own workspace only.
 */
export const CODE_TTL_MS = 10 * 60_000;
export const ROTATING_TOKEN_SECONDS = 43_200;

export interface OAuthOptions {
  /** Token rotation on in the app's settings. */
  rotation?: boolean;
  /** How long an access token lives with rotation (seconds; Slack: 43200). Tests shorten it. */
  tokenLifetimeSeconds?: number;
}

export interface IssuedToken {
  token: string;
  team: string;
  /** Epoch ms (the stand-in's own clock), or null without rotation. */
  expiresAt: number | null;
  revoked: boolean;
}

interface Code {
  team: string;
  user: string;
  scopes: string[];
  redirectUri: string | null;
  at: number;
  used: boolean;
}

export class OAuthServer {
  readonly clientId = `${Date.now() % 1e10}.${randomBytes(5).readUInt32BE(0)}`;
  readonly clientSecret = randomBytes(16).toString('hex');
  readonly tokens = new Map<string, IssuedToken>();
  private readonly refreshTokens = new Map<string, { team: string; used: boolean; scopes: string[] }>();
  private readonly codes = new Map<string, Code>();
  /** Every authorize request and token exchange, for tests. */
  readonly log: Array<{ kind: 'authorize' | 'code' | 'refresh'; team: string | null; outcome: string; at: number }> = [];

  constructor(private readonly teams: StandInTeam[], private readonly opts: OAuthOptions, private readonly appId: string, private readonly botUserId: string) {}

  get rotation(): boolean {
    return this.opts.rotation ?? false;
  }

  /** GET /oauth/v2/authorize: the installer approves (or, with `deny=1`, cancels); answers where the browser goes. */
  authorize(query: URLSearchParams, fallbackRedirect: string | undefined): { status: number; location?: string; body?: string } {
    if (query.get('client_id') !== this.clientId) return { status: 400, body: 'invalid_client_id' };
    const redirect = query.get('redirect_uri') ?? fallbackRedirect;
    if (!redirect) return { status: 400, body: 'no redirect_uri and none configured for the app' };
    const state = query.get('state');
    const target = new URL(redirect);
    if (state !== null) target.searchParams.set('state', state);
    const team = this.teams.find((t) => t.id === query.get('team')) ?? this.teams[0];
    if (query.get('deny') === '1') {
      target.searchParams.set('error', 'access_denied');
      this.log.push({ kind: 'authorize', team: team.id, outcome: 'access_denied', at: Date.now() });
      return { status: 302, location: target.toString() };
    }
    const code = `${Date.now()}.${randomBytes(12).toString('hex')}`;
    this.codes.set(code, {
      team: team.id, user: query.get('user') ?? team.users.find((u) => u.isAdmin)?.id ?? 'U0INSTALLER',
      scopes: (query.get('scope') ?? '').split(',').filter(Boolean), redirectUri: query.get('redirect_uri'), at: Date.now(), used: false,
    });
    target.searchParams.set('code', code);
    this.log.push({ kind: 'authorize', team: team.id, outcome: 'code', at: Date.now() });
    return { status: 302, location: target.toString() };
  }

  /** oauth.v2.access: client credentials in the body or as HTTP Basic auth. */
  access(body: Body, basicAuth: string | undefined): MethodResult {
    let clientId = typeof body.client_id === 'string' ? body.client_id : undefined;
    let clientSecret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
    if (basicAuth) [clientId, clientSecret] = Buffer.from(basicAuth, 'base64').toString().split(':');
    if (clientId !== this.clientId) return fail('invalid_client_id');
    if (clientSecret !== this.clientSecret) return fail('bad_client_secret');
    if (body.grant_type === 'refresh_token') {
      const r = this.refreshTokens.get(String(body.refresh_token));
      if (!r || r.used) {
        this.log.push({ kind: 'refresh', team: r?.team ?? null, outcome: 'invalid_refresh_token', at: Date.now() });
        return fail('invalid_refresh_token');
      }
      r.used = true;
      this.log.push({ kind: 'refresh', team: r.team, outcome: 'ok', at: Date.now() });
      return ok(this.grant(r.team, r.scopes, null));
    }
    const code = this.codes.get(String(body.code));
    if (!code || code.used || Date.now() - code.at > CODE_TTL_MS) {
      this.log.push({ kind: 'code', team: code?.team ?? null, outcome: 'invalid_code', at: Date.now() });
      return fail('invalid_code');
    }
    if (code.redirectUri !== null && body.redirect_uri !== code.redirectUri) return fail('bad_redirect_uri');
    code.used = true;
    this.log.push({ kind: 'code', team: code.team, outcome: 'ok', at: Date.now() });
    return ok(this.grant(code.team, code.scopes, code.user));
  }

  private grant(teamId: string, scopes: string[], user: string | null): Body {
    const team = this.teams.find((t) => t.id === teamId)!;
    const lifetime = this.opts.tokenLifetimeSeconds ?? ROTATING_TOKEN_SECONDS;
    const token = this.rotation ? `xoxe.xoxb-1-${randomBytes(12).toString('hex')}` : `xoxb-${teamId}-${randomBytes(12).toString('hex')}`;
    this.tokens.set(token, { token, team: teamId, expiresAt: this.rotation ? Date.now() + lifetime * 1000 : null, revoked: false });
    const rotation: Body = {};
    if (this.rotation) {
      const refresh = `xoxe-1-${randomBytes(16).toString('hex')}`;
      this.refreshTokens.set(refresh, { team: teamId, used: false, scopes });
      Object.assign(rotation, { refresh_token: refresh, expires_in: lifetime });
    }
    return {
      access_token: token, token_type: 'bot', scope: scopes.join(','), bot_user_id: this.botUserId, app_id: this.appId,
      team: { id: team.id, name: team.name }, enterprise: null, is_enterprise_install: false,
      ...(user ? { authed_user: { id: user } } : {}), ...rotation,
    };
  }

  /** Who a bot token is, or the error Slack answers for it. */
  check(token: string): { team: string } | { error: 'invalid_auth' | 'token_expired' | 'token_revoked' } {
    const t = this.tokens.get(token);
    if (!t) return { error: 'invalid_auth' };
    if (t.revoked) return { error: 'token_revoked' };
    if (t.expiresAt !== null && Date.now() >= t.expiresAt) return { error: 'token_expired' };
    return { team: t.team };
  }

  /** The app is uninstalled from a workspace: every token and refresh token of it stops working. */
  revokeTeam(team: string): void {
    for (const t of this.tokens.values()) if (t.team === team) t.revoked = true;
    for (const r of this.refreshTokens.values()) if (r.team === team) r.used = true;
  }

  /** The live (not revoked) access tokens of a workspace, newest last. */
  tokensOf(team: string): IssuedToken[] {
    return [...this.tokens.values()].filter((t) => t.team === team && !t.revoked);
  }
}

const ok = (body: Body): MethodResult => ({ status: 200, body: { ok: true, ...body } });
const fail = (error: string): MethodResult => ({ status: 200, body: { ok: false, error } });
