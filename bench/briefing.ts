import { startAlerts, type Alerts } from '../src/alerts/index.js';
import { logger } from '../src/log.js';
import { PortRegistry } from '../src/outbound/registry.js';
import type { Store } from '../src/store/types.js';
import { percentile } from './stats.js';
import { onPostgresInstances, onSqlite } from './bench-stores.js';
import { TimingPort } from './timing-port.js';

/**
 * Scheduled instant → post, in real time, over 20 runs of one daily briefing (07:30 UTC). A run's instant is a minute
 * of the application clock, so the clock is injected: once a run is posted (and the dispatcher has written the next
 * run's row, as in production), the clock moves to 300 ms before the next day's run and the pipelines are woken once
 * (a moved clock is no store write, so nothing else would re-read the due time); from there it is the production path:
 * the timer armed from the store's next due time claims the row, builds the briefing of the period (stories published
 * since the previous run) and posts it. The figure: from the real moment the application clock reaches the run's
 * instant to the post reaching the port. SQLite: one process. PostgreSQL: three pipelines on
 * one schema (any may send; one post per run is expected and a duplicate is counted).
 */
const quiet = logger.child({}, { level: 'silent' });
const RUNS = 20;
const LEAD_MS = 300;
const DAY = 86_400_000;
const FIRST_RUN = Date.parse('2026-11-26T07:30:00Z');
const STORIES_PER_PERIOD = 8;

/** The application clock, moved by the bench only between runs. */
class BenchClock {
  private offset = 0;
  readonly now = (): Date => new Date(Date.now() + this.offset);
  /** The application clock reads `at - LEAD_MS` now; returns the real moment it reaches `at`. */
  leadTo(at: number): number {
    this.offset = at - LEAD_MS - Date.now();
    return Date.now() + LEAD_MS;
  }
}


export interface BriefingBenchRow {
  backend: string;
  runs: number;
  p50Ms: number;
  maxMs: number;
  duplicates: number;
  missing: number;
}

async function measure(backend: string, stores: Store[], clock: BenchClock): Promise<BriefingBenchRow> {
  const dueReal: number[] = [];
  let run = 0;
  const port = new TimingPort();
  const pipelines: Alerts[] = [];
  /** A settled run (sent, and its next run's row written): stories into the next period, then the clock to it. */
  const settled = async (): Promise<void> => {
    run += 1;
    if (run >= RUNS) return;
    const next = FIRST_RUN + run * DAY;
    clock.leadTo(next - 60_000);
    for (let i = 0; i < STORIES_PER_PERIOD; i++) {
      await stores[i % stores.length].articles.upsert({
        id: `brief-${run}-${i}`, title: `Bench story ${i} of day ${run}: council weighs a new transit plan`, section: i % 2 ? 'world' : 'politics',
        publishedAt: new Date(next - 30 * 60_000 + i * 60_000).toISOString(), priority: 'routine',
      });
    }
    dueReal[run] = clock.leadTo(next);
    for (const p of pipelines) p.dispatcher.wake();
  };
  for (const store of stores) {
    await store.coordination?.start({ feeds: null, timeZone: 'UTC' });
    const alerts = startAlerts({ store, ports: new PortRegistry([port]), logger: quiet, config: { TIMEZONE: 'UTC' }, now: clock.now });
    alerts.dispatcher.onSettled((e) => {
      if (e.delivery.kind === 'briefing' && !e.retrying) void settled();
    });
    pipelines.push(alerts);
  }
  // Started as a running service would be (several instances: the sender lease taken), as the embargo bench waits 2 s.
  await new Promise((r) => setTimeout(r, 2_000));
  // The schedule is written 300 ms before the first run: its row's write arms the timer.
  dueReal[0] = clock.leadTo(FIRST_RUN);
  await pipelines[0].service.briefing({ platform: 'terminal', workspace: '', channel: 'terminal:desk', schedule: { at: '07:30', tz: 'UTC', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] }, sections: [] },
    { id: 'bench', name: 'bench', platform: 'terminal', workspace: '' });
  const deadline = Date.now() + RUNS * 2_000 + 20_000;
  while (port.posts.length < RUNS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
  for (const p of pipelines) await p.stop();
  // Posts in order: the k-th run's post is the first after its instant; anything more is a duplicate.
  const delays: number[] = [];
  for (let k = 0; k < Math.min(RUNS, port.posts.length); k++) delays.push(port.posts[k].at - dueReal[k]);
  delays.sort((a, b) => a - b);
  return {
    backend, runs: RUNS, p50Ms: Math.round(percentile(delays, 0.5)), maxMs: Math.round(delays.at(-1) ?? NaN),
    duplicates: Math.max(0, port.posts.length - RUNS), missing: Math.max(0, RUNS - port.posts.length),
  };
}

export async function runBriefingBench(opts: { postgres?: boolean } = {}): Promise<BriefingBenchRow[]> {
  const sqliteClock = new BenchClock();
  const rows: BriefingBenchRow[] = [await onSqlite('briefing', sqliteClock.now, (store) => measure('sqlite, 1 process', [store], sqliteClock))];
  if (opts.postgres !== false) {
    const clock = new BenchClock();
    try {
      rows.push(await onPostgresInstances('briefing', clock.now, 3, (stores) => measure('postgres, 3 instances', stores, clock)));
    } catch (err) {
      rows.push({ backend: `postgres: ${(err as Error).message.slice(0, 80)}`, runs: 0, p50Ms: NaN, maxMs: NaN, duplicates: 0, missing: RUNS });
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await runBriefingBench());
}
