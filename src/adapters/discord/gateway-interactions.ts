import {
  ApplicationCommandOptionType, MessageFlags, type AutocompleteInteraction, type ButtonInteraction,
  type ChatInputCommandInteraction, type CommandInteractionOption, type Interaction,
} from 'discord.js';
import type { DiscordMessage } from './render.js';
import type { CommandFacts, InteractionFacts, InteractionHandler, Responder } from './interactions.js';

/** discord.js interactions (gateway) → the shared interaction flow. */
export function onGatewayInteraction(handler: InteractionHandler, interaction: Interaction): Promise<void> | undefined {
  if (interaction.isChatInputCommand()) return handler.command(commandFacts(interaction), responderFor(interaction));
  if (interaction.isAutocomplete()) {
    const focused = interaction.options.getFocused(true);
    return handler.autocomplete(commandFacts(interaction), focused.name, String(focused.value), autocompleteResponder(interaction));
  }
  if (interaction.isButton()) return handler.button(baseFacts(interaction), interaction.customId, responderFor(interaction));
  return undefined;
}

function baseFacts(i: ChatInputCommandInteraction | AutocompleteInteraction | ButtonInteraction): InteractionFacts {
  const roles = i.member && 'roles' in i.member
    ? Array.isArray(i.member.roles) ? i.member.roles : [...i.member.roles.cache.keys()]
    : [];
  return {
    guildId: i.guildId,
    channelId: i.channelId ?? '',
    channelName: i.channel && 'name' in i.channel && i.channel.name ? i.channel.name : undefined,
    userId: i.user.id,
    userName: i.user.globalName ?? i.user.username,
    memberPermissions: i.guildId && i.memberPermissions ? i.memberPermissions.bitfield : null,
    memberRoles: roles,
  };
}

/** Typed option values: channels become channel references, roles their ids. */
export function optionValues(list: readonly CommandInteractionOption[], guildId: string | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of list) {
    if (o.type === ApplicationCommandOptionType.Channel) out[o.name] = `discord:${guildId ?? 'dm'}/${String(o.value)}`;
    else out[o.name] = o.value;
  }
  return out;
}

function commandFacts(i: ChatInputCommandInteraction | AutocompleteInteraction): CommandFacts {
  const top = i.options.data;
  const sub = top.find((o) => o.type === ApplicationCommandOptionType.Subcommand);
  return {
    ...baseFacts(i),
    command: i.commandName,
    subcommand: sub?.name,
    options: optionValues(sub ? (sub.options ?? []) : top, i.guildId),
  };
}

const ephemeralFlag = (ephemeral: boolean) => (ephemeral ? { flags: MessageFlags.Ephemeral as const } : {});

/** discord.js reads `allowedMentions` (camelCase) and would silently drop `allowed_mentions`. */
function options({ allowed_mentions, ...rest }: DiscordMessage) {
  return { ...rest, allowedMentions: allowed_mentions };
}

function responderFor(i: ChatInputCommandInteraction | ButtonInteraction): Responder {
  return {
    reply: async (m, ephemeral) => void (await i.reply({ ...options(m), ...ephemeralFlag(ephemeral) })),
    defer: async (ephemeral) => void (await i.deferReply(ephemeralFlag(ephemeral))),
    editOriginal: async (m) => void (await i.editReply(options(m))),
    deleteOriginal: async () => void (await i.deleteReply()),
    followUp: async (m, ephemeral) => void (await i.followUp({ ...options(m), ...ephemeralFlag(ephemeral) })),
    update: async (m) => {
      if (!i.isButton()) throw new Error('update is only for button clicks');
      await i.update(options(m));
    },
    deferUpdate: async () => {
      if (!i.isButton()) throw new Error('deferUpdate is only for button clicks');
      await i.deferUpdate();
    },
    choices: async () => {
      throw new Error('choices are only for autocomplete');
    },
  };
}

function autocompleteResponder(i: AutocompleteInteraction): Responder {
  const wrong = async () => {
    throw new Error('autocomplete interactions only answer with choices');
  };
  return {
    reply: wrong, defer: wrong, editOriginal: wrong, deleteOriginal: wrong, followUp: wrong, update: wrong, deferUpdate: wrong,
    choices: async (choices) => void (await i.respond(choices)),
  };
}
