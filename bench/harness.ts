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

export { opsPerSecond } from "./measure.js";

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
