import { randomBytes } from 'node:crypto';
import { P, channelPermissions, type Overwrite, type Pings, type RoleLike } from './permissions.js';

/** The stand-in's world: guilds, channels, roles, members and messages, as plain data plus Discord-shaped views. */
let lastId = 1_300_000_000_000_000_000n;
export function snowflake(): string {
  lastId += 1n + BigInt(Math.floor(Math.random() * 16));
  return lastId.toString();
}

/**
 * Message ids carry their creation time, as Discord's do ((ms since 2015-01-01) << 22): discord.js reads it, and
 * puts the DELETE of a message older than 14 days on another route ("Delete Old Message"). Increasing and unique.
 */
const DISCORD_EPOCH_MS = 1_420_070_400_000n;
let lastMessageId = 0n;
export function messageSnowflake(now = Date.now()): string {
  const fromClock = (BigInt(now) - DISCORD_EPOCH_MS) << 22n;
  lastMessageId = fromClock > lastMessageId ? fromClock : lastMessageId + 1n;
  return lastMessageId.toString();
}

export const DEFAULT_EVERYONE = P.ViewChannel | P.SendMessages | P.ReadMessageHistory | P.EmbedLinks;
export const BOT_ROLE_PERMISSIONS =
  P.ViewChannel | P.SendMessages | P.EmbedLinks | P.ReadMessageHistory | P.CreatePublicThreads | P.SendMessagesInThreads;

export interface ChannelSpec {
  id?: string;
  name?: string;
  /** 0 text (default), 5 announcement, 11 public thread, 15 forum */
  type?: number;
  /** Forums: the tags posts may carry (names; the stand-in gives them ids). */
  tags?: string[];
  /** Threads (type 11): the name of the channel they belong to, and their state. */
  parent?: string;
  archived?: boolean;
  locked?: boolean;
  /** Permissions the bot's role is denied here (an overwrite on the bot role). */
  denyBot?: bigint;
  overwrites?: Overwrite[];
}

export interface GuildSpec {
  id?: string;
  name?: string;
  /** A number makes that many text channels named news-1, news-2…; default: general, breaking, locked, hidden. */
  channels?: number | ChannelSpec[];
  /** Permissions of the bot's role (default: what the invite link asks for). */
  botPermissions?: bigint;
}

export interface StandInChannel {
  id: string;
  guildId: string;
  name: string;
  type: number;
  parentId?: string;
  overwrites: Overwrite[];
  /**
   * Threads only: archived (Discord archives a thread after its auto_archive_duration without activity; tests set it).
   * An archived thread refuses edits and deletes of its messages (400, 50083) until unarchived; a new message in it
   * unarchives it.
   */
  archived?: boolean;
  /** Threads: when it was last archived (Date.now()); its thread_metadata.archive_timestamp. */
  archivedAt?: number;
  /**
   * Threads only: locked (by a moderator). Only members with Manage Threads may send, edit, unarchive or delete there;
   * anyone else is refused with 400, code 160005 "Thread is locked".
   */
  locked?: boolean;
  /** Forums (type 15): the tags a post may carry (Discord: at most 20 per forum). */
  availableTags?: Array<{ id: string; name: string }>;
  /** Forum posts (threads of a forum): the ids of the forum's tags applied (Discord: at most 5). */
  appliedTags?: string[];
  /** Threads: who created it (the bot for posts made through REST). */
  ownerId?: string;
}

export interface StandInRole extends RoleLike {
  name: string;
  position: number;
}

export interface StandInGuild {
  id: string;
  name: string;
  roles: StandInRole[];
  channels: StandInChannel[];
  /** Role ids handy for tests: holders of `adminRoleId` have Manage Server; `editorRoleId` has no permission. */
  adminRoleId: string;
  editorRoleId: string;
  botRoleId: string;
  /** Channel ids by name, e.g. `channel('general')`. */
  channel(name: string): StandInChannel;
}

