/**
 * Newsdesk's side of the search bench, in a child process that holds only the store and the dispatcher (the
 * corpus generator ran in the parent), so its peak RSS is what a bot serving this store needs.
 *   node --import tsx bench/newsdesk-child.ts --db FILE --articles N [--queries Q] [--pushes P]
 *   BENCH_DATABASE_URL=postgres://… node --import tsx bench/newsdesk-child.ts --pg-schema S --articles N …
 * Prints one JSON line.
 */
import { coreCommands } from '../commands/index.js';
import type { Invocation } from '../src/core/command.js';
import { createDispatcher } from '../src/core/dispatcher.js';
import type { Services } from '../src/core/services.js';
import { logger } from '../src/log.js';
import { createDerivedCache } from '../src/store/cache.js';
import { openStore } from '../src/store/open.js';
import { createSummarizer } from '../src/summarize/summarizer.js';
import { percentile } from './stats.js';
import { SYNTHETIC_NOW, knownItemQueries, syntheticArticle, syntheticQueries } from './synthetic.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function pcts(times: number[]): { p50Ms: number; p99Ms: number } {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
}

function invocation(text: string): Invocation {
  return { platform: 'terminal', command: 'news', text, user: { id: 'bench', name: 'bench', isAdmin: false }, workspace: '', channel: 'terminal:bench' };
}

async function main(): Promise<void> {
  const dbPath = arg('db');
  const pgSchema = arg('pg-schema');
  if (!dbPath && !pgSchema) throw new Error('--db FILE or --pg-schema S (with BENCH_DATABASE_URL) is required');
  const articles = Number(arg('articles') ?? 0);
  const queryCount = Number(arg('queries') ?? 1_000);
  const pushes = Number(arg('pushes') ?? 500);
  const now = () => new Date(SYNTHETIC_NOW);
  // The URL comes by environment, never on a command line.
  const store = await openStore({ databasePath: dbPath ?? '', databaseUrl: pgSchema ? process.env.BENCH_DATABASE_URL : undefined, databaseSchema: pgSchema, now });
  const cache = createDerivedCache(300);
  const services: Services = {
    articles: store.articles, summarizer: createSummarizer(), cache, actionState: store.actionState,
  };
  const dispatcher = createDispatcher({ commands: coreCommands(), services, logger: logger.child({}, { level: 'silent' }), now });
  const queries = syntheticQueries(queryCount);

  // /news end to end: parse, validate, search, build the Reply. The cache is cleared so every query is a miss.
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let withResults = 0;
  for (const q of queries) {
    const text = [q.text, q.section ? `section:${q.section}` : '', q.since ? `since:${q.since}` : ''].filter(Boolean).join(' ');
    cache.clear();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const reply = await dispatcher.dispatch(invocation(text));
    times.push(performance.now() - t0);
    // CPU time as well: on a machine shared with other work, wall time also counts waiting for a core.
    const c = process.cpuUsage(c0);
    cpuTimes.push((c.user + c.system) / 1000);
    if (reply.cards?.[0]?.items?.length) withResults++;
  }

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

  const known = knownItemQueries(articles);
  let knownHits = 0;
  for (const k of known) {
    const page = await store.articles.search({ text: k.text, limit: 5, offset: 0 });
    if (page.items.some((a) => a.id === k.id)) knownHits++;
  }

  // Push: one article at a time (its own transaction, as POST /v1/articles does); searchable once committed.
  const pushTimes: number[] = [];
  let pushedFound = 0;
  let checked = 0;
  for (let i = 0; i < pushes; i++) {
    const a = syntheticArticle(i, 3);
    const input = { ...a, publishedAt: new Date(SYNTHETIC_NOW - (pushes - i) * 60_000).toISOString() };
    const t0 = performance.now();
    await store.articles.upsert(input);
    pushTimes.push(performance.now() - t0);
    if (i % 5 === 0) {
      // Not timed: proof that what was pushed is found by its headline at once.
      checked++;
      const page = await store.articles.search({ text: a.title, limit: 5, offset: 0 });
      if (page.items.some((x) => x.id === a.id)) pushedFound++;
    }
  }

  await store.close();
  process.stdout.write(
    `${JSON.stringify({
      dispatcher: { ...pcts(times), withResults, cpu: pcts(cpuTimes) },
      storeSearch: pcts(storeTimes),
      suggest: pcts(suggestTimes),
      knownItemRate: Math.round((knownHits / Math.max(1, known.length)) * 1000) / 10,
      push: { ...pcts(pushTimes), count: pushes, foundAfter: pushedFound, checked },
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
