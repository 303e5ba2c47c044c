import { DISCORD_CONTENT_LIMITS as L } from './limits.js';

/**
 * Refuses what Discord refuses, with Discord's error shape: 400 `{code: 50035, message: 'Invalid Form Body',
 * errors}`. Returns null when the payload is acceptable.
 */
export interface DiscordError {
  status: number;
  body: { code: number; message: string; errors?: Record<string, unknown> };
}

type Problems = Record<string, string>;

function formBody(problems: Problems): DiscordError | null {
  const keys = Object.keys(problems);
  if (keys.length === 0) return null;
  const errors: Record<string, unknown> = {};
  for (const k of keys) errors[k] = { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: problems[k] }] };
  return { status: 400, body: { code: 50035, message: 'Invalid Form Body', errors } };
}

const len = (v: unknown): number => (typeof v === 'string' ? [...v].length : 0);

function checkLength(problems: Problems, path: string, value: unknown, max: number): void {
  if (value !== undefined && value !== null && len(value) > max) problems[path] = `Must be ${max} or fewer in length.`;
}

/** Characters Discord counts towards the 6000 total of a message's embeds. */
export function embedCharacters(embed: Record<string, any>): number {
  let n = len(embed.title) + len(embed.description) + len(embed.footer?.text) + len(embed.author?.name);
  for (const f of embed.fields ?? []) n += len(f.name) + len(f.value);
  return n;
}

