import { PermissionFlagsBits } from 'discord.js';
import { ConfigError, loadConfig } from '../../config.js';

/**
 * `npm run discord:invite`: prints the OAuth2 URL that adds Newsdesk to a server with the least it needs.
 * Reads only DISCORD_APPLICATION_ID; the token is never printed.
 */
export const INVITE_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.CreatePublicThreads |
  PermissionFlagsBits.ReadMessageHistory;

export function inviteUrl(applicationId: string, guildId?: string): string {
  const params = new URLSearchParams({
    client_id: applicationId,
    scope: 'bot applications.commands',
    permissions: INVITE_PERMISSIONS.toString(),
    ...(guildId ? { guild_id: guildId, disable_guild_select: 'true' } : {}),
  });
  return `https://discord.com/oauth2/authorize?${params.toString()}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const config = loadConfig();
    if (!config.DISCORD_APPLICATION_ID) throw new ConfigError('DISCORD_APPLICATION_ID is not set (see .env.example).');
    process.stdout.write(`${inviteUrl(config.DISCORD_APPLICATION_ID, config.DISCORD_GUILD_ID)}\n`);
    process.stdout.write('Permissions: View Channel, Send Messages, Embed Links, Send Messages in Threads, Create Public Threads, Read Message History\n');
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
