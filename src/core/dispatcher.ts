import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { typedName, type CommandContext, type CommandDefinition, type CommandInput, type Invocation, type OptionChoice, type OptionMap } from './command.js';
import { closest } from './closest.js';
import { isUserError } from './errors.js';
import { errorReply, isReply, type Reply } from './reply.js';
import type { Services } from './services.js';
import { parseTextArgs, splitSubcommand } from './text-args.js';
import { normalizeChannelOption } from './channel-option.js';
import type { Logger } from '../log.js';
import type { Clock } from '../domain/clock.js';
import { storeUnavailableReason } from '../store/unavailable.js';

/** A validated invocation, ready to run. Adapters use `visibility` and `mayBeSlow` to defer correctly. */
export interface Prepared {
  command: CommandDefinition;
  input: CommandInput;
  /** The command's run, bound to the validated input. */
  run(ctx: CommandContext): Promise<Reply>;
  invocation: Invocation;
  visibility: 'ephemeral' | 'channel';
  mayBeSlow: boolean;
}

export interface Dispatcher {
  readonly commands: readonly CommandDefinition[];
  find(name: string): CommandDefinition | undefined;
  /** Validates (command, permission, options) without running: an error Reply, or a Prepared. */
  prepare(invocation: Invocation): Prepared | Reply;
  execute(prepared: Prepared): Promise<Reply>;
  /** prepare + execute. Always resolves to a Reply; never throws. */
  dispatch(invocation: Invocation): Promise<Reply>;
  /** A button click: `action` is the id the Reply carried. */
  action(invocation: Omit<Invocation, 'command'>, action: string): Promise<Reply>;
  /** Suggestions for a typed option (Discord autocomplete): ≤ 25, names and values ≤ 100 characters. */
  autocomplete(invocation: Invocation, option: string, partial: string): Promise<OptionChoice[]>;
}

export interface DispatcherDeps {
  commands: CommandDefinition[];
  services: Services;
  logger: Logger;
  /** The application clock (src/domain/clock.ts). */
  now: Clock;
  /** Extra autocomplete sources (e.g. the alerts module's subscriptions). */
  autocompleteSources?: Record<string, (invocation: Invocation, partial: string) => Promise<OptionChoice[]>>;
}

