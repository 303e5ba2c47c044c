import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { commandsPayload } from '../../../src/adapters/discord/registration.js';
import type { Dispatcher } from '../../../src/core/dispatcher.js';
import { P } from '../../standins/discord/permissions.js';
import { computePings } from '../../standins/discord/permissions.js';
import { startDiscordStandIn, type DiscordStandIn, type InteractionRecord } from '../../standins/discord/index.js';
import { quiet, testConfig, testDispatcher } from './helpers.js';

/** The real discord.js Client, logged into the stand-in, answering slash commands through the core dispatcher. */
describe('Discord adapter, gateway interactions', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let dispatcher: Dispatcher;
  let config: ReturnType<typeof testConfig>;

  beforeAll(async () => {
    // The bot may mention everyone here, so only allowed_mentions stands between article text and a ping.
    standIn = await startDiscordStandIn({ guilds: [{ botPermissions: BigInt(P.ViewChannel | P.SendMessages | P.EmbedLinks | P.MentionEveryone | P.CreatePublicThreads | P.SendMessagesInThreads) }] });
    dispatcher = testDispatcher();
    config = testConfig(standIn);
    adapter = await startDiscord({ config, dispatcher, logger: quiet });
  });

  afterAll(async () => {
    await adapter?.stop();
    await standIn?.close();
  });

  const original = (rec: InteractionRecord) => standIn.messages.find((m) => m.id === rec.originalMessageId);
  const answered = (rec: InteractionRecord) => standIn.waitFor(() => rec.responseType !== undefined && original(rec));

  it('logs in with the Guilds intent only and is ready', () => {
    expect(adapter.isReady()).toBe(true);
    expect(standIn.connectedClients).toBe(1);
  });

  it('registers to the guild exactly what the core definitions describe', () => {
    const put = standIn.calls.filter((c) => c.method === 'PUT');
    expect(put).toHaveLength(1);
    expect(put[0].path).toBe(`/applications/${standIn.appId}/guilds/${standIn.guilds[0].id}/commands`);
    expect(put[0].body).toEqual(commandsPayload(dispatcher.commands));
    const [newsCmd, summary, alerts] = put[0].body;
    expect(newsCmd.options.find((o: any) => o.name === 'section')).toMatchObject({ type: 3, autocomplete: true });
    expect(newsCmd.options.find((o: any) => o.name === 'page')).toMatchObject({ type: 4, min_value: 1, max_value: 50 });
    expect(summary.options.find((o: any) => o.name === 'length').choices).toHaveLength(2);
    expect(alerts).toMatchObject({ default_member_permissions: String(1 << 5), dm_permission: false, contexts: [0] });
    const subscribe = alerts.options.find((o: any) => o.name === 'subscribe');
    expect(subscribe.type).toBe(1);
    // required options come first, as Discord demands
    expect(subscribe.options.map((o: any) => [o.name, o.type])).toEqual([['channel', 7], ['priority', 3], ['role', 8], ['quiet', 5]]);
    expect(newsCmd.default_member_permissions).toBeNull();
  });

  it('answers /news in the channel with embeds, a More button and allowed_mentions parse []', async () => {
    const rec = standIn.sendCommand({ name: 'news' });
    const msg = await answered(rec);
    expect(rec.responseType).toBe(4);
    expect(msg.flags & 64).toBe(0);
    expect(msg.allowedMentions).toEqual({ parse: [] });
    expect(msg.embeds[0].title).toBe('Latest news');
    expect(msg.embeds[0].description).toContain('[Flood defences hold in river town, report 1](https://news.example/story-1)');
    const button = msg.components[0].components[0];
    expect(button).toMatchObject({ type: 2, label: 'More' });
    expect(button.custom_id.length).toBeLessThanOrEqual(100);
  });

  it('pages forward when More is clicked, by updating the message', async () => {
    const rec = standIn.sendCommand({ name: 'news' });
    const msg = await answered(rec);
    const click = standIn.clickButton({ messageId: msg.id, customId: msg.components[0].components[0].custom_id });
    await standIn.waitFor(() => click.responseType !== undefined);
    expect(click.responseType).toBe(7);
    const updated = standIn.messages.find((m) => m.id === msg.id)!;
    expect(updated.embeds[0].title).toBe('Latest news · page 2');
    expect(updated.history).toHaveLength(2);
  });

  it('answers an expired or foreign button id with a clear ephemeral message', async () => {
    const msg = await answered(standIn.sendCommand({ name: 'news' }));
    for (const customId of ['news:p:!!!not-base64', 'someone-elses-button']) {
      const click = standIn.clickButton({ messageId: msg.id, customId, unchecked: true });
      const reply = await answered(click);
      expect(click.responseType).toBe(4);
      expect(reply.flags & 64).toBe(64);
      expect(reply.content).toMatch(/expired/i);
    }
  });

  it('defers slow work, then edits the deferred reply', async () => {
    const rec = standIn.sendCommand({ name: 'summary', options: { article: 'story-2' } });
    await standIn.waitFor(() => standIn.calls.some((c) => c.method === 'PATCH' && c.path.includes(rec.token) && c.status === 200));
    expect(rec.responseType).toBe(5);
    expect(rec.ephemeral).toBe(false);
    const msg = original(rec)!;
    expect(msg.embeds[0].title).toBe('Flood defences hold in river town, report 2');
    expect(msg.embeds[0].description).toBe('First sentence of story 2. Second sentence.');
  });

  it('turns an error after a public defer into an ephemeral follow-up', async () => {
    const rec = standIn.sendCommand({ name: 'summary', options: { article: 'no-such-story' } });
    const followUp = await standIn.waitFor(() => standIn.messages.find((m) => m.interactionToken === rec.token && m.id !== rec.originalMessageId));
    expect(followUp.flags & 64).toBe(64);
    expect(followUp.content).toContain('No story with id no-such-story');
    expect(original(rec)!.deleted).toBe(true);
  });

  it('suggests headlines for /summary article (≤ 25, values are ids)', async () => {
    const rec = standIn.sendAutocomplete({ name: 'summary', focused: 'article', value: 'report 1' });
    const choices = await standIn.waitFor(() => rec.choices);
    expect(rec.responseType).toBe(8);
    expect(choices.length).toBeGreaterThan(0);
    expect(choices.length).toBeLessThanOrEqual(25);
    expect(choices.map((c) => c.value)).toContain('story-1');
    const sections = standIn.sendAutocomplete({ name: 'news', focused: 'section', value: 'wor' });
    expect(await standIn.waitFor(() => sections.choices)).toEqual([{ name: 'world', value: 'world' }]);
  });

  it('waits out a 429 on the message route and the answer lands exactly once', async () => {
    standIn.failNext({ method: 'PATCH', path: '/messages/@original', status: 429, retryAfterMs: 300 });
    const rec = standIn.sendCommand({ name: 'summary', options: { article: 'story-3' } });
    await standIn.waitFor(() => standIn.calls.some((c) => c.method === 'PATCH' && c.path.includes(rec.token) && c.status === 200));
    const patches = standIn.calls.filter((c) => c.method === 'PATCH' && c.path.includes(rec.token));
    expect(patches.map((c) => c.status)).toEqual([429, 200]);
    const messages = standIn.messages.filter((m) => m.interactionToken === rec.token);
    expect(messages).toHaveLength(1);
    expect(messages[0].history).toHaveLength(2); // the "thinking…" placeholder, then the one edit
  });

  it('refuses /alerts to a member without Manage Server, ephemerally', async () => {
    const rec = standIn.sendCommand({ name: 'alerts', subcommand: 'list' });
    const msg = await answered(rec);
    expect(msg.flags & 64).toBe(64);
    expect(msg.content).toMatch(/Only admins/);
    expect(standIn.commands.get(standIn.guilds[0].id)!.find((c) => c.name === 'alerts')!.default_member_permissions).toBe('32');
  });

  it('lets an admin, and a holder of an editor role, use /alerts; answers are ephemeral', async () => {
    const guild = standIn.guilds[0];
    const channel = guild.channel('breaking').id;
    const asAdmin = standIn.sendCommand({ name: 'alerts', subcommand: 'subscribe', options: { channel, role: guild.editorRoleId }, user: { admin: true } });
    const adminMsg = await answered(asAdmin);
    expect(adminMsg.flags & 64).toBe(64);
    expect(adminMsg.content).toContain(`alerts subscribe: discord:${guild.id}/${channel} role ${guild.editorRoleId}`);
    const asEditor = standIn.sendCommand({ name: 'alerts', subcommand: 'list', user: { roles: [guild.editorRoleId] } });
    expect((await answered(asEditor)).content).toMatch(/^alerts list/);
  });

  it('an article titled @everyone and <@&123> pings nobody', async () => {
    const rec = standIn.sendCommand({ name: 'news', options: { query: 'everyone' } });
    const msg = await answered(rec);
    expect(msg.embeds[0].description).toContain('everyone look');
    expect(msg.allowedMentions).toEqual({ parse: [] });
    expect(msg.pings).toEqual({ everyone: false, roles: [], users: [] });
    // The same text without allowed_mentions would have pinged: the check above can fail.
    expect(computePings('@everyone <@&123>', undefined, BigInt(P.MentionEveryone), []).everyone).toBe(true);
  });

  it('re-registers at start-up only when the definitions changed', async () => {
    const before = standIn.calls.filter((c) => c.method === 'PUT').length;
    const again = await startDiscord({ config, dispatcher, logger: quiet });
    await again.stop();
    expect(standIn.calls.filter((c) => c.method === 'PUT').length).toBe(before);
  });

  it('stop() finishes a reply in flight, then logs out and takes no more interactions', async () => {
    const held = standIn.hold({ method: 'PATCH', path: '/messages/@original' });
    const rec = standIn.sendCommand({ name: 'summary', options: { article: 'story-5' } });
    await held.arrived;
    let stopped = false;
    const stopping = adapter.stop().then(() => (stopped = true));
    await standIn.waitFor(() => !adapter.isReady());
    expect(stopped).toBe(false);
    held.release();
    await stopping;
    const patch = standIn.calls.find((c) => c.method === 'PATCH' && c.path.includes(rec.token))!;
    expect(patch.status).toBe(200);
    await standIn.waitFor(() => standIn.connectedClients === 0);
  });
});
