import { startAlerts, type Alerts } from '../src/alerts/index.js';
import { logger } from '../src/log.js';
import { PortRegistry } from '../src/outbound/registry.js';
import type { Store } from '../src/store/types.js';
import { percentile } from './stats.js';
import { onPostgresInstances, onSqlite } from './bench-stores.js';
import { TimingPort } from './timing-port.js';

/**
 * Embargo lift → first post, in real time: 20 stories pushed under embargoes a few hundred ms apart; for each, the time
 * from its embargo instant to the first post reaching the port. SQLite: one process. PostgreSQL: three pipelines (three
 * "instances", each its own store, pool, LISTEN connection and lifter) on one schema; exactly one may lift each story
 * and one post per story is expected (a duplicate is counted).
 */
const quiet = logger.child({}, { level: 'silent' });
const LIFTS = 20;


export interface EmbargoBenchRow {
  backend: string;
  lifts: number;
  p50Ms: number;
  maxMs: number;
  duplicates: number;
  missing: number;
}

async function measure(backend: string, stores: Store[]): Promise<EmbargoBenchRow> {
  const port = new TimingPort();
  const pipelines: Alerts[] = [];
  for (const store of stores) {
    await store.coordination?.start({ feeds: null, timeZone: 'UTC' });
    const ports = new PortRegistry([port]);
    pipelines.push(startAlerts({ store, ports, logger: quiet, config: { TIMEZONE: 'UTC' }, now: () => new Date() }));
  }
  await pipelines[0].service.subscribe({ platform: 'terminal', workspace: '', channel: 'terminal:desk', minPriority: 'routine' } as never,
    { id: 'bench', name: 'bench', platform: 'terminal', workspace: '' });
  const start = Date.now() + 2_000;
  const lifts = new Map<string, number>();
  for (let i = 0; i < LIFTS; i++) {
    const at = start + i * 250;
    const title = `Embargoed bench story ${i}`;
    lifts.set(title, at);
    // Spread over the instances: whoever stored it, any may lift it.
    await stores[i % stores.length].articles.upsert({ id: `emb-${i}`, title, priority: 'breaking', embargoUntil: new Date(at).toISOString() });
  }
  const deadline = start + LIFTS * 250 + 15_000;
  while (port.posts.length < LIFTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
  for (const p of pipelines) await p.stop();
  const first = new Map<string, number>();
  let duplicates = 0;
  for (const p of port.posts) {
    if (first.has(p.title)) duplicates++;
    else first.set(p.title, p.at - lifts.get(p.title)!);
  }
  const delays = [...first.values()].sort((a, b) => a - b);
  return { backend, lifts: LIFTS, p50Ms: Math.round(percentile(delays, 0.5)), maxMs: Math.round(delays.at(-1) ?? NaN), duplicates, missing: LIFTS - first.size };
}

export async function runEmbargoBench(opts: { postgres?: boolean } = {}): Promise<EmbargoBenchRow[]> {
  const now = () => new Date();
  const rows: EmbargoBenchRow[] = [await onSqlite('embargo', now, (store) => measure('sqlite, 1 process', [store]))];
  if (opts.postgres !== false) {
    try {
      rows.push(await onPostgresInstances('embargo', now, 3, (stores) => measure('postgres, 3 instances', stores)));
    } catch (err) {
      rows.push({ backend: `postgres: ${(err as Error).message.slice(0, 80)}`, lifts: 0, p50Ms: NaN, maxMs: NaN, duplicates: 0, missing: LIFTS });
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await runEmbargoBench());
}
