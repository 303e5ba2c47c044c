import { REST } from 'discord.js';
import { coreCommands } from '../../../commands/index.js';
import { ConfigError, loadConfig } from '../../config.js';
import { restOptions } from './index.js';
import { commandsPayload, ensureRegistered, registrationStateFile } from './registration.js';
import { systemClock } from '../../domain/clock.js';

/**
 * `npm run discord:deploy`: registers the commands with the same code the bot uses at start-up, always (not only
 * when changed), and says what it did. DISCORD_GUILD_ID registers to one server instantly; otherwise globally.
 */
async function deploy(): Promise<void> {
  const config = loadConfig();
  if (!config.DISCORD_TOKEN || !config.DISCORD_APPLICATION_ID) {
    throw new ConfigError('Set DISCORD_TOKEN and DISCORD_APPLICATION_ID first (see .env.example).');
  }
  // The same list src/app.ts serves, so start-up finds nothing to re-register.
  const defs = coreCommands();
  const rest = new REST(restOptions(config)).setToken(config.DISCORD_TOKEN);
  const result = await ensureRegistered(
    rest, defs, { applicationId: config.DISCORD_APPLICATION_ID, guildId: config.DISCORD_GUILD_ID },
    registrationStateFile(config.DATA_DIR), systemClock, true,
  );
  const names = commandsPayload(defs).map((c) => `/${c.name}`).join(', ');
  process.stdout.write(`Registered ${result.commands} commands (${names}) ${config.DISCORD_GUILD_ID ? `to server ${config.DISCORD_GUILD_ID} (visible now)` : 'globally (may take up to an hour to appear)'}.\n`);
}

deploy().catch((err: unknown) => {
  const status = (err as { status?: number }).status;
  const hint = status === 401 ? ' (the token was refused: check DISCORD_TOKEN)' : status === 403 ? ' (is the bot in that server? check DISCORD_GUILD_ID)' : '';
  process.stderr.write(`Deploy failed: ${err instanceof Error ? err.message : String(err)}${hint}\n`);
  process.exit(1);
});
