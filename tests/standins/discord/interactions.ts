import type { InteractionRecord, RestWorld } from './rest.js';
import { P, channelPermissions } from './permissions.js';
import { botPermissionsIn, channelJson, interactionToken, memberJson, messageJson, snowflake, userJson, type StandInGuild } from './world.js';

/** Builds INTERACTION_CREATE payloads the way Discord does, from the commands the bot registered. */
export interface MemberSpec {
  id?: string;
  name?: string;
  /** Holds the guild's Admins role (Manage Server). */
  admin?: boolean;
  /** Extra role ids (e.g. the guild's `editorRoleId`). */
  roles?: string[];
  /** Overrides the computed member permissions. */
  permissions?: bigint;
}

interface Where {
  guildId?: string;
  channelId?: string;
  /** A direct message with the bot instead of a guild channel. */
  dm?: boolean;
  user?: MemberSpec;
  /** false: only build the interaction (HTTP-mode tests sign and POST `payload` themselves). */
  deliver?: boolean;
}

export interface CommandSpec extends Where {
  name: string;
  subcommand?: string;
  options?: Record<string, string | number | boolean>;
}

export interface AutocompleteSpec extends CommandSpec {
  focused: string;
  value: string;
}

export interface ClickSpec extends Where {
  messageId: string;
  customId: string;
  /** Send even if no button on the message carries this custom_id (a forged or stale click). */
  unchecked?: boolean;
}

const DM_CHANNEL = '1000000000000000001';

export class InteractionFactory {
  constructor(private readonly world: RestWorld, private readonly dispatch: (t: string, d: { guild_id?: string; [key: string]: unknown }) => number) {}

  command(spec: CommandSpec): InteractionRecord {
    return this.emit(2, spec, this.commandData(spec));
  }

  autocomplete(spec: AutocompleteSpec): InteractionRecord {
    return this.emit(4, spec, this.commandData({ ...spec, options: { ...spec.options, [spec.focused]: spec.value } }, spec.focused));
  }

  click(spec: ClickSpec): InteractionRecord {
    const message = this.world.messages.get(spec.messageId);
    if (!message) throw new Error(`stand-in: no message ${spec.messageId}`);
    const ids = message.components.flatMap((r) => (r.components ?? []).map((c: Record<string, any>) => c.custom_id));
    if (!spec.unchecked && !ids.includes(spec.customId)) throw new Error(`stand-in: message has no button ${spec.customId}`);
    const where = { ...spec, channelId: message.channelId, guildId: message.guildId, dm: !message.guildId };
    return this.emit(3, where, { custom_id: spec.customId, component_type: 2 }, messageJson(message, this.world.bot, this.world.appId), spec.messageId);
  }

  private guild(spec: Where): StandInGuild {
    const guild = spec.guildId ? this.world.guilds.find((g) => g.id === spec.guildId) : this.world.guilds[0];
    if (!guild) throw new Error(`stand-in: no guild ${spec.guildId}`);
    return guild;
  }

  private commandData(spec: CommandSpec, focused?: string): Record<string, unknown> {
    const scope = spec.dm ? 'global' : this.guild(spec).id;
    const registered = [...(this.world.commands.get(scope) ?? []), ...(this.world.commands.get('global') ?? [])]
      .find((c) => c.name === spec.name);
    if (!registered) throw new Error(`stand-in: /${spec.name} is not registered`);
    let defs: Array<Record<string, any>> = registered.options ?? [];
    if (spec.subcommand) {
      const sub = defs.find((o) => o.type === 1 && o.name === spec.subcommand);
      if (!sub) throw new Error(`stand-in: /${spec.name} has no subcommand ${spec.subcommand}`);
      defs = sub.options ?? [];
    }
    const resolved: { channels?: Record<string, unknown>; roles?: Record<string, unknown> } = {};
    const options = Object.entries(spec.options ?? {}).map(([name, value]) => {
      const def = defs.find((o) => o.name === name);
      if (!def) throw new Error(`stand-in: /${spec.name} has no option ${name}`);
      if (def.type === 7) {
        const channel = this.world.guilds.flatMap((g) => g.channels).find((c) => c.id === String(value));
        if (channel) (resolved.channels ??= {})[channel.id] = { ...channelJson(channel), permissions: String(P.ViewChannel) };
      }
      if (def.type === 8) {
        const role = this.guild(spec).roles.find((r) => r.id === String(value));
        if (role) (resolved.roles ??= {})[role.id] = { id: role.id, name: role.name, permissions: role.permissions, position: role.position, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 };
      }
      const typed = def.type === 4 && name !== focused ? Number(value) : value;
      return { name, type: def.type, value: typed, ...(name === focused ? { focused: true } : {}) };
    });
    const wrapped = spec.subcommand ? [{ name: spec.subcommand, type: 1, options }] : options;
    return {
      id: registered.id, name: spec.name, type: 1, options: wrapped,
      ...(Object.keys(resolved).length ? { resolved } : {}),
      ...(registered.guild_id ? { guild_id: registered.guild_id } : {}),
    };
  }

  private emit(type: number, spec: Where, data: Record<string, unknown>, message?: unknown, sourceMessageId?: string): InteractionRecord {
    const token = interactionToken();
    const id = snowflake();
    const userId = spec.user?.id ?? '900000000000000001';
    const user = userJson(userId, spec.user?.name ?? 'reader');
    let placement: Record<string, unknown>;
    let guildId: string | undefined;
    let channelId: string;
    if (spec.dm) {
      channelId = spec.channelId ?? DM_CHANNEL;
      placement = { channel_id: channelId, channel: { id: channelId, type: 1, recipients: [user], last_message_id: null, flags: 0 }, user, context: 1, authorizing_integration_owners: { '1': userId } };
    } else {
      const guild = this.guild(spec);
      const channel = spec.channelId ? guild.channels.find((c) => c.id === spec.channelId) : guild.channels[0];
      if (!channel) throw new Error(`stand-in: no channel ${spec.channelId} in guild ${guild.id}`);
      guildId = guild.id;
      channelId = channel.id;
      const roles = [...(spec.user?.admin ? [guild.adminRoleId] : []), ...(spec.user?.roles ?? [])];
      const perms = spec.user?.permissions ?? channelPermissions(guild.id, guild.roles, userId, roles, channel.overwrites);
      placement = {
        guild_id: guild.id, channel_id: channel.id, channel: { ...channelJson(channel), permissions: String(perms) },
        member: memberJson(user, roles, perms), guild: { id: guild.id, locale: 'en-US', features: [] },
        guild_locale: 'en-US', context: 0, authorizing_integration_owners: { '0': guild.id },
        app_permissions: String(botPermissionsIn(guild, channel, this.world.bot.id)),
      };
    }
    const record: InteractionRecord = { id, token, type, guildId, channelId, createdAt: Date.now(), ephemeral: false, sourceMessageId };
    this.world.interactions.set(token, record);
    const payload = {
      id, application_id: this.world.appId, type, token, version: 1, data, locale: 'en-US',
      entitlements: [], attachment_size_limit: 10_485_760, ...placement, ...(message ? { message } : {}),
    };
    record.payload = payload;
    if (spec.deliver !== false && this.dispatch('INTERACTION_CREATE', payload) === 0) throw new Error(`stand-in: no client is connected${guildId ? ` for the shard of guild ${guildId}` : ''}`);
    return record;
  }
}
