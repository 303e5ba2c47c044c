import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { startAlerts, type Alerts } from '../../../src/alerts/index.js';
import { loadConfig } from '../../../src/config.js';
import { createDispatcher } from '../../../src/core/dispatcher.js';
import type { Services } from '../../../src/core/services.js';
import { systemClock } from '../../../src/domain/clock.js';
import { PortRegistry } from '../../../src/outbound/registry.js';
import { openSqliteStore, type SqliteStore } from '../../../src/store/sqlite/index.js';
import { SqliteSubscriptions } from '../../../src/store/sqlite/subscriptions.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { quietLogger } from '../harness.js';

/**
 * Discord's per-channel bucket is not a number to hard-code: this stand-in allows 2 messages per 3 s in a channel
 * (not the 5 per 5 s the pacer assumes before it hears), and says so in its X-RateLimit-* headers. Following them,
 * several alerts to one channel arrive without a single 429. Nothing here measures time.
 */
describe('alerts through Discord follow the rate-limit headers (stand-in)', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let alerts: Alerts;
  let store: SqliteStore;

  beforeAll(async () => {
    standIn = await startDiscordStandIn({ guilds: [{ channels: [{ name: 'wire' }] }], limits: { channelMessages: { limit: 2, windowMs: 3_000 } } });
    store = openSqliteStore(':memory:', { now: systemClock });
    const config = loadConfig({
      DISCORD_TOKEN: standIn.token, DISCORD_APPLICATION_ID: standIn.appId, DISCORD_API_URL: standIn.apiUrl,
      DISCORD_GUILD_ID: standIn.guilds[0].id, DATA_DIR: mkdtempSync(join(tmpdir(), 'newsdesk-discord-headers-')), LOG_LEVEL: 'silent',
    });
    const services = { articles: store.articles } as unknown as Services;
    adapter = await startDiscord({ config, dispatcher: createDispatcher({ commands: [], services, logger: quietLogger, now: systemClock }), logger: quietLogger });
    const ports = new PortRegistry([adapter.port]);
    alerts = startAlerts({ store, ports, logger: quietLogger, config: { TIMEZONE: 'UTC' }, now: systemClock });
  });

  afterAll(async () => {
    await alerts?.stop();
    await adapter?.stop();
    await standIn?.close();
    await store?.close();
  });

  it('posts five breaking stories to one channel with no 429: the bucket Discord reports is the one kept', async () => {
    const guild = standIn.guilds[0];
    const channelId = guild.channel('wire').id;
    await new SqliteSubscriptions(store.db).create(
      { platform: 'discord', workspace: guild.id, channel: `discord:${guild.id}/${channelId}`, minPriority: 'breaking' }, { id: 'U1', name: 'Ada' }, new Date(),
    );
    const titles = ['Ferry runs aground off the cape', 'Parliament dissolved by decree', 'Volcano erupts near the border', 'Central bank halts trading', 'Wildfire reaches the suburbs'];
    for (const [i, title] of titles.entries()) await store.articles.upsert({ id: `h${i}`, title, priority: 'breaking' });
    await standIn.waitFor(() => standIn.messages.filter((m) => m.channelId === channelId).length === titles.length, 30_000);
    const posts = standIn.calls.filter((c) => c.method === 'POST' && c.path === `/channels/${channelId}/messages`);
    expect(posts.map((c) => c.status)).toEqual(titles.map(() => 200));
  });
});
