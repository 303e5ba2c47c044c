import { DISCORD_CONTENT_LIMITS, type DiscordLimits } from './limits.js';
import { P, computePings } from './permissions.js';
import { validateChoices, validateCommands, validateMessage, type DiscordError } from './validate.js';
import {
  botPermissionsIn, channelJson, messageJson, messageSnowflake, snowflake,
  type StandInChannel, type StandInGuild, type StoredMessage, type userJson,
} from './world.js';

/** The REST routes the adapter uses, answered the way Discord answers them (strictly). */
export interface InteractionRecord {
  id: string;
  token: string;
  type: number;
  guildId?: string;
  channelId: string;
  createdAt: number;
  /** The first callback's type (4 reply, 5 defer, 6 deferred update, 7 update, 8 choices). */
  responseType?: number;
  originalMessageId?: string;
  /** For component clicks: the message whose button was clicked. */
  sourceMessageId?: string;
  ephemeral: boolean;
  /** The INTERACTION_CREATE payload as sent (HTTP-mode tests POST it themselves). */
  payload?: Record<string, unknown>;
  choices?: Array<{ name: string; value: unknown }>;
}

export interface RestWorld {
  limits: DiscordLimits;
  appId: string;
  bot: ReturnType<typeof userJson>;
  guilds: StandInGuild[];
  messages: Map<string, StoredMessage>;
  interactions: Map<string, InteractionRecord>;
  commands: Map<string, Array<Record<string, any>>>;
  /** Announces a new thread to connected clients. */
  onThreadCreated(thread: StandInChannel): void;
  changed(): void;
}

export interface RestResult {
  status: number;
  body?: unknown;
}

const err = (status: number, code: number, message: string): DiscordError => ({ status, body: { code, message } });
const ok = (body?: unknown, status = 200): RestResult => ({ status: body === undefined ? 204 : status, body });

export function findChannel(world: RestWorld, id: string): { guild: StandInGuild; channel: StandInChannel } | null {
  for (const guild of world.guilds) {
    const channel = guild.channels.find((c) => c.id === id);
    if (channel) return { guild, channel };
  }
  return null;
}

export function route(world: RestWorld, method: string, path: string, query: URLSearchParams, body: any): RestResult {
  let m: RegExpExecArray | null;
  if ((m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path))) {
    if (m[1] !== world.appId) return err(403, 50001, 'Missing Access');
    const scope = m[2] ?? 'global';
    if (m[2] && !world.guilds.some((g) => g.id === m![2])) return err(403, 50001, 'Missing Access');
    if (method === 'GET') return ok(world.commands.get(scope) ?? []);
    if (method === 'PUT') return putCommands(world, scope, body);
  }
  if ((m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path)) && method === 'POST') {
    return interactionCallback(world, m[1], m[2], query, body);
  }
  if ((m = /^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/([^/]+))?$/.exec(path))) return webhook(world, method, m[1], m[2], m[3], body);
  if ((m = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(path)) && method === 'POST') return startThread(world, m[1], m[2], body);
  if ((m = /^\/channels\/(\d+)\/threads$/.exec(path)) && method === 'POST') return startForumPost(world, m[1], body);
  if ((m = /^\/guilds\/(\d+)\/threads\/active$/.exec(path)) && method === 'GET') return activeThreads(world, m[1]);
  if ((m = /^\/channels\/(\d+)\/threads\/archived\/public$/.exec(path)) && method === 'GET') return archivedThreads(world, m[1], query);
  if ((m = /^\/channels\/(\d+)\/messages\/(\d+)\/crosspost$/.exec(path)) && method === 'POST') return crosspost(world, m[1], m[2]);
  if ((m = /^\/channels\/(\d+)\/messages(?:\/(\d+))?$/.exec(path))) return channelMessages(world, method, m[1], m[2], body);
  if ((m = /^\/channels\/(\d+)$/.exec(path)) && method === 'GET') {
    const found = findChannel(world, m[1]);
    if (!found) return err(404, 10003, 'Unknown Channel');
    if (!(botPermissionsIn(found.guild, found.channel, world.bot.id) & P.ViewChannel)) return err(403, 50001, 'Missing Access');
    return ok(channelJson(found.channel));
  }
  if ((m = /^\/channels\/(\d+)$/.exec(path)) && method === 'PATCH') return modifyThread(world, m[1], body);
  if ((m = /^\/channels\/(\d+)$/.exec(path)) && method === 'DELETE') return deleteThread(world, m[1]);
  return { status: 404, body: { code: 0, message: '404: Not Found' } };
}

