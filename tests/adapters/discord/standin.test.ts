import { Client, GatewayIntentBits, PermissionFlagsBits, REST, type TextChannel } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { P } from '../../standins/discord/permissions.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { BOT_ROLE_PERMISSIONS } from '../../standins/discord/world.js';

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

/** DELETE /channels/{id}/messages/{id} as Discord answers it, through the real @discordjs/rest. */
describe('Discord stand-in: deleting messages', () => {
  let standIn: DiscordStandIn;
  let rest: REST;
  const outcome = (p: Promise<unknown>) =>
    p.then(() => 'ok', (err: { name?: string; status?: number; code?: number }) => (err.name?.startsWith('RateLimitError') ? '429' : `${err.status} ${err.code}`));

  beforeAll(async () => {
    standIn = await startDiscordStandIn({
      // Posts unthrottled here (this is about deletes); deletes keep the stand-in's own limits.
      limits: { channelMessages: { limit: 1_000, windowMs: 5_000 } },
      guilds: [
        { channels: [{ name: 'news' }, { name: 'busy' }, { name: 'hidden', denyBot: P.ViewChannel }] },
        { botPermissions: BOT_ROLE_PERMISSIONS | P.ManageMessages, channels: [{ name: 'moderated' }] },
      ],
    });
    rest = new REST({ api: standIn.apiUrl, rejectOnRateLimit: () => true, retries: 0 }).setToken(standIn.token);
  });

  afterAll(async () => {
    await standIn?.close();
  });

  const post = async (channel: string, content: string) =>
    ((await rest.post(`/channels/${channel}/messages`, { body: { content } })) as { id: string }).id;

  it('deletes the bot\'s own message with 204 and marks it deleted; a second delete is 404 Unknown Message (10008)', async () => {
    const channel = standIn.guilds[0].channel('news').id;
    const id = await post(channel, 'recall me');
    // Its id carries its creation time, as Discord's do (ms since 2015-01-01, shifted 22 bits).
    expect(Math.abs(Number((BigInt(id) >> 22n) + 1_420_070_400_000n) - Date.now())).toBeLessThan(5_000);
    expect(await outcome(rest.delete(`/channels/${channel}/messages/${id}`))).toBe('ok');
    const call = standIn.calls.findLast((c) => c.method === 'DELETE')!;
    expect([call.path, call.status]).toEqual([`/channels/${channel}/messages/${id}`, 204]);
    expect(standIn.messages.find((m) => m.id === id)?.deleted).toBe(true);
    expect(await outcome(rest.delete(`/channels/${channel}/messages/${id}`))).toBe('404 10008');
    expect(await outcome(rest.delete(`/channels/${channel}/messages/1300000000000000001`))).toBe('404 10008');
  });

  it('someone else\'s message: 403 Missing Permissions (50013) without Manage Messages, deleted with it; hidden channel 403 Missing Access (50001)', async () => {
    const news = standIn.guilds[0].channel('news').id;
    const theirs = standIn.addUserMessage(news, 'a reader wrote this');
    expect(await outcome(rest.delete(`/channels/${news}/messages/${theirs.id}`))).toBe('403 50013');
    expect(theirs.deleted).toBe(false);
    const moderated = standIn.guilds[1].channel('moderated').id;
    const other = standIn.addUserMessage(moderated, 'spam');
    expect(await outcome(rest.delete(`/channels/${moderated}/messages/${other.id}`))).toBe('ok');
    expect(other.deleted).toBe(true);
    const hidden = standIn.guilds[0].channel('hidden').id;
    const unseen = standIn.addUserMessage(hidden, 'behind a wall');
    expect(await outcome(rest.delete(`/channels/${hidden}/messages/${unseen.id}`))).toBe('403 50001');
  });

  it('rate-limits deletes per channel in a bucket of their own (5 per 5 s), reported in the headers, apart from edits', async () => {
    const channel = standIn.guilds[0].channel('busy').id;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await post(channel, `m${i}`));
    const results: string[] = [];
    for (const id of ids) results.push(await outcome(rest.delete(`/channels/${channel}/messages/${id}`)));
    expect(results).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', '429']);
    // The sixth is still there and can be edited: edits are another bucket.
    expect(await outcome(rest.patch(`/channels/${channel}/messages/${ids[5]}`, { body: { content: 'edited' } }))).toBe('ok');
    const deletes = standIn.calls.filter((c) => c.method === 'DELETE' && c.path.startsWith(`/channels/${channel}/`));
    const edit = standIn.calls.findLast((c) => c.method === 'PATCH')!;
    expect(deletes[0].headers['x-ratelimit-limit']).toBe('5');
    expect(deletes[0].headers['x-ratelimit-remaining']).toBe('4');
    expect(deletes[0].headers['x-ratelimit-bucket']).toMatch(/^[0-9a-f]+$/);
    expect(edit.headers['x-ratelimit-bucket']).not.toBe(deletes[0].headers['x-ratelimit-bucket']);
    expect(edit.headers['x-ratelimit-remaining']).toBe('4');
  });
});
