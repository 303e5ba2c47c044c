import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { startSlack, type SlackAdapter } from '../../../src/adapters/slack/index.js';
import { startAlerts, type Alerts } from '../../../src/alerts/index.js';
import { loadConfig } from '../../../src/config.js';
import { createDispatcher } from '../../../src/core/dispatcher.js';
import type { Services } from '../../../src/core/services.js';
import { HttpServer } from '../../../src/server/http.js';
import { openSqliteStore, type SqliteStore } from '../../../src/store/sqlite/index.js';
import { PortRegistry } from '../../../src/outbound/registry.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { startSlackStandIn, type SlackStandIn } from '../../standins/slack/index.js';
import { SLACK_LIMITS } from '../../standins/slack/limits.js';
import { quietLogger } from '../harness.js';

/**
 * A scheduled briefing through the real adapters (discord.js, Bolt's WebClient) against the strict stand-ins: posted
 * once, at its time, by the dispatcher's store-armed timer. The application clock is injected: set a second or two
 * before the run's minute once everything is up, then following real time.
 */
function settableClock() {
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  return Object.assign(now, { set: (iso: string) => (offset = Date.parse(iso) - Date.now()) });
}

const schedule = { at: '07:30', tz: 'Europe/London', days: ['mon', 'tue', 'wed', 'thu', 'fri'] as Array<'mon' | 'tue' | 'wed' | 'thu' | 'fri'> };
const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function seed(store: SqliteStore): Promise<void> {
  await store.articles.upsert({ id: 'w1', title: 'Ceasefire talks resume in Lenna', dek: 'Envoys meet at dawn.', section: 'world', source: 'Desk', publishedAt: '2026-11-25T18:00:00Z' });
  await store.articles.upsert({ id: 'old', title: 'Harbour reopens after storm', section: 'world', source: 'Desk', publishedAt: '2026-11-24T07:00:00Z' });
}

describe('a scheduled briefing through the stand-ins', () => {
  it('Discord: posted once at its time, with the period\'s stories', async () => {
    const standIn: DiscordStandIn = await startDiscordStandIn({ guilds: [{ channels: [{ name: 'morning' }] }] });
    stops.push(() => standIn.close());
    const now = settableClock();
    now.set('2026-11-26T07:00:00Z');
    const store = openSqliteStore(':memory:', { now });
    stops.push(() => store.close());
    const config = loadConfig({
      DISCORD_TOKEN: standIn.token, DISCORD_APPLICATION_ID: standIn.appId, DISCORD_API_URL: standIn.apiUrl,
      DISCORD_GUILD_ID: standIn.guilds[0].id, DATA_DIR: mkdtempSync(join(tmpdir(), 'newsdesk-briefing-')), LOG_LEVEL: 'silent',
    });
    const adapter: DiscordAdapter = await startDiscord({ config, dispatcher: createDispatcher({ commands: [], services: { articles: store.articles } as unknown as Services, logger: quietLogger, now }), logger: quietLogger });
    stops.push(() => adapter.stop());
    const alerts: Alerts = startAlerts({ store, ports: new PortRegistry([adapter.port]), logger: quietLogger, config: { TIMEZONE: 'UTC' }, now });
    stops.push(() => alerts.stop());
    await seed(store);
    const guild = standIn.guilds[0];
    const channelId = guild.channel('morning').id;
    now.set('2026-11-26T07:29:58.500Z');
    await alerts.service.briefing({ platform: 'discord', workspace: guild.id, channel: `discord:${guild.id}/${channelId}`, schedule, sections: ['world'] }, { id: 'U1', name: 'Ada', platform: 'discord', workspace: guild.id });
    const posted = await standIn.waitFor(() => standIn.messages.find((m) => m.channelId === channelId), 10_000);
    const shown = JSON.stringify([posted.content, posted.embeds]);
    expect(shown).toContain('Briefing: top stories in world since 07:30 yesterday:');
    expect(shown).toContain('Ceasefire talks resume in Lenna');
    expect(shown).not.toContain('Harbour reopens');
    await new Promise((r) => setTimeout(r, 800));
    expect(standIn.messages.filter((m) => m.channelId === channelId && !m.deleted)).toHaveLength(1);
  });

  it('Slack: posted once at its time; an empty period is one line', async () => {
    const standIn: SlackStandIn = await startSlackStandIn({ teams: [{ channels: [{ id: 'C0MORNING', name: 'morning' }] }], limits: SLACK_LIMITS });
    stops.push(() => standIn.close());
    const now = settableClock();
    now.set('2026-11-26T07:00:00Z');
    const store = openSqliteStore(':memory:', { now });
    stops.push(() => store.close());
    const config = loadConfig({
      SLACK_BOT_TOKEN: standIn.botToken, SLACK_SIGNING_SECRET: standIn.signingSecret, SLACK_API_URL: standIn.apiUrl,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'newsdesk-briefing-slack-')), LOG_LEVEL: 'silent',
    });
    const adapter: SlackAdapter = await startSlack({
      config, dispatcher: createDispatcher({ commands: [], services: { articles: store.articles } as unknown as Services, logger: quietLogger, now }), logger: quietLogger,
      http: new HttpServer(), retryConfig: { retries: 0 },
    });
    stops.push(() => adapter.stop());
    const alerts: Alerts = startAlerts({ store, ports: new PortRegistry([adapter.port]), logger: quietLogger, config: { TIMEZONE: 'UTC' }, now });
    stops.push(() => alerts.stop());
    await seed(store);
    const team = standIn.teams[0].id;
    now.set('2026-11-26T07:29:58.500Z');
    // Politics had nothing since yesterday's run time: one line.
    await alerts.service.briefing({ platform: 'slack', workspace: team, channel: `slack:${team}/C0MORNING`, schedule, sections: ['politics'] }, { id: 'U0ADMIN', name: 'ada', platform: 'slack', workspace: team });
    const posted = await standIn.waitFor(() => standIn.messages.find((m) => m.channel === 'C0MORNING'), 10_000);
    expect(JSON.stringify([posted.text, posted.blocks])).toContain('Nothing new since 07:30 yesterday in politics.');
    await new Promise((r) => setTimeout(r, 800));
    expect(standIn.messages.filter((m) => m.channel === 'C0MORNING')).toHaveLength(1);
  });
});
