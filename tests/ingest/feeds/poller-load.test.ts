import pino from 'pino';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFeedsConfig } from '../../../src/ingest/feeds/config.js';
import { startFeedPoller } from '../../../src/ingest/feeds/poller.js';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';
import { TEST_CLOCK } from '../../helpers/clock.js';
import { startFeedServer, type FeedServer } from './fixtures/feed-server.js';

/** Many feeds polling at once, against a publisher on loopback whose answers never come (all stay in flight). */
let server: FeedServer;
beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(async () => {
  await server.close();
});

describe('feed poller under load', () => {
  it('polls 30 feeds at once without a MaxListenersExceededWarning (nothing printed outside the JSON log)', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
    const sqlite = openSqliteStore(':memory:', { now: TEST_CLOCK });
    const feeds = parseFeedsConfig(JSON.stringify({
      feeds: Array.from({ length: 30 }, (_, i) => ({ name: `Slow ${i}`, url: server.url(`/slow-${i}.xml`) })),
    }));
    for (let i = 0; i < 30; i++) server.routes.set(`/slow-${i}.xml`, { hang: true });
    const poller = startFeedPoller({ feeds, store: sqlite.articles, feedState: sqlite.feedState, logger, now: () => TEST_CLOCK().getTime(), hostGapMs: 0 });
    try {
      const polls = feeds.map((f) => poller.pollNow(f.name));
      await expect.poll(() => server.requests.filter((r) => r.path.startsWith('/slow-')).length, { timeout: 10_000 }).toBe(30);
      // A warning is emitted on the next tick after the listener that crosses the limit.
      await new Promise((r) => setImmediate(r));
      await poller.stop();
      expect((await Promise.all(polls)).map((p) => p.status)).toEqual(feeds.map(() => 'stopped'));
    } finally {
      process.off('warning', onWarning);
      await sqlite.close();
    }
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
    expect(lines.every((l) => l.startsWith('{'))).toBe(true);
  }, 30_000);
});
