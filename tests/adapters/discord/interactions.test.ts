import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { escapeMarkdown } from '../../../src/adapters/discord/markdown.js';
import { commandsPayload } from '../../../src/adapters/discord/registration.js';
import type { Article } from '../../../src/domain/article.js';
import { P, computePings } from '../../standins/discord/permissions.js';
import { startDiscordStandIn, type DiscordStandIn, type InteractionRecord } from '../../standins/discord/index.js';
import { validateMessage } from '../../standins/discord/validate.js';
import { SEED_ID, quiet, realBot, testConfig, type RealBot } from './helpers.js';

/**
 * The real discord.js Client, logged into the stand-in, answering slash commands through the real dispatcher,
 * commands, SQLite store (loaded with data/articles), summarizer and alerts service.
 */
describe('Discord adapter, gateway interactions (real store and commands)', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let bot: RealBot;
  let config: ReturnType<typeof testConfig>;
  let newest: Article[];

  beforeAll(async () => {
    // The bot may mention everyone here, so only allowed_mentions stands between article text and a ping.
    standIn = await startDiscordStandIn({ guilds: [{ botPermissions: BigInt(P.ViewChannel | P.SendMessages | P.EmbedLinks | P.MentionEveryone | P.CreatePublicThreads | P.SendMessagesInThreads) }] });
    bot = await realBot();
    config = testConfig(standIn);
    adapter = await startDiscord({ config, dispatcher: bot.dispatcher, logger: quiet });
    bot.ports.attach(adapter.port);
    newest = (await bot.store.articles.latest({ limit: 10, offset: 0 })).items;
  });

  afterAll(async () => {
    await adapter?.stop();
    await bot?.close();
    await standIn?.close();
  });

  const original = (rec: InteractionRecord) => standIn.messages.find((m) => m.id === rec.originalMessageId);
  const answered = (rec: InteractionRecord) => standIn.waitFor(() => rec.responseType !== undefined && original(rec));
  const editedOk = (rec: InteractionRecord) =>
    standIn.waitFor(() => standIn.calls.find((c) => c.method === 'PATCH' && c.path.includes(rec.token) && c.status === 200));

  it('logs in with the Guilds intent only and is ready', () => {
    expect(adapter.isReady()).toBe(true);
    expect(standIn.connectedClients).toBe(1);
  });

  it('registers to the guild exactly what the real command definitions describe, and the stand-in accepts it', () => {
    const put = standIn.calls.filter((c) => c.method === 'PUT');
    expect(put).toHaveLength(1);
    expect(put[0].status).toBe(200);
    expect(put[0].path).toBe(`/applications/${standIn.appId}/guilds/${standIn.guilds[0].id}/commands`);
    expect(put[0].body).toEqual(commandsPayload(bot.dispatcher.commands));
    expect(put[0].body.map((c: any) => c.name)).toEqual(['news', 'summary', 'alerts', 'help']);
    const [newsCmd, summary, alerts] = put[0].body;
    expect(newsCmd.default_member_permissions).toBeNull();
    expect(newsCmd.options.find((o: any) => o.name === 'section')).toMatchObject({ type: 3, autocomplete: true });
    expect(newsCmd.options.find((o: any) => o.name === 'page')).toMatchObject({ type: 4, min_value: 1, max_value: 50 });
    expect(summary.options.find((o: any) => o.name === 'article')).toMatchObject({ type: 3, autocomplete: true, max_length: 500 });
    expect(summary.options.find((o: any) => o.name === 'length').choices.map((c: any) => c.value)).toEqual(['short', 'standard', 'long']);
    expect(alerts).toMatchObject({ default_member_permissions: String(1 << 5), dm_permission: false, contexts: [0] });
    const subscribe = alerts.options.find((o: any) => o.name === 'subscribe');
    expect(subscribe.type).toBe(1);
    expect(subscribe.options.map((o: any) => [o.name, o.type])).toEqual([
      ['channel', 7], ['min_priority', 3], ['sections', 3], ['keywords', 3], ['mention', 8], ['threads', 5], ['publish', 5], ['approval', 7],
    ]);
    expect(subscribe.options[0].channel_types).toEqual([0, 5, 10, 11, 15]);
  });

  it('answers /news in the channel with the newest stored stories, a More button and allowed_mentions parse []', async () => {
    const rec = standIn.sendCommand({ name: 'news' });
    const msg = await answered(rec);
    expect(rec.responseType).toBe(4);
    expect(msg.flags & 64).toBe(0);
    expect(msg.allowedMentions).toEqual({ parse: [] });
    expect(msg.embeds[0].title).toBe('Latest news');
    for (const a of newest.slice(0, 5)) expect(msg.embeds[0].description).toContain(escapeMarkdown(a.title));
    expect(msg.embeds[0].description).not.toContain(escapeMarkdown(newest[5].title));
    const button = msg.components[0].components[0];
    expect(button).toMatchObject({ type: 2, label: 'More' });
    expect(button.custom_id.length).toBeLessThanOrEqual(100);
  });

  it('pages forward when More is clicked, by updating the message with the next stories', async () => {
    const msg = await answered(standIn.sendCommand({ name: 'news' }));
    const click = standIn.clickButton({ messageId: msg.id, customId: msg.components[0].components[0].custom_id });
    await standIn.waitFor(() => click.responseType !== undefined);
    expect(click.responseType).toBe(7);
    const updated = standIn.messages.find((m) => m.id === msg.id)!;
    expect(updated.embeds[0].title).toBe('Latest news · page 2');
    for (const a of newest.slice(5, 10)) expect(updated.embeds[0].description).toContain(escapeMarkdown(a.title));
    expect(updated.embeds[0].description).not.toContain(escapeMarkdown(newest[0].title));
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

  it('defers /summary (it may be slow), then edits the deferred reply with the summarizer\'s key points', async () => {
    const story = newest[1];
    const rec = standIn.sendCommand({ name: 'summary', options: { article: story.id } });
    await editedOk(rec);
    expect(rec.responseType).toBe(5);
    expect(rec.ephemeral).toBe(false);
    const embed = original(rec)!.embeds[0];
    expect(embed.title).toContain(escapeMarkdown(story.title));
    const points = bot.services.summarizer.summarize(story, 3);
    expect(points).toHaveLength(3);
    expect(embed.description).toBe(points.map((p) => `• ${escapeMarkdown(p)}`).join('\n'));
  });

  it('/summary of the seed article says Modi will visit Russia, in an embed the strict stand-in accepts', async () => {
    const rec = standIn.sendCommand({ name: 'summary', options: { article: SEED_ID } });
    const patch = await editedOk(rec);
    expect(validateMessage(patch.body)).toBeNull();
    const embed = original(rec)!.embeds[0];
    expect(embed.title).toBe('BREAKING · Russian State Media Reports That Indian PM Narendra Modi Will Soon Visit Moscow');
    expect(embed.description).toMatch(/Modi is set to visit Russia/);
    expect(embed.footer.text).toContain(`id ${SEED_ID}`);
    expect(original(rec)!.allowedMentions).toEqual({ parse: [] });
  });

  it('turns an error after a public defer into an ephemeral follow-up', async () => {
    const rec = standIn.sendCommand({ name: 'summary', options: { article: 'no-such-story' } });
    const followUp = await standIn.waitFor(() => standIn.messages.find((m) => m.interactionToken === rec.token && m.id !== rec.originalMessageId));
    expect(followUp.flags & 64).toBe(64);
    expect(followUp.content).toContain('No article matches “no-such-story”');
    expect(original(rec)!.deleted).toBe(true);
  });

  it('suggests stored headlines for /summary article (≤ 25, values are ids) and sections for /news section', async () => {
    const rec = standIn.sendAutocomplete({ name: 'summary', focused: 'article', value: 'modi' });
    const choices = await standIn.waitFor(() => rec.choices);
    expect(rec.responseType).toBe(8);
    expect(choices.length).toBeLessThanOrEqual(25);
    expect(choices).toContainEqual({ name: 'Russian State Media Reports That Indian PM Narendra Modi Will Soon Visit Moscow', value: SEED_ID });
    expect(choices.map((c) => c.value)).toContain('nw-20261124-modi-tokyo');
    const sections = standIn.sendAutocomplete({ name: 'news', focused: 'section', value: 'wor' });
    expect(await standIn.waitFor(() => sections.choices)).toEqual([{ name: 'world', value: 'world' }]);
  });

  it('waits out a 429 on the message route and the answer lands exactly once', async () => {
    standIn.failNext({ method: 'PATCH', path: '/messages/@original', status: 429, retryAfterMs: 300 });
    const rec = standIn.sendCommand({ name: 'summary', options: { article: newest[2].id } });
    await editedOk(rec);
    const patches = standIn.calls.filter((c) => c.method === 'PATCH' && c.path.includes(rec.token));
    expect(patches.map((c) => c.status)).toEqual([429, 200]);
    const messages = standIn.messages.filter((m) => m.interactionToken === rec.token);
    expect(messages).toHaveLength(1);
    expect(messages[0].history).toHaveLength(2); // the "thinking…" placeholder, then the one edit
    expect(messages[0].embeds[0].title).toContain(escapeMarkdown(newest[2].title));
  });

  it('refuses /alerts to a member without Manage Server, ephemerally, and changes nothing', async () => {
    const rec = standIn.sendCommand({ name: 'alerts', subcommand: 'list' });
    const msg = await answered(rec);
    expect(msg.flags & 64).toBe(64);
    expect(msg.content).toMatch(/Only admins can use \/alerts/);
    expect(standIn.commands.get(standIn.guilds[0].id)!.find((c) => c.name === 'alerts')!.default_member_permissions).toBe('32');
  });

  it('lets an admin (Manage Server) subscribe a channel with a role, and an editor-role holder list it; answers are ephemeral', async () => {
    const guild = standIn.guilds[0];
    const channel = guild.channel('breaking').id;
    const scope = { platform: 'discord' as const, workspace: guild.id };
    const asAdmin = standIn.sendCommand({ name: 'alerts', subcommand: 'subscribe', options: { channel, mention: guild.editorRoleId }, user: { admin: true } });
    const adminMsg = await answered(asAdmin);
    expect(adminMsg.flags & 64).toBe(64);
    const subs = await bot.alerts.service.list(scope);
    expect(subs).toHaveLength(1);
    const id = subs[0].id;
    // The reply text is escaped as Discord markdown, so its parentheses arrive as \( \).
    expect(adminMsg.content).toBe(`Subscribed \\(id ${id}\\). Try /alerts test ${id}.`);
    expect(subs[0]).toMatchObject({ channel: `discord:${guild.id}/${channel}`, mentionRoleId: guild.editorRoleId, minPriority: 'breaking' });

    const asEditor = standIn.sendCommand({ name: 'alerts', subcommand: 'list', user: { roles: [guild.editorRoleId] } });
    const editorMsg = await answered(asEditor);
    expect(editorMsg.flags & 64).toBe(64);
    expect(editorMsg.content).toBe('1 alert subscription:\nOperations notices: none \\(/alerts ops #channel names where trouble is said\\).');
    expect(JSON.stringify(editorMsg.embeds)).toContain(id);
  });

  it('an article titled @everyone <@&123>, ingested into the store, pings nobody', async () => {
    await bot.store.articles.upsert({
      id: 'ping-attempt', title: '@everyone <@&123>', dek: 'Untrusted text with <@&123> and @here inside.',
      body: 'Readers were told @everyone should look. <@&123> was named. The text is inert.', section: 'world',
      publishedAt: '2026-11-01T09:00:00Z',
    });
    const rec = standIn.sendCommand({ name: 'news', options: { query: 'everyone' } });
    const msg = await answered(rec);
    expect(msg.embeds[0].description).toContain('everyone');
    expect(msg.embeds[0].description).toContain('ping-attempt');
    expect(msg.allowedMentions).toEqual({ parse: [] });
    expect(msg.pings).toEqual({ everyone: false, roles: [], users: [] });
    const summary = standIn.sendCommand({ name: 'summary', options: { article: 'ping-attempt' } });
    await editedOk(summary);
    expect(original(summary)!.embeds[0].title).toContain('everyone');
    expect(original(summary)!.pings).toEqual({ everyone: false, roles: [], users: [] });
    // The same text without allowed_mentions would have pinged: the checks above can fail.
    expect(computePings('@everyone <@&123>', undefined, BigInt(P.MentionEveryone), []).everyone).toBe(true);
  });

  it('re-registers at start-up only when the definitions changed', async () => {
    const before = standIn.calls.filter((c) => c.method === 'PUT').length;
    const again = await startDiscord({ config, dispatcher: bot.dispatcher, logger: quiet });
    await again.stop();
    expect(standIn.calls.filter((c) => c.method === 'PUT').length).toBe(before);
  });

  it('stop() finishes a reply in flight, then logs out and takes no more interactions', async () => {
    const held = standIn.hold({ method: 'PATCH', path: '/messages/@original' });
    const rec = standIn.sendCommand({ name: 'summary', options: { article: SEED_ID } });
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
