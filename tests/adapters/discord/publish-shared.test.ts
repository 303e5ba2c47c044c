import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { answer, type Reply } from '../../../src/core/reply.js';
import { openPostgresStore } from '../../../src/store/postgres/index.js';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';
import type { Store } from '../../../src/store/types.js';
import { TEST_CLOCK } from '../../helpers/clock.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { dropSchema, PG_URL, postgresAvailable, schemaFor } from '../../store/contract/backends.js';
import { quiet, realBot, testConfig, type RealBot } from './helpers.js';

/**
 * The hour's publishes of an announcement channel are counted in the store (the publish log), not in one process:
 * an instance restarted on the same SQLite file, and two instances on one PostgreSQL sending for the same channel,
 * publish 10 between them in the hour (the stand-in's own statement of Discord's limit) and never have one refused.
 * Real discord.js REST against the stand-in. (With the count in each process's memory, as before, each case asks the
 * stand-in for 12 publishes and has the 11th and 12th refused.)
 */
describe('publishes counted across restarts and instances', () => {
  let standIn: DiscordStandIn;
  let bot: RealBot;
  const adapters: DiscordAdapter[] = [];
  const stores: Store[] = [];
  const schema = schemaFor(import.meta.filename);
  const channel = (name: string) => `discord:${standIn.guilds[0].id}/${standIn.guilds[0].channel(name).id}`;
  const alert = (title: string): Reply => ({ ...answer({ visibility: 'channel', cards: [{ title, priority: 'breaking', badge: 'BREAKING' }] }), publish: true });
  const crossposts = (name: string) => standIn.calls.filter((c) => c.path.startsWith(`/channels/${standIn.guilds[0].channel(name).id}/messages/`) && c.path.endsWith('/crosspost'));
  const instance = async (store: Store) => {
    const adapter = await startDiscord({ config: testConfig(standIn), dispatcher: bot.dispatcher, logger: quiet, now: TEST_CLOCK, publishLedger: store.publishLog });
    adapters.push(adapter);
    return adapter;
  };

  beforeAll(async () => {
    standIn = await startDiscordStandIn({
      limits: { channelMessages: { limit: 1_000, windowMs: 5_000 } },
      guilds: [{ channels: [{ name: 'wire', type: 5 }, { name: 'desk', type: 5 }] }],
    });
    bot = await realBot();
  });

  afterAll(async () => {
    for (const a of adapters) await a.stop();
    for (const s of stores) await s.close();
    if (postgresAvailable) await dropSchema(schema);
    await bot?.close();
    await standIn?.close();
  });

  it('SQLite: 6 breaking alerts, a restart on the same file, 6 more: 10 published, 2 held, none refused', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'newsdesk-publish-')), 'newsdesk.db');
    const before = openSqliteStore(file, { now: TEST_CLOCK });
    stores.push(before);
    const first = await instance(before);
    for (let i = 1; i <= 6; i++) await first.port.post(channel('wire'), alert(`Before the restart ${i}`));
    await first.stop();

    const after = openSqliteStore(file, { now: TEST_CLOCK });
    stores.push(after);
    const second = await instance(after);
    for (let i = 1; i <= 6; i++) await second.port.post(channel('wire'), alert(`After the restart ${i}`));
    expect(crossposts('wire').map((c) => c.status)).toEqual(Array(10).fill(200));
    expect(await second.port.publishReport!(channel('wire'))).toEqual({
      published: 10, held: 2, left: 0, lastProblem: 'Discord allows 10 publishes an hour per channel',
    });
  });

  it.skipIf(!postgresAvailable)('PostgreSQL: two instances sending 12 breaking alerts at once for one channel: 10 published, none refused', async () => {
    const a = await openPostgresStore(PG_URL, { now: TEST_CLOCK, schema, poolSize: 4 });
    const b = await openPostgresStore(PG_URL, { now: TEST_CLOCK, schema, poolSize: 4 });
    stores.push(a, b);
    const [one, two] = [await instance(a), await instance(b)];
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? two : one).port.post(channel('desk'), alert(`Shared ${i + 1}`))));
    expect(crossposts('desk').map((c) => c.status)).toEqual(Array(10).fill(200));
    // Either instance answers /alerts list with the same hour.
    const report = { published: 10, held: 2, left: 0, lastProblem: 'Discord allows 10 publishes an hour per channel' };
    expect(await one.port.publishReport!(channel('desk'))).toEqual(report);
    expect(await two.port.publishReport!(channel('desk'))).toEqual(report);
  });
});
