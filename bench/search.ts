/**
 * Search benchmark. This process generates N synthetic articles and ingests them into a temp SQLite file
 * (ingest/s and file size; the final FTS merge counts as ingest). Then, each in its own child process so each
 * peak RSS is its own: Newsdesk (store + dispatcher only: /news, store.search, suggest, known-item, push), and
 * at ≤ 100k articles the peers MiniSearch and FlexSearch (same corpus, queries and known items).
 *
 *   npx tsx bench/search.ts --articles 10000 [--no-peer]
 *
 * With `--store postgres` the same corpus is also ingested into PostgreSQL (BENCH_DATABASE_URL, default the
 * machine's own at 127.0.0.1:5432/test; loopback only) in a schema of its own, dropped afterwards, and Newsdesk's
 * child runs the same queries on it: both backends in one table.
 *
 * `runSearchBench` is what bench/run.ts calls.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openPostgresStore, type PostgresStore } from '../src/store/postgres/index.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import type { ArticleStore } from '../src/store/types.js';
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
  /** Also run Newsdesk on PostgreSQL (beside SQLite, same corpus and queries). */
  postgres?: boolean;
}

/** The machine's own PostgreSQL unless BENCH_DATABASE_URL names another; never printed. */
const DEFAULT_BENCH_PG = 'postgres://postgres@127.0.0.1:5432/test';

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

type IngestFigures = { ms: number; articlesPerSecond: number; dbFileMb: number; generatorProcessRssMb: number };