const ERROR_ID_BYTES = 4;
/** What a user sees while the store is away (a stalled or unreachable database, a locked or full SQLite file). */
export const STORE_AWAY_REPLY = 'The archive is unavailable right now; try again in a minute.';

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const byName = new Map(deps.commands.map((c) => [c.name, c]));
  const now = deps.now;
  const context = (invocation: Invocation): CommandContext => ({
    invocation,
    services: deps.services,
    now,
    commands: deps.commands,
  });

  function find(name: string): CommandDefinition | undefined {
    return byName.get(name.replace(/^\//, '').toLowerCase());
  }

  function unknownCommand(invocation: Invocation): Reply {
    const name = invocation.command.replace(/^\//, '');
    const suggestion = closest(name, [...byName.keys()]);
    const hint = suggestion ? ` Did you mean ${typedName(invocation, suggestion)}?` : '';
    return errorReply(`Unknown command /${name.slice(0, 40)}.${hint} Try ${typedName(invocation, 'help')}.`);
  }

  function prepare(invocation: Invocation): Prepared | Reply {
    const command = find(invocation.command);
    if (!command) return unknownCommand(invocation);
    if (command.permission === 'admin' && !invocation.user.isAdmin) {
      // The terminal has no server admins: its tester switches role (Errbot's way), so say how.
      const ask = invocation.platform === 'terminal' ? 'On the terminal, type :as admin to act as one.' : 'Ask a server or workspace admin.';
      return errorReply(`Only admins can use ${typedName(invocation, command.name)}. ${ask}`);
    }
    let options: OptionMap = command.options;
    let subcommand: string | undefined;
    let raw: Record<string, unknown>;

    if (command.subcommands) {
      let text = invocation.text ?? '';
      subcommand = invocation.subcommand?.toLowerCase();
      if (!subcommand) [subcommand, text] = splitSubcommand(text);
      const names = Object.keys(command.subcommands);
      const sub = subcommand && Object.hasOwn(command.subcommands, subcommand) ? command.subcommands[subcommand] : undefined;
      if (!sub) {
        const suggestion = subcommand ? closest(subcommand, names) : undefined;
        const what = subcommand ? `Unknown subcommand "${subcommand.slice(0, 30)}".` : 'Which one?';
        return errorReply(
          `${what}${suggestion ? ` Did you mean ${suggestion}?` : ''} /${command.name} takes: ${names.join(', ')}.`,
        );
      }
      options = sub.options;
      raw = invocation.options ? { ...invocation.options } : fromText(text, options);
    } else {
      raw = invocation.options ? { ...invocation.options } : fromText(invocation.text ?? '', options);
    }

    for (const [name, meta] of Object.entries(options)) {
      if (meta.kind === 'channel' && typeof raw[name] === 'string' && !meta.words?.includes(String(raw[name]).trim().toLowerCase())) {
        const ref = normalizeChannelOption(String(raw[name]), invocation, { threadLinks: meta.threadLinks });
        if (!ref) return errorReply(`${name}: expected a channel of this ${invocation.platform === 'slack' ? 'workspace' : 'server'}, like #breaking${meta.threadLinks && invocation.platform === 'slack' ? ', or a link to a message whose thread should get them' : ''}.`);
        raw[name] = ref;
      }
    }
    for (const key of Object.keys(raw)) if (raw[key] === '' || raw[key] === undefined) delete raw[key];
    if (raw.__nearMiss !== undefined) {
      const miss = raw.__nearMiss as { word: string; option: string };
      return errorReply(`There is no option ${miss.word.slice(0, 30)}: here. Did you mean ${miss.option}:? Options here: ${Object.keys(options).map((k) => `${k}:`).join(' ')}`);
    }
    if (raw.__unexpected !== undefined) {
      const known = Object.keys(options);
      return errorReply(
        known.length
          ? `I did not understand "${String(raw.__unexpected).slice(0, 60)}". Options here: ${known.map((k) => `${k}:`).join(' ')}`
          : `/${command.name}${subcommand ? ` ${subcommand}` : ''} takes no options.`,
      );
    }

    const validated = command.validate(raw, subcommand);
    if (!validated.success) return errorReply(describeOptionError(validated.error, options));
    return {
      command,
      input: validated.input,
      run: validated.run,
      invocation,
      visibility: command.permission === 'admin' ? 'ephemeral' : 'channel',
      mayBeSlow: Boolean(command.mayBeSlow),
    };
  }

  async function guarded(invocation: Invocation, what: string, work: () => Promise<Reply>): Promise<Reply> {
    try {
      const reply = await work();
      if (!isReply(reply)) throw new Error(`${what} returned something that is not a Reply`);
      return reply;
    } catch (err) {
      if (isUserError(err)) return errorReply(err.message);
      const away = storeUnavailableReason(err);
      if (away !== null) {
        deps.logger.warn({ reason: away, command: invocation.command, platform: invocation.platform }, `${what}: the store is unavailable`);
        return errorReply(STORE_AWAY_REPLY);
      }
      const errorId = randomBytes(ERROR_ID_BYTES).toString('hex');
      deps.logger.error({ err, errorId, command: invocation.command, platform: invocation.platform }, `${what} failed`);
      return errorReply(`Sorry, something went wrong on our side (error id ${errorId}). Please try again.`);
    }
  }

  async function execute(prepared: Prepared): Promise<Reply> {
    return guarded(prepared.invocation, `/${prepared.command.name}`, () =>
      prepared.run(context(prepared.invocation)),
    );
  }

  return {
    commands: deps.commands,
    find,
    prepare,
    execute,
    async dispatch(invocation) {
      let prepared: Prepared | Reply;
      try {
        prepared = prepare(invocation);
      } catch (err) {
        return guarded(invocation, 'prepare', () => Promise.reject(err));
      }
      return 'command' in prepared && 'input' in prepared ? execute(prepared) : prepared;
    },
    async action(partial, action) {
      const name = action.split(':')[0];
      const command = find(name);
      const invocation: Invocation = { ...partial, command: name };
      if (!command?.onAction) return errorReply('This button has expired. Run the command again.');
      if (command.permission === 'admin' && !invocation.user.isAdmin) {
        return errorReply(command.refuseAction?.(action) ?? `Only admins can use ${typedName(invocation, command.name)}.`);
      }
      return guarded(invocation, `action ${name}`, () => command.onAction!(context(invocation), action));
    },
    async autocomplete(invocation, option, partial) {
      try {
        const command = find(invocation.command);
        if (!command) return [];
        const subs = command.subcommands;
        const sub = invocation.subcommand && subs && Object.hasOwn(subs, invocation.subcommand) ? subs[invocation.subcommand] : undefined;
        const options = invocation.subcommand ? sub?.options : command.options;
        const meta = options?.[option];
        if (!meta?.autocomplete) return [];
        const choices = await autocompleteFrom(meta.autocomplete, invocation, partial.slice(0, 100));
        return choices
          .filter((c) => c.value.length > 0 && c.value.length <= 100)
          .slice(0, 25)
          .map((c) => ({ name: truncate(c.name, 100), value: c.value }));
      } catch (err) {
        deps.logger.warn({ err, option }, 'autocomplete failed');
        return [];
      }
    },
  };

  async function autocompleteFrom(source: string, invocation: Invocation, partial: string): Promise<OptionChoice[]> {
    const store = deps.services.articles;
    const match = (values: string[]) =>
      values
        .filter((v) => v.toLowerCase().includes(partial.toLowerCase()))
        .map((v) => ({ name: v, value: v }));
    switch (source) {
      case 'articles':
        return (await store.suggest(partial, 25)).map((a) => ({ name: a.title, value: a.id }));
      case 'sections':
        return match(await store.sections());
      case 'sources':
        return match(await store.sources());
      default: {
        const extra = deps.autocompleteSources?.[source];
        return extra ? extra(invocation, partial) : [];
      }
    }
  }
}

function fromText(text: string, options: OptionMap): Record<string, unknown> {
  const { values, rest, nearMiss } = parseTextArgs(text, options);
  if (nearMiss) return { __nearMiss: nearMiss };
  const restOption = Object.entries(options).find(([, m]) => m.rest)?.[0];
  const raw: Record<string, unknown> = { ...values };
  if (rest) {
    if (restOption && raw[restOption] === undefined) raw[restOption] = rest;
    else if (restOption) raw[restOption] = `${raw[restOption]} ${rest}`;
    else raw.__unexpected = rest;
  }
  return raw;
}

function describeOptionError(error: z.ZodError, options: OptionMap): string {
  const issue = error.issues[0];
  const name = String(issue.path[0] ?? '');
  const meta = options[name];
  if (!meta) return `Invalid input: ${issue.message}`;
  const accepts = meta.choices
    ? `one of ${meta.choices.map((c) => c.value).join(', ')}`
    : meta.example
      ? `${meta.description.toLowerCase()} (e.g. ${meta.example})`
      : meta.description.toLowerCase();
  const what = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : 'is not valid';
  return `Option ${name} ${what}: expected ${accepts}.`;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
