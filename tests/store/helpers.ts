import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type OpenSqliteStoreOptions, type SqliteStore } from '../../src/store/sqlite/index.js';

/** A real SQLite file in a fresh temp dir; `cleanup` closes it and removes the dir. */
export function tempStore(opts: Partial<OpenSqliteStoreOptions> = {}): SqliteStore & { dir: string; cleanup(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-store-'));
  const store = openSqliteStore(join(dir, 'sub', 'newsdesk.db'), { now: () => NOW, ...opts });
  return {
    ...store,
    dir,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const NOW = new Date('2026-11-25T12:00:00Z');
export const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();
