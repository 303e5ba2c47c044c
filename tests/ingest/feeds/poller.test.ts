import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseFeedsConfig, type FeedConfig } from '../../../src/ingest/feeds/config.js';
import { startFeedPoller, type FeedPoller, type FeedPollerOptions } from '../../../src/ingest/feeds/poller.js';
import { openSqliteStore, type SqliteStore } from '../../../src/store/sqlite/index.js';
import type { ArticleInput } from '../../../src/domain/article.js';
import { rss, startFeedServer, type FeedServer } from './fixtures/feed-server.js';
import { TEST_CLOCK } from '../../helpers/clock.js';

const T0 = Date.parse('2026-11-25T12:00:00Z');
const MINUTE = 60_000;

let server: FeedServer;
let dir: string;
const pollers: FeedPoller[] = [];
const stores: SqliteStore[] = [];

beforeAll(async () => {
  server = await startFeedServer();
  dir = mkdtempSync(join(tmpdir(), 'newsdesk-feeds-'));
});
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The real SQLite store (its migrations include 300-feeds); a file when the test restarts on it. */
function openStore(file = ':memory:'): SqliteStore {
  const store = openSqliteStore(file === ':memory:' ? file : join(dir, file), { now: TEST_CLOCK });
  stores.push(store);
  return store;
}

/** What the poller handed the store, input by input (to see the `quiet` flag the alerts fan-out reads). */
function recordInputs(store: SqliteStore): ArticleInput[] {
  const inputs: ArticleInput[] = [];
  const upsertMany = store.articles.upsertMany.bind(store.articles);
  store.articles.upsertMany = (batch, onProgress) => {
    inputs.push(...batch);
    return upsertMany(batch, onProgress);
  };
  return inputs;
}

function feedAt(path: string, extra: Record<string, unknown> = {}): FeedConfig {
  return parseFeedsConfig(JSON.stringify({ feeds: [{ name: `Feed ${path}`, url: server.url(path), ...extra }] }))[0];
}

function logCapture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

interface Harness {
  poller: FeedPoller;
  store: SqliteStore['articles'];
  inputs: ArticleInput[];
  clock: { now: number };
  lines: Array<Record<string, unknown>>;
}

function start(feeds: FeedConfig[], over: Partial<Omit<FeedPollerOptions, 'store' | 'db'>> & { sqlite?: SqliteStore } = {}): Harness {
  const clock = { now: T0 };
  const { logger, lines } = logCapture();
  const { sqlite = openStore(), ...rest } = over;
  const inputs = recordInputs(sqlite);
  const poller = startFeedPoller({
    feeds, store: sqlite.articles, feedState: sqlite.feedState, logger, now: () => clock.now, random: () => 0.5, hostGapMs: 0, ...rest,
  });
  pollers.push(poller);
  return { poller, store: sqlite.articles, inputs, clock, lines };
}

const requestsTo = (path: string) => server.requests.filter((r) => r.path === path);

