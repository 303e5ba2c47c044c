import { createHash } from 'node:crypto';
import {
  DiscordAPIError, HTTPError, PermissionFlagsBits, RateLimitError, RESTEvents, Routes,
  type Guild, type GuildBasedChannel, type REST,
} from 'discord.js';
import { formatMessageRef, parseChannelRef, parseMessageRef, type ChannelRef, type MessageRef } from '../../domain/channel.js';
import { Permanent, RetryLater, type ChannelCheck, type ChannelNeeds, type OutboundPort, type PostedHint, type PostOptions, type PublishLedger, type PublishReport } from '../../outbound/port.js';
import { MemoryPublishLedger } from '../../outbound/publish-ledger.js';
import type { BucketReport } from '../../outbound/rate-limits.js';
import type { Reply } from '../../core/reply.js';
import { cut, safeUrl } from './markdown.js';
import { bucketReport } from './rate-headers.js';
import { DISCORD_PUBLISH_LIMIT, DISCORD_RATE_RULES } from './rate-rules.js';
import { renderReply } from './render.js';

/**
 * Discord's outbound port for the alerts pipeline. Its REST client rejects on rate limits instead of waiting
 * (retries on the alert path belong to the alerts dispatcher), and every failure becomes RetryLater or Permanent.
 */
const PERMANENT_CODES: Record<number, string> = {
  10003: 'Unknown Channel',
  10008: 'Unknown Message',
  50001: 'Missing Access',
  50013: 'Missing Permissions',
  50083: 'Thread is archived',
  160005: 'Thread is locked',
};
/** Refusals of one message, not of the channel: invalid form body (content), unknown message (edits). */
const MESSAGE_CODES = new Set([50035, 10008]);
const SERVER_ERROR_DELAY_MS = 5_000;
const THREAD_ALREADY_EXISTS = 160004;
const THREAD_ARCHIVED = 50083;
/** Discord JSON error codes: the message, or its whole channel, no longer exists (a delete is then done). */
const UNKNOWN_MESSAGE = 10008;
const UNKNOWN_CHANNEL = 10003;
/** A message sent to a channel that holds no messages of its own: a forum, whose posts are threads. */
const NON_TEXT_CHANNEL = 50008;
const MISSING_PERMISSIONS = 50013;
/** Cannot execute action on this channel type: e.g. starting a thread from a message that is in a thread. */
const NOT_THIS_CHANNEL_TYPE = 50024;
/** Forum and media channels: each post is a thread started with its first message. */
const FORUM_TYPES = new Set([15, 16]);
/** Discord: a post's title is 1-100 characters; at most 5 tags on one post. */
const POST_TITLE_MAX = 100;
const POST_TAGS_MAX = 5;
/** A forum's tags are read again after this long (an admin may add a section's tag). */
const FORUM_TAGS_TTL_MS = 5 * 60_000;
const RETRACTED_TAG = 'retracted';
/** This message has already been crossposted: publishing it again is done. */
const ALREADY_CROSSPOSTED = 40033;
const ANNOUNCEMENT_TYPE = 5;

interface ForumInfo {
  tags: Array<{ id: string; name: string }>;
  /** The port's clock when read (the application's Clock, as for publishes). */
  readAt: number;
}

/** A thread as Discord lists them (List Active Guild Threads, List Public Archived Threads). */
interface ListedThread {
  id: string;
  parent_id?: string | null;
  owner_id?: string;
  name: string;
}

/** Forum posts whose first message is read to recognise an in-doubt post by its link, at most (newest first). */
const STARTERS_READ_MAX = 5;
/** Discord snowflakes carry their creation time: (ms since 2015-01-01) << 22. */
const DISCORD_EPOCH_MS = 1_420_070_400_000n;
const snowflakeMs = (id: string): number => Number((BigInt(id) >> 22n) + DISCORD_EPOCH_MS);

/**
 * What looking for an in-doubt post cannot read (a message since deleted, no Read Message History) is no answer about
 * the post, not a refusal of the channel: the look goes on without it.
 */
