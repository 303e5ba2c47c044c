import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inbound, type ButtonClick, type Interaction, type ResponsePost, type SlashCommand } from './inbound.js';
import { SLACK_LIMITS, type SlackLimits } from './limits.js';
import { Buckets } from './ratelimit.js';
import { SocketModeServer, type SocketAck } from './socket.js';
import { validateMessage } from './validate.js';
import { callMethod, type Body, type MethodResult } from './webapi.js';
import { buildTeams, World, type PostedMessage, type StandInTeam, type TeamSpec } from './world.js';
import { OAuthServer, type OAuthOptions } from './oauth.js';
import { signedHeaders } from './signing.js';

/**
 * A local Slack: the Web API over node:http on 127.0.0.1 (form or JSON bodies, Bearer tokens, strict validation, rate
 * limits from limits.ts), response_url endpoints, and Socket Mode over ws — plus a client side that sends correctly
 * signed slash commands and button clicks to the app. Every call is recorded. Reusable by the alerts tests and the
 * benchmark (`teams: [{ channels: 100 }, …]` builds many channels).
 */
/** Slack: "You can use a response_url five times within 30 minutes" of the interaction. */
export const RESPONSE_URL_LIMITS = { uses: 5, windowMs: 30 * 60_000 } as const;

export interface ApiCall {
  method: string;
  body: Body;
  /** The token the call carried (bot, app, or something else). */
  token?: string;
  status: number;
  error?: string;
  detail?: string;
  at: number;
}

/** One injected failure: a Slack error code, a 429 with Retry-After seconds, or a bare HTTP status. */
export type Failure = string | { status: 429; retryAfter: number } | { status: number };

export interface Hold {
  /** Resolves when a matching call arrives (it then waits for release). */
  arrived: Promise<ApiCall>;
  /**
   * `process` answers the call as usual; `drop` cuts the connection without an answer (outcome unknown); `html`
   * answers 200 with a proxy's HTML error page instead of Slack's JSON (handled or not, as the hold point says).
   */
  release(outcome?: HoldOutcome): void;
}

/**
 * When a hold takes a call: `before` (the default) holds it unprocessed; `recorded` lets it succeed first (the
 * message is stored, as when Slack has posted but the answer has not reached the app) and holds the answer.
 */
export type HoldPoint = 'before' | 'recorded';
export type HoldOutcome = 'process' | 'drop' | 'html';

export interface SlackStandInOptions {
  teams?: TeamSpec[];
  limits?: SlackLimits;
  /** The bot token's scopes (default: everything Newsdesk's manifest asks for). */
  scopes?: string[];
  /** The app's OAuth settings (many workspaces): token rotation, token lifetime. */
  oauth?: OAuthOptions;
}

export const DEFAULT_SCOPES = ['commands', 'chat:write', 'channels:join', 'channels:read', 'groups:read', 'channels:history', 'groups:history', 'users:read'];

