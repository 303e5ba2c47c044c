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
  /** A channel option's words taken as they are, not as a channel name (`/alerts ops off` on a text line). */
  words?: readonly string[];
  /**
   * A channel option that also takes a message link (Slack: https://<ws>.slack.com/archives/C…/p…): that message's
   * thread, given to the command as a message reference (`slack:<team>/<channel>#<thread ts>`).
   */
  threadLinks?: boolean;
  minValue?: number;
  maxValue?: number;
  maxLength?: number;
}

export type OptionMap = Record<string, OptionMeta>;

/** A schema whose output is an options object (keys = option names). */
export type OptionsSchema = z.ZodType<Record<string, unknown>>;

export interface SubcommandDefinition<S extends OptionsSchema = OptionsSchema> {
  description: string;
  options: OptionMap;
  /** Validates the options of this subcommand (keys = option names). */
  schema: S;
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

/** Validated input as the dispatcher passes it around: the options object; subcommand commands also get `subcommand`. */
export type CommandInput = Record<string, unknown> & { subcommand?: string };

/** What every command declares besides its options and its run. */
interface CommandBasics {
  name: string;
  description: string;
  permission: Permission;
  /** The work may take longer than a platform's ack window: adapters defer first. */
  mayBeSlow?: boolean;
  /** Extra lines for `/help <name>`. */
  examples?: string[];
  /** Button clicks whose action id starts with `<name>:` come here. */
  onAction?(ctx: CommandContext, action: string): Promise<Reply>;
  /** What a user without the command's permission is told when pressing one of its buttons (else a generic refusal). */
  refuseAction?(action: string): string | undefined;
}

/** A command without subcommands: `run` gets what its schema outputs. */
export interface PlainCommandSpec<S extends OptionsSchema> extends CommandBasics {
  options: OptionMap;
  schema: S;
  run(ctx: CommandContext, input: z.output<S>): Promise<Reply>;
}

export type SubcommandMap = Record<string, SubcommandDefinition>;

/** One member per subcommand: `{ subcommand: 'add', ...what add's schema outputs }`. A switch on `subcommand` narrows it. */
export type SubcommandInput<M extends SubcommandMap> = {
  [K in keyof M & string]: z.output<M[K]['schema']> & { subcommand: K };
}[keyof M & string];

/** A command with subcommands (`/alerts subscribe …`): `run` gets the union of their inputs. */
export interface SubcommandCommandSpec<M extends SubcommandMap> extends CommandBasics {
  subcommands: M;
  run(ctx: CommandContext, input: SubcommandInput<M>): Promise<Reply>;
}

/** The outcome of validating raw options: the typed run bound to its input, or the schema's complaint. */
export type Validated =
  | { success: true; input: CommandInput; run(ctx: CommandContext): Promise<Reply> }
  | { success: false; error: z.ZodError };

/**
 * A command as the dispatcher, /help and the registrations see it, whatever its input type: a list of mixed
 * commands is a plain array. Its schema is reached only through `validate`, which binds the typed run.
 */
export interface CommandDefinition extends CommandBasics {
  /** Options of a plain command (empty when `subcommands` is set). */
  options: OptionMap;
  subcommands?: SubcommandMap;
  /** Validates `raw` with the command's (or the named subcommand's) zod schema. */
  validate(raw: Record<string, unknown>, subcommand?: string): Validated;
}

export function defineCommand<S extends OptionsSchema>(spec: PlainCommandSpec<S>): CommandDefinition;
export function defineCommand<M extends SubcommandMap>(spec: SubcommandCommandSpec<M>): CommandDefinition;
export function defineCommand<S extends OptionsSchema, M extends SubcommandMap>(
  spec: PlainCommandSpec<S> | SubcommandCommandSpec<M>,
): CommandDefinition {
  return 'subcommands' in spec ? withSubcommands(spec) : plainCommand(spec);
}

function basics(spec: CommandBasics): CommandBasics {
  const { name, description, permission, mayBeSlow, examples, onAction, refuseAction } = spec;
  return { name, description, permission, mayBeSlow, examples, onAction, refuseAction };
}

function plainCommand<S extends OptionsSchema>(spec: PlainCommandSpec<S>): CommandDefinition {
  return {
    ...basics(spec),
    options: spec.options,
    validate(raw) {
      const parsed = spec.schema.safeParse(raw);
      if (!parsed.success) return { success: false, error: parsed.error };
      const input = parsed.data;
      return { success: true, input, run: (ctx) => spec.run(ctx, input) };
    },
  };
}

function withSubcommands<M extends SubcommandMap>(spec: SubcommandCommandSpec<M>): CommandDefinition {
  function bind<K extends keyof M & string>(subcommand: K, raw: Record<string, unknown>): Validated {
    const parsed = spec.subcommands[subcommand].schema.safeParse(raw);
    if (!parsed.success) return { success: false, error: parsed.error };
    // The one cast of the command layer: the schema just produced this value, but TypeScript cannot follow a
    // generic key from M[K]['schema'] to its output type.
    const input: SubcommandInput<M> = { ...(parsed.data as z.output<M[K]['schema']>), subcommand };
    return { success: true, input, run: (ctx) => spec.run(ctx, input) };
  }
  return {
    ...basics(spec),
    options: {},
    subcommands: spec.subcommands,
    validate(raw, subcommand) {
      if (subcommand === undefined || !Object.hasOwn(spec.subcommands, subcommand)) {
        throw new Error(`/${spec.name} has no subcommand ${String(subcommand)}`);
      }
      return bind(subcommand, raw);
    },
  };
}

/** How the user types a core command on their platform: `/news`, or a workspace's rename. */
export function typedName(invocation: Pick<Invocation, 'commandNames'>, name: string): string {
  return invocation.commandNames?.[name] ?? `/${name}`;
}
