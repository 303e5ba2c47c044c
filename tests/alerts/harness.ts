import { startAlerts, type Alerts } from '../../src/alerts/index.js';
import type { SettledEvent } from '../../src/alerts/dispatcher.js';
import type { Actor, NewSubscription, Subscription } from '../../src/domain/subscription.js';
import type { OutboundPort } from '../../src/outbound/port.js';
import { logger } from '../../src/log.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import { SqliteOutbox } from '../../src/store/sqlite/outbox.js';
import { PortRegistry } from '../../src/outbound/registry.js';

export const quietLogger = logger.child({}, { level: 'silent' });

/** A clock tests move by hand. Starts at a fixed instant; `tick` lets real timers interleave. */
export class TestClock {
  constructor(public ms = Date.parse('2026-11-25T12:00:00Z')) {}
  now = (): Date => new Date(this.ms);
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const admin: Actor = { id: 'U1', name: 'Ada', platform: 'terminal', workspace: '' };

export interface Harness {
  alerts: Alerts;
  /** The real SQLite store (`:memory:`), all migrations applied: change listeners run inside its write transaction. */
  store: SqliteStore;
  outbox: SqliteOutbox;
  ports: PortRegistry;
  clock: TestClock;
  /** The clock every part of this harness reads (the test clock, or one following real time from it). */
  now: () => Date;
  subscribe(input: Partial<NewSubscription> & { channel: string }): Promise<Subscription>;
  /** Resolves after `n` non-retrying settlements (bounded). */
  settled(n: number, timeoutMs?: number): Promise<SettledEvent[]>;
  close(): Promise<void>;
}

export async function harness(opts: { clock?: TestClock; ports?: OutboundPort[]; realTime?: boolean; approvalExpiryMs?: number } = {}): Promise<Harness> {
  const clock = opts.clock ?? new TestClock();
  const ports = new PortRegistry(opts.ports ?? []);
  // Pacing needs time to pass: tests that are not about time run on a clock that follows real time.
  const offset = clock.ms - Date.now();
  const now = opts.realTime ? () => new Date(Date.now() + offset) : clock.now;
  const store = openSqliteStore(':memory:', { now });
  const alerts = startAlerts({
    store: store, ports, logger: quietLogger, config: { TIMEZONE: 'UTC' }, now, approvalExpiryMs: opts.approvalExpiryMs,
    summarizer: { tldr: (a) => `TLDR: ${a.dek || a.title}` },
  });
  const events: SettledEvent[] = [];
  const waiters: Array<() => void> = [];
  alerts.dispatcher.onSettled((e) => {
    if (e.retrying) return;
    events.push(e);
    for (const w of waiters.splice(0)) w();
  });
  return {
    alerts, store, ports, clock, now, outbox: new SqliteOutbox(store.db),
    subscribe: (input) =>
      alerts.service.subscribe({ platform: 'terminal', workspace: '', minPriority: 'routine', ...input } as NewSubscription, admin),
    async settled(n, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length < n) {
        if (Date.now() > deadline) throw new Error(`only ${events.length} of ${n} deliveries settled: ${JSON.stringify(events.map((e) => [e.delivery.kind, e.state, e.delivery.reason]))}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return events.splice(0, n);
    },
    async close() {
      await alerts.stop();
      await store.close();
    },
  };
}

/** The breaking story most alerts tests deliver; `over` changes any field (a new headline, a retraction). */
export function quakeArticle(over: Record<string, unknown> = {}) {
  return {
    id: 'quake', url: 'https://news.example/quake', title: 'Earthquake Strikes Ostravia Capital', dek: 'A strong quake hit at dawn.',
    priority: 'breaking' as const, section: 'world', ...over,
  };
}
