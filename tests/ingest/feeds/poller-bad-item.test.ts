import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { parseFeedsConfig } from '../../../src/ingest/feeds/config.js';
import { startFeedPoller, type FeedPoller } from '../../../src/ingest/feeds/poller.js';
import type { Store, UpsertResult } from '../../../src/store/types.js';
import { eachBackend } from '../../store/contract/backends.js';
import { rss, startFeedServer, type FeedServer } from './fixtures/feed-server.js';

/**
 * Issue 22, item 2: an article pushed under an id of a feed's form (`dup:s-squat`, before the push API refused
 * such ids) made every poll of feed `dup` fail and roll back once the feed listed `<guid>s-squat</guid>`, so a
 * breaking story in the same poll was never stored or alerted. The bad item now fails alone.
 */
const T0 = Date.parse('2026-11-25T12:00:00Z');

let server: FeedServer;
beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(() => server.close());

eachBackend(import.meta.filename, 'a feed item whose id another origin holds', (backend) => {
  const pollers: FeedPoller[] = [];
  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((p) => p.stop()));
    await backend.cleanup();
  });

  it('fails alone, logged and counted: the rest of the poll, a breaking story among them, is stored and reaches the alerts', async () => {
    const clock = { now: T0 };
    const store: Store = await backend.open({ now: () => new Date(clock.now) });
    // As the push API accepted it before: a newsroom article squatting the id the feed's item will have.
    await store.articles.upsert({ id: 'dup:s-squat', origin: 'push', title: 'Pushed under a feed id', body: 'Pushed text.' });
    const changes: Array<{ id: string; outcome: string; quiet: boolean }> = [];
    store.articles.onChange((change: UpsertResult & { quiet?: boolean }) => {
      changes.push({ id: change.article.id, outcome: change.outcome, quiet: change.quiet === true });
    });

    const path = `/dup-${backend.name}.xml`;
    const feeds = parseFeedsConfig(JSON.stringify({ feeds: [{ name: 'Duplicates desk', id: 'dup', url: server.url(path) }] }));
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => done(void lines.push(JSON.parse(String(chunk)))) }));
    const poller = startFeedPoller({ feeds, store: store.articles, feedState: store.feedState, logger, now: () => clock.now, random: () => 0.5, hostGapMs: 0 });
    pollers.push(poller);

    server.routes.set(path, { body: rss([{ guid: 'a', title: 'Council agenda published' }, { guid: 's-squat', title: 'The feed\'s own story' }]) });
    const first = await poller.pollNow('dup');
    expect(first).toMatchObject({ status: 'ok', created: 1, failed: 1, quiet: true });

    clock.now += 10 * 60_000;
    server.routes.set(path, {
      body: rss([
        { guid: 'b', title: 'BREAKING: Dam breach upstream' },
        { guid: 'a', title: 'Council agenda published' },
        { guid: 's-squat', title: 'The feed\'s own story' },
      ]),
    });
    const second = await poller.pollNow('dup');
    expect(second).toMatchObject({ status: 'ok', created: 1, unchanged: 1, failed: 1, quiet: false });

    expect((await store.articles.get('dup:b'))?.title).toBe('BREAKING: Dam breach upstream');
    expect(changes).toContainEqual({ id: 'dup:b', outcome: 'created', quiet: false });
    // The pushed article is untouched: the feed never overwrites another origin's article.
    expect(await store.articles.get('dup:s-squat')).toMatchObject({ origin: 'push', title: 'Pushed under a feed id', version: 1 });
    expect(changes.map((c) => c.id)).not.toContain('dup:s-squat');
    // Warned once (the refusal repeats at every poll until someone acts); counted at every poll.
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ feed: 'Duplicates desk', id: 'dup:s-squat', error: 'article dup:s-squat belongs to the push API' });
    expect(poller.health()[0]).toMatchObject({ status: 'ok', consecutiveFailures: 0, lastError: null });
  });
});