export interface SearchBenchResult {
  articles: number;
  queries: number;
  ingest: IngestFigures;
  newsdesk: NewsdeskFigures;
  /** The same on PostgreSQL (dbFileMb: the schema's tables and indexes). */
  postgres?: { ingest: IngestFigures; newsdesk: NewsdeskFigures };
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
    const postgres = opts.postgres ? await runOnPostgres(opts.articles, queryCount, log) : undefined;
    const peers: PeerFigures[] = [];
    if (opts.peer !== false && opts.articles <= PEER_MAX_ARTICLES) {
      for (const script of ['peer-flexsearch.ts', 'peer-minisearch.ts']) {
        log(`running ${script} in a child process…`);
        peers.push((await runChild(script, ['--articles', String(opts.articles), '--queries', String(queryCount)])) as PeerFigures);
      }
    }
    return { articles: opts.articles, queries: queryCount, ingest, newsdesk, postgres, peers };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Generated and written chunk by chunk (the corpus is never held whole); only store time is counted. */
async function ingestCorpus(dbPath: string, articles: number, log: (l: string) => void): Promise<IngestFigures> {
  const store = openSqliteStore(dbPath, { now: () => new Date(SYNTHETIC_NOW) });
  try {
    const ingestMs = await ingestInto(store.articles, articles, log);
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

/** Store time only; a bulk import ends with the store's optimize (SQLite merges FTS segments, PostgreSQL analyzes). */
async function ingestInto(articles: ArticleStore & { optimize(): unknown }, count: number, log: (l: string) => void): Promise<number> {
  log(`ingesting ${count} synthetic articles…`);
  const chunk = 5_000;
  let ingestMs = 0;
  for (let start = 0; start < count; start += chunk) {
    const inputs = [];
    for (let i = start; i < Math.min(count, start + chunk); i++) inputs.push(syntheticArticle(i));
    const t0 = performance.now();
    await articles.upsertMany(inputs);
    ingestMs += performance.now() - t0;
    if ((start / chunk) % 20 === 19) log(`  ${start + chunk} articles, ${Math.round((start + chunk) / (ingestMs / 1000))}/s`);
  }
  const t1 = performance.now();
  await articles.optimize();
  return ingestMs + (performance.now() - t1);
}

/** The same corpus into a PostgreSQL schema of its own, the same child on it, the schema dropped whatever happens. */
async function runOnPostgres(articles: number, queries: number, log: (l: string) => void): Promise<NonNullable<SearchBenchResult['postgres']>> {
  const url = process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_PG;
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) throw new Error('the PostgreSQL bench runs on loopback only (BENCH_DATABASE_URL must name 127.0.0.1 or localhost)');
  const schema = `nd_bench_${process.pid}`;
  log(`\nPostgreSQL (schema ${schema}, dropped afterwards)`);
  let store: PostgresStore | undefined;
  try {
    store = await openPostgresStore(url, { now: () => new Date(SYNTHETIC_NOW), schema });
    const ms = await ingestInto(store.articles, articles, log);
    const size = (await store.db.one<{ b: number }>(
      `SELECT sum(pg_total_relation_size(c.oid))::bigint AS b FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`, [schema]))!.b;
    const ingest = { ms: Math.round(ms), articlesPerSecond: Math.round(articles / (ms / 1000)), dbFileMb: Math.round(size / 1e5) / 10, generatorProcessRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
    log('running Newsdesk on PostgreSQL (store + dispatcher) in a child process…');
    const newsdesk = (await runChild('newsdesk-child.ts', ['--pg-schema', schema, '--articles', String(articles), '--queries', String(queries)], { BENCH_DATABASE_URL: url })) as NewsdeskFigures;
    return { ingest, newsdesk };
  } finally {
    await store?.db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await store?.close();
  }
}

function runChild(script: string, args: string[], env: Record<string, string> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
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
  const pg = r.postgres;
  // PostgreSQL's column (when it ran) sits beside SQLite's; peers are compared with SQLite.
  const pgCell = (cell: (x: NonNullable<SearchBenchResult['postgres']>) => string) => (pg ? [cell(pg)] : []);
  const ingestCell = (i: IngestFigures) => `${(i.ms / 1000).toFixed(1)} s (${i.articlesPerSecond}/s)`;
  const header = ['measure', 'Newsdesk (SQLite FTS5)', ...pgCell(() => 'Newsdesk (PostgreSQL)'), ...r.peers.map((p) => `${p.engine} (child)`)];
  const rows: string[][] = [
    header,
    ['build / ingest', ingestCell(r.ingest), ...pgCell((x) => ingestCell(x.ingest)), ...r.peers.map((p) => `${(p.buildMs / 1000).toFixed(1)} s (${Math.round(r.articles / (p.buildMs / 1000))}/s)`)],
    ['/news p50 (dispatcher)', `${n.dispatcher.p50Ms} ms`, ...pgCell((x) => `${x.newsdesk.dispatcher.p50Ms} ms`), ...r.peers.map((p) => `${p.p50Ms} ms (search only; ${ratio(p.p50Ms, n.dispatcher.p50Ms)})`)],
    ['/news p99 (dispatcher)', `${n.dispatcher.p99Ms} ms`, ...pgCell((x) => `${x.newsdesk.dispatcher.p99Ms} ms`), ...r.peers.map((p) => `${p.p99Ms} ms (${ratio(p.p99Ms, n.dispatcher.p99Ms)})`)],
    ['/news CPU time p50 / p99', `${n.dispatcher.cpu.p50Ms} / ${n.dispatcher.cpu.p99Ms} ms`, ...pgCell((x) => `${x.newsdesk.dispatcher.cpu.p50Ms} / ${x.newsdesk.dispatcher.cpu.p99Ms} ms (client side)`), ...r.peers.map(() => '')],
    ['store.search p50 / p99', `${n.storeSearch.p50Ms} / ${n.storeSearch.p99Ms} ms`, ...pgCell((x) => `${x.newsdesk.storeSearch.p50Ms} / ${x.newsdesk.storeSearch.p99Ms} ms`), ...r.peers.map(() => '')],
    ['suggest p50 / p99', `${n.suggest.p50Ms} / ${n.suggest.p99Ms} ms`, ...pgCell((x) => `${x.newsdesk.suggest.p50Ms} / ${x.newsdesk.suggest.p99Ms} ms`), ...r.peers.map(() => '')],
    ['push one article p50 / p99', `${n.push.p50Ms} / ${n.push.p99Ms} ms (${n.push.foundAfter}/${n.push.checked} found at once)`, ...pgCell((x) => `${x.newsdesk.push.p50Ms} / ${x.newsdesk.push.p99Ms} ms (${x.newsdesk.push.foundAfter}/${x.newsdesk.push.checked} found at once)`), ...r.peers.map(() => '')],
    ['peak RSS', `${n.maxRssMb} MB (ingest process ${r.ingest.generatorProcessRssMb} MB)`, ...pgCell((x) => `${x.newsdesk.maxRssMb} MB (client; server not counted)`), ...r.peers.map((p) => `${p.maxRssMb} MB`)],
    ['file size', `${r.ingest.dbFileMb} MB`, ...pgCell((x) => `${x.ingest.dbFileMb} MB (tables + indexes)`), ...r.peers.map(() => '—')],
    ['known-item hit rate (top 5)', `${n.knownItemRate}%`, ...pgCell((x) => `${x.newsdesk.knownItemRate}%`), ...r.peers.map((p) => `${p.knownItemRate}%`)],
    ['queries with results', `${n.dispatcher.withResults}/${r.queries}`, ...pgCell((x) => `${x.newsdesk.dispatcher.withResults}/${r.queries}`), ...r.peers.map((p) => `${p.withResults}/${r.queries}`)],
  ];
  const widths = header.map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return [`${r.articles} articles, ${r.queries} queries`, ...rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c])).join('  '))].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--articles');
  const articles = i > 0 ? Number(process.argv[i + 1]) : 100_000;
  const peer = !process.argv.includes('--no-peer');
  const s = process.argv.indexOf('--store');
  const postgres = s > 0 && process.argv[s + 1].split(',').includes('postgres');
  runSearchBench({ articles, peer, postgres, log: (l) => process.stderr.write(`${l}\n`) })
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
