import { performance } from 'node:perf_hooks';
import { startAlerts } from '../src/alerts/index.js';
import { logger } from '../src/log.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import { SqliteSubscriptions } from '../src/store/sqlite/subscriptions.js';
import { SECTIONS, SYNTHETIC_NOW, syntheticArticle } from './synthetic.js';
import { PortRegistry } from '../src/outbound/registry.js';
import { startStallMeter } from './stall-meter.js';

/**
 * How long a bulk ingest blocks the event loop (an acknowledgement waiting behind it waits this long):
 * upsertMany of N articles with the alerts fan-out off, on with no subscriptions, and on with 1,000.
 * Usage: npx tsx bench/ingest-stall.ts [articles=2000] [subscriptions=1000]
 */
const quiet = logger.child({}, { level: 'silent' });

export async function measureStall(articles: number, subscriptions: number | null): Promise<{ maxStallMs: number; totalMs: number }> {
  const now = () => new Date(SYNTHETIC_NOW);
  const store = openSqliteStore(':memory:', { now });
  // No ports: nothing is delivered, only queued; the stall measured is the store's and the fan-out's.
  const alerts = subscriptions === null
    ? null
    : startAlerts({ store: store, ports: new PortRegistry(), logger: quiet, config: { TIMEZONE: 'UTC' }, now });
  const subs = new SqliteSubscriptions(store.db);
  for (let i = 0; i < (subscriptions ?? 0); i++) {
    subs.create({
      platform: 'terminal', workspace: '', channel: `terminal:c${i}`, minPriority: i % 3 === 0 ? 'routine' : 'urgent',
      sections: i % 2 ? [SECTIONS[i % SECTIONS.length]] : [], keywords: i % 5 === 0 ? ['minister', 'storm'] : [],
    }, { id: 'bench', name: 'bench' }, now());
  }
  const inputs = Array.from({ length: articles }, (_, i) => syntheticArticle(i, 7));
  const stall = startStallMeter();
  const t0 = performance.now();
  await store.articles.upsertMany(inputs);
  await new Promise<void>((r) => setImmediate(r));
  const maxStallMs = stall.stop();
  const totalMs = performance.now() - t0;
  await alerts?.stop();
  await store.close();
  return { maxStallMs, totalMs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 2000);
  const subCount = Number(process.argv[3] ?? 1000);
  for (const [label, subs] of [['store only', null], ['alerts, 0 subscriptions', 0], [`alerts, ${subCount} subscriptions`, subCount]] as const) {
    const { maxStallMs, totalMs } = await measureStall(n, subs);
    console.log(`${n} articles, ${label}: longest stall ${maxStallMs.toFixed(0)} ms, total ${totalMs.toFixed(0)} ms`);
  }
}
