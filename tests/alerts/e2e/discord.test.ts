import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { deliveryNonce } from '../../../src/adapters/discord/port.js';
import { startAlerts, type Alerts } from '../../../src/alerts/index.js';
import { loadConfig } from '../../../src/config.js';
import { createDispatcher } from '../../../src/core/dispatcher.js';
import type { Services } from '../../../src/core/services.js';
import { openSqliteStore, type SqliteStore } from '../../../src/store/sqlite/index.js';
import { SqliteOutbox } from '../../../src/store/sqlite/outbox.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { quietLogger } from '../harness.js';
import { systemClock } from '../../../src/domain/clock.js';
import { PortRegistry } from '../../../src/outbound/registry.js';

/** The alerts pipeline through the real Discord adapter against the strict, rate-limited stand-in. */
describe('alerts through Discord (stand-in)', () => {
  let standIn: DiscordStandIn;
  let adapter: DiscordAdapter;
  let alerts: Alerts;
  let store: SqliteStore;
  const ref = (name: string) => `discord:${standIn.guilds[0].id}/${standIn.guilds[0].channel(name).id}`;
  const actor = { id: 'U1', name: 'Ada', platform: 'discord' as const, workspace: '' };

  beforeAll(async () => {
    standIn = await startDiscordStandIn({ guilds: [{ channels: [{ name: 'breaking' }, { name: 'busy' }] }] });
    store = openSqliteStore(':memory:', { now: systemClock });
    const config = loadConfig({
      DISCORD_TOKEN: standIn.token, DISCORD_APPLICATION_ID: standIn.appId, DISCORD_API_URL: standIn.apiUrl,
      DISCORD_GUILD_ID: standIn.guilds[0].id, DATA_DIR: mkdtempSync(join(tmpdir(), 'newsdesk-alerts-')), LOG_LEVEL: 'silent',
    });
    const services = { articles: store.articles } as unknown as Services;
    adapter = await startDiscord({ config, dispatcher: createDispatcher({ commands: [], services, logger: quietLogger, now: systemClock }), logger: quietLogger });
    const ports = new PortRegistry([adapter.port]);
    alerts = startAlerts({ store: store, ports, logger: quietLogger, config: { TIMEZONE: 'UTC' }, now: systemClock });
  });

  afterAll(async () => {
    await alerts?.stop();
    await adapter?.stop();
    await standIn?.close();
    await store?.close();
  });

  it('subscribes after checking the channel, posts with the delivery id as enforced nonce, pings only the chosen role, and edits on update', async () => {
    const role = standIn.guilds[0].editorRoleId;
    const scope = { platform: 'discord' as const, workspace: standIn.guilds[0].id };
    const sub = await alerts.service.subscribe({ ...scope, channel: ref('breaking'), minPriority: 'breaking', mentionRoleId: role }, { ...actor, workspace: scope.workspace });
    await store.articles.upsert({ id: 'q1', title: '@everyone Dam fails upstream of the capital', priority: 'breaking' });
    const channelId = standIn.guilds[0].channel('breaking').id;
    const posted = await standIn.waitFor(() => standIn.messages.find((m) => m.channelId === channelId));
    const row = new SqliteOutbox(store.db).forStory('q1', sub.id)!;
    expect(posted.nonce).toBe(deliveryNonce(row.id));
    expect(posted.allowedMentions?.parse ?? []).not.toContain('everyone');
    expect(posted.allowedMentions?.roles).toEqual([role]);

    await store.articles.upsert({ id: 'q1', title: 'Dam fails upstream of the capital; thousands evacuated', priority: 'breaking' });
    await standIn.waitFor(() => posted.history.length > 1);
    expect(JSON.stringify(posted.history.at(-1))).toContain('thousands evacuated');
    expect(standIn.messages.filter((m) => m.channelId === channelId && !m.deleted)).toHaveLength(1);
  });

  it('honours a 429 Retry-After and still delivers exactly once', async () => {
    const scope = { platform: 'discord' as const, workspace: standIn.guilds[0].id };
    await alerts.service.subscribe({ ...scope, channel: ref('busy'), minPriority: 'breaking' }, { ...actor, workspace: scope.workspace });
    standIn.failNext({ method: 'POST', path: `/channels/${standIn.guilds[0].channel('busy').id}/messages`, status: 429, retryAfterMs: 300, times: 1 });
    await store.articles.upsert({ id: 'q2', title: 'Second dam weakens after heavy rain', priority: 'breaking' });
    const channelId = standIn.guilds[0].channel('busy').id;
    await standIn.waitFor(() => standIn.messages.find((m) => m.channelId === channelId && m.embeds.length > 0 && JSON.stringify(m.embeds).includes('Second dam')), 10_000);
    const attempts = standIn.calls.filter((c) => c.method === 'POST' && c.path === `/channels/${channelId}/messages`);
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect(standIn.messages.filter((m) => m.channelId === channelId && !m.deleted)).toHaveLength(1);
  });
});
