import { afterEach, describe, expect, it } from 'vitest';
import { createDerivedCache } from '../../src/store/cache.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { SqliteActionStateStore } from '../../src/store/sqlite/action-state.js';
import { TEST_CLOCK } from '../helpers/clock.js';

describe('SqliteActionStateStore', () => {
  const store = openSqliteStore(':memory:', { now: TEST_CLOCK });
  afterEach(() => undefined);

  it('stores state under a short key and gives it back', async () => {
    const key = await store.actionState.put({ q: 'prime minister', p: 2, long: 'x'.repeat(500) });
    expect(key).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(await store.actionState.get(key)).toEqual({ q: 'prime minister', p: 2, long: 'x'.repeat(500) });
    expect(await store.actionState.get('nosuchkey')).toBeNull();
    expect(await store.actionState.get('')).toBeNull();
  });

  it('forgets state after its expiry', async () => {
    let now = 1_000_000;
    const states = new SqliteActionStateStore(store.db, { ttlMs: 1000, now: () => now });
    const key = await states.put({ a: 1 });
    now += 999;
    expect(await states.get(key)).toEqual({ a: 1 });
    now += 1;
    expect(await states.get(key)).toBeNull();
  });
});

describe('createDerivedCache', () => {
  it('keeps values until cleared, and starts over past its size bound', () => {
    const cache = createDerivedCache(60, 3);
    cache.set('a', { n: 1 });
    expect(cache.get('a')).toEqual({ n: 1 });
    cache.clear();
    expect(cache.get('a')).toBeUndefined();
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, k);
    expect(cache.size()).toBe(1);
    expect(cache.get('d')).toBe('d');
    cache.close();
  });
});
