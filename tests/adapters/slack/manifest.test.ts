import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { coreCommands } from '../../../commands/index.js';
import { defineCommand } from '../../../src/core/command.js';
import { answer } from '../../../src/core/reply.js';
import { slackCommandNames } from '../../../src/adapters/slack/command-names.js';
import { loadConfig } from '../../../src/config.js';
import { SLACK_BOT_SCOPES, SLACK_REDIRECT_PATH } from '../../../src/adapters/slack/oauth.js';
import { manifestScopes } from './helpers.js';

/** The `features.slash_commands` entries of a Slack app manifest: each command and its usage hint. */
function manifestSlashCommands(yaml: string): Array<{ command: string; usageHint?: string }> {
  const lines = yaml.split('\n');
  const start = lines.findIndex((l) => /^ {2}slash_commands:\s*$/.test(l));
  if (start < 0) return [];
  const entries: Array<{ command: string; usageHint?: string }> = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    if (!/^ {4}/.test(line)) break;
    const command = /^ {4}- command:\s*(\S+)/.exec(line)?.[1];
    if (command) entries.push({ command });
    const hint = /^ {6}usage_hint:\s*"?(.*?)"?\s*$/.exec(line)?.[1];
    if (hint !== undefined && entries.length) entries[entries.length - 1].usageHint = hint;
  }
  return entries;
}

/** What differs between the manifest and the command list, in words a developer acts on. */
function manifestProblems(yaml: string, commands: ReadonlyArray<{ name: string }>): string[] {
  const expected = slackCommandNames({ slackCommandRenames: {} }, commands);
  const declared = manifestSlashCommands(yaml);
  const problems: string[] = [];
  for (const [slash, name] of expected) {
    const entry = declared.find((d) => d.command === slash);
    if (!entry) problems.push(`${slash} (command ${name}) is not in the manifest`);
    else if (!entry.usageHint?.trim()) problems.push(`${slash} has no usage_hint`);
  }
  for (const d of declared) if (!expected.has(d.command)) problems.push(`${d.command} is in the manifest but is no command`);
  return problems;
}

const manifest = readFileSync('slack-manifest.yml', 'utf8');

describe('slack-manifest.yml against the command list', () => {
  it('declares every command, under its Slack name, with a usage hint, and nothing else', () => {
    expect(manifestSlashCommands(manifest).map((c) => c.command)).toEqual(['/news', '/summary', '/alerts', '/newshelp']);
    expect(manifestProblems(manifest, coreCommands())).toEqual([]);
  });

  it('fails for a command added to the list without its manifest line', () => {
    const weather = defineCommand({
      name: 'weather', description: 'Forecast', permission: 'everyone', options: {}, schema: z.object({}),
      run: async () => answer({ text: 'sunny' }),
    });
    expect(manifestProblems(manifest, [...coreCommands(), weather])).toEqual(['/weather (command weather) is not in the manifest']);
  });

  it('fails on a small fixture: an entry without a usage hint, and one that is no command', () => {
    const fixture = [
      'features:',
      '  slash_commands:',
      '    - command: /news',
      '      description: Latest stories',
      '    - command: /newshelp',
      '      usage_hint: "[command]"',
      '    - command: /weather',
      '      usage_hint: "[city]"',
      'oauth_config:',
      '  scopes:',
    ].join('\n');
    expect(manifestProblems(fixture, [{ name: 'news' }, { name: 'help' }])).toEqual([
      '/news has no usage_hint',
      '/weather is in the manifest but is no command',
    ]);
  });
});

describe('slack-manifest.yml for many workspaces', () => {
  it('asks for the bot scopes the Add to Slack install requests, and names the OAuth redirect route', () => {
    expect(SLACK_BOT_SCOPES).toEqual(manifestScopes());
    expect(manifest).toContain(`- https://YOUR-HOST${SLACK_REDIRECT_PATH}`);
    expect(SLACK_REDIRECT_PATH).toBe('/slack/oauth_redirect');
    expect(manifest).toMatch(/\n {2}token_rotation_enabled: (true|false)\n/);
  });
});

describe('Slack command names, derived from the command list', () => {
  it('is /<name> for every command, /newshelp for help, and SLACK_COMMAND_<NAME> renames any of them', () => {
    const commands = [{ name: 'news' }, { name: 'help' }, { name: 'weather' }];
    expect([...slackCommandNames(loadConfig({}), commands)]).toEqual([['/news', 'news'], ['/newshelp', 'help'], ['/weather', 'weather']]);
    const renamed = loadConfig({ SLACK_COMMAND_WEATHER: '/forecast', SLACK_COMMAND_NEWS: '/headlines' });
    expect([...slackCommandNames(renamed, commands)]).toEqual([['/headlines', 'news'], ['/newshelp', 'help'], ['/forecast', 'weather']]);
  });

  it('refuses a rename of a command that does not exist, a bad name, and two commands on one name', () => {
    expect(() => slackCommandNames(loadConfig({ SLACK_COMMAND_NWES: '/n' }), [{ name: 'news' }])).toThrow('Invalid configuration: SLACK_COMMAND_NWES renames a command that does not exist: nwes (commands: news)');
    expect(() => loadConfig({ SLACK_COMMAND_NEWS: 'news' })).toThrow("Invalid configuration: SLACK_COMMAND_NEWS must be a slash command like /news, got 'news'");
    expect(() => slackCommandNames(loadConfig({ SLACK_COMMAND_NEWS: '/newshelp' }), [{ name: 'news' }, { name: 'help' }])).toThrow(
      '/newshelp names both news and help on Slack',
    );
  });
});