const unreadable = <T>(instead: T) => (err: unknown): T => {
  if (err instanceof DiscordAPIError && [UNKNOWN_MESSAGE, 50001, MISSING_PERMISSIONS].includes(Number(err.code))) return instead;
  throw err;
};

/** A forum post's title: the headline on one line, 1-100 characters. */
function postTitle(text: string): string {
  return cut(text.replace(/\s+/g, ' ').trim(), POST_TITLE_MAX) || 'News';
}

/** Discord nonces are at most 25 characters; the same delivery always gets the same nonce. */
export function deliveryNonce(deliveryId: string): string {
  return createHash('sha256').update(deliveryId).digest('base64url').slice(0, 25);
}

export function toDeliveryError(err: unknown): Error {
  if (err instanceof Permanent || err instanceof RetryLater) return err;
  if (err instanceof RateLimitError) {
    const rateLimit = err.global ? 'global' : err.scope === 'shared' ? 'shared' : 'bucket';
    return new RetryLater(Math.max(err.retryAfter, 1), `rate limited on ${err.route}${err.global ? ' (global)' : ''}`, { rateLimit });
  }
  if (err instanceof DiscordAPIError) {
    if (err.status === 429) return new RetryLater(SERVER_ERROR_DELAY_MS, 'rate limited', { rateLimit: 'bucket' });
    // A 5xx may come after the message was written: in doubt (the re-post carries the same enforced nonce).
    if (err.status >= 500) return new RetryLater(SERVER_ERROR_DELAY_MS, `Discord ${err.status}`, { inDoubt: true });
    if (err.status === 401) return new Permanent('401', 'the bot token was refused (revoked or wrong)', 'bot');
    const code = typeof err.code === 'number' ? err.code : Number(err.code);
    return new Permanent(String(code || err.status), PERMANENT_CODES[code] ?? err.message, MESSAGE_CODES.has(code) ? 'message' : 'channel');
  }
  if (err instanceof HTTPError) {
    return err.status >= 500 || err.status === 408
      ? new RetryLater(SERVER_ERROR_DELAY_MS, `Discord ${err.status}`, { inDoubt: true })
      : new Permanent(String(err.status), err.message);
  }
  const name = (err as Error)?.name ?? '';
  const message = (err as Error)?.message ?? String(err);
  // Timeouts and network failures may pass; the request may have been handled before the connection broke.
  return new RetryLater(SERVER_ERROR_DELAY_MS, `${name || 'network error'}: ${message}`.slice(0, 200), { inDoubt: true });
}

/** Where the port reads a guild's channels and the bot's roles: a running shard's cache, else REST. */
export interface GuildLookup {
  findGuild(id: string): Promise<Guild | null>;
  ownUserId(): Promise<string>;
}

export class DiscordPort implements OutboundPort {
  readonly platform = 'discord' as const;
  readonly rateRules = DISCORD_RATE_RULES;

  /** Forum channels met so far, with their tags (derived, disposable: read again after FORUM_TAGS_TTL_MS). */
  private readonly forums = new Map<string, ForumInfo>();

  /** Channels read and found to be no forum, and when (findPosted asks once per FORUM_TAGS_TTL_MS, not per row). */
  private readonly notForums = new Map<string, number>();

  /**
   * `now`: the application clock in epoch ms (src/domain/clock.ts), the one the alerts pacer reads too. `publishes`:
   * where publishes from announcement channels are counted (Newsdesk's own bucket per channel, DISCORD_PUBLISH_LIMIT):
   * the store's publish log, shared by every instance and kept across restarts; in memory when none is given.
   */
  constructor(
    private readonly rest: REST,
    private readonly guilds: GuildLookup,
    private readonly now: () => number,
    private readonly publishes: PublishLedger = new MemoryPublishLedger(),
  ) {}

