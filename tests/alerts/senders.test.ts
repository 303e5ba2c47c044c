import { afterEach, describe, expect, it } from 'vitest';
import { SenderLeases } from '../../src/alerts/senders.js';
import { logger } from '../../src/log.js';
import type { PortRegistry } from '../../src/outbound/registry.js';
import type { Coordination } from '../../src/store/types.js';

/** A lease table of one instance: every free lease is granted. */
function fakeCoordination(): Coordination & { acquired: string[] } {
  const acquired: string[] = [];
  return {
    instanceId: 'me', acquired,
    async start() {},
    async liveInstances() { return []; },
    async acquire(name) { acquired.push(name); return true; },
    async release() {},
    async takeSlot() { return 0; },
    async leases() { return []; },
    listen() { return () => {}; },
    async stop() {},
  };
}

describe('sender leases', () => {
  let leases: SenderLeases | undefined;
  afterEach(async () => leases?.stop());

  it('a nudge (due work NOTIFYed) takes a free bucket at once, not at the next round', async () => {
    let due: string[] = [];
    let changes = 0;
    const coordination = fakeCoordination();
    leases = new SenderLeases({
      coordination,
      outbox: { dueBuckets: async () => due, reclaimAbandoned: async () => 0 },
      ports: { platforms: () => ['discord'] } as unknown as PortRegistry,
      logger: logger.child({}, { level: 'silent' }),
      now: () => 0,
      everyMs: 60_000,
      onChange: () => (changes += 1),
    });
    leases.start();
    await new Promise((r) => setTimeout(r, 50));
    expect(leases.held()).toEqual([]);

    due = ['discord'];
    leases.nudge();
    const deadline = Date.now() + 2_000;
    while (leases.held().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(leases.held()).toEqual(['discord']);
    expect(coordination.acquired).toEqual(['sender:discord']);
    expect(changes).toBeGreaterThan(0);
  });

  it('nudges that keep coming run rounds at most every 250 ms', async () => {
    let rounds = 0;
    leases = new SenderLeases({
      coordination: fakeCoordination(),
      outbox: { dueBuckets: async () => { rounds += 1; return []; }, reclaimAbandoned: async () => 0 },
      ports: { platforms: () => ['discord'] } as unknown as PortRegistry,
      logger: logger.child({}, { level: 'silent' }),
      now: () => 0,
      everyMs: 60_000,
      onChange: () => {},
    });
    leases.start();
    const end = Date.now() + 1_000;
    while (Date.now() < end) {
      leases.nudge();
      await new Promise((r) => setTimeout(r, 5));
    }
    // The first round at start, then one per 250 ms at most: 5 in a second (a bound, not a measurement).
    expect(rounds).toBeLessThanOrEqual(6);
    expect(rounds).toBeGreaterThanOrEqual(2);
  });
});
