import { afterEach, describe, expect, it } from 'vitest';
import { startAlerts, type Alerts } from '../../src/alerts/index.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import { SqliteOutbox } from '../../src/store/sqlite/outbox.js';
import { SqliteSubscriptions } from '../../src/store/sqlite/subscriptions.js';
import { admin, quietLogger, TestClock } from './harness.js';
import { PortRegistry } from '../../src/outbound/registry.js';

let store: SqliteStore | undefined;
let alerts: Alerts | undefined;
afterEach(async () => {
  await alerts?.stop();
  await store?.close();
  store = alerts = undefined;
});

/** Counts executions per SQL text on this connection (statements prepared from now on). */
function countQueries(s: SqliteStore): Map<string, number> {
  const counts = new Map<string, number>();
  const prepare = s.db.prepare.bind(s.db);
  s.db.prepare = ((sql: string) => {
    const stmt = prepare(sql);
    return new Proxy(stmt, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        if (prop === 'run' || prop === 'get' || prop === 'all') {
          return (...args: unknown[]) => {
            counts.set(sql, (counts.get(sql) ?? 0) + 1);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return value.bind(target);
      },
    });
  }) as typeof s.db.prepare;
  return counts;
}

const total = (counts: Map<string, number>, fragment: string) =>
  [...counts].filter(([sql]) => sql.includes(fragment)).reduce((n, [, c]) => n + c, 0);

const WORDS = ['harbour', 'library', 'tramway', 'orchestra', 'bakery', 'marathon', 'zoo', 'bridge', 'museum', 'stadium'];
const article = (i: number) => ({
  id: `a${i}`, title: `Council debates ${WORDS[i % 10]} plan for district ${WORDS[Math.floor(i / 10) % 10]} number ${i}`,
  priority: 'routine' as const, section: i % 2 ? 'city' : 'world',
});

describe('fan-out cost during a bulk load', () => {
  it('reads the subscriptions and the recent headlines once, not once per article, and sees a new subscription at once', async () => {
    const clock = new TestClock();
    store = openSqliteStore(':memory:', { now: clock.now });
    const counts = countQueries(store);
    // No ports: nothing is delivered, only the fan-out is measured.
    const ports = new PortRegistry();
    alerts = startAlerts({ store: store, ports, logger: quietLogger, config: { TIMEZONE: 'UTC' }, now: clock.now });
    const subs = new SqliteSubscriptions(store.db);
    for (let i = 0; i < 20; i++) subs.create({ platform: 'terminal', workspace: '', channel: `terminal:c${i}`, minPriority: 'routine', sections: i % 2 ? ['city'] : [] }, admin, clock.now());
    counts.clear();

    await store.articles.upsertMany(Array.from({ length: 300 }, (_, i) => article(i)));
    expect(total(counts, 'FROM alert_subscriptions WHERE removed_at IS NULL')).toBe(1);
    expect(total(counts, 'FROM alert_stories WHERE seen_at')).toBeLessThanOrEqual(1);

    // A subscription change is seen by the very next article.
    const late = subs.create({ platform: 'terminal', workspace: '', channel: 'terminal:late', minPriority: 'routine' }, admin, clock.now());
    await store.articles.upsert({ id: 'a300', title: 'Tram strike ends after talks', priority: 'routine', section: 'city' });
    expect(total(counts, 'FROM alert_subscriptions WHERE removed_at IS NULL')).toBe(2);
    const outbox = new SqliteOutbox(store.db);
    expect(outbox.forStory('a300', late.id)).toBeTruthy();
    // Near-duplicates are still found through the in-memory index, across transactions.
    await store.articles.upsert({ id: 'dup', origin: 'feed:other', title: 'Council debates harbour plan for district harbour number 0 today', priority: 'routine', section: 'world' });
    expect(await store.stories.story('dup')).toMatchObject({ storyId: 'a0', duplicateReason: 'near-identical headline' });
  });
});
