/**
 * Paired bootstrap for "is system A better than B on this file": resample the articles with replacement and
 * look at the spread of the mean per-article difference. Seeded, so the eval prints the same interval twice.
 */

export interface Interval {
  mean: number;
  low: number;
  high: number;
}

/** mulberry32: a small, fast, seedable PRNG (quality is ample for resampling). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 95% (by default) percentile interval of the mean of `a[i] - b[i]`. */
export function pairedBootstrap(a: number[], b: number[], opts: { samples?: number; seed?: number; level?: number } = {}): Interval {
  if (a.length !== b.length) throw new Error('paired bootstrap needs paired scores');
  const n = a.length;
  const diff = a.map((x, i) => x - b[i]);
  const mean = n ? diff.reduce((s, x) => s + x, 0) / n : 0;
  if (n === 0) return { mean: 0, low: 0, high: 0 };
  const samples = opts.samples ?? 2000;
  const rand = prng(opts.seed ?? 18);
  const means = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += diff[Math.floor(rand() * n)];
    means[s] = total / n;
  }
  means.sort();
  const tail = (1 - (opts.level ?? 0.95)) / 2;
  const at = (q: number) => means[Math.min(samples - 1, Math.max(0, Math.floor(q * samples)))];
  return { mean, low: at(tail), high: at(1 - tail) };
}
