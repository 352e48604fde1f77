/**
 * Benchmark plumbing. A bench module exports `benches: Bench[]`; bench/run.ts picks them by
 * name, prints a table and writes bench/results.json (pinned shape, DESIGN.md §5).
 * Figures are printed, never asserted.
 */
import { InhibitorRegistry } from "../src/engine/inhibitors.js";
import { TaskManager } from "../src/server/task-manager.js";
import type { Store } from "../src/store/index.js";

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

/** A TaskManager over `store` running `script` as the enabled task "cpu"; logs dropped. */
export function benchTaskManager(store: Store, script: string, onAlert: () => void): TaskManager {
  const tm = new TaskManager({
    store,
    alerts: { collect: onAlert },
    logger: { log: () => undefined },
    serverInfo: { Hostname: "bench", ClusterID: "", ServerID: "" },
    inhibitors: new InhibitorRegistry(),
    now: () => Date.now() * 1e6,
  });
  tm.define({ id: "cpu", status: "enabled", script });
  return tm;
}
