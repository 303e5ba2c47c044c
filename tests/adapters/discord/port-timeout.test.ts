import { REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordPort } from '../../../src/adapters/discord/port.js';
import { answer } from '../../../src/core/reply.js';
import { parseMessageRef } from '../../../src/domain/channel.js';
import { RetryLater } from '../../../src/outbound/port.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';

/**
 * A Discord REST call that hangs past the delivery client's timeout: the port says "retry, in doubt"; Discord may
 * still act on the request after we gave up (the stand-in answers it late), and the retry, with the same nonce and
 * enforce_nonce, is deduplicated by Discord: one message. (Today's behaviour, shown right.)
 */
describe('Discord port: a post that hangs past the timeout', () => {
  let discord: DiscordStandIn;
  let port: DiscordPort;
  const TIMEOUT_MS = 400;

  beforeAll(async () => {
    discord = await startDiscordStandIn({ guilds: [{ channels: 1 }] });
    // The delivery client as src/adapters/discord/index.ts sets it (no retries, no waiting on 429s), with a short timeout.
    const rest = new REST({ api: discord.apiUrl, rejectOnRateLimit: () => true, retries: 0, timeout: TIMEOUT_MS }).setToken(discord.token);
    port = new DiscordPort(rest, { findGuild: async () => null, ownUserId: async () => discord.botUserId }, () => Date.now());
  });
  afterAll(async () => {
    await discord?.close();
  });

  it('times out in doubt; the platform acts late; the retry with the same delivery id yields the one message', async () => {
    const guild = discord.guilds[0];
    const channelId = guild.channels[0].id;
    const channel = `discord:${guild.id}/${channelId}`;
    const reply = answer({ visibility: 'channel', cards: [{ title: 'Breaking: bridge closed', badge: 'breaking', priority: 'breaking', text: 'Use the ferry.' }] });
    const held = discord.hold({ method: 'POST', path: `/channels/${channelId}/messages` });
    const first = await port.post(channel, reply, { deliveryId: 'd-hang-1' }).then(() => null, (err: unknown) => err);
    expect(first).toBeInstanceOf(RetryLater);
    expect(first).toMatchObject({ inDoubt: true });
    // Discord handles the request after the client gave up.
    held.release('process');
    await discord.waitFor(() => discord.messages.some((m) => m.channelId === channelId));
    const ref = await port.post(channel, reply, { deliveryId: 'd-hang-1' });
    const inChannel = discord.messages.filter((m) => m.channelId === channelId && !m.interactionToken);
    expect(inChannel).toHaveLength(1);
    expect(parseMessageRef(ref).messageId).toBe(inChannel[0].id);
  });
});
