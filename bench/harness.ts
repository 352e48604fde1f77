/**
 * Benchmark plumbing. A bench module exports `benches: Bench[]`; bench/run.ts picks them by
 * name, prints a table and writes bench/results.json (pinned shape, DESIGN.md §5).
 * Figures are printed, never asserted.
 */

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** Measured in the same run so the ratio survives a noisy machine. */
  baseline?: { name: string; value: number };
}

export interface Bench {
  /** Short id used on the command line: `npm run bench -- line-protocol`. */
  name: string;
  run(): Promise<BenchResult[]> | BenchResult[];
}

/** Runs `fn` repeatedly for about `ms` milliseconds after a warm-up; returns operations/s. */
export function opsPerSecond(fn: () => number, ms = 1500): number {
  const warmEnd = performance.now() + Math.min(500, ms / 3);
  while (performance.now() < warmEnd) fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    ops += fn();
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}
