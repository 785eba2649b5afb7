/** Small statistics helpers for the benchmark scripts (they print figures; they assert nothing). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function summary(values: number[]): { n: number; p50: number; p99: number; min: number; mean: number } {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), min: s[0] ?? NaN, mean: s.reduce((a, b) => a + b, 0) / (s.length || 1) };
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