  /**
   * Publishes a posted alert to the servers following the announcement channel, within the hour's publishes. The
   * alert is out either way: a publish that cannot happen now (the hour's publishes used, a 429, a refusal) is
   * counted as held and said in /alerts list, never retried as a new post. 40033 (already crossposted) is done.
   * The hour is counted in the publish ledger before the request leaves, so two instances (one sending after the
   * other took over) never publish more than the limit between them.
   */
  private async publish(channel: ChannelRef, channelId: string, messageId: string): Promise<void> {
    const full = `Discord allows ${DISCORD_PUBLISH_LIMIT.limit} publishes an hour per channel`;
    const taken = await this.publishes.take(channel, this.now(), DISCORD_PUBLISH_LIMIT.limit, DISCORD_PUBLISH_LIMIT.windowMs, full);
    if (taken === null) return;
    try {
      await this.rest.post(Routes.channelMessageCrosspost(channelId, messageId));
    } catch (err) {
      if (err instanceof DiscordAPIError && err.code === ALREADY_CROSSPOSTED) return;
      const e = toDeliveryError(err);
      await this.publishes.refused(taken, e instanceof RetryLater ? `Discord asked to wait (${e.reason})` : e instanceof Permanent ? e.reason : String(e));
    }
  }

  async publishReport(channel: ChannelRef): Promise<PublishReport | null> {
    if (parseChannelRef(channel).platform !== 'discord') return null;
    const hour = await this.publishes.window(channel, this.now() - DISCORD_PUBLISH_LIMIT.windowMs);
    if (hour.published + hour.held === 0) return null;
    return { ...hour, left: Math.max(0, DISCORD_PUBLISH_LIMIT.limit - hour.published) };
  }

  /** The forum's tags when `channelId` is a forum (read over REST, kept a few minutes), else null. */
  private async forum(channelId: string, known = false): Promise<ForumInfo | null> {
    const cached = this.forums.get(channelId);
    if (cached && this.now() - cached.readAt < FORUM_TAGS_TTL_MS) return cached;
    if (!cached && !known) return null;
    const channel = (await this.rest.get(Routes.channel(channelId))) as { type: number; available_tags?: Array<{ id: string; name: string }> };
    if (!FORUM_TYPES.has(channel.type)) {
      this.forums.delete(channelId);
      this.notForums.set(channelId, this.now());
      return null;
    }
    const info = { tags: (channel.available_tags ?? []).map((t) => ({ id: t.id, name: t.name })), readAt: this.now() };
    this.forums.set(channelId, info);
    return info;
  }

  /**
   * A forum post: a thread named after the headline whose first message is the alert, tagged with the forum's tags
   * named like the reply's labels (the story's section), case-insensitively. Discord gives the starter message the
   * thread's id: the post's reference is `discord:<guild>/<thread>#<thread>`, so edits, thread replies and deletes
   * find it like any message. (Forum posts take no nonce: Discord offers none on this route.)
   */
  private async postInForum(channel: ChannelRef, forumId: string, forum: ForumInfo, reply: Reply): Promise<MessageRef> {
    const { workspace } = parseChannelRef(channel);
    const title = postTitle(reply.topic?.title ?? reply.cards[0]?.title ?? reply.text ?? '');
    const wanted = (reply.topic?.labels ?? []).map((l) => l.toLowerCase());
    const applied = forum.tags.filter((t) => wanted.includes(t.name.toLowerCase())).map((t) => t.id).slice(0, POST_TAGS_MAX);
    try {
      const thread = (await this.rest.post(Routes.threads(forumId), {
        body: { name: title, message: renderReply(reply), ...(applied.length ? { applied_tags: applied } : {}) },
      })) as { id: string };
      return formatMessageRef(`discord:${workspace}/${thread.id}`, thread.id);
    } catch (err) {
      throw toDeliveryError(err);
    }
  }

  /** A retracted forum post also carries the forum's RETRACTED tag, when it has one (at most 5 tags: the oldest makes room). */
  private async tagRetracted(threadId: string): Promise<void> {
    const thread = (await this.rest.get(Routes.channel(threadId))) as { parent_id?: string | null; applied_tags?: string[] };
    if (!thread.parent_id) return;
    const forum = await this.forum(thread.parent_id, true);
    const tag = forum?.tags.find((t) => t.name.toLowerCase() === RETRACTED_TAG);
    const current = thread.applied_tags ?? [];
    if (!tag || current.includes(tag.id)) return;
    await this.rest.patch(Routes.channel(threadId), { body: { applied_tags: [...current, tag.id].slice(-POST_TAGS_MAX) } });
  }

