/**
 * Search benchmark: ingest N synthetic articles into a temp SQLite file, run 1,000 varied /news queries
 * through the in-process dispatcher (and straight against store.search), run the same queries through
 * MiniSearch in a child process, and report p50/p99, the ratio and peak RSS.
 *
 *   npx tsx bench/search.ts --articles 10000
 *
 * `runSearchBench` is what bench/run.ts calls.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { coreCommands } from '../commands/index.js';
import type { Invocation } from '../src/core/command.js';
import { createDispatcher } from '../src/core/dispatcher.js';
import type { OutboundPort, Platform } from '../src/core/outbound.js';
import type { Services } from '../src/core/services.js';
import { logger } from '../src/log.js';
import { createDerivedCache } from '../src/store/cache.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import { createSummarizer } from '../src/summarize/summarizer.js';
import { percentile } from './stats.js';
import { SYNTHETIC_NOW, syntheticArticle, syntheticQueries } from './synthetic.js';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface SearchBenchOptions {
  articles: number;
  queries?: number;
  /** Run the MiniSearch peer (a child process). Default true. */
  peer?: boolean;
  log?: (line: string) => void;
}

export interface PeerFigures {
  engine: string;
  buildMs: number;
  p50Ms: number;
  p99Ms: number;
  maxRssMb: number;
  hits: number;
}

export interface SearchBenchResult {
  articles: number;
  queries: number;
  ingest: { ms: number; articlesPerSecond: number; dbFileMb: number };
  /** /news through createDispatcher → commands/news.ts → store (cache cleared before each query). */
  dispatcher: { p50Ms: number; p99Ms: number; answered: number; withResults: number };
  /** store.search alone, the same queries: the figure comparable with an in-memory index. */
  storeSearch: { p50Ms: number; p99Ms: number };
  suggest: { p50Ms: number; p99Ms: number };
  minisearch?: PeerFigures & { p50Ratio: number; p99Ratio: number };
  maxRssMb: number;
}

export async function runSearchBench(opts: SearchBenchOptions): Promise<SearchBenchResult> {
  const log = opts.log ?? (() => undefined);
  const queryCount = opts.queries ?? 1_000;
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-bench-'));
  const dbPath = join(dir, 'bench.db');
  const store = openSqliteStore(dbPath, { now: () => new Date(SYNTHETIC_NOW) });
  try {
    // Generated and written chunk by chunk: the corpus is never held whole in our memory.
    log(`ingesting ${opts.articles} synthetic articles…`);
    const chunk = 5_000;
    let ingestMs = 0;
    for (let start = 0; start < opts.articles; start += chunk) {
      const inputs = [];
      for (let i = start; i < Math.min(opts.articles, start + chunk); i++) inputs.push(syntheticArticle(i));
      const t0 = performance.now();
      await store.articles.upsertMany(inputs);
      ingestMs += performance.now() - t0;
    }
    // A bulk import ends by merging the FTS segments; its time counts as ingest.
    const t1 = performance.now();
    store.articles.optimize();
    ingestMs += performance.now() - t1;
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const ingest = {
      ms: Math.round(ingestMs),
      articlesPerSecond: Math.round(opts.articles / (ingestMs / 1000)),
      dbFileMb: Math.round(statSync(dbPath).size / 1e5) / 10,
    };

    const cache = createDerivedCache(300);
    const services: Services = {
      articles: store.articles, summarizer: createSummarizer(), cache, actionState: store.actionState,
      ports: new Map<Platform, OutboundPort>(),
    };
    const dispatcher = createDispatcher({
      commands: coreCommands(), services, logger: logger.child({}, { level: 'silent' }), now: () => new Date(SYNTHETIC_NOW),
    });
    const queries = syntheticQueries(queryCount);

    log('running /news through the dispatcher…');
    const times: number[] = [];
    let answered = 0;
    let withResults = 0;
    for (const q of queries) {
      const text = [q.text, q.section ? `section:${q.section}` : '', q.since ? `since:${q.since}` : ''].filter(Boolean).join(' ');
      cache.clear();
      const t0 = performance.now();
      const reply = await dispatcher.dispatch(invocation(text));
      times.push(performance.now() - t0);
      if (reply.kind === 'answer') answered++;
      if (reply.cards?.[0]?.items?.length) withResults++;
    }

    log('running store.search and suggest…');
    const storeTimes: number[] = [];
    const suggestTimes: number[] = [];
    for (const q of queries) {
      const since = q.sinceDays ? new Date(SYNTHETIC_NOW - q.sinceDays * 86_400_000) : undefined;
      let t0 = performance.now();
      await store.articles.search({ text: q.text, section: q.section, since, limit: 5, offset: 0 });
      storeTimes.push(performance.now() - t0);
      const prefix = q.text.slice(0, Math.max(2, Math.ceil(q.text.length * 0.6)));
      t0 = performance.now();
      await store.articles.suggest(prefix, 25);
      suggestTimes.push(performance.now() - t0);
    }
    const ours = process.resourceUsage().maxRSS;

    const result: SearchBenchResult = {
      articles: opts.articles,
      queries: queryCount,
      ingest,
      dispatcher: { ...pcts(times), answered, withResults },
      storeSearch: pcts(storeTimes),
      suggest: pcts(suggestTimes),
      maxRssMb: Math.round(ours / 1024),
    };
    if (opts.peer !== false) {
      log('running MiniSearch in a child process…');
      const peer = await runPeer('peer-minisearch.ts', opts.articles, queryCount);
      result.minisearch = {
        ...peer,
        p50Ratio: ratio(peer.p50Ms, result.dispatcher.p50Ms),
        p99Ratio: ratio(peer.p99Ms, result.dispatcher.p99Ms),
      };
    }
    return result;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function invocation(text: string): Invocation {
  return { platform: 'terminal', command: 'news', text, user: { id: 'bench', name: 'bench', isAdmin: false }, workspace: '', channel: 'terminal:bench' };
}

function pcts(times: number[]): { p50Ms: number; p99Ms: number } {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
}

/** How many times slower the peer is than us (above 1: we are faster). */
function ratio(peer: number, ours: number): number {
  return Math.round((peer / Math.max(ours, 0.001)) * 10) / 10;
}

function runPeer(script: string, articles: number, queries: number): Promise<PeerFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, script), '--articles', String(articles), '--queries', String(queries)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!));
      } catch (err) {
        reject(err);
      }
    });
  });
}

