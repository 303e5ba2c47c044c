import type { SlackLimits } from './limits.js';
import type { Buckets } from './ratelimit.js';
import { validateMessage } from './validate.js';
import type { PostedMessage, StandInChannel, World } from './world.js';

/**
 * The Web API methods Newsdesk calls, answering as Slack does: `{ok:true,…}` or `{ok:false, error}` with HTTP 200,
 * and 429 with Retry-After when a rate limit is exceeded.
 */
export type Body = Record<string, unknown>;

export interface MethodResult {
  status: number;
  body: Body;
  headers?: Record<string, string>;
  /** Why a call was refused, beyond the error code (for test failure messages). */
  detail?: string;
}

export interface ApiContext {
  world: World;
  buckets: Buckets;
  limits: SlackLimits;
  scopes: ReadonlySet<string>;
  /** The workspace of the token (OAuth): the call sees only its channels and users. Unset: every workspace. */
  team?: string;
  botUserId: string;
  botId: string;
  appId: string;
  socketUrl(): string;
}

const ok = (body: Body = {}): MethodResult => ({ status: 200, body: { ok: true, ...body } });
const fail = (error: string, detail?: string, extra: Body = {}): MethodResult => ({ status: 200, body: { ok: false, error, ...extra }, detail });

function rateLimited(waitMs: number): MethodResult {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': String(seconds) } };
}

function needScope(ctx: ApiContext, scope: string): MethodResult | null {
  return ctx.scopes.has(scope) ? null : fail('missing_scope', `needs ${scope}`, { needed: scope, provided: [...ctx.scopes].join(',') });
}

/** The channel as a bot sees it: private channels it is not in do not exist for it. */
function visibleChannel(ctx: ApiContext, id: unknown): StandInChannel | undefined {
  const c = ctx.world.channel(id);
  return c && (!ctx.team || c.team === ctx.team) && (!c.isPrivate || c.isMember) ? c : undefined;
}

const kind = (c: StandInChannel) => (c.isPrivate ? 'groups' : 'channels');

function channelInfo(c: StandInChannel): Body {
  return { id: c.id, name: c.name, is_channel: !c.isPrivate, is_group: c.isPrivate, is_private: c.isPrivate, is_member: c.isMember, is_archived: c.isArchived, context_team_id: c.team };
}

function tierLimit(ctx: ApiContext, method: string, team: string): MethodResult | null {
  const tier = ctx.limits.methodTier[method];
  if (!tier) return null;
  const wait = ctx.buckets.take(`${method}:${team}`, ctx.limits.tiers[tier]);
  return wait ? rateLimited(wait) : null;
}

function parseJsonField(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return Symbol.for('invalid json');
  }
}

export function callMethod(ctx: ApiContext, method: string, body: Body): MethodResult {
  const { world } = ctx;
  switch (method) {
    case 'auth.test': {
      const team = world.teams.find((t) => t.id === ctx.team) ?? world.teams[0];
      return ok({ url: `https://${team.id.toLowerCase()}.slack.example/`, team: team.name, user: 'newsdesk', team_id: team.id, user_id: ctx.botUserId, bot_id: ctx.botId });
    }
    case 'apps.connections.open':
      return ok({ url: ctx.socketUrl() });
    case 'users.info': {
      const missing = needScope(ctx, 'users:read');
      if (missing) return missing;
      const user = world.user(body.user);
      if (!user || (ctx.team && user.team !== ctx.team)) return fail('user_not_found');
      const limited = tierLimit(ctx, method, user.team);
      if (limited) return limited;
      return ok({ user: { id: user.id, name: user.name, team_id: user.team, is_admin: user.isAdmin || user.isOwner, is_owner: user.isOwner, is_primary_owner: false, is_bot: false } });
    }
    case 'conversations.info': {
      const c = visibleChannel(ctx, body.channel);
      if (!c) return fail('channel_not_found');
      const missing = needScope(ctx, `${kind(c)}:read`);
      if (missing) return missing;
      return tierLimit(ctx, method, c.team) ?? ok({ channel: channelInfo(c) });
    }
    case 'conversations.join': {
      const missing = needScope(ctx, 'channels:join');
      if (missing) return missing;
      const c = visibleChannel(ctx, body.channel);
      if (!c) return fail('channel_not_found');
      if (c.isPrivate) return fail('method_not_supported_for_channel_type');
      if (c.isArchived) return fail('is_archived');
      const limited = tierLimit(ctx, method, c.team);
      if (limited) return limited;
      const already = c.isMember;
      c.isMember = true;
      return ok({ channel: channelInfo(c), ...(already ? { warning: 'already_in_channel' } : {}) });
    }
    case 'conversations.history':
      return history(ctx, body);
    case 'conversations.replies':
      return replies(ctx, body);
    case 'chat.postMessage':
      return postMessage(ctx, body);
    case 'chat.update':
      return update(ctx, body);
    case 'chat.delete':
      return deleteMessage(ctx, body);
    default:
      return fail('unknown_method', `the stand-in does not implement ${method}`);
  }
}