function putCommands(world: RestWorld, scope: string, body: unknown): RestResult {
  const invalid = validateCommands(body);
  if (invalid) return invalid;
  const stored = (body as Array<Record<string, any>>).map((c) => ({
    ...c, id: snowflake(), application_id: world.appId, version: snowflake(), type: c.type ?? 1,
    ...(scope !== 'global' ? { guild_id: scope } : {}),
  }));
  world.commands.set(scope, stored);
  return ok(stored);
}

function interactionCallback(world: RestWorld, id: string, token: string, query: URLSearchParams, body: any): RestResult {
  const rec = world.interactions.get(token);
  if (!rec || rec.id !== id) return err(404, 10062, 'Unknown interaction');
  if (rec.responseType !== undefined) return err(400, 40060, 'Interaction has already been acknowledged.');
  if (Date.now() - rec.createdAt > world.limits.interactionResponseMs) return err(404, 10062, 'Unknown interaction');
  const type = body?.type;
  const data = body?.data ?? {};
  if (type === 8) {
    if (rec.type !== 4) return err(400, 50035, 'Invalid Form Body');
    const invalid = validateChoices(data.choices);
    if (invalid) return invalid;
    rec.responseType = 8;
    rec.choices = data.choices;
  } else if (type === 4 || type === 5) {
    if (type === 4) {
      const invalid = validateMessage(data, { requireContent: true });
      if (invalid) return invalid;
    }
    rec.responseType = type;
    rec.ephemeral = Boolean((data.flags ?? 0) & 64);
    const msg = createMessage(world, rec.channelId, type === 4 ? data : { content: '', flags: data.flags }, token);
    if (type === 5) msg.flags |= 128; // "is thinking…"
    rec.originalMessageId = msg.id;
  } else if (type === 6 || type === 7) {
    if (rec.type !== 3) return err(400, 50035, 'Invalid Form Body');
    if (type === 7) {
      const invalid = validateMessage(data);
      if (invalid) return invalid;
      editMessage(world, world.messages.get(rec.sourceMessageId!)!, data);
    }
    rec.responseType = type;
    rec.originalMessageId = rec.sourceMessageId;
  } else {
    return err(400, 50035, 'Invalid Form Body');
  }
  world.changed();
  if (query.get('with_response') === 'true') {
    const original = rec.originalMessageId ? world.messages.get(rec.originalMessageId) : undefined;
    return ok({
      interaction: { id: rec.id, type: rec.type, response_message_id: original?.id, response_message_loading: type === 5, response_message_ephemeral: rec.ephemeral },
      resource: { type, ...(original ? { message: messageJson(original, world.bot, world.appId) } : {}) },
    });
  }
  return ok();
}

function webhook(world: RestWorld, method: string, appId: string, token: string, messageId: string | undefined, body: any): RestResult {
  const rec = world.interactions.get(token);
  if (appId !== world.appId || !rec || Date.now() - rec.createdAt > world.limits.interactionTokenMs) return err(404, 10015, 'Unknown Webhook');
  if (rec.responseType === undefined) return err(404, 10015, 'Unknown Webhook');
  if (!messageId) {
    if (method !== 'POST') return { status: 405, body: { code: 0, message: '405: Method Not Allowed' } };
    const invalid = validateMessage(body, { requireContent: true });
    if (invalid) return invalid;
    const msg = createMessage(world, rec.channelId, body, token);
    world.changed();
    return ok(messageJson(msg, world.bot, world.appId));
  }
  const id = decodeURIComponent(messageId) === '@original' ? rec.originalMessageId : messageId;
  const msg = id ? world.messages.get(id) : undefined;
  if (!msg || msg.deleted) return err(404, 10008, 'Unknown Message');
  if (method === 'GET') return ok(messageJson(msg, world.bot, world.appId));
  if (method === 'DELETE') {
    msg.deleted = true;
    world.changed();
    return ok();
  }
  if (method !== 'PATCH') return { status: 405, body: { code: 0, message: '405: Method Not Allowed' } };
  const invalid = validateMessage(body);
  if (invalid) return invalid;
  msg.flags &= ~128;
  editMessage(world, msg, body);
  world.changed();
  return ok(messageJson(msg, world.bot, world.appId));
}

