import { z } from 'zod';
import { scoreSummary, type RougeScores } from './rouge.js';
import { splitSentences } from './sentences.js';
import { leadSentences } from './summarizer.js';
import type { Summarizer } from './types.js';

/**
 * The summary evaluation behind `npm run eval:summary`: our summarizer beside Lead-3 on the same file,
 * ROUGE F1 × 100, how often we merely reproduce the lead, and time per article. Lives here (not in bench/)
 * so tests run the very code path CI runs.
 */

const recordSchema = z.object({
  id: z.string(),
  text: z.string(),
  reference: z.string().min(1),
  title: z.string().nullish(),
});
export type EvalRecord = z.infer<typeof recordSchema>;

export function parseJsonl(content: string): EvalRecord[] {
  return content
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line)
    .map(({ line, n }) => {
      const parsed = recordSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`line ${n}: ${parsed.error.issues.map((x) => x.message).join('; ')}`);
      return parsed.data;
    });
}

export interface SystemResult {
  name: string;
  rouge1: number;
  rouge2: number;
  rougeLsum: number;
}

export interface EvalResult {
  articles: number;
  systems: SystemResult[];
  identicalToLead3: number;
  msMedian: number;
  msP99: number;
}

/** Lead-k: the first k sentences of the text as published (no clean-up: that is what the baseline is). */
export function leadK(text: string, k: number): string[] {
  return splitSentences(text).slice(0, k);
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function mean(scores: RougeScores[], name: string): SystemResult {
  const avg = (f: (s: RougeScores) => number) => (100 * scores.reduce((t, s) => t + f(s), 0)) / (scores.length || 1);
  return {
    name,
    rouge1: avg((s) => s.rouge1.f1),
    rouge2: avg((s) => s.rouge2.f1),
    rougeLsum: avg((s) => s.rougeLsum.f1),
  };
}

const sameText = (a: string[], b: string[]) => a.join(' ').replace(/\s+/g, ' ') === b.join(' ').replace(/\s+/g, ' ');

export function evaluate(records: EvalRecord[], summarizer: Summarizer, sentences = 3): EvalResult {
  const ours: RougeScores[] = [];
  const lead: RougeScores[] = [];
  const leadClean: RougeScores[] = [];
  const times: number[] = [];
  let identical = 0;
  // One untimed pass first, so the figures describe a running bot rather than the JIT compiling code paths.
  for (const r of records) summarizer.summarize({ title: r.title ?? '', dek: '', body: r.text }, sentences);
  for (const r of records) {
    const article = { title: r.title ?? '', dek: '', body: r.text };
    const t0 = performance.now();
    const summary = summarizer.summarize(article, sentences);
    times.push(performance.now() - t0);
    const baseline = leadK(r.text, sentences);
    // "Identical" means we picked the lead: compared on cleaned text, so a stripped dateline is no difference.
    const cleanedLead = leadSentences(article, sentences);
    if (sameText(summary, cleanedLead)) identical++;
    leadClean.push(scoreSummary(cleanedLead, r.reference));
    ours.push(scoreSummary(summary, r.reference));
    lead.push(scoreSummary(baseline, r.reference));
  }
  times.sort((a, b) => a - b);
  return {
    articles: records.length,
    // The third row separates what clean-up alone earns (datelines, bylines gone) from what selection earns.
    systems: [
      mean(ours, `Newsdesk (${sentences} sentences)`),
      mean(lead, `Lead-${sentences}`),
      mean(leadClean, `Lead-${sentences} after clean-up`),
    ],
    identicalToLead3: identical,
    msMedian: percentile(times, 50),
    msP99: percentile(times, 99),
  };
}

export function formatTable(result: EvalResult): string {
  const width = Math.max(...result.systems.map((s) => s.name.length), 6);
  const row = (cells: string[]) => `${cells[0].padEnd(width)}  ${cells.slice(1).map((c) => c.padStart(7)).join('  ')}`;
  const lines = [
    `ROUGE F1 × 100 on ${result.articles} articles (Porter-stemmed; R-Lsum over reference lines)`,
    row(['system', 'R-1', 'R-2', 'R-Lsum']),
    ...result.systems.map((s) => row([s.name, s.rouge1.toFixed(2), s.rouge2.toFixed(2), s.rougeLsum.toFixed(2)])),
  ];
  if (result.systems.length >= 2) {
    const [a, b] = result.systems;
    lines.push(
      row(['Newsdesk − Lead', a.rouge1 - b.rouge1, a.rouge2 - b.rouge2, a.rougeLsum - b.rougeLsum].map((x, i) =>
        i === 0 ? String(x) : `${(x as number) >= 0 ? '+' : ''}${(x as number).toFixed(2)}`)),
    );
  }
  lines.push(
    `identical to Lead-3 (same sentences, after clean-up): ${result.identicalToLead3} of ${result.articles}`,
    `time per article (after a warm-up pass): median ${result.msMedian.toFixed(3)} ms, p99 ${result.msP99.toFixed(3)} ms`,
  );
  return lines.join('\n');
}
