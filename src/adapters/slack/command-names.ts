import { ConfigError, type Config } from '../../config.js';

/**
 * Slack's slash command names, derived from the command list: `/<name>`, except where a default is set here,
 * or a workspace renames one (SLACK_COMMAND_<NAME>). A new command needs no line in this file.
 */
export const SLACK_DEFAULT_NAMES: Readonly<Record<string, string>> = {
  // Not /help: that name is too generic to own in a shared workspace.
  help: '/newshelp',
};

/** Slack command name (`/news`) → core command name (`news`), for every command in the list. */
export function slackCommandNames(
  config: Pick<Config, 'slackCommandRenames'>,
  commands: ReadonlyArray<{ name: string }>,
): Map<string, string> {
  const known = new Set(commands.map((c) => c.name));
  for (const name of Object.keys(config.slackCommandRenames)) {
    if (!known.has(name)) {
      throw ConfigError.of([`SLACK_COMMAND_${name.toUpperCase()} renames a command that does not exist: ${name} (commands: ${[...known].join(', ')})`]);
    }
  }
  const names = new Map<string, string>();
  for (const { name } of commands) {
    const slash = config.slackCommandRenames[name] ?? SLACK_DEFAULT_NAMES[name] ?? `/${name}`;
    const taken = names.get(slash);
    if (taken) throw ConfigError.of([`${slash} names both ${taken} and ${name} on Slack; rename one (SLACK_COMMAND_${name.toUpperCase()})`]);
    names.set(slash, name);
  }
  return names;
}