export interface SlackStandIn {
  apiUrl: string;
  baseUrl: string;
  botToken: string;
  appToken: string;
  signingSecret: string;
  botUserId: string;
  teams: StandInTeam[];
  calls: ApiCall[];
  /** Every message, in posting order: deleted ones stay here, flagged `deleted`. */
  messages: PostedMessage[];
  responses: ResponsePost[];
  socketAcks: SocketAck[];
  /** How Socket Mode clients closed: 1006 = dropped without a closing handshake. */
  socketCloseCodes: number[];
  readonly socketClients: number;
  /** Where HTTP-mode requests go: the app's `/slack/events` URL. */
  appUrl?: string;
  /** OAuth: the app's client credentials, the authorize page, and the tokens issued (per workspace). */
  oauth: OAuthServer;
  authorizeUrl: string;
  /** The redirect URL registered in the app (used when the authorize request names none). */
  redirectUrl?: string;
  /** Sends a signed Events API callback (event_callback) for a workspace to appUrl; answers the app's HTTP status. */
  sendEvent(team: string, event: Record<string, unknown>): Promise<number>;
  /**
   * Uninstalls the app from a workspace as Slack does: its tokens stop working (token_revoked), then Slack sends
   * `tokens_revoked` and `app_uninstalled` (in that order unless told otherwise). Answers the app's two statuses.
   */
  uninstall(team: string, order?: Array<'tokens_revoked' | 'app_uninstalled'>): Promise<number[]>;
  slashCommand(cmd: SlashCommand): Promise<Interaction>;
  clickButton(click: ButtonClick): Promise<Interaction>;
  /** Posts a raw body to the app with the given headers (signature tests). */
  postToApp(rawBody: string, headers: Record<string, string>): Promise<{ status: number; body: string }>;
  hold(method: string, match?: (body: Body) => boolean, at?: HoldPoint): Hold;
  /** A message a person wrote in the channel (optionally in a thread): the bot cannot chat.delete it. Returns its ts. */
  addUserMessage(msg: { channel: string; text: string; user?: string; threadTs?: string }): string;
  failNext(method: string, failure: Failure, times?: number): void;
  /** Forgets every injected failure not used yet. */
  clearFailures(): void;
  callsTo(method: string): ApiCall[];
  waitFor<T>(check: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export async function startSlackStandIn(opts: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const botToken = `xoxb-standin-${randomBytes(6).toString('hex')}`;
  const appToken = `xapp-standin-${randomBytes(6).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const world = new World(buildTeams(opts.teams));
  const limits = opts.limits ?? SLACK_LIMITS;
  const buckets = new Buckets();
  const scopes = new Set(opts.scopes ?? DEFAULT_SCOPES);
  const calls: ApiCall[] = [];
  const responses: ResponsePost[] = [];
  const responseUrlUses = new Map<string, { first: number; count: number }>();
  const failures: Array<{ method: string; failure: Failure }> = [];
  const holds: Array<{ method: string; match?: (b: Body) => boolean; at: HoldPoint; arrive: (c: ApiCall) => void; released: Promise<HoldOutcome> }> = [];
  const socket = new SocketModeServer('A0NEWSDESK');
  const oauth = new OAuthServer(world.teams, opts.oauth ?? {}, 'A0NEWSDESK', 'U0NEWSDESK');
  let baseUrl = '';

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  server.on('upgrade', (req, sock, head) => {
    if ((req.url ?? '').startsWith('/socket-mode')) socket.handleUpgrade(req, sock, head);
    else sock.destroy();
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readAll(req);
    const path = (req.url ?? '/').split('?')[0];
    if (path.startsWith('/respond/')) return respondUrl(path.slice('/respond/'.length), raw, res);
    if (path === '/oauth/v2/authorize' && req.method === 'GET') {
      const page = oauth.authorize(new URL(req.url ?? '/', baseUrl).searchParams, standIn.redirectUrl);
      res.writeHead(page.status, { 'content-type': 'text/plain', ...(page.location ? { location: page.location } : {}) }).end(page.body ?? '');
      return;
    }
    if (!path.startsWith('/api/') || req.method !== 'POST') return send(res, { status: 404, body: { ok: false, error: 'unknown_method' } });
    const method = path.slice('/api/'.length);
    const body = parseBody(raw, String(req.headers['content-type'] ?? ''));
    const auth = String(req.headers.authorization ?? '');
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : typeof body.token === 'string' ? body.token : undefined;
    const call: ApiCall = { method, body, token, status: 0, at: Date.now() };
    const basic = auth.startsWith('Basic ') ? auth.slice(6) : undefined;
    calls.push(call);

    const hold = holds.find((h) => h.at === 'before' && h.method === method && (!h.match || h.match(body)));
    if (hold) {
      holds.splice(holds.indexOf(hold), 1);
      hold.arrive(call);
      const outcome = await hold.released;
      if (outcome === 'drop') {
        call.status = -1;
        req.socket.destroy();
        return;
      }
      if (outcome === 'html') {
        call.status = 200;
        return sendProxyPage(res);
      }
    }
    const result = method === 'oauth.v2.access' ? oauth.access(body, basic) : answer(method, token, body);
    call.status = result.status;
    call.error = typeof result.body.error === 'string' ? result.body.error : undefined;
    call.detail = result.detail;
    const after = result.body.ok === true ? holds.find((h) => h.at === 'recorded' && h.method === method && (!h.match || h.match(body))) : undefined;
    if (after) {
      holds.splice(holds.indexOf(after), 1);
      after.arrive(call);
      const outcome = await after.released;
      if (outcome === 'drop') {
        req.socket.destroy();
        return;
      }
      if (outcome === 'html') return sendProxyPage(res);
    }
    send(res, result);
  }

  function answer(method: string, token: string | undefined, body: Body): MethodResult {
    if (!token) return { status: 200, body: { ok: false, error: 'not_authed' } };
    // The single-workspace bot token reaches every team of the stand-in; an OAuth token only its own workspace.
    let team: string | undefined;
    if (method === 'apps.connections.open' ? token !== appToken : token !== botToken) {
      const who = method === 'apps.connections.open' ? { error: 'invalid_auth' as const } : oauth.check(token);
      if ('error' in who) return { status: 200, body: { ok: false, error: who.error } };
      team = who.team;
    }
    const i = failures.findIndex((f) => f.method === method);
    if (i !== -1) {
      const [{ failure }] = failures.splice(i, 1);
      if (typeof failure === 'string') return { status: 200, body: { ok: false, error: failure } };
      if (failure.status === 429) {
        return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': String((failure as { retryAfter: number }).retryAfter) } };
      }
      return { status: failure.status, body: { ok: false, error: `http_${failure.status}` } };
    }
    return callMethod(
      { world, buckets, limits, scopes, team, botUserId: 'U0NEWSDESK', botId: 'B0NEWSDESK', appId: 'A0NEWSDESK', socketUrl: () => `${baseUrl.replace('http', 'ws')}/socket-mode?ticket=${randomBytes(4).toString('hex')}` },
      method, body,
    );
  }

  function respondUrl(id: string, raw: string, res: ServerResponse): void {
    // Slack: a response_url takes at most 5 posts, within 30 minutes of the interaction (a URL this stand-in did
    // not hand out, as some tests write, starts its 30 minutes at its first use).
    const use = responseUrlUses.get(id) ?? { first: Date.now(), count: 0 };
    responseUrlUses.set(id, use);
    if (Date.now() - use.first > RESPONSE_URL_LIMITS.windowMs) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('expired_url');
      return;
    }
    if (use.count >= RESPONSE_URL_LIMITS.uses) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('used_url');
      return;
    }
    use.count += 1;
    let body: Body = {};
    try {
      body = JSON.parse(raw) as Body;
    } catch {
      res.writeHead(400).end('invalid_payload');
      return;
    }
    const problem = body.delete_original ? null : validateMessage(body as { text?: unknown; blocks?: unknown });
    responses.push({ id, body, at: Date.now(), ...(problem ? { problem: `${problem.error}: ${problem.detail}` } : {}) });
    if (problem) res.writeHead(400, { 'content-type': 'text/plain' }).end(problem.error);
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const inbound = new Inbound({
    baseUrl, signingSecret, world, socket, responses, appUrl: () => standIn.appUrl,
    issueResponseUrl: (id) => responseUrlUses.set(id, { first: Date.now(), count: 0 }),
  });

  const standIn: SlackStandIn = {
    apiUrl: `${baseUrl}/api/`, baseUrl, botToken, appToken, signingSecret, botUserId: 'U0NEWSDESK',
    oauth, authorizeUrl: `${baseUrl}/oauth/v2/authorize`,
    async sendEvent(team, event) {
      const raw = JSON.stringify({
        token: 'legacy-verification-token', team_id: team, api_app_id: 'A0NEWSDESK', type: 'event_callback',
        event: { ...event, event_ts: (Date.now() / 1000).toFixed(6) }, event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [{ enterprise_id: null, team_id: team, user_id: 'U0NEWSDESK', is_bot: true, is_enterprise_install: false }],
      });
      const res = await inbound.postToApp(raw, { ...signedHeaders(signingSecret, raw), 'content-type': 'application/json' });
      return res.status;
    },
    async uninstall(team, order = ['tokens_revoked', 'app_uninstalled']) {
      oauth.revokeTeam(team);
      const statuses: number[] = [];
      for (const type of order) {
        statuses.push(await standIn.sendEvent(team, type === 'tokens_revoked' ? { type, tokens: { bot: ['U0NEWSDESK'] } } : { type }));
      }
      return statuses;
    },
    teams: world.teams, calls, messages: world.messages, responses, socketAcks: socket.acks, socketCloseCodes: socket.closeCodes,
    get socketClients() { return socket.connected; },
    slashCommand: (cmd) => inbound.slashCommand(cmd),
    clickButton: (click) => inbound.clickButton(click),
    postToApp: (raw, headers) => inbound.postToApp(raw, headers),
    hold(method, match, at = 'before') {
      let arrive!: (c: ApiCall) => void;
      let release!: (o: HoldOutcome) => void;
      const arrived = new Promise<ApiCall>((r) => { arrive = r; });
      const released = new Promise<HoldOutcome>((r) => { release = r; });
      holds.push({ method, match, at, arrive, released });
      return { arrived, release: (outcome = 'process') => release(outcome) };
    },
    addUserMessage({ channel, text, user = 'U0READER', threadTs }) {
      const c = world.channel(channel);
      if (!c) throw new Error(`no channel ${channel} in the stand-in`);
      const ts = world.nextTs();
      world.messages.push({ team: c.team, channel, ts, text, user, edits: [], ...(threadTs !== undefined ? { threadTs } : {}) });
      return ts;
    },
    failNext(method, failure, times = 1) {
      for (let i = 0; i < times; i++) failures.push({ method, failure });
    },
    clearFailures() {
      failures.length = 0;
    },
    callsTo: (method) => calls.filter((c) => c.method === method),
    waitFor: (check, timeoutMs) => waitFor(check, timeoutMs),
    async close() {
      await socket.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return standIn;
}

/** Polls `check` until it returns something truthy; rejects after `timeoutMs` (bounded, for tests). */
export async function waitFor<T>(check: () => T | undefined | null | false, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** web-api sends form bodies with objects as JSON strings; JSON bodies are accepted too, as Slack does. */
function parseBody(raw: string, contentType: string): Body {
  if (contentType.includes('application/json')) {
    try {
      return JSON.parse(raw) as Body;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

/** What a proxy or load balancer in front of Slack answers when it has trouble: 200, and a page, not JSON. */
function sendProxyPage(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>');
}

function send(res: ServerResponse, result: MethodResult): void {
  const text = JSON.stringify(result.body);
  res.writeHead(result.status, { 'content-type': 'application/json; charset=utf-8', ...result.headers });
  res.end(text);
}

export type { ButtonClick, Interaction, ResponsePost, SlashCommand } from './inbound.js';
export type { PostedMessage, StandInTeam, TeamSpec } from './world.js';