describe('feed poller', () => {
  it('first poll of a new feed stores items quietly; later new items alert; a changed item is a new version', async () => {
    server.routes.set('/first.xml', { body: rss([{ guid: 'a', title: 'Old one' }, { guid: 'b', title: 'Old two' }]) });
    const { poller, store, inputs } = start([feedAt('/first.xml')]);

    const first = await poller.pollNow('Feed /first.xml');
    expect(first).toMatchObject({ status: 'ok', created: 2, quiet: true });
    expect(inputs.every((i) => i.quiet === true)).toBe(true);
    expect(await store.count()).toBe(2);

    server.routes.set('/first.xml', { body: rss([{ guid: 'c', title: 'Fresh' }, { guid: 'a', title: 'Old one', body: 'Corrected body' }, { guid: 'b', title: 'Old two' }]) });
    inputs.length = 0;
    const second = await poller.pollNow('Feed /first.xml');
    expect(second).toMatchObject({ status: 'ok', created: 1, updated: 1, unchanged: 1, quiet: false });
    expect(inputs.every((i) => i.quiet === false)).toBe(true);
    const id = (guid: string) => `${feedAt('/first.xml').id}:${guid}`;
    expect((await store.get(id('a')))?.version).toBe(2);
    expect((await store.get(id('c')))?.title).toBe('Fresh');
  });

  it('sends If-None-Match and treats 304 as success without re-reading', async () => {
    server.routes.set('/etag.xml', { etag: '"v1"', body: rss([{ guid: 'e', title: 'E' }]) });
    const { poller, inputs } = start([feedAt('/etag.xml')]);
    await poller.pollNow('Feed /etag.xml');
    inputs.length = 0;
    const second = await poller.pollNow('Feed /etag.xml');
    expect(second.status).toBe('not-modified');
    expect(requestsTo('/etag.xml').at(-1)?.headers['if-none-match']).toBe('"v1"');
    expect(inputs).toHaveLength(0);
    expect(poller.health()[0]).toMatchObject({ status: 'ok', consecutiveFailures: 0 });
  });

  it('sends If-Modified-Since from Last-Modified', async () => {
    const lastModified = 'Tue, 25 Nov 2026 08:00:00 GMT';
    server.routes.set('/lm.xml', { lastModified, body: rss([{ guid: 'l', title: 'L' }]) });
    const { poller } = start([feedAt('/lm.xml')]);
    await poller.pollNow('Feed /lm.xml');
    expect(await poller.pollNow('Feed /lm.xml')).toMatchObject({ status: 'not-modified' });
    expect(requestsTo('/lm.xml').at(-1)?.headers['if-modified-since']).toBe(lastModified);
  });

  it('asks for gzip and reads a gzip-compressed feed', async () => {
    server.routes.set('/gzip.xml', { gzip: true, body: rss([{ guid: 'g', title: 'Zipped headline' }]) });
    const { poller, inputs } = start([feedAt('/gzip.xml')]);
    expect(await poller.pollNow('Feed /gzip.xml')).toMatchObject({ status: 'ok', created: 1 });
    expect(requestsTo('/gzip.xml')[0].headers['accept-encoding']).toMatch(/gzip/);
    expect(inputs[0].title).toBe('Zipped headline');
  });

  it('backs off exponentially on 500s, warns once when failing long, and recovers', async () => {
    server.routes.set('/flaky.xml', { status: 500, body: 'oops' });
    const feed = feedAt('/flaky.xml', { intervalMinutes: 5 });
    const { poller, clock, lines } = start([feed]);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const result = await poller.pollNow(feed.name);
      expect(result).toMatchObject({ status: 'failed', error: 'HTTP 500 Internal Server Error' });
      delays.push(Date.parse(poller.health()[0].nextPoll!) - clock.now);
      clock.now += 10 * MINUTE;
    }
    expect(delays.slice(0, 5)).toEqual([5, 10, 20, 40, 80].map((m) => m * MINUTE));
    expect(delays[5]).toBe(120 * MINUTE); // capped
    expect(poller.health()[0]).toMatchObject({ status: 'failing', consecutiveFailures: 6, lastError: 'HTTP 500 Internal Server Error' });
    expect(lines.filter((l) => l.msg === 'feed failing for a long time')).toHaveLength(1);

    server.routes.set('/flaky.xml', { body: rss([{ guid: 'r', title: 'Back' }]) });
    expect(await poller.pollNow(feed.name)).toMatchObject({ status: 'ok' });
    expect(poller.health()[0]).toMatchObject({ status: 'ok', consecutiveFailures: 0, lastError: null, lastSuccess: new Date(clock.now).toISOString() });
    expect(lines.some((l) => l.msg === 'feed recovered')).toBe(true);
  });

  it('jitter spreads the backoff between 0.8× and 1.2×', async () => {
    server.routes.set('/jitter.xml', { status: 503, body: '' });
    const feed = feedAt('/jitter.xml', { intervalMinutes: 10 });
    const low = start([feed], { random: () => 0 });
    await low.poller.pollNow(feed.name);
    expect(Date.parse(low.poller.health()[0].nextPoll!) - low.clock.now).toBe(8 * MINUTE);
  });

  it('a slow publisher times out as a failure for that feed', async () => {
    server.routes.set('/slow.xml', { hang: true });
    const { poller } = start([feedAt('/slow.xml')], { timeoutMs: 100 });
    expect(await poller.pollNow('Feed /slow.xml')).toMatchObject({ status: 'failed', error: 'timed out after 100 ms' });
  });

  it('an oversized response is cut off at the cap', async () => {
    server.routes.set('/huge.xml', { streamBytes: 4 * 1024 * 1024 });
    const { poller } = start([feedAt('/huge.xml')], { maxBytes: 256 * 1024 });
    expect(await poller.pollNow('Feed /huge.xml')).toMatchObject({ status: 'failed', error: 'response larger than 256 KB' });
  });

  it('broken XML fails that feed only, with the reason in its health', async () => {
    server.routes.set('/broken.xml', { body: '<rss><channel><item></channel></rss>' });
    server.routes.set('/fine.xml', { body: rss([{ guid: 'f', title: 'Fine' }]) });
    const { poller } = start([feedAt('/broken.xml'), { ...feedAt('/fine.xml'), id: 'fine' }]);
    expect(await poller.pollNow('Feed /broken.xml')).toMatchObject({ status: 'failed' });
    expect(await poller.pollNow('fine')).toMatchObject({ status: 'ok', created: 1 });
    const [broken, fine] = poller.health();
    expect(broken.lastError).toMatch(/^broken XML at line 1/);
    expect(fine.status).toBe('ok');
  });

  it('ttl and Cache-Control max-age raise the interval, never lower it', async () => {
    server.routes.set('/ttl.xml', { body: rss([{ guid: 't', title: 'T' }], '<ttl>60</ttl>') });
    server.routes.set('/maxage.xml', { headers: { 'cache-control': 'public, max-age=7200' }, body: rss([{ guid: 'm', title: 'M' }], '<ttl>1</ttl>') });
    const { poller, clock } = start([feedAt('/ttl.xml'), { ...feedAt('/maxage.xml'), id: 'maxage' }]);
    await poller.pollNow('Feed /ttl.xml');
    await poller.pollNow('maxage');
    const [ttl, maxAge] = poller.health().map((h) => Date.parse(h.nextPoll!) - clock.now);
    expect(ttl).toBe(60 * MINUTE);
    expect(maxAge).toBe(120 * MINUTE);
  });

  it('keeps a minimum gap between requests to one host', async () => {
    server.routes.set('/host-a.xml', { body: rss([{ guid: 'a', title: 'A' }]) });
    server.routes.set('/host-b.xml', { body: rss([{ guid: 'b', title: 'B' }]) });
    const before = server.requests.length;
    const { poller, clock } = start([feedAt('/host-a.xml'), { ...feedAt('/host-b.xml'), id: 'host-b' }], { hostGapMs: 30_000 });
    await vi.waitFor(() => expect(poller.health()[0].status).toBe('ok'));
    const second = poller.health()[1];
    expect(second.status).toBe('pending');
    expect(Date.parse(second.nextPoll!)).toBe(clock.now + 30_000);
    expect(server.requests.length - before).toBe(1);
  });

  it('state survives a restart: validators, first-poll-done and health come back from the database file', async () => {
    server.routes.set('/restart.xml', { etag: '"r1"', body: rss([{ guid: 'x', title: 'X' }]) });
    const feed = feedAt('/restart.xml');
    const one = start([feed], { sqlite: openStore('restart.db') });
    await one.poller.pollNow(feed.name);
    await one.poller.stop();
    await Promise.all(stores.splice(0).map((s) => s.close()));

    server.routes.set('/restart.xml', { etag: '"r2"', body: rss([{ guid: 'x', title: 'X' }, { guid: 'y', title: 'New after restart' }]) });
    const two = start([feed], { sqlite: openStore('restart.db') });
    await two.poller.ready;
    expect(two.poller.health()[0]).toMatchObject({ status: 'ok', lastSuccess: new Date(T0).toISOString() });
    expect(await two.store.count()).toBe(1);
    expect(await two.poller.pollNow(feed.name)).toMatchObject({ status: 'ok', created: 1, quiet: false });
    expect(requestsTo('/restart.xml').at(-1)?.headers['if-none-match']).toBe('"r1"');
    expect(two.inputs.find((i) => i.title === 'New after restart')?.quiet).toBe(false);
  });

  it('a feed whose URL changed starts afresh, quietly', async () => {
    server.routes.set('/moved-old.xml', { body: rss([{ guid: 'o', title: 'O' }]) });
    server.routes.set('/moved-new.xml', { body: rss([{ guid: 'n', title: 'N' }]) });
    const sqlite = openStore();
    const old = feedAt('/moved-old.xml');
    const one = start([old], { sqlite });
    await one.poller.pollNow(old.name);
    await one.poller.stop();
    const two = start([{ ...old, url: server.url('/moved-new.xml') }], { sqlite });
    expect(two.poller.health()[0].status).toBe('pending');
    expect(await two.poller.pollNow(old.name)).toMatchObject({ quiet: true, created: 1 });
  });

  it('disabled feeds are listed but never fetched; stop() ends timers and in-flight requests', async () => {
    server.routes.set('/hang-stop.xml', { hang: true });
    const { poller } = start([feedAt('/off.xml', { enabled: false }), { ...feedAt('/hang-stop.xml'), id: 'hang' }], { timeoutMs: 60_000 });
    expect(poller.health()[0]).toMatchObject({ status: 'disabled', nextPoll: null });
    await expect(poller.pollNow('Feed /off.xml')).rejects.toThrow(/no enabled feed/);
    const inFlight = poller.pollNow('hang');
    await vi.waitFor(() => expect(requestsTo('/hang-stop.xml')).toHaveLength(1));
    await poller.stop();
    expect(await inFlight).toMatchObject({ status: 'stopped' });
    expect(requestsTo('/off.xml')).toHaveLength(0);
  });
});
