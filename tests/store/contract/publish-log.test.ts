import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../../src/store/types.js';
import { NOW } from '../helpers.js';
import { eachBackend } from './backends.js';

const T = NOW.getTime();
const HOUR = 60 * 60_000;
/** Discord lets an announcement channel publish about 10 messages an hour (stated here, not read from the code). */
const LIMIT = 10;
const FULL = 'Discord allows 10 publishes an hour per channel';

/**
 * The publish log (migration 911), on both backends: a channel's publishes over the last hour, taken atomically so
 * that instances sharing the store never publish more than the limit between them, and seen again after a restart.
 */
eachBackend(import.meta.filename, 'publish log', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open({ now: () => new Date(T) });
  });
  afterEach(() => backend.cleanup());

  it('the hour\'s publishes are taken until the limit; the next are held with the reason; other channels have their own', async () => {
    const taken: Array<number | null> = [];
    for (let i = 0; i < 12; i++) taken.push(await store.publishLog.take('discord:G1/500', T + i * 60_000, LIMIT, HOUR, FULL));
    expect(taken.slice(0, 10).every((id) => typeof id === 'number')).toBe(true);
    expect(new Set(taken.slice(0, 10)).size).toBe(10);
    expect(taken.slice(10)).toEqual([null, null]);
    expect(await store.publishLog.window('discord:G1/500', T + 12 * 60_000 - HOUR)).toEqual({ published: 10, held: 2, lastProblem: FULL });
    expect(await store.publishLog.take('discord:G1/600', T, LIMIT, HOUR, FULL)).not.toBeNull();
    expect(await store.publishLog.window('discord:G1/600', T - HOUR)).toEqual({ published: 1, held: 0, lastProblem: null });
  });

  it('an hour after a publish its place is free again', async () => {
    for (let i = 0; i < 10; i++) await store.publishLog.take('discord:G1/500', T + i * 60_000, LIMIT, HOUR, FULL);
    expect(await store.publishLog.take('discord:G1/500', T + HOUR - 1, LIMIT, HOUR, FULL)).toBeNull();
    // The first publish (at T) leaves the window at T + 1 h: one place.
    expect(await store.publishLog.take('discord:G1/500', T + HOUR, LIMIT, HOUR, FULL)).not.toBeNull();
    expect(await store.publishLog.take('discord:G1/500', T + HOUR + 1, LIMIT, HOUR, FULL)).toBeNull();
    expect((await store.publishLog.window('discord:G1/500', T + HOUR + 1 - HOUR)).published).toBe(10);
  });

  it('a publish the platform refused becomes a hold with its reason and frees its place', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) ids.push((await store.publishLog.take('discord:G1/500', T + i, LIMIT, HOUR, FULL))!);
    await store.publishLog.refused(ids[9], 'Missing Permissions');
    expect(await store.publishLog.window('discord:G1/500', T - 1)).toEqual({ published: 9, held: 1, lastProblem: 'Missing Permissions' });
    expect(await store.publishLog.take('discord:G1/500', T + 20, LIMIT, HOUR, FULL)).not.toBeNull();
  });

  it('takes at once (PostgreSQL: on several connections, as from several instances) publish the limit, never more', async () => {
    const results = await Promise.all(Array.from({ length: 14 }, (_, i) => store.publishLog.take('discord:G1/500', T + i, LIMIT, HOUR, FULL)));
    expect(results.filter((id) => id !== null)).toHaveLength(10);
    expect(await store.publishLog.window('discord:G1/500', T - 1)).toEqual({ published: 10, held: 4, lastProblem: FULL });
  });
});
