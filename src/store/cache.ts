import NodeCache from 'node-cache';
import type { DerivedCache } from './types.js';

/** Past this many entries the cache starts over: derived data is cheap to recompute, memory is not. */
const MAX_ENTRIES = 5_000;

/**
 * Query results and summaries, kept for `ttlSeconds` and thrown away whole on any store change (the
 * composition root wires `articles.onChange(() => cache.clear())`). Values are shared, not cloned: callers
 * treat them as read-only.
 */
export function createDerivedCache(ttlSeconds: number, maxEntries = MAX_ENTRIES): DerivedCache & { size(): number; close(): void } {
  const cache = new NodeCache({
    stdTTL: Math.max(1, ttlSeconds),
    checkperiod: Math.max(10, Math.min(600, ttlSeconds)),
    useClones: false,
  });
  // The expiry timer must never keep the process alive at exit.
  const timer = (cache as unknown as { checkTimeout?: NodeJS.Timeout }).checkTimeout;
  timer?.unref?.();
  return {
    get<T>(key: string): T | undefined {
      return cache.get<T>(key);
    },
    set<T>(key: string, value: T): void {
      if (cache.keys().length >= maxEntries && !cache.has(key)) cache.flushAll();
      cache.set(key, value);
    },
    clear(): void {
      cache.flushAll();
    },
    size(): number {
      return cache.keys().length;
    },
    close(): void {
      cache.close();
    },
  };
}