function postMessage(ctx: ApiContext, body: Body): MethodResult {
  const missing = needScope(ctx, 'chat:write');
  if (missing) return missing;
  const c = visibleChannel(ctx, body.channel);
  if (!c) return fail('channel_not_found');
  if (c.isArchived) return fail('is_archived');
  if (!c.isMember) return fail('not_in_channel');
  const blocks = parseJsonField(body.blocks);
  const metadata = parseJsonField(body.metadata);
  if (typeof blocks === 'symbol') return fail('invalid_blocks_format', 'blocks is not JSON');
  if (typeof metadata === 'symbol') return fail('invalid_metadata_format', 'metadata is not JSON');
  const problem = validateMessage({ text: body.text, blocks });
  if (problem) return fail(problem.error, problem.detail);
  if (body.thread_ts !== undefined && !ctx.world.find(c.id, String(body.thread_ts))) return fail('thread_not_found');
  const wait = ctx.buckets.takeAll([[`post:channel:${c.id}`, ctx.limits.postPerChannel], [`post:team:${c.team}`, ctx.limits.postPerWorkspace]]);
  if (wait) return rateLimited(wait);
  const ts = ctx.world.nextTs();
  ctx.world.messages.push({
    team: c.team, channel: c.id, ts, text: String(body.text), blocks: blocks as unknown[] | undefined,
    ...(body.thread_ts !== undefined ? { threadTs: String(body.thread_ts) } : {}),
    ...(metadata ? { metadata: metadata as never } : {}),
    unfurlLinks: truthy(body.unfurl_links), unfurlMedia: truthy(body.unfurl_media), edits: [],
  });
  return ok({ channel: c.id, ts, message: { type: 'message', text: body.text, ts, bot_id: ctx.botId } });
}

function update(ctx: ApiContext, body: Body): MethodResult {
  const missing = needScope(ctx, 'chat:write');
  if (missing) return missing;
  const c = visibleChannel(ctx, body.channel);
  if (!c) return fail('channel_not_found');
  const message = ctx.world.find(c.id, String(body.ts));
  if (!message) return fail('message_not_found');
  if (c.isArchived) return fail('is_archived');
  const blocks = parseJsonField(body.blocks);
  if (typeof blocks === 'symbol') return fail('invalid_blocks_format', 'blocks is not JSON');
  const problem = validateMessage({ text: body.text, blocks });
  if (problem) return fail(problem.error, problem.detail);
  const limited = tierLimit(ctx, 'chat.update', c.team);
  if (limited) return limited;
  message.edits.push({ text: message.text, blocks: message.blocks });
  message.text = String(body.text);
  message.blocks = blocks as unknown[] | undefined;
  return ok({ channel: c.id, ts: message.ts, text: message.text });
}

/**
 * chat.delete as docs.slack.dev/reference/methods/chat.delete states it: chat:write covers it; Tier 3; "with a bot
 * token, this method may delete only messages posted by that bot" (cant_delete_message otherwise); a message that
 * does not exist (never, or no longer) is message_not_found; a channel the bot cannot see is channel_not_found.
 * Success echoes `channel` and `ts`. The message leaves history and its thread; its replies stay.
 */
function deleteMessage(ctx: ApiContext, body: Body): MethodResult {
  const missing = needScope(ctx, 'chat:write');
  if (missing) return missing;
  const c = visibleChannel(ctx, body.channel);
  if (!c) return fail('channel_not_found');
  // Slack counts calls against the method's tier whatever their outcome.
  const limited = tierLimit(ctx, 'chat.delete', c.team);
  if (limited) return limited;
  const message = ctx.world.find(c.id, String(body.ts));
  if (!message) return fail('message_not_found');
  if (message.user !== undefined && message.user !== ctx.botUserId) return fail('cant_delete_message', `${message.user} wrote it, not the bot`);
  message.deleted = true;
  return ok({ channel: c.id, ts: message.ts });
}

