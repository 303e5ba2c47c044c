import { porterStem } from './porter.js';

/**
 * ROUGE as the published summarization figures score it (Google's rouge-score settings): lowercase, every
 * non-alphanumeric character to a space, Porter-stem tokens longer than 3 characters; ROUGE-1/2 F1 on
 * clipped n-gram counts; ROUGE-Lsum as the union LCS of each reference line against all summary
 * sentences, with each token credited at most as often as it occurs on both sides.
 */

export interface Prf {
  precision: number;
  recall: number;
  f1: number;
}

export interface RougeScores {
  rouge1: Prf;
  rouge2: Prf;
  rougeLsum: Prf;
}

export function rougeTokens(text: string, stem = true): string[] {
  const tokens = text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim().split(' ').filter(Boolean);
  return stem ? tokens.map((t) => (t.length > 3 ? porterStem(t) : t)) : tokens;
}

function prf(hits: number, candidateTotal: number, referenceTotal: number): Prf {
  const precision = candidateTotal ? hits / candidateTotal : 0;
  const recall = referenceTotal ? hits / referenceTotal : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

function ngramCounts(tokens: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

export function rougeN(candidate: string[], reference: string[], n: number): Prf {
  const c = ngramCounts(candidate, n);
  const r = ngramCounts(reference, n);
  let hits = 0;
  for (const [k, x] of c) hits += Math.min(x, r.get(k) ?? 0);
  return prf(hits, Math.max(0, candidate.length - n + 1), Math.max(0, reference.length - n + 1));
}

/** Indices into `ref` of one LCS of ref and cand, backtracked as rouge-score does (ties move along cand). */
function lcsIndices(ref: string[], cand: string[]): number[] {
  const rows = ref.length + 1;
  const cols = cand.length + 1;
  const t = new Uint32Array(rows * cols);
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      t[i * cols + j] =
        ref[i - 1] === cand[j - 1]
          ? t[(i - 1) * cols + j - 1] + 1
          : Math.max(t[(i - 1) * cols + j], t[i * cols + j - 1]);
    }
  }
  const out: number[] = [];
  let i = ref.length;
  let j = cand.length;
  while (i > 0 && j > 0) {
    if (ref[i - 1] === cand[j - 1]) {
      out.push(i - 1);
      i--;
      j--;
    } else if (t[i * cols + j - 1] > t[(i - 1) * cols + j]) j--;
    else i--;
  }
  return out.reverse();
}

export function rougeLsum(candidateSentences: string[][], referenceLines: string[][]): Prf {
  const count = (lists: string[][]) => {
    const m = new Map<string, number>();
    for (const l of lists) for (const t of l) m.set(t, (m.get(t) ?? 0) + 1);
    return m;
  };
  const candLeft = count(candidateSentences);
  const refLeft = count(referenceLines);
  let hits = 0;
  for (const line of referenceLines) {
    const union = new Set<number>();
    for (const sentence of candidateSentences) for (const i of lcsIndices(line, sentence)) union.add(i);
    for (const i of [...union].sort((a, b) => a - b)) {
      const tok = line[i];
      if ((candLeft.get(tok) ?? 0) > 0 && (refLeft.get(tok) ?? 0) > 0) {
        hits++;
        candLeft.set(tok, candLeft.get(tok)! - 1);
        refLeft.set(tok, refLeft.get(tok)! - 1);
      }
    }
  }
  const total = (lists: string[][]) => lists.reduce((s, l) => s + l.length, 0);
  return prf(hits, total(candidateSentences), total(referenceLines));
}

/** Score a summary (one sentence per element) against a reference (one highlight per line). */
export function scoreSummary(summarySentences: string[], reference: string, stem = true): RougeScores {
  const candLines = summarySentences.map((s) => rougeTokens(s, stem)).filter((l) => l.length);
  const refLines = reference.split('\n').map((s) => rougeTokens(s, stem)).filter((l) => l.length);
  const cand = candLines.flat();
  const ref = refLines.flat();
  return {
    rouge1: rougeN(cand, ref, 1),
    rouge2: rougeN(cand, ref, 2),
    rougeLsum: rougeLsum(candLines, refLines),
  };
}
