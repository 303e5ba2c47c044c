import { Client, GatewayIntentBits, PermissionFlagsBits, REST, type TextChannel } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';

/** The stand-in itself: a real discord.js Client logs in, and the stand-in refuses what Discord refuses. */
describe('Discord stand-in', () => {
  let standIn: DiscordStandIn;
  let client: Client;

  beforeAll(async () => {
    standIn = await startDiscordStandIn();
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: standIn.apiUrl } });
    const ready = new Promise((resolve) => client.once('clientReady', resolve));
    await client.login(standIn.token);
    await ready;
  });

  afterAll(async () => {
    await client?.destroy();
    await standIn?.close();
  });

  it('lets the real Client log in, with guilds, channels, roles and the bot member cached', () => {
    const guild = client.guilds.cache.get(standIn.guilds[0].id)!;
    expect(client.user?.id).toBe(standIn.botUserId);
    expect(guild.channels.cache.size).toBe(4);
    expect(guild.members.me?.roles.cache.has(standIn.guilds[0].botRoleId)).toBe(true);
    const general = guild.channels.cache.get(standIn.guilds[0].channel('general').id)!;
    const locked = guild.channels.cache.get(standIn.guilds[0].channel('locked').id)!;
    expect(general.permissionsFor(guild.members.me!)?.has(PermissionFlagsBits.SendMessages)).toBe(true);
    expect(locked.permissionsFor(guild.members.me!)?.has(PermissionFlagsBits.SendMessages)).toBe(false);
    expect(standIn.calls[0]).toMatchObject({ method: 'GET', path: '/gateway/bot', authorized: true });
  });

  it('refuses an over-long embed title with 50035 and posting where the bot may not (50013)', async () => {
    const general = client.channels.cache.get(standIn.guilds[0].channel('general').id) as TextChannel;
    await expect(general.send({ embeds: [{ title: 'x'.repeat(257) }] })).rejects.toMatchObject({ code: 50035 });
    const locked = client.channels.cache.get(standIn.guilds[0].channel('locked').id) as TextChannel;
    await expect(locked.send('hello')).rejects.toMatchObject({ code: 50013 });
  });

  it('rate-limits 5 messages per 5 s per channel and says so in the headers', async () => {
    const rest = new REST({ api: standIn.apiUrl, rejectOnRateLimit: () => true, retries: 0 }).setToken(standIn.token);
    const channel = standIn.guilds[0].channel('breaking').id;
    const results: string[] = [];
    for (let i = 0; i < standIn.limits.channelMessages.limit + 1; i++) {
      try {
        await rest.post(`/channels/${channel}/messages`, { body: { content: `m${i}` } });
        results.push('ok');
      } catch (err) {
        results.push((err as Error).name);
      }
    }
    expect(results.slice(0, standIn.limits.channelMessages.limit).every((r) => r === 'ok')).toBe(true);
    expect(results.at(-1)).toMatch(/^RateLimitError/);
    const posts = standIn.calls.filter((c) => c.method === 'POST' && c.path === `/channels/${channel}/messages`);
    expect(posts[0].headers['x-ratelimit-limit']).toBe(String(standIn.limits.channelMessages.limit));
    expect(posts[0].headers['x-ratelimit-bucket']).toMatch(/^[0-9a-f]+$/);
    expect(standIn.messages.filter((m) => m.channelId === channel)).toHaveLength(standIn.limits.channelMessages.limit);
  });
});
