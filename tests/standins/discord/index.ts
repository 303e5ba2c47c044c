import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gateway, type Shard } from './gateway.js';
import { DISCORD_LIMITS, type DiscordLimits } from './limits.js';
import { RateLimiter } from './ratelimit.js';
import { route, userMessage, type InteractionRecord, type RestWorld } from './rest.js';
import { InteractionFactory, type CommandSpec, type AutocompleteSpec, type ClickSpec } from './interactions.js';
import { buildGuild, channelJson, guildJson, snowflake, userJson, type GuildSpec, type StandInGuild, type StoredMessage } from './world.js';

/**
 * A local Discord for tests and benchmarks: REST over node:http and a gateway over ws on 127.0.0.1, into which
 * the real discord.js Client logs in. Strict (refuses what Discord refuses), rate-limited from limits.ts, and
 * it records every REST call.
 */
export interface StandInOptions {
  guilds?: GuildSpec[];
  token?: string;
  appId?: string;
  limits?: Partial<DiscordLimits>;
  heartbeatIntervalMs?: number;
  /** What `GET /gateway/bot` recommends as `shards` (default 1). */
  recommendedShards?: number;
  /** `session_start_limit.max_concurrency`: IDENTIFYs allowed per 5 s (default 1, what most bots get). */
  maxConcurrency?: number;
}

export interface RecordedCall {
  method: string;
  /** Path without `/api/v10`, percent-decoded (`/webhooks/…/messages/@original`). */
  path: string;
  query: Record<string, string>;
  body: any;
  authorized: boolean;
  status: number;
  responseBody?: any;
  headers: Record<string, string>;
  /** When the request arrived (Date.now()). */
  at: number;
}

export interface CallMatcher {
  method?: string;
  /** Substring of, or pattern for, the decoded path. */
  path: string | RegExp;
}

export interface FailureSpec extends CallMatcher {
  status: number;
  code?: number;
  message?: string;
  /** For 429s. */
  retryAfterMs?: number;
  global?: boolean;
  times?: number;
}

export interface Hold {
  /** Resolves when a matching request has arrived and is being held. */
  arrived: Promise<RecordedCall>;
  /** `process` (the default) answers as usual; `drop` cuts the connection unprocessed (nothing is created). */
  release(outcome?: 'process' | 'drop'): void;
}

export interface DiscordStandIn {
  apiUrl: string;
  gatewayUrl: string;
  token: string;
  appId: string;
  botUserId: string;
  guilds: StandInGuild[];
  limits: DiscordLimits;
  calls: RecordedCall[];
  /** Every message, in creation order (deleted ones included, flagged). */
  readonly messages: StoredMessage[];
  /** Registered commands: 'global' or a guild id → command list as Discord stored it. */
  commands: Map<string, Array<Record<string, any>>>;
  interactions: Map<string, InteractionRecord>;
  readonly connectedClients: number;
  /** The shard of every open, identified gateway session ([shard_id, num_shards]). */
  readonly sessionShards: Shard[];
  /** Every accepted IDENTIFY's shard, in order. */
  readonly identifies: Shard[];
  /** What IDENTIFYs refused with close code 4010 (Invalid shard) asked for. */
  readonly refusedShards: unknown[];
  /** IDENTIFYs of a shard another open session already held (Discord accepts them; both sessions get its events). */
  readonly shardOverlaps: number;
  /** The gateway's resumes: accepted (with the dispatches they replayed) and refused with op 9. */
  readonly gatewayResumes: { resumed: number; replayed: number; invalid: number };
  /** Cuts every gateway connection without a close frame (a network drop); returns how many it cut. */
  dropGateway(): number;
  /** Makes every gateway session unresumable (a RESUME then gets op 9 Invalid Session). */
  invalidateGatewaySessions(): void;
  /** Sends op 7 Reconnect on every gateway connection. */
  requestGatewayReconnect(): void;
  /**
   * A message a member (not the bot) wrote in the channel. The bot may delete it only with Manage Messages there
   * (403, code 50013 otherwise); its own messages it deletes freely.
   */
  addUserMessage(channelId: string, content: string, authorId?: string): StoredMessage;
  sendCommand(spec: CommandSpec): InteractionRecord;
  sendAutocomplete(spec: AutocompleteSpec): InteractionRecord;
  clickButton(spec: ClickSpec): InteractionRecord;
  /** Resolves with the first truthy value of `probe`, re-checked on every change; rejects after `timeoutMs`. */
  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  hold(match: CallMatcher): Hold;
  failNext(spec: FailureSpec): void;
  matches(call: RecordedCall, match: CallMatcher): boolean;
  close(): Promise<void>;
}

