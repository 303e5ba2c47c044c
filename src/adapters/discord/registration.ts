import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Routes, type REST } from 'discord.js';
import type { CommandDefinition, OptionMap, OptionMeta } from '../../core/command.js';
import { cut } from './markdown.js';
import type { Clock } from '../../domain/clock.js';

/**
 * Discord's application commands, derived from the core command definitions (never written by hand), and
 * registered only when they changed.
 */
const OPTION_TYPE: Record<OptionMeta['kind'], number> = { string: 3, integer: 4, boolean: 5, channel: 7, role: 8 };
const SUBCOMMAND = 1;
const MANAGE_GUILD = String(1n << 5n);
/**
 * The places a bot can post alerts: text (0) and announcement (5) channels, announcement (10) and public (11) threads,
 * and forums (15: one post per story).
 */
const POSTABLE_CHANNEL_TYPES = [0, 5, 10, 11, 15];
const CONTEXT_GUILD = 0;
const CONTEXT_BOT_DM = 1;

export interface CommandPayload {
  name: string;
  description: string;
  type: 1;
  options: Array<Record<string, unknown>>;
  default_member_permissions: string | null;
  dm_permission: boolean;
  contexts: number[];
  integration_types: number[];
}

const describe = (text: string) => cut(text.trim() || '—', 100);

function optionPayload(name: string, meta: OptionMeta): Record<string, unknown> {
  const o: Record<string, unknown> = {
    type: OPTION_TYPE[meta.kind],
    name: name.toLowerCase(),
    description: describe(meta.description),
    required: Boolean(meta.required),
  };
  if (meta.choices?.length) o.choices = meta.choices.slice(0, 25).map((c) => ({ name: cut(c.name, 100), value: c.value }));
  else if (meta.autocomplete && meta.kind === 'string') o.autocomplete = true;
  if (meta.kind === 'integer') {
    if (meta.minValue !== undefined) o.min_value = meta.minValue;
    if (meta.maxValue !== undefined) o.max_value = meta.maxValue;
  }
  if (meta.kind === 'string' && meta.maxLength !== undefined) o.max_length = Math.min(meta.maxLength, 6000);
  if (meta.kind === 'channel') o.channel_types = POSTABLE_CHANNEL_TYPES;
  return o;
}

/** Discord requires required options before optional ones; the core may declare them in any order. */
function optionsPayload(options: OptionMap): Array<Record<string, unknown>> {
  const list = Object.entries(options).map(([name, meta]) => optionPayload(name, meta));
  return [...list.filter((o) => o.required), ...list.filter((o) => !o.required)].slice(0, 25);
}

export function commandPayload(def: CommandDefinition): CommandPayload {
  const admin = def.permission === 'admin';
  const options = def.subcommands
    ? Object.entries(def.subcommands).map(([name, sub]) => ({
        type: SUBCOMMAND,
        name: name.toLowerCase(),
        description: describe(sub.description),
        options: optionsPayload(sub.options),
      }))
    : optionsPayload(def.options);
  return {
    name: def.name.toLowerCase(),
    description: describe(def.description),
    type: 1,
    options,
    default_member_permissions: admin ? MANAGE_GUILD : null,
    dm_permission: !admin,
    contexts: admin ? [CONTEXT_GUILD] : [CONTEXT_GUILD, CONTEXT_BOT_DM],
    integration_types: [0],
  };
}

export function commandsPayload(defs: readonly CommandDefinition[]): CommandPayload[] {
  return defs.map(commandPayload);
}

export interface RegistrationTarget {
  applicationId: string;
  /** Register to one server (instant) instead of globally. */
  guildId?: string;
}

export function registrationHash(payload: CommandPayload[], target: RegistrationTarget): string {
  return createHash('sha256')
    .update(JSON.stringify({ payload, app: target.applicationId, guild: target.guildId ?? null }))
    .digest('hex');
}

export async function registerCommands(rest: REST, payload: CommandPayload[], target: RegistrationTarget): Promise<void> {
  const route = target.guildId
    ? Routes.applicationGuildCommands(target.applicationId, target.guildId)
    : Routes.applicationCommands(target.applicationId);
  await rest.put(route, { body: payload });
}

export type RegistrationOutcome = 'registered' | 'unchanged';

/** Registers when the definitions differ from what was last registered (hash kept in `stateFile`). */
export async function ensureRegistered(
  rest: REST,
  defs: readonly CommandDefinition[],
  target: RegistrationTarget,
  stateFile: string,
  now: Clock,
  force = false,
): Promise<{ outcome: RegistrationOutcome; commands: number; scope: string }> {
  const payload = commandsPayload(defs);
  const hash = registrationHash(payload, target);
  const scope = target.guildId ? `guild ${target.guildId}` : 'global';
  const previous = await readFile(stateFile, 'utf8').then((t) => (JSON.parse(t) as { hash?: string }).hash, () => undefined);
  if (!force && previous === hash) return { outcome: 'unchanged', commands: payload.length, scope };
  await registerCommands(rest, payload, target);
  await mkdir(dirname(stateFile), { recursive: true });
  await writeFile(stateFile, JSON.stringify({ hash, scope, registeredAt: now().toISOString() }, null, 2));
  return { outcome: 'registered', commands: payload.length, scope };
}

export function registrationStateFile(dataDir: string): string {
  return join(dataDir, '.discord-commands.json');
}
