import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { DiscordAPIError } from 'discord.js';
import { deliveryNonce, toDeliveryError } from '../../../src/adapters/discord/port.js';
import { Permanent, RetryLater } from '../../../src/outbound/port.js';
import { answer } from '../../../src/core/reply.js';
import { HttpServer } from '../../../src/server/http.js';
import { rawClient } from '../../helpers/raw-http.js';
import { P } from '../../standins/discord/permissions.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { escapeMarkdown } from '../../../src/adapters/discord/markdown.js';
import { SEED_ID, ed25519Keys, quiet, realBot, signed, testConfig, type RealBot } from './helpers.js';

/** The outbound port the alerts pipeline uses, and HTTP interactions mode (real store and commands), against the stand-in. */
describe('Discord outbound port and HTTP interactions', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let http: HttpServer;
  let base: string;
  let bot: RealBot;
  const keys = ed25519Keys();
  const ref = (name: string) => `discord:${standIn.guilds[0].id}/${standIn.guilds[0].channel(name).id}`;
  const alert = (title: string, text?: string) => answer({ visibility: 'channel', text, cards: [{ title, priority: 'breaking', badge: 'Breaking' }] });

  beforeAll(async () => {
    standIn = await startDiscordStandIn({
      guilds: [{
        botPermissions: BigInt(P.ViewChannel | P.SendMessages | P.EmbedLinks | P.MentionEveryone | P.CreatePublicThreads | P.SendMessagesInThreads),
        channels: [{ name: 'general' }, { name: 'breaking' }, { name: 'busy' }, { name: 'threads' }, { name: 'locked', denyBot: P.SendMessages | P.EmbedLinks }, { name: 'hidden', denyBot: P.ViewChannel }],
      }],
    });
    http = new HttpServer();
    bot = await realBot();
    adapter = await startDiscord({ config: testConfig(standIn, { DISCORD_PUBLIC_KEY: keys.publicHex }), dispatcher: bot.dispatcher, logger: quiet, http });
    bot.ports.attach(adapter.port);
    const address = await http.start(0, '127.0.0.1');
    base = `http://127.0.0.1:${address.port}/discord/interactions`;
  });

  afterAll(async () => {
    await adapter?.stop();
    await http?.stop();
    await bot?.close();
    await standIn?.close();
  });

  it('posts with an enforced nonce, and the same delivery posted twice is one message', async () => {
    const first = await adapter.port.post(ref('breaking'), alert('Quake hits coast'), { deliveryId: 'delivery-1' });
    const second = await adapter.port.post(ref('breaking'), alert('Quake hits coast'), { deliveryId: 'delivery-1' });
    expect(second).toBe(first);
    const channelId = standIn.guilds[0].channel('breaking').id;
    expect(standIn.messages.filter((m) => m.channelId === channelId)).toHaveLength(1);
    const post = standIn.calls.find((c) => c.method === 'POST' && c.path === `/channels/${channelId}/messages`)!;
    expect(post.body).toMatchObject({ nonce: deliveryNonce('delivery-1'), enforce_nonce: true, allowed_mentions: { parse: [] } });
    expect(deliveryNonce('delivery-1').length).toBeLessThanOrEqual(25);
  });

  it('edits the posted message', async () => {
    const posted = await adapter.port.post(ref('general'), alert('First version'));
    await adapter.port.edit(posted, alert('Second version'));
    const msg = standIn.messages.find((m) => posted.endsWith(`#${m.id}`))!;
    expect(msg.embeds[0].title).toBe('BREAKING · Second version');
  });

  it('maps a 429 to RetryLater with the delay Discord asked for, without waiting', async () => {
    standIn.failNext({ method: 'POST', path: `/channels/${standIn.guilds[0].channel('busy').id}/messages`, status: 429, retryAfterMs: 4000 });
    const err = await adapter.port.post(ref('busy'), alert('Rate limited')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryLater);
    expect((err as RetryLater).delayMs).toBeGreaterThanOrEqual(3000);
    expect((err as RetryLater).inDoubt).toBe(false);
  });

  it('maps 5xx to RetryLater and unknown channel, missing access/permissions, unknown message to Permanent', async () => {
    standIn.failNext({ method: 'POST', path: `/channels/${standIn.guilds[0].channel('general').id}/messages`, status: 502 });
    // A 5xx may follow the write: in doubt (the dispatcher re-posts with the same nonce).
    await expect(adapter.port.post(ref('general'), alert('x'))).rejects.toMatchObject({ name: 'RetryLater', inDoubt: true });
    const unknown = `discord:${standIn.guilds[0].id}/123456789012345678`;
    await expect(adapter.port.post(unknown, alert('x'))).rejects.toMatchObject({ name: 'Permanent', code: '10003', scope: 'channel' });
    await expect(adapter.port.post(ref('locked'), alert('x'))).rejects.toMatchObject({ code: '50013', scope: 'channel' });
    await expect(adapter.port.post(ref('hidden'), alert('x'))).rejects.toMatchObject({ code: '50001', scope: 'channel' });
    await expect(adapter.port.edit(`${ref('general')}#123456789012345678`, alert('x'))).rejects.toBeInstanceOf(Permanent);
    await expect(adapter.port.edit(`${ref('general')}#123456789012345678`, alert('x'))).rejects.toMatchObject({ code: '10008', scope: 'message' });
    const messages = `/channels/${standIn.guilds[0].channel('general').id}/messages`;
    standIn.failNext({ method: 'POST', path: messages, status: 400, code: 50035, message: 'Invalid Form Body' });
    await expect(adapter.port.post(ref('general'), alert('x'))).rejects.toMatchObject({ code: '50035', scope: 'message' });
    // A 401 makes discord.js drop its token for good, so it is checked on the library's own error here.
    const refused = new DiscordAPIError({ code: 0, message: '401: Unauthorized' }, 0, 401, 'POST', messages, {});
    expect(toDeliveryError(refused)).toMatchObject({ code: '401', scope: 'bot' });
  });

  it('replies in a thread started on the message, then posts into the same thread', async () => {
    const posted = await adapter.port.post(ref('threads'), alert('Storm update'));
    const first = await adapter.port.replyInThread(posted, alert('Update 1'));
    const second = await adapter.port.replyInThread(posted, alert('Update 2'));
    const messageId = posted.split('#')[1];
    expect(first.startsWith(`discord:${standIn.guilds[0].id}/${messageId}#`)).toBe(true);
    expect(second.startsWith(`discord:${standIn.guilds[0].id}/${messageId}#`)).toBe(true);
    expect(standIn.messages.filter((m) => m.channelId === messageId)).toHaveLength(2);
  });

  it('checks a channel and names the missing permissions', async () => {
    expect(await adapter.port.checkChannel!(ref('general'))).toEqual({ ok: true, missing: [], name: 'general', kind: 'text' });
    expect(await adapter.port.checkChannel!(ref('locked'))).toEqual({ ok: false, missing: ['Send Messages', 'Embed Links'], name: 'locked', kind: 'text' });
    expect((await adapter.port.checkChannel!(ref('hidden'))).missing).toContain('View Channel');
    // A server the bot is not in: a sentence of its own, nothing "missing".
    expect(await adapter.port.checkChannel!('discord:123456789012345678/123456789012345679')).toEqual({
      ok: false, missing: [], problem: 'Newsdesk is not in this server; invite the bot (npm run discord:invite gives the link)',
    });
  });

  it('article text cannot ping; only the admin-configured role is mentioned', async () => {
    const plain = await adapter.port.post(ref('general'), alert('@everyone <@&123>', '@everyone @here <@&123>'));
    const msg = standIn.messages.find((m) => plain.endsWith(`#${m.id}`))!;
    expect(msg.pings).toEqual({ everyone: false, roles: [], users: [] });
    const roleId = standIn.guilds[0].editorRoleId;
    const withRole = await adapter.port.post(ref('general'), { ...alert('Quake', '@everyone <@&123>'), mention: { discordRoleId: roleId } });
    const rmsg = standIn.messages.find((m) => withRole.endsWith(`#${m.id}`))!;
    expect(rmsg.pings).toEqual({ everyone: false, roles: [roleId], users: [] });
  });

  describe('HTTP interactions', () => {
    const post = (body: string, headers: Record<string, string>) => fetch(base, { method: 'POST', body, headers });

    it('answers PING with PONG', async () => {
      const body = JSON.stringify({ id: '1', type: 1, token: 't', version: 1, application_id: standIn.appId });
      const res = await post(body, signed(keys.privateKey, body));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ type: 1 });
    });

    it('accepts a validly signed command and answers in the response', async () => {
      const rec = standIn.sendCommand({ name: 'news', deliver: false });
      const body = JSON.stringify(rec.payload);
      const res = await post(body, signed(keys.privateKey, body));
      expect(res.status).toBe(200);
      const json = (await res.json()) as any;
      expect(json.type).toBe(4);
      expect(json.data.embeds[0].title).toBe('Latest news');
      const newest = (await bot.store.articles.latest({ limit: 1, offset: 0 })).items[0];
      expect(json.data.embeds[0].description).toContain(escapeMarkdown(newest.title));
      expect(json.data.allowed_mentions).toEqual({ parse: [] });
    });

    it('defers slow work in the response, then edits @original over REST', async () => {
      const rec = standIn.sendCommand({ name: 'summary', options: { article: SEED_ID }, deliver: false });
      // The stand-in learns of the deferral as Discord would after the HTTP answer.
      const body = JSON.stringify(rec.payload);
      const res = await post(body, signed(keys.privateKey, body));
      expect(await res.json()).toEqual({ type: 5, data: {} });
      rec.responseType = 5;
      rec.ephemeral = false;
      const patch = await standIn.waitFor(() => standIn.calls.find((c) => c.method === 'PATCH' && c.path.includes(rec.token)));
      expect(patch.path).toBe(`/webhooks/${standIn.appId}/${rec.token}/messages/@original`);
      const seed = (await bot.store.articles.get(SEED_ID))!;
      expect(patch.body.embeds[0].title).toBe(`BREAKING · ${escapeMarkdown(seed.title)}`);
      expect(patch.body.embeds[0].description).toMatch(/Modi is set to visit Russia/);
      expect(patch.body.allowed_mentions).toEqual({ parse: [] });
    });

    it('refuses a tampered body, an old timestamp, a wrong key and missing headers with 401', async () => {
      const rec = standIn.sendCommand({ name: 'news', deliver: false });
      const body = JSON.stringify(rec.payload);
      const good = signed(keys.privateKey, body);
      expect((await post(body.replace('news', 'summary'), good)).status).toBe(401);
      const old = String(Math.floor(Date.now() / 1000) - 6 * 60);
      expect((await post(body, signed(keys.privateKey, body, old))).status).toBe(401);
      expect((await post(body, signed(ed25519Keys().privateKey, body))).status).toBe(401);
      expect((await post(body, { 'content-type': 'application/json' })).status).toBe(401);
    });

    it('refuses missing or stale signature headers at the headers: 401 while the body is still unsent, then closes', async () => {
      const port = Number(new URL(base).port);
      const stale = String(Math.floor(Date.now() / 1000) - 6 * 60);
      for (const headers of ['', `X-Signature-Ed25519: ${'ab'.repeat(64)}\r\nX-Signature-Timestamp: ${stale}\r\n`]) {
        const client = await rawClient(port);
        client.send(`POST /discord/interactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${headers}Content-Length: 5000\r\n\r\n{"type":`);
        const text = await client.waitFor(/\r\n\r\n/);
        expect(text).toMatch(/^HTTP\/1\.1 401/);
        expect(text.toLowerCase()).toContain('connection: close');
        await client.closed;
      }
    }, 15_000);
  });
});
