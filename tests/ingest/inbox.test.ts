import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchInbox, type Inbox } from '../../src/ingest/inbox.js';
import type { UpsertResult } from '../../src/store/types.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import { logger } from '../../src/log.js';
import { TEST_CLOCK } from '../helpers/clock.js';

const quiet = logger.child({}, { level: 'silent' });

/** Polls a condition; the test's own timeout is the only clock. */
async function until<T>(check: () => Promise<T | undefined | null | false>): Promise<T> {
  for (;;) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

let dir: string;
let inbox: string;
let store: SqliteStore;
let watcher: Inbox | undefined;
const ingested: Array<{ file: string; results: UpsertResult[] }> = [];
const warnings: Array<{ file: string; problem: string }> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'newsdesk-inbox-'));
  inbox = join(dir, 'inbox');
  store = openSqliteStore(join(dir, 'x.db'), { now: TEST_CLOCK });
  ingested.length = 0;
  warnings.length = 0;
});
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = (opts: { pollMs?: number; useFsWatch?: boolean } = {}) => {
  watcher = watchInbox(inbox, store.articles, {
    logger: quiet,
    ...opts,
    onIngested: (file, results) => ingested.push({ file, results }),
    onWarning: (file, problem) => warnings.push({ file, problem }),
  });
  return watcher.ready;
};

describe('watchInbox', () => {
  it('creates the folder and ingests files already there before ready resolves', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(inbox, { recursive: true });
    writeFileSync(join(inbox, 'early.txt'), 'Early headline\n\nBody.');
    writeFileSync(join(inbox, '.gitkeep'), '');
    await start();
    expect((await store.articles.get('early'))?.title).toBe('Early headline');
    expect(ingested.map((i) => i.file.split('/').pop())).toEqual(['early.txt']);
  });

  it('picks up a dropped file, then versions it when its headline is edited in place', async () => {
    await start();
    writeFileSync(join(inbox, 'drop.txt'), 'URGENT\n\nBridge closed\n\nThe bridge is shut.');
    const first = await until(() => store.articles.get('drop'));
    expect(first).toMatchObject({ title: 'Bridge closed', priority: 'urgent', version: 1 });
    writeFileSync(join(inbox, 'drop.txt'), 'URGENT\n\nBridge closed after crash\n\nThe bridge is shut.');
    const second = await until(async () => {
      const a = await store.articles.get('drop');
      return a && a.version === 2 ? a : null;
    });
    expect(second.title).toBe('Bridge closed after crash');
  });

  it('waits for a half-written file to settle and ingests it once', async () => {
    await start();
    const path = join(inbox, 'slow.json');
    const fd = openSync(path, 'w');
    writeSync(fd, '{"id": "slow-1", "title": "Slow wri');
    await new Promise((r) => setTimeout(r, 50));
    writeSync(fd, 'ter finishes", "section": "world"}');
    closeSync(fd);
    const article = await until(() => store.articles.get('slow-1'));
    expect(article.title).toBe('Slow writer finishes');
    await new Promise((r) => setTimeout(r, 700));
    expect(ingested.filter((i) => i.file === path)).toHaveLength(1);
  });

  it('finds files by polling alone (fs.watch may miss events) and warns once about a broken one', async () => {
    await start({ pollMs: 100, useFsWatch: false });
    writeFileSync(join(inbox, 'bad.json'), '{ nope');
    writeFileSync(join(inbox, 'ok.md'), '---\ntitle: Polled in\n---\nBody.');
    await until(() => store.articles.get('ok'));
    await until(async () => warnings.length > 0);
    await new Promise((r) => setTimeout(r, 400));
    expect(warnings.map((w) => w.file.split('/').pop())).toEqual(['bad.json']);
  });

  it('stops cleanly: nothing is ingested after stop()', async () => {
    await start();
    await watcher!.stop();
    writeFileSync(join(inbox, 'late.txt'), 'Late\n\nBody.');
    await new Promise((r) => setTimeout(r, 800));
    expect(await store.articles.get('late')).toBeNull();
  });
});
