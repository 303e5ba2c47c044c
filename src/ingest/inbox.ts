import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { logger as rootLogger, type Logger } from '../log.js';
import type { ArticleStore, UpsertResult } from '../store/types.js';
import { isArticleFile, readArticleFile } from './files.js';

export interface InboxOptions {
  logger?: Logger;
  /** A file must be quiet this long before it is read, so half-written files are not ingested. */
  settleMs?: number;
  /** The polling fallback: fs.watch misses events on some filesystems (network mounts, containers). */
  pollMs?: number;
  /** Set false to rely on polling alone (tests; filesystems where fs.watch misbehaves). */
  useFsWatch?: boolean;
  onIngested?: (file: string, results: UpsertResult[]) => void;
  onWarning?: (file: string, problem: string) => void;
}

export interface Inbox {
  /** Resolves once the files already in the folder have been ingested. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

interface Seen {
  mtimeMs: number;
  size: number;
}

/**
 * Watches a folder and ingests any article file dropped into it or changed in it, within about a second.
 * Files stay where they are: an editor can change a headline and the store records a new version.
 * Work is bounded: one pending timer per file name and one ingest at a time.
 */
export function watchInbox(dir: string, store: ArticleStore, opts: InboxOptions = {}): Inbox {
  const logger = (opts.logger ?? rootLogger).child({ module: 'inbox' });
  const settleMs = opts.settleMs ?? 150;
  const pollMs = opts.pollMs ?? 500;
  const processed = new Map<string, Seen>();
  const timers = new Map<string, NodeJS.Timeout>();
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;
  let watcher: FSWatcher | undefined;
  let poller: NodeJS.Timeout | undefined;
  let polling = false;
  let settling = 0;

  const schedule = (name: string) => {
    if (stopped || !isArticleFile(name)) return;
    clearTimeout(timers.get(name));
    timers.set(name, setTimeout(() => settle(name), settleMs));
  };

  // Read the file's size and time twice, settleMs apart; ingest only when they agree (the writer is done).
  const settle = async (name: string) => {
    timers.delete(name);
    settling++;
    try {
      await settleAndQueue(name);
    } finally {
      settling--;
    }
  };

  const settleAndQueue = async (name: string) => {
    const first = await statOf(join(dir, name));
    if (!first || stopped) return;
    await delay(Math.min(settleMs, 100));
    const second = await statOf(join(dir, name));
    if (!second || stopped) return;
    if (first.mtimeMs !== second.mtimeMs || first.size !== second.size) return schedule(name);
    const before = processed.get(name);
    if (before && before.mtimeMs === second.mtimeMs && before.size === second.size) return;
    processed.set(name, second);
    chain = chain.then(() => ingest(name)).catch((err) => logger.error({ err, file: name }, 'inbox ingest failed'));
  };

  const ingest = async (name: string) => {
    if (stopped) return;
    const path = join(dir, name);
    const parsed = await readArticleFile(path);
    if ('problem' in parsed) {
      if (opts.onWarning) opts.onWarning(path, parsed.problem);
      else logger.warn({ file: path }, `skipped ${path}: ${parsed.problem}`);
      return;
    }
    try {
      const results = parsed.articles.length === 1 ? [await store.upsert(parsed.articles[0])] : await store.upsertMany(parsed.articles);
      for (const r of results) {
        if (r.outcome !== 'unchanged') logger.info({ file: path, id: r.article.id, version: r.article.version }, `inbox: ${r.outcome} ${r.article.id}`);
      }
      opts.onIngested?.(path, results);
    } catch (err) {
      const problem = `the store refused it: ${(err as Error).message}`;
      if (opts.onWarning) opts.onWarning(path, problem);
      else logger.warn({ file: path }, `skipped ${path}: ${problem}`);
    }
  };

  const poll = async () => {
    if (polling || stopped) return;
    polling = true;
    try {
      const names = (await readdir(dir).catch(() => [] as string[])).filter(isArticleFile);
      const present = new Set(names);
      for (const name of [...processed.keys()]) if (!present.has(name)) processed.delete(name);
      for (const name of names) {
        if (timers.has(name)) continue;
        const s = await statOf(join(dir, name));
        const before = processed.get(name);
        if (s && (!before || before.mtimeMs !== s.mtimeMs || before.size !== s.size)) schedule(name);
      }
    } finally {
      polling = false;
    }
  };

  const ready = (async () => {
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      // A read-only or misnamed DATA_DIR must not take the bot down: no inbox, said once, clearly.
      logger.error({ dir, code: (err as NodeJS.ErrnoException).code }, `inbox disabled: cannot create ${dir}`);
      stopped = true;
      return;
    }
    if (stopped) return;
    if (opts.useFsWatch !== false) {
      try {
        watcher = watch(dir, { persistent: false }, (_event, filename) => {
          if (filename) schedule(basename(filename.toString()));
          else void poll();
        });
        watcher.on('error', (err) => logger.debug({ err }, 'inbox watcher failed; polling continues'));
      } catch (err) {
        logger.debug({ err }, 'fs.watch unavailable; polling only');
      }
    }
    poller = setInterval(() => void poll(), pollMs);
    poller.unref();
    await poll();
    // Wait for what was already there, so `ready` means "the inbox is in the store".
    while (!stopped && (timers.size > 0 || settling > 0)) await delay(20);
    await chain;
  })();

  return {
    ready,
    async stop() {
      stopped = true;
      watcher?.close();
      if (poller) clearInterval(poller);
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await ready.catch(() => undefined);
      await chain;
    },
  };
}

async function statOf(path: string): Promise<Seen | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? { mtimeMs: s.mtimeMs, size: s.size } : null;
  } catch {
    return null;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