export interface StoredMessage {
  id: string;
  channelId: string;
  guildId?: string;
  content: string;
  embeds: Array<Record<string, any>>;
  components: Array<Record<string, any>>;
  flags: number;
  allowedMentions?: { parse?: string[]; roles?: string[]; users?: string[] };
  /** Who this message actually notified. */
  pings: Pings;
  nonce?: string;
  /** Set for interaction responses and follow-ups. */
  interactionToken?: string;
  /** Bodies of every create/edit, in order. */
  history: Array<Record<string, any>>;
  createdAt: number;
  deleted: boolean;
  threadId?: string;
  /** Published to the servers following its announcement channel (flag CROSSPOSTED, 1 << 0). */
  crossposted?: boolean;
  /** Who wrote it: absent for the bot's own messages (everything the REST routes create); a user id otherwise. */
  authorId?: string;
}

export function buildGuild(spec: GuildSpec, index: number): StandInGuild {
  const id = spec.id ?? snowflake();
  const adminRoleId = snowflake();
  const editorRoleId = snowflake();
  const botRoleId = snowflake();
  const roles: StandInRole[] = [
    { id, name: '@everyone', permissions: String(DEFAULT_EVERYONE), position: 0 },
    { id: editorRoleId, name: 'Editors', permissions: '0', position: 1, mentionable: false },
    { id: adminRoleId, name: 'Admins', permissions: String(P.ManageGuild | DEFAULT_EVERYONE), position: 2 },
    { id: botRoleId, name: 'Newsdesk', permissions: String(spec.botPermissions ?? BOT_ROLE_PERMISSIONS), position: 3 },
  ];
  const specs: ChannelSpec[] =
    typeof spec.channels === 'number'
      ? Array.from({ length: spec.channels }, (_, i) => ({ name: `news-${i + 1}` }))
      : (spec.channels ?? [
          { name: 'general' },
          { name: 'breaking' },
          { name: 'locked', denyBot: P.SendMessages | P.EmbedLinks },
          { name: 'hidden', denyBot: P.ViewChannel },
        ]);
  const channels = specs.map<StandInChannel>((c) => ({
    id: c.id ?? snowflake(),
    guildId: id,
    name: c.name ?? 'news',
    type: c.type ?? 0,
    ...(c.tags ? { availableTags: c.tags.map((name) => ({ id: snowflake(), name })) } : {}),
    ...(c.archived ? { archived: true } : {}),
    ...(c.locked ? { locked: true } : {}),
    overwrites: [
      ...(c.overwrites ?? []),
      ...(c.denyBot ? [{ id: botRoleId, type: 0 as const, allow: '0', deny: String(c.denyBot) }] : []),
    ],
  }));
  specs.forEach((c, i) => {
    if (c.parent) channels[i].parentId = channels.find((p) => p.name === c.parent)!.id;
  });
  return {
    id,
    name: spec.name ?? `Newsroom ${index + 1}`,
    roles,
    channels,
    adminRoleId,
    editorRoleId,
    botRoleId,
    channel(name) {
      const found = channels.find((c) => c.name === name);
      if (!found) throw new Error(`no channel named ${name} in guild ${id}`);
      return found;
    },
  };
}

export function botPermissionsIn(guild: StandInGuild, channel: StandInChannel, botUserId: string): bigint {
  const parent = channel.parentId ? guild.channels.find((c) => c.id === channel.parentId) : undefined;
  const overwrites = parent && channel.type === 11 ? parent.overwrites : channel.overwrites;
  return channelPermissions(guild.id, guild.roles, botUserId, [guild.botRoleId], overwrites);
}

export function userJson(id: string, name: string, bot = false) {
  return { id, username: name, discriminator: '0', global_name: name, avatar: null, bot, public_flags: 0 };
}

