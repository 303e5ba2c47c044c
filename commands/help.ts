import { z } from 'zod';
import { defineCommand, typedName, type CommandDefinition, type Invocation, type OptionMap } from '../src/core/command.js';
import { closest } from '../src/core/closest.js';
import { UserError } from '../src/core/errors.js';
import { answer, type ReplyField } from '../src/core/reply.js';

export const help = defineCommand({
  name: 'help',
  description: 'What Newsdesk can do, or how to use one command',
  permission: 'everyone',
  options: {
    command: { kind: 'string', description: 'A command name, e.g. news', rest: true, maxLength: 40 },
  },
  schema: z.object({ command: z.string().trim().max(40).optional() }),
  examples: ['/help', '/help news'],
  async run(ctx, input) {
    const commands = ctx.commands;
    const wanted = typeof input.command === 'string' ? input.command.replace(/^\//, '').toLowerCase().split(/\s+/)[0] : '';
    if (!wanted) {
      return answer({
        cards: [
          {
            title: 'Newsdesk commands',
            items: commands.map((c) => ({
              title: typedName(ctx.invocation, c.name),
              text: withAdminNote(c),
            })),
            footer: `Type ${typedName(ctx.invocation, 'help')} <command> for its options, e.g. ${typedName(ctx.invocation, 'help')} news`,
          },
        ],
      });
    }
    const command = commands.find((c) => c.name === wanted || typedName(ctx.invocation, c.name) === `/${wanted}`);
    if (!command) {
      const suggestion = closest(wanted, commands.map((c) => c.name));
      throw new UserError(`There is no /${wanted.slice(0, 30)}.${suggestion ? ` Did you mean ${typedName(ctx.invocation, suggestion)}?` : ''}`);
    }
    return answer({ cards: [describeCommand(command, ctx.invocation)] });
  },
});

function describeOptions(options: OptionMap): string {
  const lines = Object.entries(options).map(([name, meta]) => {
    const form = meta.rest ? `[${name}] or ${name}:…` : `${name}:…`;
    const choices = meta.choices ? ` (${meta.choices.map((c) => c.value).join(' | ')})` : '';
    return `${form} — ${meta.description}${choices}`;
  });
  return lines.length ? lines.join('\n') : 'No options.';
}

function describeCommand(command: CommandDefinition, invocation: Invocation) {
  const typed = typedName(invocation, command.name);
  const fields: ReplyField[] = [];
  if (command.subcommands) {
    for (const [name, sub] of Object.entries(command.subcommands)) {
      fields.push({ name: `${typed} ${name}`, value: `${sub.description}\n${describeOptions(sub.options)}` });
    }
  } else {
    fields.push({ name: 'Options', value: describeOptions(command.options) });
  }
  if (command.examples?.length) fields.push({ name: 'Examples', value: command.examples.join('\n') });
  return {
    title: typed,
    text: withAdminNote(command),
    fields,
  };
}

function withAdminNote(command: CommandDefinition): string {
  return command.permission === 'admin' && !/admins only/i.test(command.description)
    ? `${command.description} (admins only)`
    : command.description;
}
