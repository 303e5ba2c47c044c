import type { CommandDefinition } from '../src/core/command.js';
import { help } from './help.js';
import { news } from './news.js';
import { summary } from './summary.js';

/** The command folder's loader: every command a user can run, in /help order. */
export function coreCommands(extra: CommandDefinition[] = []): CommandDefinition[] {
  return [news, summary, ...extra, help];
}