export function channelJson(c: StandInChannel) {
  return {
    id: c.id,
    guild_id: c.guildId,
    name: c.name,
    type: c.type,
    position: 0,
    parent_id: c.parentId ?? null,
    permission_overwrites: c.overwrites,
    nsfw: false,
    topic: null,
    last_message_id: null,
    rate_limit_per_user: 0,
    ...(c.type === 15
      ? {
          available_tags: (c.availableTags ?? []).map((t) => ({ id: t.id, name: t.name, moderated: false, emoji_id: null, emoji_name: null })),
          default_reaction_emoji: null, default_sort_order: null, default_forum_layout: 0, default_thread_rate_limit_per_user: 0, flags: 0,
        }
      : {}),
    ...(c.appliedTags ? { applied_tags: c.appliedTags } : {}),
    ...(c.type === 11
      ? { owner_id: c.ownerId ?? '0', thread_metadata: { archived: Boolean(c.archived), auto_archive_duration: 1440, locked: Boolean(c.locked), archive_timestamp: new Date(c.archivedAt ?? Date.now()).toISOString() }, message_count: 0, member_count: 1 }
      : {}),
  };
}

export function roleJson(r: StandInRole) {
  return {
    id: r.id, name: r.name, color: 0, colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false, icon: null, unicode_emoji: null, position: r.position, permissions: r.permissions,
    managed: false, mentionable: Boolean(r.mentionable), flags: 0,
  };
}

export function memberJson(user: ReturnType<typeof userJson>, roles: string[], permissions?: bigint) {
  return {
    user, nick: null, avatar: null, roles, joined_at: new Date(0).toISOString(), premium_since: null,
    deaf: false, mute: false, flags: 0, pending: false, communication_disabled_until: null,
    ...(permissions !== undefined ? { permissions: String(permissions) } : {}),
  };
}

export function guildJson(g: StandInGuild, bot: ReturnType<typeof userJson>) {
  return {
    id: g.id, name: g.name, icon: null, splash: null, discovery_splash: null, owner_id: '1', afk_channel_id: null,
    afk_timeout: 300, verification_level: 0, default_message_notifications: 0, explicit_content_filter: 0,
    roles: g.roles.map(roleJson), emojis: [], stickers: [], features: [], mfa_level: 0, application_id: null,
    system_channel_id: null, system_channel_flags: 0, rules_channel_id: null, vanity_url_code: null,
    description: null, banner: null, premium_tier: 0, preferred_locale: 'en-US', public_updates_channel_id: null,
    nsfw_level: 0, premium_progress_bar_enabled: false, joined_at: new Date(0).toISOString(), large: false,
    unavailable: false, member_count: 2, voice_states: [], presences: [], threads: [], stage_instances: [],
    guild_scheduled_events: [], soundboard_sounds: [],
    members: [memberJson(bot, [g.botRoleId])],
    channels: g.channels.filter((c) => c.type !== 11).map(channelJson),
  };
}

export function messageJson(m: StoredMessage, bot: ReturnType<typeof userJson>, appId: string) {
  return {
    id: m.id, channel_id: m.channelId, ...(m.guildId ? { guild_id: m.guildId } : {}),
    author: m.authorId && m.authorId !== bot.id ? userJson(m.authorId, `user-${m.authorId.slice(-4)}`) : bot,
    content: m.content, timestamp: new Date(m.createdAt).toISOString(),
    edited_timestamp: m.history.length > 1 ? new Date().toISOString() : null, tts: false,
    mention_everyone: m.pings.everyone, mentions: [], mention_roles: m.pings.roles, attachments: [],
    embeds: m.embeds, components: m.components, pinned: false, type: m.interactionToken ? 20 : 0, flags: m.flags,
    ...(m.nonce ? { nonce: m.nonce } : {}),
    ...(m.interactionToken ? { webhook_id: appId, application_id: appId } : {}),
  };
}

export function interactionToken(): string {
  return `aW50ZXJhY3Rpb24${randomBytes(48).toString('base64url')}`;
}
