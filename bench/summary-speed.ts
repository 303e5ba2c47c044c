import { readArticleFile } from '../src/ingest/files.js';
import { createSummarizer } from '../src/summarize/summarizer.js';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { percentile } from './stats.js';
import { syntheticArticle } from './synthetic.js';

/** Summary time per article: the project's sample articles plus synthetic ones, after one warm-up pass. */
export interface SummarySpeed {
  articles: number;
  standardP50Ms: number;
  standardP99Ms: number;
  tldrP50Ms: number;
  tldrP99Ms: number;
}

export async function runSummarySpeedBench(synthetic = 2_000): Promise<SummarySpeed> {
  const dir = resolve(import.meta.dirname, '../data/articles');
  const corpus: Array<{ title: string; dek: string; body: string }> = [];
  for (const name of readdirSync(dir)) {
    const read = await readArticleFile(join(dir, name));
    if ('articles' in read) for (const a of read.articles) corpus.push({ title: a.title, dek: a.dek ?? '', body: a.body ?? '' });
  }
  for (let i = 0; i < synthetic; i++) {
    const a = syntheticArticle(i, 7);
    corpus.push({ title: a.title, dek: a.dek ?? '', body: a.body ?? '' });
  }
  const summarizer = createSummarizer();
  for (const a of corpus) summarizer.summarize(a, 3); // warm-up: JIT and caches, not measured
  const standard: number[] = [];
  const tldr: number[] = [];
  for (const a of corpus) {
    let t = performance.now();
    summarizer.summarize(a, 3);
    standard.push(performance.now() - t);
    t = performance.now();
    summarizer.tldr(a);
    tldr.push(performance.now() - t);
  }
  standard.sort((x, y) => x - y);
  tldr.sort((x, y) => x - y);
  return {
    articles: corpus.length,
    standardP50Ms: percentile(standard, 0.5),
    standardP99Ms: percentile(standard, 0.99),
    tldrP50Ms: percentile(tldr, 0.5),
    tldrP99Ms: percentile(tldr, 0.99),
  };
}