function channelMessages(world: RestWorld, method: string, channelId: string, messageId: string | undefined, body: any): RestResult {
  const found = findChannel(world, channelId);
  if (!found) return err(404, 10003, 'Unknown Channel');
  const perms = botPermissionsIn(found.guild, found.channel, world.bot.id);
  if (!(perms & P.ViewChannel)) return err(403, 50001, 'Missing Access');
  const send = found.channel.type === 11 ? P.SendMessagesInThreads : P.SendMessages;
  // A forum holds posts (threads), not messages: Discord refuses a message sent to the forum itself.
  if (found.channel.type === FORUM && method === 'POST' && !messageId) return err(400, 50008, 'Cannot send messages in a non-text channel');
  const lockedOut = found.channel.locked && !(perms & P.ManageThreads);
  if (method === 'POST' && !messageId) {
    if (!(perms & send)) return err(403, 50013, 'Missing Permissions');
    if (lockedOut) return err(400, 160005, 'Thread is locked');
    const invalid = validateMessage(body, { requireContent: true });
    if (invalid) return invalid;
    // A message sent in an archived (unlocked) thread unarchives it.
    if (found.channel.archived) found.channel.archived = false;
    if (body.enforce_nonce && body.nonce !== undefined) {
      const earlier = [...world.messages.values()].find(
        (m) => m.channelId === channelId && m.nonce === String(body.nonce) && Date.now() - m.createdAt < world.limits.nonceWindowMs,
      );
      if (earlier) return ok(messageJson(earlier, world.bot, world.appId));
    }
    const msg = createMessage(world, channelId, body, undefined, true);
    world.changed();
    return ok(messageJson(msg, world.bot, world.appId));
  }
  const msg = messageId ? world.messages.get(messageId) : undefined;
  if (!msg || msg.deleted || msg.channelId !== channelId) return err(404, 10008, 'Unknown Message');
  if (lockedOut && (method === 'PATCH' || method === 'DELETE')) return err(400, 160005, 'Thread is locked');
  if (found.channel.archived && (method === 'PATCH' || method === 'DELETE')) return err(400, 50083, 'Thread is archived');
  // Get Channel Message: View Channel and Read Message History.
  if (method === 'GET') return perms & P.ReadMessageHistory ? ok(messageJson(msg, world.bot, world.appId)) : err(403, 50013, 'Missing Permissions');
  if (method === 'PATCH') {
    const invalid = validateMessage(body);
    if (invalid) return invalid;
    editMessage(world, msg, body);
    world.changed();
    return ok(messageJson(msg, world.bot, world.appId));
  }
  if (method === 'DELETE') {
    // Discord: a bot deletes its own messages freely; someone else's needs Manage Messages in the channel.
    if (msg.authorId && msg.authorId !== world.bot.id && !(perms & P.ManageMessages)) return err(403, 50013, 'Missing Permissions');
    msg.deleted = true;
    world.changed();
    return ok();
  }
  return { status: 405, body: { code: 0, message: '405: Method Not Allowed' } };
}

/** A message a member wrote (not the bot): for tests of what the bot may and may not do to others' messages. */
export function userMessage(world: RestWorld, channelId: string, content: string, authorId: string): StoredMessage {
  const found = findChannel(world, channelId);
  if (!found) throw new Error(`no channel ${channelId} in the stand-in`);
  const msg: StoredMessage = {
    id: messageSnowflake(), channelId, guildId: found.guild.id, content, embeds: [], components: [], flags: 0,
    pings: { everyone: false, roles: [], users: [] }, history: [{ content }], createdAt: Date.now(), deleted: false, authorId,
  };
  world.messages.set(msg.id, msg);
  world.changed();
  return msg;
}

/**
 * PATCH /channels/{thread}: archiving and unarchiving a thread (Send Messages in Threads suffices, unlocked), and a
 * forum post's applied_tags (its creator or Manage Threads; at most 5, each one of the forum's available tags).
 */
