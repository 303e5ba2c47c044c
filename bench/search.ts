/**
 * Search benchmark. This process generates N synthetic articles and ingests them into a temp SQLite file
 * (ingest/s and file size; the final FTS merge counts as ingest). Then, each in its own child process so each
 * peak RSS is its own: Newsdesk (store + dispatcher only: /news, store.search, suggest, known-item, push), and
 * at ≤ 100k articles the peers MiniSearch and FlexSearch (same corpus, queries and known items).
 *
 *   npx tsx bench/search.ts --articles 10000 [--no-peer]
 *
 * `runSearchBench` is what bench/run.ts calls.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import { SYNTHETIC_NOW, syntheticArticle } from './synthetic.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** MiniSearch needs ~2.6 GB at 100k: the peers run up to here only. */
const PEER_MAX_ARTICLES = 100_000;

export interface SearchBenchOptions {
  articles: number;
  queries?: number;
  /** Run the peers (child processes). Default true (skipped above PEER_MAX_ARTICLES). */
  peer?: boolean;
  log?: (line: string) => void;
}

export interface PeerFigures {
  engine: string;
  buildMs: number;
  p50Ms: number;
  p99Ms: number;
  maxRssMb: number;
  withResults: number;
  knownItemRate: number;
}

interface Pcts { p50Ms: number; p99Ms: number }

export interface NewsdeskFigures {
  /** /news through createDispatcher → commands/news.ts → store (cache cleared before each query). */
  dispatcher: Pcts & { withResults: number; cpu: Pcts };
  /** store.search alone, the same queries: the figure comparable with an in-memory index. */
  storeSearch: Pcts;
  suggest: Pcts;
  /** % of known-item queries whose article is in the top 5. */
  knownItemRate: number;
  /** upsert of one new article (its own transaction; searchable once it returns). */
  push: Pcts & { count: number; foundAfter: number; checked: number };
  maxRssMb: number;
}

export interface SearchBenchResult {
  articles: number;
  queries: number;
  ingest: { ms: number; articlesPerSecond: number; dbFileMb: number; generatorProcessRssMb: number };
  newsdesk: NewsdeskFigures;
  peers: PeerFigures[];
}

export async function runSearchBench(opts: SearchBenchOptions): Promise<SearchBenchResult> {
  const log = opts.log ?? (() => undefined);
  const queryCount = opts.queries ?? 1_000;
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-bench-'));
  const dbPath = join(dir, 'bench.db');
  try {
    const ingest = await ingestCorpus(dbPath, opts.articles, log);
    log('running Newsdesk (store + dispatcher) in a child process…');
    const newsdesk = (await runChild('newsdesk-child.ts', ['--db', dbPath, '--articles', String(opts.articles), '--queries', String(queryCount)])) as NewsdeskFigures;
    const peers: PeerFigures[] = [];
    if (opts.peer !== false && opts.articles <= PEER_MAX_ARTICLES) {
      for (const script of ['peer-flexsearch.ts', 'peer-minisearch.ts']) {
        log(`running ${script} in a child process…`);
        peers.push((await runChild(script, ['--articles', String(opts.articles), '--queries', String(queryCount)])) as PeerFigures);
      }
    }
    return { articles: opts.articles, queries: queryCount, ingest, newsdesk, peers };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Generated and written chunk by chunk (the corpus is never held whole); only store time is counted. */
async function ingestCorpus(dbPath: string, articles: number, log: (l: string) => void): Promise<SearchBenchResult['ingest']> {
  const store = openSqliteStore(dbPath, { now: () => new Date(SYNTHETIC_NOW) });
  try {
    log(`ingesting ${articles} synthetic articles…`);
    const chunk = 5_000;
    let ingestMs = 0;
    for (let start = 0; start < articles; start += chunk) {
      const inputs = [];
      for (let i = start; i < Math.min(articles, start + chunk); i++) inputs.push(syntheticArticle(i));
      const t0 = performance.now();
      await store.articles.upsertMany(inputs);
      ingestMs += performance.now() - t0;
      if ((start / chunk) % 20 === 19) log(`  ${start + chunk} articles, ${Math.round((start + chunk) / (ingestMs / 1000))}/s`);
    }
    // A bulk import ends by merging the FTS segments; its time counts as ingest.
    const t1 = performance.now();
    store.articles.optimize();
    ingestMs += performance.now() - t1;
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    return {
      ms: Math.round(ingestMs),
      articlesPerSecond: Math.round(articles / (ingestMs / 1000)),
      dbFileMb: Math.round(statSync(dbPath).size / 1e5) / 10,
      generatorProcessRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await store.close();
  }
}

function runChild(script: string, args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
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

/** How many times slower the peer is than us (above 1: we are faster). */
function ratio(peer: number, ours: number): string {
  return `×${(Math.round((peer / Math.max(ours, 0.001)) * 10) / 10).toFixed(1)}`;
}

export function formatTable(r: SearchBenchResult): string {
  const n = r.newsdesk;
  const header = ['measure', 'Newsdesk (SQLite FTS5)', ...r.peers.map((p) => `${p.engine} (child)`)];
  const rows: string[][] = [
    header,
    ['build / ingest', `${(r.ingest.ms / 1000).toFixed(1)} s (${r.ingest.articlesPerSecond}/s)`, ...r.peers.map((p) => `${(p.buildMs / 1000).toFixed(1)} s (${Math.round(r.articles / (p.buildMs / 1000))}/s)`)],
    ['/news p50 (dispatcher)', `${n.dispatcher.p50Ms} ms`, ...r.peers.map((p) => `${p.p50Ms} ms (search only; ${ratio(p.p50Ms, n.dispatcher.p50Ms)})`)],
    ['/news p99 (dispatcher)', `${n.dispatcher.p99Ms} ms`, ...r.peers.map((p) => `${p.p99Ms} ms (${ratio(p.p99Ms, n.dispatcher.p99Ms)})`)],
    ['/news CPU time p50 / p99', `${n.dispatcher.cpu.p50Ms} / ${n.dispatcher.cpu.p99Ms} ms`, ...r.peers.map(() => '')],
    ['store.search p50 / p99', `${n.storeSearch.p50Ms} / ${n.storeSearch.p99Ms} ms`, ...r.peers.map(() => '')],
    ['suggest p50 / p99', `${n.suggest.p50Ms} / ${n.suggest.p99Ms} ms`, ...r.peers.map(() => '')],
    ['push one article p50 / p99', `${n.push.p50Ms} / ${n.push.p99Ms} ms (${n.push.foundAfter}/${n.push.checked} found at once)`, ...r.peers.map(() => '')],
    ['peak RSS', `${n.maxRssMb} MB (ingest process ${r.ingest.generatorProcessRssMb} MB)`, ...r.peers.map((p) => `${p.maxRssMb} MB`)],
    ['file size', `${r.ingest.dbFileMb} MB`, ...r.peers.map(() => '—')],
    ['known-item hit rate (top 5)', `${n.knownItemRate}%`, ...r.peers.map((p) => `${p.knownItemRate}%`)],
    ['queries with results', `${n.dispatcher.withResults}/${r.queries}`, ...r.peers.map((p) => `${p.withResults}/${r.queries}`)],
  ];
  const widths = header.map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return [`${r.articles} articles, ${r.queries} queries`, ...rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c])).join('  '))].join('\n');
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
