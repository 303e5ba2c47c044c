/**
 * What every in-memory peer (MiniSearch, FlexSearch) runs in its own child process, so its memory is its own:
 * index the same synthetic corpus, answer the same /news queries (filters applied to the engine's ranked
 * results, top 5 kept) and the same known-item queries. Prints one JSON line.
 */
import { percentile } from './stats.js';
import { SYNTHETIC_NOW, knownItemQueries, syntheticArticle, syntheticQueries } from './synthetic.js';

export interface PeerDoc {
  id: number;
  title: string;
  dek: string;
  body: string;
  section: string;
  publishedMs: number;
}

export interface PeerEngine {
  name: string;
  add(docs: PeerDoc[]): void;
  /** Ranked ids for the words; `keep` says which docs pass the filters; at most `limit` kept ones. */
  search(text: string, limit: number, keep?: (id: number) => boolean): number[];
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

export function runPeer(engine: PeerEngine): void {
  const articles = arg('articles', 10_000);
  const queryCount = arg('queries', 1_000);
  const meta: Array<{ section: string; publishedMs: number }> = [];
  const started = performance.now();
  const batch: PeerDoc[] = [];
  for (let i = 0; i < articles; i++) {
    const a = syntheticArticle(i);
    meta.push({ section: a.section ?? '', publishedMs: a.publishedMs });
    batch.push({ id: i, title: a.title, dek: a.dek ?? '', body: a.body ?? '', section: a.section ?? '', publishedMs: a.publishedMs });
    if (batch.length === 1_000) engine.add(batch.splice(0));
  }
  engine.add(batch);
  const buildMs = performance.now() - started;

  const times: number[] = [];
  let withResults = 0;
  for (const q of syntheticQueries(queryCount)) {
    const since = q.sinceDays ? SYNTHETIC_NOW - q.sinceDays * 86_400_000 : undefined;
    const filtered = q.section !== undefined || since !== undefined;
    const keep = (id: number) => (!q.section || meta[id].section === q.section) && (since === undefined || meta[id].publishedMs >= since);
    const t0 = performance.now();
    const ids = engine.search(q.text, 5, filtered ? keep : undefined);
    times.push(performance.now() - t0);
    if (ids.length > 0) withResults++;
  }
  times.sort((a, b) => a - b);

  let knownHits = 0;
  const known = knownItemQueries(articles);
  for (const k of known) if (engine.search(k.text, 5).includes(k.index)) knownHits++;

  process.stdout.write(
    `${JSON.stringify({
      engine: engine.name,
      articles,
      buildMs: Math.round(buildMs),
      p50Ms: percentile(times, 0.5),
      p99Ms: percentile(times, 0.99),
      withResults,
      knownItemRate: Math.round((knownHits / Math.max(1, known.length)) * 1000) / 10,
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
}
