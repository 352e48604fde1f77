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

/**
 * Runs `fn` repeatedly after a warm-up, in `rounds` rounds of about `ms / rounds`
 * milliseconds each, and returns the best round's operations/s: on a shared machine the
 * slow rounds measure the neighbours, the fast one the code.
 */
export function opsPerSecond(fn: () => number, ms = 1500, rounds = 3): number {
  const warmEnd = performance.now() + Math.min(500, ms / 3);
  while (performance.now() < warmEnd) fn();
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    let ops = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms / rounds) {
      ops += fn();
      now = performance.now();
    }
    best = Math.max(best, (ops * 1000) / (now - start));
  }
  return best;
}
