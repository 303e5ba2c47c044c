import type { Interval } from './bootstrap.js';
import type { FileResult, SplitResult } from './evaluate.js';

/** The tables `npm run eval:summary` prints: one per file, and a TL;DR table for one-sentence references. */

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
const interval = (i: Interval) => `${signed(i.mean)} [${signed(i.low)}, ${signed(i.high)}]`;

function splitTable(splits: SplitResult[]): string[] {
  const [first] = splits;
  const a = first.ours.name;
  const b = first.baseline.name;
  const head = [
    'lines'.padEnd(6),
    'n'.padStart(4),
    `${a} R-1/R-2/R-Lsum`.padStart(34),
    `${b} R-1/R-2/R-Lsum`.padStart(26),
    'ΔR-1 [95% bootstrap]'.padStart(24),
    'ΔR-2 [95% bootstrap]'.padStart(24),
  ].join('  ');
  const triple = (s: SplitResult['ours']) => [s.rouge1, s.rouge2, s.rougeLsum].map((x) => x.toFixed(2).padStart(6)).join(' ');
  const rows = splits.map((s) =>
    [
      s.split.padEnd(6),
      String(s.articles).padStart(4),
      triple(s.ours).padStart(34),
      triple(s.baseline).padStart(26),
      interval(s.r1Diff).padStart(24),
      interval(s.r2Diff).padStart(24),
    ].join('  '),
  );
  return [head, ...rows];
}

export function formatFileResult(result: FileResult, name = 'file'): string {
  const k = result.sentences;
  const faults = Object.entries(result.tldrFaultCounts)
    .map(([f, n]) => `${f} ${n}`)
    .join(', ');
  const lines = [
    `== ${name}: ${result.articles} articles; ROUGE F1 × 100 (Porter-stemmed; R-Lsum over reference lines); even/odd = line numbers in the file`,
    ...splitTable(result.summary),
    `Lead-${k} after clean-up (whole): ${[result.leadClean.rouge1, result.leadClean.rouge2, result.leadClean.rougeLsum].map((x) => x.toFixed(2)).join(' / ')}`,
    `identical to Lead-${k} (same sentences, after clean-up): ${result.identicalToLead} of ${result.articles}`,
  ];
  if (result.tldr) {
    lines.push(`-- TL;DR (summarizer.tldr(), one sentence) against raw Lead-1, references of one sentence`, ...splitTable(result.tldr));
  }
  lines.push(
    `TL;DR form violations: ${result.tldrViolations} of ${result.articles}${faults ? ` (${faults})` : ''}`,
    `time per article (fastest of 5 runs, after a warm-up pass): summary median ${result.msMedian.toFixed(3)} ms, p99 ${result.msP99.toFixed(3)} ms; ` +
      `TL;DR median ${result.tldrMsMedian.toFixed(3)} ms, p99 ${result.tldrMsP99.toFixed(3)} ms`,
  );
  return lines.join('\n');
}
