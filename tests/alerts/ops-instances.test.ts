import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startAlerts, type Alerts } from '../../src/alerts/index.js';
import type { ChannelRef } from '../../src/domain/channel.js';
import type { Reply } from '../../src/core/reply.js';
import { Permanent, type PostOptions } from '../../src/outbound/port.js';
import { PortRegistry } from '../../src/outbound/registry.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/index.js';
import { PG_URL, postgresAvailable, schemaFor } from '../store/contract/backends.js';
import { quietLogger } from './harness.js';
import { RecordingPort } from './ports.js';

const T = Date.parse('2026-11-25T12:00:00Z');
const started = performance.now();
/** A fixed day advancing with real time (leases and pacing need time to pass). */
const clock = () => new Date(T + Math.floor(performance.now() - started));

/** The platform as each instance's adapter sees it: a channel the bot lost is refused, whoever posts. */
class RefusingPort extends RecordingPort {
  constructor(private readonly refused: Set<string>) {
    super('discord');
  }
  override async post(channel: ChannelRef, reply: Reply, options?: PostOptions) {
    if (this.refused.has(channel)) throw new Permanent('50013', 'Missing Permissions', 'channel');
    return super.post(channel, reply, options);
  }
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!postgresAvailable)('operations notices with two instances on one PostgreSQL schema', () => {
  const schema = schemaFor(import.meta.filename);
  const stores: PostgresStore[] = [];
  const running: Alerts[] = [];

  afterEach(async () => {
    for (const a of running.splice(0)) await a.stop();
    for (const s of stores.splice(0)) await s.close();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('a lost channel pauses its subscription with exactly one notice; a resume on the other instance, one recovery', async () => {
    const refused = new Set<string>(['discord:G1/C-desk']);
    const ports = [new RefusingPort(refused), new RefusingPort(refused)];
    for (const port of ports) {
      const store = await openPostgresStore(PG_URL, { now: clock, schema, poolSize: 4, heartbeatTtlMs: 1_000 });
      stores.push(store);
      await store.coordination.start({ feeds: null, timeZone: 'UTC' });
      running.push(startAlerts({ store, ports: new PortRegistry([port]), logger: quietLogger, config: { TIMEZONE: 'UTC' }, now: clock, senderLeaseMs: 1_000 }));
    }
    const scope = { platform: 'discord' as const, workspace: 'G1' };
    const ada = { id: 'U1', name: 'Ada', platform: 'discord' as const, workspace: 'G1' };
    await running[0].service.ops!.setChannel(scope, { channel: 'discord:G1/C-ops', channelName: 'ops' }, ada);
    const sub = await running[0].service.subscribe({ ...scope, channel: 'discord:G1/C-desk', channelName: 'desk', minPriority: 'breaking' }, ada);
    const posted = () => ports.flatMap((p) => p.posts()).filter((p) => p.target === 'discord:G1/C-ops').map((p) => p.reply.text);

    // Both instances take articles; either may hold the sender lease.
    await stores[0].articles.upsert({ id: 'a1', title: 'Ferry runs aground', priority: 'breaking' });
    await stores[1].articles.upsert({ id: 'a2', title: 'Bridge closed after crash', priority: 'breaking' });
    await until(() => posted().length >= 1);
    // Both instances race to say the same new trouble (a feed both see failing): one opens it, one notice.
    const opened = await Promise.all([...running, ...running].map((r) => r.notices.problem(scope, 'feed:wire', 'The feed is down')));
    expect(opened.filter(Boolean)).toHaveLength(1);
    await until(() => posted().length >= 2);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(posted()).toEqual([`⚠️ Alerts to #desk (${sub.id}) are paused: discord: Missing Permissions (50013). Fix that, then /alerts resume ${sub.id}.`, 'The feed is down']);

    refused.clear();
    await running[1].service.resume(scope, sub.id, ada);
    await until(() => posted().length >= 3);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(posted()).toEqual([
      `⚠️ Alerts to #desk (${sub.id}) are paused: discord: Missing Permissions (50013). Fix that, then /alerts resume ${sub.id}.`,
      'The feed is down',
      `✅ Alerts to #desk (${sub.id}) flow again (resumed by Ada).`,
    ]);
  }, 40_000);
});