function modifyThread(world: RestWorld, channelId: string, body: any): RestResult {
  const found = findChannel(world, channelId);
  if (!found) return err(404, 10003, 'Unknown Channel');
  const perms = botPermissionsIn(found.guild, found.channel, world.bot.id);
  if (!(perms & P.ViewChannel)) return err(403, 50001, 'Missing Access');
  const keys = Object.keys(body ?? {});
  const known = keys.length > 0 && keys.every((k) => k === 'archived' || k === 'applied_tags');
  if (found.channel.type !== 11 || !known || ('archived' in body && typeof body.archived !== 'boolean')) {
    return err(400, 50035, 'Invalid Form Body');
  }
  if ('applied_tags' in body) {
    const forum = found.guild.channels.find((c) => c.id === found.channel.parentId && c.type === FORUM);
    const invalid = forum ? invalidTags(forum, body.applied_tags) : err(400, 50035, 'Invalid Form Body');
    if (invalid) return invalid;
    if (found.channel.ownerId !== world.bot.id && !(perms & P.ManageThreads)) return err(403, 50013, 'Missing Permissions');
    if (found.channel.archived && body.archived !== false) return err(400, 50083, 'Thread is archived');
    found.channel.appliedTags = [...body.applied_tags];
  }
  if (!(perms & P.SendMessagesInThreads)) return err(403, 50013, 'Missing Permissions');
  // A locked thread: only Manage Threads may unarchive it.
  if (found.channel.locked && !(perms & P.ManageThreads)) return err(403, 50013, 'Missing Permissions');
  if ('archived' in body) {
    if (body.archived && !found.channel.archived) found.channel.archivedAt = Date.now();
    found.channel.archived = body.archived;
  }
  world.changed();
  return ok(channelJson(found.channel));
}

const FORUM = 15;

