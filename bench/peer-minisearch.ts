/**
 * MiniSearch over the same synthetic corpus and queries, run as a child process of bench/search.ts so its
 * memory (it holds the whole index and the stored fields in the JS heap) is measured apart from ours.
 * Prints one JSON line: build time, query p50/p99, peak RSS.
 */
import MiniSearch from 'minisearch';
import { SYNTHETIC_NOW, syntheticArticle, syntheticQueries } from './synthetic.js';
import { percentile } from './stats.js';

interface Doc {
  id: number;
  title: string;
  dek: string;
  body: string;
  section: string;
  publishedMs: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function main(): void {
  const articles = arg('articles', 10_000);
  const queryCount = arg('queries', 1_000);
  const index = new MiniSearch<Doc>({
    fields: ['title', 'dek', 'body'],
    storeFields: ['section', 'publishedMs'],
    searchOptions: { boost: { title: 10, dek: 4 }, combineWith: 'AND' },
  });
  const started = performance.now();
  const batch: Doc[] = [];
  for (let i = 0; i < articles; i++) {
    const a = syntheticArticle(i);
    batch.push({ id: i, title: a.title, dek: a.dek ?? '', body: a.body ?? '', section: a.section ?? '', publishedMs: a.publishedMs });
    if (batch.length === 1_000) index.addAll(batch.splice(0));
  }
  index.addAll(batch);
  const buildMs = performance.now() - started;

  const times: number[] = [];
  let hits = 0;
  for (const q of syntheticQueries(queryCount)) {
    const since = q.sinceDays ? SYNTHETIC_NOW - q.sinceDays * 86_400_000 : undefined;
    const t0 = performance.now();
    const results = index.search(q.text, {
      filter: (r) => (!q.section || r.section === q.section) && (since === undefined || r.publishedMs >= since),
    });
    // Same page as /news: the top 5 (MiniSearch sorts everything it matched).
    hits += results.slice(0, 5).length;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      engine: 'MiniSearch',
      articles,
      buildMs: Math.round(buildMs),
      p50Ms: percentile(times, 0.5),
      p99Ms: percentile(times, 0.99),
      hits,
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
}

main();
