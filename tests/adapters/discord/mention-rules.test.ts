import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { P } from '../../standins/discord/permissions.js';
import { BOT_ROLE_PERMISSIONS } from '../../standins/discord/world.js';
import { startDiscordStandIn, type DiscordStandIn, type InteractionRecord } from '../../standins/discord/index.js';
import { quiet, realBot, testConfig, type RealBot } from './helpers.js';

/**
 * Pings per rule, end to end: /alerts mention through a real interaction (discord.js gateway), then stories through the
 * store, outbox and Discord port; the stand-in computes who each alert actually pinged (allowed_mentions, role rules).
 */
describe('mention rules on Discord', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let bot: RealBot;
  const guild = () => standIn.guilds[0];
  const channel = () => guild().channel('desk');
  const answered = (rec: InteractionRecord) => standIn.waitFor(() => rec.responseType !== undefined && standIn.messages.find((m) => m.id === rec.originalMessageId && !(m.flags & 128)));
  const alertFor = (title: string) => standIn.waitFor(() => standIn.messages.find((m) => m.channelId === channel().id && m.embeds[0]?.title?.endsWith(title)));

  beforeAll(async () => {
    standIn = await startDiscordStandIn({
      // Mention Everyone lets the bot ping roles that are not mentionable (only the roles allowed_mentions lists).
      guilds: [{ botPermissions: BOT_ROLE_PERMISSIONS | P.MentionEveryone, channels: [{ name: 'desk' }] }],
    });
    bot = await realBot();
    adapter = await startDiscord({ config: testConfig(standIn), dispatcher: bot.dispatcher, logger: quiet });
    bot.ports.attach(adapter.port);
  });

  afterAll(async () => {
    await adapter?.stop();
    await bot?.close();
    await standIn?.close();
  });

  it('each rule pings only the alerts that match it; the subscription\'s own role still only on breaking; article text never pings', async () => {
    const g = guild();
    // Roles stand for @Elections (the editors' role here) and @Markets (the admins' role), @Breaking the bot's.
    const [elections, markets, breaking] = [g.editorRoleId, g.adminRoleId, g.botRoleId];
    const actor = { id: 'U1', name: 'Ada', platform: 'discord' as const, workspace: g.id };
    const sub = await bot.alerts.service.subscribe({
      platform: 'discord', workspace: g.id, channel: `discord:${g.id}/${channel().id}`, minPriority: 'routine', mentionRoleId: breaking,
    }, actor);

    const first = standIn.sendCommand({ name: 'alerts', subcommand: 'mention', options: { id: sub.id, mention: elections, if: 'section=politics' }, user: { admin: true } });
    expect((await answered(first)).content).toContain(`Mention rule added to ${sub.id}`);
    const second = standIn.sendCommand({ name: 'alerts', subcommand: 'mention', options: { id: sub.id, mention: markets, if: 'keywords=shares,rates', min_priority: 'urgent' }, user: { admin: true } });
    await answered(second);
    expect((await bot.store.subscriptions.get(sub.id))?.mentionRules).toEqual([
      { mention: elections, sections: ['politics'], keywords: [], minPriority: null },
      { mention: markets, sections: [], keywords: ['shares', 'rates'], minPriority: 'urgent' },
    ]);

    await bot.store.articles.upsert({ id: 'm1', url: 'https://news.example/m1', title: 'Coalition talks resume', priority: 'routine', section: 'politics' });
    await bot.store.articles.upsert({ id: 'm2', url: 'https://news.example/m2', title: 'Central bank raises rates', priority: 'routine', section: 'business' });
    await bot.store.articles.upsert({ id: 'm3', url: 'https://news.example/m3', title: 'Shares slump as rates rise', priority: 'urgent', section: 'business' });
    await bot.store.articles.upsert({ id: 'm4', url: 'https://news.example/m4', title: 'Snap election: shares fall <@&1> @everyone', priority: 'breaking', section: 'politics' });
    await bot.store.articles.upsert({ id: 'm5', url: 'https://news.example/m5', title: 'Local fair opens', priority: 'routine', section: 'culture' });

    const pings = async (title: string) => {
      const m = await alertFor(title);
      return { roles: [...m.pings.roles].sort(), everyone: m.pings.everyone, allowed: m.allowedMentions };
    };
    expect(await pings('Coalition talks resume')).toEqual({ roles: [elections], everyone: false, allowed: { parse: [], roles: [elections] } });
    // A keyword rule with min_priority urgent: a routine story about rates pings nobody; an urgent one pings @Markets.
    expect(await pings('Central bank raises rates')).toEqual({ roles: [], everyone: false, allowed: { parse: [] } });
    expect(await pings('Shares slump as rates rise')).toEqual({ roles: [markets], everyone: false, allowed: { parse: [], roles: [markets] } });
    // Breaking, in politics, about shares: the subscription's own role and both rules — three pings, no more.
    const all = await pings('Snap election: shares fall <@&1> @everyone');
    expect(all).toEqual({ roles: [breaking, elections, markets].sort(), everyone: false, allowed: { parse: [], roles: [breaking, elections, markets] } });
    expect(await pings('Local fair opens')).toEqual({ roles: [], everyone: false, allowed: { parse: [] } });

    const clear = standIn.sendCommand({ name: 'alerts', subcommand: 'mention', options: { id: sub.id, clear: true }, user: { admin: true } });
    expect((await answered(clear)).content).toBe(`Mention rules cleared for ${sub.id}.`);
    expect((await bot.store.subscriptions.get(sub.id))?.mentionRules).toEqual([]);
  });
});