function invalidTags(forum: StandInChannel, tags: unknown): DiscordError | null {
  const available = new Set((forum.availableTags ?? []).map((t) => t.id));
  if (!Array.isArray(tags) || tags.length > DISCORD_CONTENT_LIMITS.appliedTags || !tags.every((t) => available.has(String(t)))) {
    return { status: 400, body: { code: 50035, message: 'Invalid Form Body', errors: { applied_tags: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be at most 5 tags of this forum.' }] } } } };
  }
  return null;
}

/**
 * POST /channels/{forum}/threads (Start Thread in Forum or Media Channel): a post is a thread whose first message is
 * `message`; the thread's id is also the id of that starter message. Needs Send Messages in the forum; the name is
 * 1-100 characters, applied_tags at most 5 of the forum's tags. Answers the thread with the message inside.
 */
function startForumPost(world: RestWorld, channelId: string, body: any): RestResult {
  const found = findChannel(world, channelId);
  if (!found) return err(404, 10003, 'Unknown Channel');
  const perms = botPermissionsIn(found.guild, found.channel, world.bot.id);
  if (!(perms & P.ViewChannel)) return err(403, 50001, 'Missing Access');
  // Threads without a starter message in text channels are not modelled: only forum posts.
  if (found.channel.type !== FORUM || !body?.message || typeof body.message !== 'object') return err(400, 50035, 'Invalid Form Body');
  if (!(perms & P.SendMessages)) return err(403, 50013, 'Missing Permissions');
  const name = String(body.name ?? '');
  if (name.length < 1 || name.length > DISCORD_CONTENT_LIMITS.threadName) {
    return { status: 400, body: { code: 50035, message: 'Invalid Form Body', errors: { name: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' }] } } } };
  }
  const invalidMessage = validateMessage(body.message, { requireContent: true });
  if (invalidMessage) return invalidMessage;
  const tags = body.applied_tags ?? [];
  const invalid = invalidTags(found.channel, tags);
  if (invalid) return invalid;
  const thread: StandInChannel = {
    id: messageSnowflake(), guildId: found.guild.id, name, type: 11, parentId: channelId, overwrites: [],
    appliedTags: [...tags], ownerId: world.bot.id,
  };
  found.guild.channels.push(thread);
  const starter = createMessage(world, thread.id, body.message, undefined, true);
  // Discord gives the starter message the thread's id.
  world.messages.delete(starter.id);
  starter.id = thread.id;
  world.messages.set(starter.id, starter);
  world.onThreadCreated(thread);
  world.changed();
  return ok({ ...channelJson(thread), message: messageJson(starter, world.bot, world.appId) }, 201);
}

/**
 * GET /guilds/{id}/threads/active (List Active Guild Threads): every active (unarchived) thread of the guild the bot
 * can see, ordered by id, descending; `members` lists the bot's thread memberships (it joins the threads it creates).
 */
function activeThreads(world: RestWorld, guildId: string): RestResult {
  const guild = world.guilds.find((g) => g.id === guildId);
  if (!guild) return err(404, 10004, 'Unknown Guild');
  const threads = guild.channels
    .filter((c) => c.type === 11 && !c.archived && botPermissionsIn(guild, c, world.bot.id) & P.ViewChannel)
    .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
  return ok({ threads: threads.map(channelJson), members: threads.filter((t) => t.ownerId === world.bot.id).map((t) => threadMember(t, world.bot.id)) });
}

/**
 * GET /channels/{id}/threads/archived/public (List Public Archived Threads): the channel's archived public threads,
 * ordered by archive_timestamp, descending; `before` (an ISO8601 timestamp) and `limit` (2-100, default 50) page them.
 * Needs Read Message History (403, 50013 otherwise). Answers `has_more`.
 */
function archivedThreads(world: RestWorld, channelId: string, query: URLSearchParams): RestResult {
  const found = findChannel(world, channelId);
  if (!found) return err(404, 10003, 'Unknown Channel');
  const perms = botPermissionsIn(found.guild, found.channel, world.bot.id);
  if (!(perms & P.ViewChannel)) return err(403, 50001, 'Missing Access');
  if (!(perms & P.ReadMessageHistory)) return err(403, 50013, 'Missing Permissions');
  const limit = query.has('limit') ? Number(query.get('limit')) : 50;
  if (!Number.isInteger(limit) || limit < 2 || limit > 100) return err(400, 50035, 'Invalid Form Body');
  const before = query.has('before') ? Date.parse(query.get('before')!) : Infinity;
  const archived = found.guild.channels
    .filter((c) => c.type === 11 && c.parentId === channelId && c.archived && (c.archivedAt ?? 0) < before)
    .sort((a, b) => (b.archivedAt ?? 0) - (a.archivedAt ?? 0));
  const page = archived.slice(0, limit);
  return ok({
    threads: page.map(channelJson), members: page.filter((t) => t.ownerId === world.bot.id).map((t) => threadMember(t, world.bot.id)),
    has_more: archived.length > limit,
  });
}

function threadMember(thread: StandInChannel, userId: string) {
  return { id: thread.id, user_id: userId, join_timestamp: new Date(0).toISOString(), flags: 0 };
}

const ANNOUNCEMENT = 5;
const CROSSPOSTED = 1;

/**
 * POST /channels/{id}/messages/{mid}/crosspost (Crosspost Message): only in an announcement channel (else 400, 50024
 * "Cannot execute action on this channel type"), once per message (40033 "This message has
 * already been crossposted"); Send Messages for the bot's own message, Manage Messages for anyone else's. The hourly
 * publish limit is the rate limiter's crosspost bucket (limits.ts).
 */
function crosspost(world: RestWorld, channelId: string, messageId: string): RestResult {
  const found = findChannel(world, channelId);
  if (!found) return err(404, 10003, 'Unknown Channel');
  const perms = botPermissionsIn(found.guild, found.channel, world.bot.id);
  if (!(perms & P.ViewChannel)) return err(403, 50001, 'Missing Access');
  const msg = world.messages.get(messageId);
  if (!msg || msg.deleted || msg.channelId !== channelId) return err(404, 10008, 'Unknown Message');
  if (found.channel.type !== ANNOUNCEMENT) return err(400, 50024, 'Cannot execute action on this channel type');
  const own = !msg.authorId || msg.authorId === world.bot.id;
  if (!(perms & P.SendMessages) || (!own && !(perms & P.ManageMessages))) return err(403, 50013, 'Missing Permissions');
  if (msg.crossposted) return err(400, 40033, 'This message has already been crossposted.');
  msg.crossposted = true;
  msg.flags |= CROSSPOSTED;
  world.changed();
  return ok(messageJson(msg, world.bot, world.appId));
}

/** DELETE /channels/{thread}: Discord requires Manage Threads to delete a thread; its messages go with it. */
function deleteThread(world: RestWorld, channelId: string): RestResult {
  const found = findChannel(world, channelId);
  if (!found) return err(404, 10003, 'Unknown Channel');
  const perms = botPermissionsIn(found.guild, found.channel, world.bot.id);
  if (!(perms & P.ViewChannel)) return err(403, 50001, 'Missing Access');
  if (found.channel.type !== 11 || !(perms & P.ManageThreads)) return err(403, 50013, 'Missing Permissions');
  found.guild.channels.splice(found.guild.channels.indexOf(found.channel), 1);
  for (const m of world.messages.values()) if (m.channelId === channelId) m.deleted = true;
  world.changed();
  return ok(channelJson(found.channel));
}

function startThread(world: RestWorld, channelId: string, messageId: string, body: any): RestResult {
  const found = findChannel(world, channelId);
  if (!found) return err(404, 10003, 'Unknown Channel');
  const perms = botPermissionsIn(found.guild, found.channel, world.bot.id);
  if (!(perms & P.ViewChannel)) return err(403, 50001, 'Missing Access');
  if (!(perms & P.CreatePublicThreads)) return err(403, 50013, 'Missing Permissions');
  // No thread inside a thread.
  if (found.channel.type === 11) return err(400, 50024, 'Cannot execute action on this channel type');
  const msg = world.messages.get(messageId);
  if (!msg || msg.channelId !== channelId || msg.deleted) return err(404, 10008, 'Unknown Message');
  if (msg.threadId) return err(400, 160004, 'A thread has already been created for this message');
  const name = String(body?.name ?? '');
  if (name.length < 1 || name.length > 100) {
    return { status: 400, body: { code: 50035, message: 'Invalid Form Body', errors: { name: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' }] } } } };
  }
  // Discord gives a thread started from a message the message's id.
  const thread: StandInChannel = { id: msg.id, guildId: found.guild.id, name, type: 11, parentId: channelId, overwrites: [] };
  found.guild.channels.push(thread);
  msg.threadId = thread.id;
  world.onThreadCreated(thread);
  world.changed();
  return ok({ ...channelJson(thread), owner_id: world.bot.id });
}

function senderPermissions(world: RestWorld, channelId: string): bigint {
  const found = findChannel(world, channelId);
  return found ? botPermissionsIn(found.guild, found.channel, world.bot.id) : 0n;
}

function createMessage(world: RestWorld, channelId: string, body: any, token?: string, channelPost = false): StoredMessage {
  const found = findChannel(world, channelId);
  const senderPerms = senderPermissions(world, channelId);
  const embedsAllowed = !channelPost || Boolean(senderPerms & P.EmbedLinks);
  const msg: StoredMessage = {
    id: messageSnowflake(),
    channelId,
    guildId: found?.guild.id,
    content: String(body.content ?? ''),
    // Discord drops embeds silently when the sender lacks Embed Links.
    embeds: embedsAllowed ? (body.embeds ?? []) : [],
    components: body.components ?? [],
    flags: Number(body.flags ?? 0),
    allowedMentions: body.allowed_mentions,
    pings: computePings(String(body.content ?? ''), body.allowed_mentions, senderPerms, found?.guild.roles ?? []),
    nonce: body.nonce !== undefined ? String(body.nonce) : undefined,
    interactionToken: token,
    history: [body],
    createdAt: Date.now(),
    deleted: false,
  };
  world.messages.set(msg.id, msg);
  return msg;
}

function editMessage(world: RestWorld, msg: StoredMessage, body: any): void {
  const found = findChannel(world, msg.channelId);
  const senderPerms = senderPermissions(world, msg.channelId);
  if (body.content !== undefined) msg.content = String(body.content ?? '');
  if (body.embeds !== undefined) msg.embeds = body.embeds ?? [];
  if (body.components !== undefined) msg.components = body.components ?? [];
  if (body.allowed_mentions !== undefined) msg.allowedMentions = body.allowed_mentions;
  if (body.flags !== undefined) msg.flags = (msg.flags & 64) | Number(body.flags);
  msg.pings = computePings(msg.content, msg.allowedMentions, senderPerms, found?.guild.roles ?? []);
  msg.history.push(body);
}