export function formatTable(r: SearchBenchResult): string {
  const rows: string[][] = [
    ['measure', 'Newsdesk (SQLite FTS5)', 'MiniSearch (child)'],
    ['articles', String(r.articles), String(r.articles)],
    ['build / ingest', `${(r.ingest.ms / 1000).toFixed(1)} s (${r.ingest.articlesPerSecond}/s, ${r.ingest.dbFileMb} MB file)`, r.minisearch ? `${(r.minisearch.buildMs / 1000).toFixed(1)} s` : '—'],
    ['/news p50 (dispatcher)', `${r.dispatcher.p50Ms} ms`, r.minisearch ? `${r.minisearch.p50Ms} ms (search only; ×${r.minisearch.p50Ratio})` : '—'],
    ['/news p99 (dispatcher)', `${r.dispatcher.p99Ms} ms`, r.minisearch ? `${r.minisearch.p99Ms} ms (×${r.minisearch.p99Ratio})` : '—'],
    ['store.search p50 / p99', `${r.storeSearch.p50Ms} / ${r.storeSearch.p99Ms} ms`, ''],
    ['suggest p50 / p99', `${r.suggest.p50Ms} / ${r.suggest.p99Ms} ms`, ''],
    ['peak RSS', `${r.maxRssMb} MB`, r.minisearch ? `${r.minisearch.maxRssMb} MB` : '—'],
    ['queries with results', `${r.dispatcher.withResults}/${r.queries}`, r.minisearch ? `${r.minisearch.hits} hits in top 5s` : ''],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c])).join('  ')).join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--articles');
  const articles = i > 0 ? Number(process.argv[i + 1]) : 100_000;
  const peer = !process.argv.includes('--no-peer');
  runSearchBench({ articles, peer, log: (l) => process.stderr.write(`${l}\n`) })
    .then((r) => {
      process.stdout.write(`${formatTable(r)}\n`);
      mkdirSync(join(HERE, 'results'), { recursive: true });
      writeFileSync(join(HERE, 'results', 'search.json'), `${JSON.stringify(r, null, 2)}\n`);
    })
    .catch((err) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
