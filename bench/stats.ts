/** Nearest-rank percentile of an ascending array, in the array's unit, rounded to 0.01. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return Math.round(sorted[i] * 100) / 100;
}
