import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { startDiscordStandIn, type DiscordStandIn, type InteractionRecord } from '../../standins/discord/index.js';
import { quiet, realBot, testConfig, type RealBot } from './helpers.js';

/**
 * /alerts list with more subscriptions than one Discord message holds (10 embeds, 6,000 characters): the real
 * discord.js Client against the stand-in, which refuses an over-limit message (400, code 50035). 25 alert
 * subscriptions and 2 briefings: every id is reached through the More button, each page a valid message.
 */
describe('Discord: /alerts list over 27 subscriptions', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let bot: RealBot;
  const ids: string[] = [];

  beforeAll(async () => {
    standIn = await startDiscordStandIn();
    bot = await realBot();
    adapter = await startDiscord({ config: testConfig(standIn), dispatcher: bot.dispatcher, logger: quiet });
    bot.ports.attach(adapter.port);
    const guild = standIn.guilds[0].id;
    const by = { id: '1', name: 'Ada' };
    for (let i = 1; i <= 25; i++) {
      const sub = await bot.store.subscriptions.create({
        platform: 'discord', workspace: guild, channel: `discord:${guild}/${9_000_000_000_000_000 + i}`, channelName: `desk-${i}`,
        minPriority: 'urgent', sections: ['world', 'politics', 'business'], keywords: ['flood', 'election', 'strike'],
      }, by, new Date('2026-11-20T13:00:00Z'));
      ids.push(sub.id);
    }
    for (const at of ['07:30', '18:00']) {
      const sub = await bot.store.subscriptions.create({
        platform: 'discord', workspace: guild, channel: `discord:${guild}/8999999999999999999`, channelName: 'morning', minPriority: 'routine',
        briefing: { at, tz: 'Europe/London', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
      }, by, new Date('2026-11-20T13:00:00Z'));
      ids.push(sub.id);
    }
  });

  afterAll(async () => {
    await adapter?.stop();
    await bot?.close();
    await standIn?.close();
  });

  const original = (rec: InteractionRecord) => standIn.messages.find((m) => m.id === rec.originalMessageId);

  it('pages with More and Previous: every subscription and briefing appears once, each page one accepted message', async () => {
    const rec = standIn.sendCommand({ name: 'alerts', subcommand: 'list', user: { admin: true } });
    const msg = await standIn.waitFor(() => rec.responseType !== undefined && original(rec));
    const seen: string[] = [];
    let page = msg;
    for (let n = 0; n < 10; n++) {
      expect(page.embeds.length).toBeLessThanOrEqual(10);
      const text = JSON.stringify(page.embeds);
      seen.push(...ids.filter((id) => text.includes(`${id} → #`)));
      const labels = page.components.flatMap((row) => row.components.map((b: { label: string }) => b.label));
      if (n > 0) expect(labels).toContain('Previous');
      const more = page.components.flatMap((row) => row.components).find((b) => b.label === 'More');
      if (!more) break;
      // An admin's answers are ephemeral: each page comes as a new ephemeral message (as /alerts sources pages do).
      const click = standIn.clickButton({ messageId: page.id, customId: more.custom_id, user: { admin: true } });
      page = await standIn.waitFor(() => click.responseType !== undefined && original(click));
      expect(page.flags & 64).toBe(64);
    }
    // Every answer and update was accepted: the stand-in refuses over-limit embeds with a 400.
    expect(standIn.calls.filter((c) => c.status >= 400)).toEqual([]);
    expect(seen).toHaveLength(27);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(page.content).toMatch(/^25 alert subscriptions and 2 briefings, \d+–27 here \\\(page 3 of 3\\\):/);
  });
});