  /**
   * After a crash, did this forum post go out? Discord offers no nonce for creating a thread, so a post whose answer
   * was lost (the process died between "thread created" and "reference recorded") is looked for before any re-post:
   * among the forum's active threads (List Active Guild Threads), then its most recently archived public ones (List
   * Public Archived Threads, one page), a thread the bot created in this forum since `sinceMs` with the post's title;
   * failing that, one whose first message links the story (the headline may have changed since). Found: its reference.
   * Text and announcement channels answer null: their posts carry an enforced nonce, which Discord dedupes.
   */
  async findPosted(channel: ChannelRef, _deliveryId: string, sinceMs: number, hint?: PostedHint): Promise<MessageRef | null> {
    const { workspace, channel: channelId } = parseChannelRef(channel);
    const readAt = this.notForums.get(channelId);
    if (!hint || (readAt !== undefined && this.now() - readAt < FORUM_TAGS_TTL_MS)) return null;
    try {
      const forum = await this.forum(channelId, true);
      if (!forum) return null;
      const me = await this.guilds.ownUserId();
      const mine = (threads: ListedThread[]) => threads
        .filter((t) => t.parent_id === channelId && t.owner_id === me && snowflakeMs(t.id) >= sinceMs)
        .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      const active = (await this.rest.get(Routes.guildActiveThreads(workspace))) as { threads: ListedThread[] };
      let found = await this.recognise(mine(active.threads), hint);
      if (!found) {
        // Listing archived posts needs Read Message History: without it, only the active ones can be looked at.
        const archived = (await this.rest.get(Routes.channelThreads(channelId, 'public'), {
          query: new URLSearchParams({ limit: '50' }),
        }).catch(unreadable({ threads: [] }))) as { threads: ListedThread[] };
        found = await this.recognise(mine(archived.threads), hint);
      }
      return found ? formatMessageRef(`discord:${workspace}/${found}`, found) : null;
    } catch (err) {
      throw toDeliveryError(err);
    }
  }

  /** The oldest of the bot's posts titled like the hint; else the newest few whose first message links the hint's url. */
  private async recognise(threads: ListedThread[], hint: PostedHint): Promise<string | null> {
    const title = postTitle(hint.title);
    const named = threads.find((t) => t.name === title);
    if (named) return named.id;
    const url = safeUrl(hint.url);
    if (!url) return null;
    for (const t of threads.slice(-STARTERS_READ_MAX).reverse()) {
      const starter = (await this.rest.get(Routes.channelMessage(t.id, t.id)).catch(unreadable(null))) as { embeds?: Array<{ url?: string }> } | null;
      if (starter?.embeds?.some((e) => e.url === url)) return t.id;
    }
    return null;
  }

  /** Every answer's X-RateLimit-* headers for the routes alerts use (the REST client emits each response). */
  onBucketReport(listener: (report: BucketReport) => void): () => void {
    const onResponse = (request: { method: string; path: string }, response: { headers: Headers }) => {
      const report = bucketReport(request.method, request.path, response.headers);
      if (report) listener(report);
    };
    this.rest.on(RESTEvents.Response, onResponse);
    return () => void this.rest.off(RESTEvents.Response, onResponse);
  }

  private channelId(ref: ChannelRef): string {
    const parsed = parseChannelRef(ref);
    if (parsed.platform !== 'discord') throw new Permanent('wrong_platform', `${ref} is not a Discord channel`);
    return parsed.channel;
  }

  private async send(channelId: string, reply: Reply, options?: PostOptions): Promise<string> {
    const body: Record<string, unknown> = { ...renderReply(reply) };
    if (options?.deliveryId) {
      body.nonce = deliveryNonce(options.deliveryId);
      body.enforce_nonce = true;
    }
    try {
      const message = (await this.rest.post(Routes.channelMessages(channelId), { body })) as { id: string };
      return message.id;
    } catch (err) {
      throw toDeliveryError(err);
    }
  }

