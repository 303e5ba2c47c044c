import type { CommandDefinition } from '../src/core/command.js';
import { alerts } from './alerts.js';
import { help } from './help.js';
import { news } from './news.js';
import { summary } from './summary.js';

/**
 * The command folder's loader: every command a user can run, in /help order. The bot, Discord's deploy
 * script and the tests all take the list from here, so a registration never misses one.
 */
export function coreCommands(): CommandDefinition[] {
  return [news, summary, alerts, help];
}
