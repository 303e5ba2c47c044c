import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseFeedsConfig } from '../../../src/ingest/feeds/config.js';
import { startFeedPoller, type FeedPoller } from '../../../src/ingest/feeds/poller.js';
import { openPostgresStore, type PostgresStore } from '../../../src/store/postgres/index.js';
import { quietLogger } from '../../alerts/harness.js';
import { PG_URL, postgresAvailable, schemaFor } from '../../store/contract/backends.js';
import { rss, startFeedServer, type FeedServer } from './fixtures/feed-server.js';

const T0 = Date.parse('2026-11-25T12:00:00Z');

/** Three instances' pollers on one PostgreSQL schema, one feed: it is fetched once per interval, not three times. */
describe.skipIf(!postgresAvailable)('feed polls shared by instances', () => {
  const schema = schemaFor(import.meta.filename);
  let server: FeedServer;
  const stores: PostgresStore[] = [];
  const pollers: FeedPoller[] = [];

  beforeAll(async () => {
    server = await startFeedServer();
  });
  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((p) => p.stop()));
    for (const s of stores.splice(0)) await s.close();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });
  afterAll(() => server.close());

  it('each due poll is claimed by one instance; the others follow the schedule it saved', async () => {
    server.routes.set('/wire.xml', { body: rss([{ guid: 'a', title: 'Port strike ends' }, { guid: 'b', title: 'Rail talks resume' }]) });
    const feeds = parseFeedsConfig(JSON.stringify({ feeds: [{ name: 'Wire', url: server.url('/wire.xml'), intervalMinutes: 5 }] }));
    const clock = { now: T0 };
    for (let i = 0; i < 3; i++) {
      const store = await openPostgresStore(PG_URL, { now: () => new Date(clock.now), schema, poolSize: 3 });
      stores.push(store);
      pollers.push(startFeedPoller({
        feeds, store: store.articles, feedState: store.feedState, logger: quietLogger, now: () => clock.now, random: () => 0.5, hostGapMs: 0, claimPolls: true,
      }));
    }
    // All three find the feed due at once (never polled): one fetches it.
    const deadline = performance.now() + 15_000;
    while (performance.now() < deadline && (await stores[0].articles.count()) < 2) await new Promise((r) => setTimeout(r, 50));
    expect(await stores[0].articles.count()).toBe(2);
    await new Promise((r) => setTimeout(r, 1_500)); // the losers' re-check (1 s) must not fetch either
    expect(server.requests.filter((r) => r.path === '/wire.xml')).toHaveLength(1);
    // The instance that polled schedules the next poll five minutes on. The others read the stored state when
    // they lose the claim: either the claim's hold (12:01:20: the 20 s fetch timeout plus a minute), if the poll
    // was still running, or, if it had finished, the same success and schedule as the one that polled.
    const health = pollers.map((p) => p.health()[0]);
    expect(health.filter((h) => h.status === 'ok').length).toBeGreaterThanOrEqual(1);
    for (const h of health) {
      if (h.status === 'ok') expect(h.nextPoll).toBe('2026-11-25T12:05:00.000Z');
      else expect(h).toMatchObject({ status: 'pending', nextPoll: '2026-11-25T12:01:20.000Z' });
    }
  });
});