  /**
   * A message in a text or announcement channel; in a forum, a post (postInForum). A channel is known to be a forum
   * once Discord refused a message there (50008) and the channel reads as a forum.
   */
  async post(channel: ChannelRef, reply: Reply, options?: PostOptions): Promise<MessageRef> {
    const channelId = this.channelId(channel);
    const forum = await this.forum(channelId).catch((err: unknown) => { throw toDeliveryError(err); });
    if (forum) return this.postInForum(channel, channelId, forum, reply);
    try {
      const id = await this.send(channelId, reply, options);
      if (reply.publish) await this.publish(channel, channelId, id);
      return formatMessageRef(channel, id);
    } catch (err) {
      if (!(err instanceof Permanent && err.code === String(NON_TEXT_CHANNEL))) throw err;
      const found = await this.forum(channelId, true).catch((e: unknown) => { throw toDeliveryError(e); });
      if (!found) throw err;
      return this.postInForum(channel, channelId, found, reply);
    }
  }

  /**
   * Edits the message; one in an archived thread (a forum post, or a thread subscribed to) is edited after unarchiving
   * it, as Discord's own client does. A retraction tags a forum post RETRACTED when the forum has that tag.
   */
  async edit(message: MessageRef, reply: Reply): Promise<void> {
    const { channel, messageId, platform } = parseMessageRef(message);
    if (platform !== 'discord') throw new Permanent('wrong_platform', `${message} is not a Discord message`);
    const forumPost = channel === messageId;
    try {
      try {
        await this.rest.patch(Routes.channelMessage(channel, messageId), { body: renderReply(reply) });
      } catch (err) {
        if (!(err instanceof DiscordAPIError && err.code === THREAD_ARCHIVED)) throw err;
        await this.rest.patch(Routes.channel(channel), { body: { archived: false } });
        await this.rest.patch(Routes.channelMessage(channel, messageId), { body: renderReply(reply) });
      }
      if (forumPost && reply.cards.some((c) => c.struck)) await this.tagRetracted(channel);
    } catch (err) {
      throw toDeliveryError(err);
    }
  }

  /**
   * A recall: DELETE the message. 10008 Unknown Message is "already gone" (done); a refusal fails this message only.
   * A thread reply's thread is archived a day after its last message, and an archived thread refuses deletes (50083):
   * it is unarchived first, as Discord's own client does, then the reply deleted.
   */
  async delete(message: MessageRef): Promise<void> {
    const { channel, messageId, platform } = parseMessageRef(message);
    if (platform !== 'discord') throw new Permanent('wrong_platform', `${message} is not a Discord message`, 'message');
    const gone = (err: unknown) => err instanceof DiscordAPIError && (err.code === UNKNOWN_MESSAGE || err.code === UNKNOWN_CHANNEL);
    try {
      // A forum post goes whole (its title names the story), with Manage Threads; without it, its first message.
      if (channel === messageId) {
        try {
          await this.rest.delete(Routes.channel(channel));
          return;
        } catch (err) {
          if (!(err instanceof DiscordAPIError && err.code === MISSING_PERMISSIONS)) throw err;
        }
      }
      try {
        await this.rest.delete(Routes.channelMessage(channel, messageId));
      } catch (err) {
        if (!(err instanceof DiscordAPIError && err.code === THREAD_ARCHIVED)) throw err;
        await this.rest.patch(Routes.channel(channel), { body: { archived: false } });
        await this.rest.delete(Routes.channelMessage(channel, messageId));
      }
    } catch (err) {
      if (gone(err)) return;
      const e = toDeliveryError(err);
      throw e instanceof Permanent ? new Permanent(e.code, e.reason, 'message') : e;
    }
  }