export { DISCORD_LIMITS } from './limits.js';
export { shardOf, type Shard } from './gateway.js';
export type { InteractionRecord } from './rest.js';
export type { CommandSpec, AutocompleteSpec, ClickSpec, MemberSpec } from './interactions.js';
export type { GuildSpec, ChannelSpec, StandInGuild, StandInChannel, StoredMessage } from './world.js';

export async function startDiscordStandIn(opts: StandInOptions = {}): Promise<DiscordStandIn> {
  const limits: DiscordLimits = { ...DISCORD_LIMITS, ...opts.limits };
  const token = opts.token ?? `standin.${Math.random().toString(36).slice(2)}.token`;
  const appId = opts.appId ?? snowflake();
  const bot = userJson(appId, 'Newsdesk', true);
  const guilds = (opts.guilds ?? [{}]).map(buildGuild);
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const calls: RecordedCall[] = [];
  const failures: Array<FailureSpec & { left: number }> = [];
  const holds: Array<{ match: CallMatcher; arrived: (c: RecordedCall) => void; released: Promise<'process' | 'drop'>; release: (o?: 'process' | 'drop') => void; taken: boolean }> = [];
  const limiter = new RateLimiter(limits);
  const messages = new Map<string, StoredMessage>();
  let gateway: Gateway;

  const world: RestWorld = {
    limits, appId, bot, guilds, messages,
    interactions: new Map(),
    commands: new Map(),
    onThreadCreated: (thread) => gateway.dispatch('THREAD_CREATE', { ...channelJson(thread), newly_created: true }),
    changed: () => events.emit('change'),
  };

  const matches = (call: { method: string; path: string }, m: CallMatcher) =>
    (!m.method || m.method.toUpperCase() === call.method) &&
    (typeof m.path === 'string' ? call.path.includes(m.path) : m.path.test(call.path));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = decodeURIComponent(url.pathname.replace(/^\/api\/v10/, ''));
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return reply(res, 400, { code: 50109, message: 'The request body contains invalid JSON.' });
    }
    const call: RecordedCall = {
      method, path, query: Object.fromEntries(url.searchParams), body,
      authorized: req.headers.authorization === `Bot ${token}`, status: 0, headers: {}, at: Date.now(),
    };
    calls.push(call);
    const finish = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      call.responseBody = payload;
      call.headers = headers;
      reply(res, status, payload, headers);
      events.emit('change');
    };

    const hold = holds.find((h) => !h.taken && matches(call, h.match));
    if (hold) {
      hold.taken = true;
      hold.arrived(call);
      if ((await hold.released) === 'drop') {
        call.status = -1;
        req.socket.destroy();
        events.emit('change');
        return;
      }
    }
    const open = path.startsWith('/interactions/') || path.startsWith('/webhooks/');
    if (!open && !call.authorized) return finish(401, { code: 0, message: '401: Unauthorized' });

    const failure = failures.find((f) => f.left > 0 && matches(call, f));
    if (failure) {
      failure.left -= 1;
      if (failure.status === 429) {
        const after = ((failure.retryAfterMs ?? 1000) / 1000).toFixed(3);
        return finish(429, { message: 'You are being rate limited.', retry_after: Number(after), global: Boolean(failure.global) }, {
          'retry-after': after,
          'x-ratelimit-scope': failure.global ? 'global' : 'user',
          ...(failure.global ? { 'x-ratelimit-global': 'true' } : { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': after }),
        });
      }
      return finish(failure.status, { code: failure.code ?? 0, message: failure.message ?? `${failure.status}: injected failure` });
    }

    if (method === 'GET' && (path === '/gateway/bot' || path === '/gateway')) {
      return finish(200, {
        url: gatewayUrl, shards: opts.recommendedShards ?? 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: opts.maxConcurrency ?? 1 },
      });
    }
    if (method === 'GET' && path === '/users/@me') return finish(200, bot);
    if (method === 'GET' && path === `/oauth2/applications/@me`) return finish(200, { id: appId, name: 'Newsdesk', flags: 0 });
    // GET /guilds/{id}: the guild without what only the gateway sends (channels, members, threads, presences).
    const g = /^\/guilds\/(\d+)$/.exec(path);
    if (method === 'GET' && g) {
      const guild = guilds.find((x) => x.id === g[1]);
      if (!guild) return finish(404, { code: 10004, message: 'Unknown Guild' });
      const { channels: _c, members: _m, threads: _t, presences: _p, voice_states: _v, joined_at: _j, large: _l, member_count: _n, ...rest } = guildJson(guild, bot);
      return finish(200, { ...rest, approximate_member_count: 2, approximate_presence_count: 1 });
    }
    const m = /^\/guilds\/(\d+)\/members\/(\d+)$/.exec(path);
    if (method === 'GET' && m) {
      const guild = guilds.find((g) => g.id === m[1]);
      if (!guild) return finish(404, { code: 10004, message: 'Unknown Guild' });
      if (m[2] !== bot.id) return finish(404, { code: 10007, message: 'Unknown Member' });
      return finish(200, { user: bot, roles: [guild.botRoleId], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 });
    }

    const rate = limiter.check(method, path);
    if (rate.limited) {
      return finish(429, { message: 'You are being rate limited.', retry_after: rate.limited.retryAfterMs / 1000, global: rate.limited.global }, rate.headers);
    }
    const result = route(world, method, path, url.searchParams, body);
    finish(result.status, result.body, rate.headers);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) reply(res, 500, { code: 0, message: `stand-in error: ${String(e)}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const gatewayUrl = `ws://127.0.0.1:${port}/gateway`;
  gateway = new Gateway({
    server,
    token,
    heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 41_250,
    url: () => gatewayUrl,
    onChange: () => events.emit('change'),
    ready: (sessionId, shard, guildIds) => ({
      v: 10, user: { ...bot, verified: true, mfa_enabled: false, flags: 0 }, session_id: sessionId,
      resume_gateway_url: gatewayUrl, session_type: 'normal', shard,
      application: { id: appId, flags: 0 },
      guilds: guildIds.map((id) => ({ id, unavailable: true })),
      private_channels: [], relationships: [], presences: [], guild_join_requests: [], geo_ordered_rtc_regions: [],
      user_settings: {}, _trace: ['standin'],
    }),
    guildIds: () => guilds.map((g) => g.id),
    guildCreate: (id) => guildJson(guilds.find((g) => g.id === id)!, bot),
  });
  const factory = new InteractionFactory(world, (t, d) => gateway.dispatch(t, d));

  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    gatewayUrl,
    token,
    appId,
    botUserId: bot.id,
    guilds,
    limits,
    calls,
    get messages() {
      return [...messages.values()];
    },
    commands: world.commands,
    interactions: world.interactions,
    get connectedClients() {
      return gateway.identifiedCount;
    },
    get sessionShards() {
      return gateway.shards;
    },
    identifies: gateway.identifies,
    refusedShards: gateway.refusedShards,
    get shardOverlaps() {
      return gateway.overlaps;
    },
    get gatewayResumes() {
      return { resumed: gateway.resumes, replayed: gateway.replayed, invalid: gateway.invalidSessions };
    },
    dropGateway: () => gateway.dropConnections(),
    invalidateGatewaySessions: () => gateway.invalidateSessions(),
    requestGatewayReconnect: () => gateway.requestReconnect(),
    addUserMessage: (channelId, content, authorId = snowflake()) => userMessage(world, channelId, content, authorId),
    sendCommand: (spec) => factory.command(spec),
    sendAutocomplete: (spec) => factory.autocomplete(spec),
    clickButton: (spec) => factory.click(spec),
    waitFor(probe, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          let value;
          try {
            value = probe();
          } catch (e) {
            finish();
            reject(e);
            return;
          }
          if (value) {
            finish();
            resolve(value as never);
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`stand-in waitFor timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        const poll = setInterval(check, 50);
        const finish = () => {
          clearTimeout(timer);
          clearInterval(poll);
          events.off('change', check);
        };
        events.on('change', check);
        check();
      });
    },
    hold(match) {
      let arrived!: (c: RecordedCall) => void;
      let settle!: (o: 'process' | 'drop') => void;
      const arrivedP = new Promise<RecordedCall>((r) => (arrived = r));
      const released = new Promise<'process' | 'drop'>((r) => (settle = r));
      const release = (outcome: 'process' | 'drop' = 'process') => settle(outcome);
      holds.push({ match, arrived, released, release, taken: false });
      return { arrived: arrivedP, release };
    },
    failNext(spec) {
      failures.push({ ...spec, left: spec.times ?? 1 });
    },
    matches,
    async close() {
      for (const h of holds) h.release();
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function reply(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status === 200 ? 204 : status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