/** What a bot reads of a message in history or a thread; a deleted parent whose replies remain is a tombstone. */
function messageView(ctx: ApiContext, m: PostedMessage, withMetadata: boolean): Body {
  const replyCount = m.threadTs === undefined ? ctx.world.replies(m.channel, m.ts).length : 0;
  const thread = replyCount > 0 ? { thread_ts: m.ts, reply_count: replyCount } : m.threadTs !== undefined ? { thread_ts: m.threadTs } : {};
  if (m.deleted) return { type: 'message', subtype: 'tombstone', hidden: true, ts: m.ts, text: 'This message was deleted.', user: 'USLACKBOT', ...thread };
  return {
    type: 'message', ts: m.ts, text: m.text, ...(m.user ? { user: m.user } : { bot_id: ctx.botId, user: ctx.botUserId }),
    ...thread, ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
  };
}

/** A thread: its parent (or the parent's tombstone) then its live replies, oldest first; paged like history. */
function replies(ctx: ApiContext, body: Body): MethodResult {
  const c = visibleChannel(ctx, body.channel);
  if (!c) return fail('channel_not_found');
  const missing = needScope(ctx, `${kind(c)}:history`);
  if (missing) return missing;
  if (!c.isMember) return fail('not_in_channel');
  const limited = tierLimit(ctx, 'conversations.replies', c.team);
  if (limited) return limited;
  // The unlisted distributed app's limit covers conversations.replies as well as history (the same changelog).
  const unlisted = ctx.team ? ctx.limits.unlistedHistory : undefined;
  if (unlisted) {
    const wait = ctx.buckets.take(`replies:unlisted:${c.team}`, { perMinute: unlisted.perMinute, burst: 1 });
    if (wait) return rateLimited(wait);
  }
  const asked = ctx.world.messages.find((m) => m.channel === c.id && m.ts === String(body.ts));
  const parentTs = asked?.threadTs ?? asked?.ts;
  const parent = parentTs !== undefined ? ctx.world.messages.find((m) => m.channel === c.id && m.ts === parentTs) : undefined;
  const thread = parent ? ctx.world.replies(c.id, parent.ts) : [];
  if (!asked || !parent || (parent.deleted && thread.length === 0) || (asked.deleted && asked !== parent)) return fail('thread_not_found');
  const limit = Math.min(Math.max(Number(body.limit ?? 1000), 1), 1000, unlisted?.maxMessages ?? Infinity);
  const offset = Number(body.cursor ? Buffer.from(String(body.cursor), 'base64').toString() : 0) || 0;
  const withMetadata = truthy(body.include_all_metadata);
  const all = [parent, ...thread];
  const page = all.slice(offset, offset + limit).map((m) => messageView(ctx, m, withMetadata));
  const more = all.length > offset + limit;
  return ok({
    messages: page, has_more: more,
    response_metadata: { next_cursor: more ? Buffer.from(String(offset + limit)).toString('base64') : '' },
  });
}

function history(ctx: ApiContext, body: Body): MethodResult {
  const c = visibleChannel(ctx, body.channel);
  if (!c) return fail('channel_not_found');
  const missing = needScope(ctx, `${kind(c)}:history`);
  if (missing) return missing;
  if (!c.isMember) return fail('not_in_channel');
  const limited = tierLimit(ctx, 'conversations.history', c.team);
  if (limited) return limited;
  const unlisted = ctx.team ? ctx.limits.unlistedHistory : undefined;
  if (unlisted) {
    const wait = ctx.buckets.take(`history:unlisted:${c.team}`, { perMinute: unlisted.perMinute, burst: 1 });
    if (wait) return rateLimited(wait);
  }
  const oldest = Number(body.oldest ?? 0);
  const latest = body.latest !== undefined ? Number(body.latest) : Infinity;
  const limit = Math.min(Math.max(Number(body.limit ?? 100), 1), 999, unlisted?.maxMessages ?? Infinity);
  const offset = Number(body.cursor ? Buffer.from(String(body.cursor), 'base64').toString() : 0) || 0;
  const withMetadata = truthy(body.include_all_metadata);
  // A deleted message is gone, unless it is a thread parent whose replies remain: then Slack shows a tombstone.
  const all = ctx.world.messages
    .filter((m) => m.channel === c.id && !m.threadTs && Number(m.ts) > oldest && Number(m.ts) < latest)
    .filter((m) => !m.deleted || ctx.world.replies(c.id, m.ts).length > 0)
    .sort((a, b) => Number(b.ts) - Number(a.ts));
  const page = all.slice(offset, offset + limit).map((m) => messageView(ctx, m, withMetadata));
  const more = all.length > offset + limit;
  return ok({
    messages: page, has_more: more,
    response_metadata: { next_cursor: more ? Buffer.from(String(offset + limit)).toString('base64') : '' },
  });
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}