  /** Starts a thread on the message (Discord gives it the message's id), or posts into the existing one. */
  async replyInThread(message: MessageRef, reply: Reply, options?: PostOptions): Promise<MessageRef> {
    const { channel, messageId, workspace, platform } = parseMessageRef(message);
    if (platform !== 'discord') throw new Permanent('wrong_platform', `${message} is not a Discord message`);
    const name = cut(reply.cards[0]?.title ?? reply.text ?? 'Updates', 100) || 'Updates';
    let threadId = messageId;
    // A forum post is its own thread: replies go straight into it.
    if (channel !== messageId) {
      try {
        const thread = (await this.rest.post(Routes.threads(channel, messageId), {
          body: { name, auto_archive_duration: 1440 },
        })) as { id: string };
        threadId = thread.id;
      } catch (err) {
        // An alert posted in a thread (a thread subscribed to) cannot start one: its updates go into that thread.
        if (err instanceof DiscordAPIError && err.code === NOT_THIS_CHANNEL_TYPE) threadId = channel;
        else if (!(err instanceof DiscordAPIError && err.code === THREAD_ALREADY_EXISTS)) throw toDeliveryError(err);
      }
    }
    const id = await this.send(threadId, reply, options);
    return formatMessageRef(`discord:${workspace}/${threadId}`, id);
  }

  /**
   * View Channel, Send Messages and Embed Links, computed from the overwrites discord.js has cached; a forum also
   * needs Send Messages in Threads (story updates go into the post); threads:yes in a text or announcement channel
   * needs Create Public Threads and Send Messages in Threads (updates go into a thread started on the alert).
   */
  async checkChannel(ref: ChannelRef, needs: ChannelNeeds = {}): Promise<ChannelCheck> {
    const { workspace, channel: channelId, platform } = parseChannelRef(ref);
    if (platform !== 'discord') return { ok: false, missing: ['a Discord channel'] };
    const guild = await this.guilds.findGuild(workspace);
    if (!guild) {
      return { ok: false, missing: [], problem: 'Newsdesk is not in this server; invite the bot (npm run discord:invite gives the link)' };
    }
    const channel: GuildBasedChannel | null =
      guild.channels.cache.get(channelId) ?? (await guild.channels.fetch(channelId).catch(() => null));
    if (!channel) return { ok: false, missing: ['View Channel (the channel is unknown or hidden from Newsdesk)'] };
    // A Client that never logged in (an instance running no shard) has no user: `members.me` would throw.
    const cachedMe = guild.client.user ? guild.members.me : null;
    const me = cachedMe ?? (await this.guilds.ownUserId().then((id) => guild.members.fetch(id)).catch(() => null));
    const perms = me ? channel.permissionsFor(me) : null;
    const needed: Array<[string, bigint]> = [
      ['View Channel', PermissionFlagsBits.ViewChannel],
      channel.isThread()
        ? ['Send Messages in Threads', PermissionFlagsBits.SendMessagesInThreads]
        : ['Send Messages', PermissionFlagsBits.SendMessages],
      ...(FORUM_TYPES.has(channel.type) ? [['Send Messages in Threads', PermissionFlagsBits.SendMessagesInThreads] as [string, bigint]] : []),
      ['Embed Links', PermissionFlagsBits.EmbedLinks],
    ];
    if (needs.threads && !channel.isThread() && !FORUM_TYPES.has(channel.type)) {
      needed.push(['Create Public Threads (threads:yes)', PermissionFlagsBits.CreatePublicThreads], ['Send Messages in Threads (threads:yes)', PermissionFlagsBits.SendMessagesInThreads]);
    }
    // A locked thread takes messages only from members with Manage Threads; an archived one is unarchived by posting.
    if (channel.isThread() && channel.locked) needed.push(['Manage Threads (the thread is locked)', PermissionFlagsBits.ManageThreads]);
    const missing = needed.filter(([, bit]) => !perms?.has(bit)).map(([label]) => label);
    const kind = channel.isThread() ? 'thread' : FORUM_TYPES.has(channel.type) ? 'forum' : channel.type === ANNOUNCEMENT_TYPE ? 'announcement' : 'text';
    return { ok: missing.length === 0, missing, name: channel.name, kind };
  }
}