export function validateMessage(body: Record<string, any>, opts: { requireContent?: boolean } = {}): DiscordError | null {
  const problems: Problems = {};
  checkLength(problems, 'content', body.content, L.content);
  const embeds: Array<Record<string, any>> = body.embeds ?? [];
  if (!Array.isArray(embeds)) problems.embeds = 'Must be an array.';
  else {
    if (embeds.length > L.embeds) problems.embeds = `Must be ${L.embeds} or fewer in length.`;
    let total = 0;
    embeds.forEach((e, i) => {
      const p = `embeds.${i}`;
      checkLength(problems, `${p}.title`, e.title, L.embedTitle);
      checkLength(problems, `${p}.description`, e.description, L.embedDescription);
      checkLength(problems, `${p}.footer.text`, e.footer?.text, L.footer);
      checkLength(problems, `${p}.author.name`, e.author?.name, L.author);
      const fields: Array<Record<string, any>> = e.fields ?? [];
      if (fields.length > L.embedFields) problems[`${p}.fields`] = `Must be ${L.embedFields} or fewer in length.`;
      fields.forEach((f, j) => {
        if (!f.name || !f.value) problems[`${p}.fields.${j}`] = 'Field name and value are required.';
        checkLength(problems, `${p}.fields.${j}.name`, f.name, L.fieldName);
        checkLength(problems, `${p}.fields.${j}.value`, f.value, L.fieldValue);
      });
      if (e.color !== undefined && (!Number.isInteger(e.color) || e.color < 0 || e.color > 0xffffff)) {
        problems[`${p}.color`] = 'Invalid colour.';
      }
      if (e.url !== undefined && !/^https?:\/\//.test(String(e.url))) problems[`${p}.url`] = 'Not a well formed URL.';
      if (e.timestamp !== undefined && Number.isNaN(Date.parse(String(e.timestamp)))) {
        problems[`${p}.timestamp`] = 'Could not parse the timestamp.';
      }
      total += embedCharacters(e);
    });
    if (total > L.embedTotal) problems.embeds = `Embed size exceeds maximum size of ${L.embedTotal}`;
  }
  validateComponents(problems, body.components);
  if (body.nonce !== undefined && len(String(body.nonce)) > L.nonce) problems.nonce = `Must be ${L.nonce} or fewer in length.`;
  if (body.allowed_mentions?.parse && body.allowed_mentions.roles && body.allowed_mentions.parse.includes('roles')) {
    problems['allowed_mentions'] = 'parse:["roles"] and roles: [ids] are mutually exclusive.';
  }
  const failed = formBody(problems);
  if (failed) return failed;
  const empty = !body.content && embeds.length === 0 && !(body.components ?? []).length;
  if (opts.requireContent && empty) return { status: 400, body: { code: 50006, message: 'Cannot send an empty message' } };
  return null;
}

function validateComponents(problems: Problems, rows: unknown): void {
  if (rows === undefined) return;
  if (!Array.isArray(rows)) {
    problems.components = 'Must be an array.';
    return;
  }
  if (rows.length > L.actionRows) problems.components = `Must be ${L.actionRows} or fewer in length.`;
  rows.forEach((row: Record<string, any>, i) => {
    if (row.type !== 1) problems[`components.${i}.type`] = 'Top-level components must be action rows.';
    const children: Array<Record<string, any>> = row.components ?? [];
    if (children.length === 0 || children.length > L.componentsPerRow) {
      problems[`components.${i}.components`] = `Must be between 1 and ${L.componentsPerRow} in length.`;
    }
    children.forEach((c, j) => {
      const p = `components.${i}.components.${j}`;
      if (c.type !== 2) return;
      if (c.style === 5) {
        if (!c.url) problems[`${p}.url`] = 'Link buttons need a url.';
      } else if (!c.custom_id) problems[`${p}.custom_id`] = 'This field is required.';
      checkLength(problems, `${p}.custom_id`, c.custom_id, L.customId);
      checkLength(problems, `${p}.label`, c.label, L.buttonLabel);
    });
  });
}

export function validateChoices(choices: unknown): DiscordError | null {
  const problems: Problems = {};
  if (!Array.isArray(choices)) problems['data.choices'] = 'Must be an array.';
  else {
    if (choices.length > L.choices) problems['data.choices'] = `Must be ${L.choices} or fewer in length.`;
    choices.forEach((c: Record<string, any>, i) => {
      if (len(c.name) < 1) problems[`data.choices.${i}.name`] = 'This field is required.';
      checkLength(problems, `data.choices.${i}.name`, c.name, L.choiceName);
      checkLength(problems, `data.choices.${i}.value`, c.value, L.choiceValue);
    });
  }
  return formBody(problems);
}

const NAME_RE = /^[-_\p{L}\p{N}]{1,32}$/u;

/** Application command registration: names, descriptions, option order and counts. */
export function validateCommands(commands: unknown): DiscordError | null {
  const problems: Problems = {};
  if (!Array.isArray(commands)) return formBody({ _: 'Must be an array.' });
  commands.forEach((c: Record<string, any>, i) => checkCommandLike(problems, `${i}`, c, true));
  return formBody(problems);
}

function checkCommandLike(problems: Problems, p: string, c: Record<string, any>, top: boolean): void {
  if (!NAME_RE.test(String(c.name ?? '')) || String(c.name) !== String(c.name).toLowerCase()) {
    problems[`${p}.name`] = 'Invalid command name.';
  }
  if (len(c.description) < 1 || len(c.description) > L.commandDescription) {
    problems[`${p}.description`] = `Must be between 1 and ${L.commandDescription} in length.`;
  }
  const options: Array<Record<string, any>> = c.options ?? [];
  if (options.length > L.commandOptions) problems[`${p}.options`] = `Must be ${L.commandOptions} or fewer in length.`;
  let seenOptional = false;
  options.forEach((o, j) => {
    const q = `${p}.options.${j}`;
    if (o.type === 1 || o.type === 2) {
      if (!top && o.type === 1 && c.type !== 2) problems[q] = 'Subcommands cannot nest here.';
      checkCommandLike(problems, q, o, false);
      return;
    }
    if (o.required) {
      if (seenOptional) problems[`${q}.required`] = 'Required options must be placed before non-required options.';
    } else seenOptional = true;
    if (!NAME_RE.test(String(o.name ?? ''))) problems[`${q}.name`] = 'Invalid option name.';
    if (len(o.description) < 1 || len(o.description) > L.commandDescription) {
      problems[`${q}.description`] = `Must be between 1 and ${L.commandDescription} in length.`;
    }
    if (o.choices && o.autocomplete) problems[`${q}.autocomplete`] = 'Autocomplete and choices are mutually exclusive.';
    if (o.choices && o.choices.length > L.choices) problems[`${q}.choices`] = `Must be ${L.choices} or fewer in length.`;
  });
}
