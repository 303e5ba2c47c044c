import type { z } from 'zod';
import type { Reply } from './reply.js';
import type { ChannelRef, Platform } from '../domain/channel.js';
import type { Services } from './services.js';

/** Where an autocomplete answer comes from; the dispatcher resolves it against the store. */
export type AutocompleteSource = 'articles' | 'sections' | 'sources' | 'subscriptions';

export interface OptionChoice {
  name: string;
  value: string;
}

/** Per-option metadata: what Discord registers as a typed option, and what /help documents. */
export interface OptionMeta {
  kind: 'string' | 'integer' | 'boolean' | 'channel' | 'role';
  description: string;
  required?: boolean;
  choices?: readonly OptionChoice[];
  autocomplete?: AutocompleteSource;
  /** Words that are not `key:value` in a text line go to this option (one per command/subcommand). */
  rest?: boolean;
  /** Example value for /help. */
  example?: string;
  minValue?: number;
  maxValue?: number;
  maxLength?: number;
}

export type OptionMap = Record<string, OptionMeta>;

export interface SubcommandDefinition {
  description: string;
  options: OptionMap;
  /** Validates the options of this subcommand (keys = option names). */
  schema: z.ZodType;
}

export type Permission = 'everyone' | 'admin';

export interface User {
  id: string;
  name: string;
  /** As the platform reports it (Manage Server, workspace admin, `:as admin` in the terminal). */
  isAdmin: boolean;
}

/** What an adapter hands the dispatcher: who typed what, where. Adapters never call the store. */
export interface Invocation {
  platform: Platform;
  command: string;
  /** Raw text after the command (Slack, terminal). */
  text?: string;
  /** Typed options (Discord). For subcommand commands, `subcommand` names the one chosen. */
  options?: Record<string, unknown>;
  subcommand?: string;
  user: User;
  /** guild id, team id, or '' */
  workspace: string;
  channel: ChannelRef;
  channelName?: string;
  /** What users type for each core command where it differs from `/<name>` (Slack renames). */
  commandNames?: Record<string, string>;
}

export interface CommandContext {
  invocation: Invocation;
  services: Services;
  now(): Date;
  /** Every registered command (for /help). */
  commands: readonly CommandDefinition[];
}

/** Validated input: the options object; subcommand commands also get `subcommand`. */
export type CommandInput = Record<string, unknown> & { subcommand?: string };

export interface CommandDefinition {
  name: string;
  description: string;
  permission: Permission;
  /** Options of a plain command (ignored when `subcommands` is set). */
  options: OptionMap;
  schema: z.ZodType;
  subcommands?: Record<string, SubcommandDefinition>;
  /** The work may take longer than a platform's ack window: adapters defer first. */
  mayBeSlow?: boolean;
  /** Extra lines for `/help <name>`. */
  examples?: string[];
  run(ctx: CommandContext, input: CommandInput): Promise<Reply>;
  /** Button clicks whose action id starts with `<name>:` come here. */
  onAction?(ctx: CommandContext, action: string): Promise<Reply>;
}

export function defineCommand(def: CommandDefinition): CommandDefinition {
  return def;
}

/** How the user types a core command on their platform: `/news`, or a workspace's rename. */
export function typedName(invocation: Pick<Invocation, 'commandNames'>, name: string): string {
  return invocation.commandNames?.[name] ?? `/${name}`;
}
