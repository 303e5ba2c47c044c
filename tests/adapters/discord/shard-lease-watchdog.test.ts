import { afterEach, describe, expect, it, vi } from 'vitest';
import { ShardLeases } from '../../../src/adapters/discord/shard-leases.js';
import { logger } from '../../../src/log.js';

/**
 * A shard must be closed before its lease can expire in the database, or an instance taking the lease over runs the
 * shard in a second gateway session (the stand-in counts those as overlaps). Here the database answers the first
 * round and then stops answering: the lease, taken at 0 for 3,000 ms, may be another's from 3,000 on.
 */
describe('ShardLeases when the database stops answering', () => {
  afterEach(() => vi.useRealTimers());

  it('closes the shard before its lease could have expired, not up to a round later', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'performance'] });
    let answering = true;
    const stopped: Array<{ id: number; at: number }> = [];
    const leases = new ShardLeases({
      coordination: {
        instanceId: 'A',
        acquire: () => (answering ? Promise.resolve(true) : new Promise<boolean>(() => {})),
        release: () => Promise.resolve(),
        leases: () => (answering ? Promise.resolve([]) : new Promise(() => {})),
      },
      count: 1,
      logger: logger.child({}, { level: 'silent' }),
      ttlMs: 3_000,
      startShard: () => Promise.resolve(),
      stopShard: async (id) => void stopped.push({ id, at: performance.now() }),
    });
    const t0 = performance.now();
    await leases.start();
    expect(leases.shards()).toEqual([0]);
    answering = false;
    await vi.advanceTimersByTimeAsync(2_999);
    expect(stopped.map((s) => s.id)).toEqual([0]);
    // Dropped after the lease's local end (3,000 − 500 ms) and before it could expire.
    expect(stopped[0].at - t0).toBeGreaterThanOrEqual(2_500);
    expect(stopped[0].at - t0).toBeLessThan(3_000);
    expect(leases.shards()).toEqual([]);
  });
});
