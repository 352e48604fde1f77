/**
 * Engine throughput and memory (issue: stream engine). Figures only.
 * - engine.from-where-alert: points/s through from→where→alert, 10k groups; baseline: the
 *   same two compiled lambdas evaluated in a bare loop over the same points.
 * - engine.window-mean-alert: points/s through from→window(1m)→mean→alert, 10k groups.
 * - engine.heap-per-group: bytes of heap per idle group (from→where→alert) at 100k and 1M
 *   groups (needs --expose-gc, which `npm run bench` passes).
 */
import type { Point } from "../src/core/types.js";
import { compileExpression } from "../src/expr/index.js";
import { InhibitorRegistry } from "../src/engine/inhibitors.js";
import { Task } from "../src/engine/task.js";
import { checkScript } from "../src/pipeline/check.js";
import { parseExpression } from "../grammar/index.js";
import { opsPerSecond, type Bench, type BenchResult } from "./harness.js";

const S = 1e9;

function task(script: string): Task {
  const { graph, diagnostics } = checkScript(script, "bench.tick", {});
  if (graph === undefined) throw new Error(diagnostics.map((d) => d.message).join("; "));
  let events = 0;
  return new Task(graph, {
    taskName: "bench",
    taskMaster: "main",
    serverInfo: { Hostname: "localhost", ClusterID: "", ServerID: "" },
    inhibitors: new InhibitorRegistry(),
    logger: { log: () => undefined },
    alerts: { collect: () => void events++ },
  });
}

function cpuPoints(groups: number, perGroup: number, stepSec: number): Point[] {
  const hosts = Array.from({ length: groups }, (_, i) => `host-${i}`);
  const out: Point[] = [];
  for (let r = 0; r < perGroup; r++) {
    for (let g = 0; g < groups; g++) {
      // Mostly healthy; every 97th point crosses the threshold so alerts do fire.
      const idle = (g * 7 + r * 13) % 97 === 0 ? 5 : 20 + ((g + r) % 70);
      out.push({
        name: "cpu",
        tags: { host: hosts[g]!, cpu: "cpu-total" },
        fields: { usage_idle: idle, usage_user: 100 - idle },
        time: BigInt(Math.round((r * stepSec + g / groups) * S)),
      });
    }
  }
  return out;
}

/** Points/s of `run`, which handles `points` points per call (best round, see opsPerSecond). */
function pointsPerSecond(run: () => void, points: number): number {
  return opsPerSecond(() => {
    run();
    return points;
  });
}

const WHERE_ALERT = `stream
  |from().measurement('cpu').groupBy('host')
  |where(lambda: "cpu" == 'cpu-total')
  |alert().warn(lambda: "usage_idle" < 20.0).crit(lambda: "usage_idle" < 10.0)`;

function fromWhereAlert(): BenchResult[] {
  const pts = cpuPoints(10_000, 20, 10);
  // A fresh task per pass so times keep moving forward within it.
  const engine = pointsPerSecond(() => {
    const t = task(WHERE_ALERT);
    for (const p of pts) t.write("telegraf", "autogen", p);
  }, pts.length);
  const where = compileExpression(parseExpression(`"cpu" == 'cpu-total'`).expr!);
  const warn = compileExpression(parseExpression(`"usage_idle" < 20.0`).expr!);
  const crit = compileExpression(parseExpression(`"usage_idle" < 10.0`).expr!);
  let sink = 0;
  const bare = pointsPerSecond(() => {
    for (const p of pts) if (where.evalBool(p) && (crit.evalBool(p) || warn.evalBool(p))) sink++;
  }, pts.length);
  if (sink < 0) console.log(sink);
  return [
    {
      name: "engine.from-where-alert (10k groups)",
      value: engine,
      unit: "points/s",
      baseline: { name: "bare lambda loop", value: bare },
    },
  ];
}

function windowMeanAlert(): BenchResult[] {
  const pts = cpuPoints(10_000, 30, 10); // 30 points per group, 10 s apart: windows close every 6 points
  const engine = pointsPerSecond(() => {
    const t = task(`stream
      |from().measurement('cpu').groupBy('host')
      |window().period(1m).every(1m)
      |mean('usage_idle')
      |alert().crit(lambda: "mean" < 10.0)`);
    for (const p of pts) t.write("telegraf", "autogen", p);
  }, pts.length);
  return [{ name: "engine.window-mean-alert (10k groups)", value: engine, unit: "points/s" }];
}

function heapPerGroup(): BenchResult[] {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined)
    throw new Error("engine.heap-per-group needs node --expose-gc (npm run bench passes it)");
  const out: BenchResult[] = [];
  for (const groups of [100_000, 1_000_000]) {
    const tags = Array.from({ length: groups }, (_, i) => ({ host: `host-${i}`, cpu: "cpu-total" }));
    const t = task(WHERE_ALERT);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < groups; i++) {
      // Points are not retained by the task: build each on the fly, tags shared with the fixture.
      t.write("telegraf", "autogen", {
        name: "cpu",
        tags: tags[i]!,
        fields: { usage_idle: 50 },
        time: BigInt(i),
      });
    }
    gc();
    const after = process.memoryUsage().heapUsed;
    out.push({
      name: `engine.heap-per-group (${groups.toLocaleString("en-US")} groups)`,
      value: (after - before) / groups,
      unit: "bytes/group",
    });
    if (t.nodes.length === 0) console.log("unreachable");
  }
  return out;
}

export const benches: Bench[] = [
  { name: "engine", run: () => [...fromWhereAlert(), ...windowMeanAlert()] },
  { name: "engine-heap", run: heapPerGroup },
];
