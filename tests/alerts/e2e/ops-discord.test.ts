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
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { P } from '../../standins/discord/permissions.js';
import { quietLogger } from '../harness.js';

/**
 * A channel that loses the bot's Send Messages, against the strict Discord stand-in: the subscription is paused and
 * exactly one notice reaches the server's operations channel; an admin's resume, one recovery notice.
 */
describe('operations notices through Discord (stand-in)', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let alerts: Alerts;
  let store: SqliteStore;

  beforeAll(async () => {
    standIn = await startDiscordStandIn({ guilds: [{ channels: [{ name: 'breaking' }, { name: 'newsroom-ops' }] }] });
    store = openSqliteStore(':memory:', { now: systemClock });
    const config = loadConfig({
      DISCORD_TOKEN: standIn.token, DISCORD_APPLICATION_ID: standIn.appId, DISCORD_API_URL: standIn.apiUrl,
      DISCORD_GUILD_ID: standIn.guilds[0].id, DATA_DIR: mkdtempSync(join(tmpdir(), 'newsdesk-ops-')), LOG_LEVEL: 'silent',
    });
    const services = { articles: store.articles } as unknown as Services;
    adapter = await startDiscord({ config, dispatcher: createDispatcher({ commands: [], services, logger: quietLogger, now: systemClock }), logger: quietLogger });
    alerts = startAlerts({ store, ports: new PortRegistry([adapter.port]), logger: quietLogger, config: { TIMEZONE: 'UTC' }, now: systemClock });
  });

  afterAll(async () => {
    await alerts?.stop();
    await adapter?.stop();
    await standIn?.close();
    await store?.close();
  });

  it('pause for a lost permission: one notice in the operations channel; resume: one recovery', async () => {
    const guild = standIn.guilds[0];
    const scope = { platform: 'discord' as const, workspace: guild.id };
    const ada = { id: 'U1', name: 'Ada', platform: 'discord' as const, workspace: guild.id };
    const ref = (name: string) => `discord:${guild.id}/${guild.channel(name).id}`;
    const ops = alerts.service.ops!;
    expect(await ops.setChannel(scope, { channel: ref('newsroom-ops'), channelName: null }, ada)).toEqual({ channelName: 'newsroom-ops' });
    const sub = await alerts.service.subscribe({ ...scope, channel: ref('breaking'), minPriority: 'breaking' }, ada);

    // Someone removes the bot's Send Messages in #breaking.
    const breaking = guild.channel('breaking');
    breaking.overwrites.push({ id: guild.botRoleId, type: 0, allow: '0', deny: String(P.SendMessages) });
    await store.articles.upsert({ id: 'd1', title: 'Dam fails upstream of the capital', priority: 'breaking' });
    await store.articles.upsert({ id: 'd2', title: 'Second dam weakens', priority: 'breaking' });

    const opsId = guild.channel('newsroom-ops').id;
    // Discord markdown: the renderer escapes parentheses.
    const inOps = () => standIn.messages.filter((m) => m.channelId === opsId && !m.deleted).map((m) => m.content);
    await standIn.waitFor(() => inOps().length >= 1 || undefined, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(inOps()).toEqual([
      `⚠️ Alerts to #breaking \\(${sub.id}\\) are paused: discord: Missing Permissions \\(50013\\). Fix that, then /alerts resume ${sub.id}.`,
    ]);
    expect((await alerts.service.get(scope, sub.id))!.paused).toBe(true);

    breaking.overwrites.pop();
    await alerts.service.resume(scope, sub.id, ada);
    await standIn.waitFor(() => inOps().length >= 2 || undefined, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(inOps()).toEqual([
      `⚠️ Alerts to #breaking \\(${sub.id}\\) are paused: discord: Missing Permissions \\(50013\\). Fix that, then /alerts resume ${sub.id}.`,
      `✅ Alerts to #breaking \\(${sub.id}\\) flow again \\(resumed by Ada\\).`,
    ]);
    expect(standIn.messages.filter((m) => m.channelId === breaking.id && !m.deleted)).toHaveLength(0);
  });
});
