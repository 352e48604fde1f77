/**
 * Kapacitor's per-node execution statistics (task.go ExecutionStats, node.go, edge/stats.go,
 * alert.go, timer/timer.go) from a running engine Task. Our own scenarios, pinning:
 * - collected/emitted counted per edge (a fan-out node emits once per child edge, a leaf 0);
 * - working_cardinality = groups a node keeps; the alert node's *_triggered/alerts_inhibited;
 * - avg_exec_time_ns from every SAMPLE_EVERY-th point, timed at each node it reaches, the highest moving average over 1000 timings;
 * - task-stats throughput = what entered the task per second between two ticks.
 */
import { describe, expect, it } from "vitest";
import { ExecTimer, MOVING_AVERAGE_SIZE, SAMPLE_EVERY } from "../../../src/engine/exec-timer.js";
import { InhibitorRegistry } from "../../../src/engine/inhibitors.js";
import { taskStatistics, type NodeStatistics } from "../../../src/engine/stats.js";
import { pt, runScript } from "../../support/engine.js";

const S = 1e9;

const FAN_OUT = `
var cpu = stream
    |from()
        .measurement('cpu')
        .groupBy('host')
cpu
    |window()
        .period(10s)
        .every(10s)
    |count('usage')
    |httpOut('counts')
cpu
    |alert()
        .warn(lambda: "usage" > 70.0)
        .crit(lambda: "usage" > 90.0)
`;

function byName(nodes: NodeStatistics[]): Record<string, NodeStatistics> {
  return Object.fromEntries(nodes.map((n) => [n.name, n]));
}

describe("taskStatistics", () => {
  it("counts collected and emitted per edge: a fan-out emits on each child edge, a leaf emits 0", () => {
    const { task } = runScript(FAN_OUT);
    task.writeAll("db", "rp", [
      pt("cpu", { host: "a" }, { usage: 95 }, 1),
      pt("cpu", { host: "b" }, { usage: 20 }, 2),
      pt("mem", { host: "a" }, { usage: 99 }, 3),
      pt("cpu", { host: "b" }, { usage: 75 }, 5),
      pt("cpu", { host: "a" }, { usage: 50 }, 11),
    ]);
    const n = byName(taskStatistics(task).nodes);
    const figures = (s: NodeStatistics) => [
      s.collected,
      s.emitted,
      s.edges.map((e) => `${e.child}=${e.processed}`),
    ];
    // stream0 passes every point on; from1 keeps the 4 cpu points and sends each down 2 edges.
    expect(figures(n["stream0"]!)).toEqual([5, 5, ["from1=5"]]);
    expect(figures(n["from1"]!)).toEqual([5, 8, ["window2=4", "alert5=4"]]);
    // Host a's window closed at 11s: one batch.
    expect(figures(n["window2"]!)).toEqual([4, 1, ["count3=1"]]);
    expect(figures(n["count3"]!)).toEqual([1, 1, ["http_out4=1"]]);
    expect(figures(n["http_out4"]!)).toEqual([1, 0, []]);
    // CRITICAL a, WARNING b, OK a: 3 events; the alert node is a leaf.
    expect(figures(n["alert5"]!)).toEqual([4, 0, []]);
    expect(n["alert5"]!.extra).toEqual({
      alerts_triggered: 3,
      alerts_inhibited: 0,
      oks_triggered: 1,
      infos_triggered: 0,
      warns_triggered: 1,
      crits_triggered: 1,
    });
  });

  it("reports the groups each node keeps as working_cardinality", () => {
    const { task } = runScript(FAN_OUT);
    task.writeAll("db", "rp", [
      pt("cpu", { host: "a" }, { usage: 10 }, 1),
      pt("cpu", { host: "b" }, { usage: 10 }, 2),
      pt("cpu", { host: "c" }, { usage: 10 }, 3),
      pt("cpu", { host: "a" }, { usage: 10 }, 12),
    ]);
    const n = byName(taskStatistics(task).nodes);
    const card = Object.fromEntries(Object.values(n).map((s) => [s.name, s.workingCardinality]));
    expect(card).toEqual({ stream0: 0, from1: 0, window2: 3, count3: 1, http_out4: 1, alert5: 3 });
  });

  it("counts inhibited events in alerts_inhibited and still in alerts_triggered", () => {
    const inhibitors = new InhibitorRegistry();
    const { task: parent } = runScript(
      `stream |from().measurement('dc') |alert().crit(lambda: "down" == 1).inhibit('host', 'dc')`,
      { inhibitors },
    );
    const { task: child, events } = runScript(
      `stream |from().measurement('cpu').groupBy('host', 'dc') |alert().category('host').crit(lambda: "usage" > 90.0)`,
      { inhibitors },
    );
    parent.write("db", "rp", pt("dc", { dc: "x" }, { down: 1 }, 1));
    child.writeAll("db", "rp", [
      pt("cpu", { host: "a", dc: "x" }, { usage: 95 }, 2),
      pt("cpu", { host: "b", dc: "y" }, { usage: 95 }, 3),
    ]);
    expect(events.map((e) => e.data.tags["dc"])).toEqual(["y"]);
    const alert = byName(taskStatistics(child).nodes)["alert2"]!;
    expect(alert.extra).toMatchObject({ alerts_triggered: 2, crits_triggered: 2, alerts_inhibited: 1 });
  });

  it("times every SAMPLE_EVERY-th point at each node it reaches, and reports 0 before the first timing", () => {
    const { task } = runScript(`stream |from().measurement('cpu') |alert().crit(lambda: "usage" > 90.0)`);
    const timings = () => task.nodes.map((n) => `${n.name}=${n.stats.exec.timings}`);
    for (let i = 1; i < SAMPLE_EVERY; i++) task.write("db", "rp", pt("cpu", {}, { usage: 10 }, i));
    expect(timings()).toEqual(["stream0=0", "from1=0", "alert2=0"]);
    expect(byName(taskStatistics(task).nodes)["alert2"]!.avgExecTimeNs).toBe(0);
    for (let i = SAMPLE_EVERY; i <= 3 * SAMPLE_EVERY; i++)
      task.write("db", "rp", pt("cpu", {}, { usage: 10 }, i));
    expect(timings()).toEqual(["stream0=3", "from1=3", "alert2=3"]);
    expect(Number.isInteger(byName(taskStatistics(task).nodes)["alert2"]!.avgExecTimeNs)).toBe(true);
    // A wall-clock tick has the next point timed, so a quiet task gets figures too.
    task.tick(BigInt(1_700_000_000 * S));
    task.write("db", "rp", pt("cpu", {}, { usage: 10 }, 3 * SAMPLE_EVERY + 1));
    task.write("db", "rp", pt("cpu", {}, { usage: 10 }, 3 * SAMPLE_EVERY + 2));
    expect(timings()).toEqual(["stream0=4", "from1=4", "alert2=4"]);
  });

  it("measures throughput between two wall-clock ticks; replays that never tick report 0", () => {
    const { task } = runScript(`stream |from().measurement('cpu')`);
    expect(taskStatistics(task).throughput).toBe(0);
    const t0 = 1_700_000_000 * S;
    task.tick(BigInt(t0));
    for (let i = 0; i < 50; i++) task.write("db", "rp", pt("cpu", {}, { v: i }, i));
    task.tick(BigInt(t0 + 2 * S));
    expect(taskStatistics(task).throughput).toBe(25);
    task.tick(BigInt(t0 + 3 * S));
    expect(taskStatistics(task).throughput).toBe(0);
  });
});

describe("ExecTimer", () => {
  it("keeps the highest moving average of the last 1000 timings, in integer ns", () => {
    const t = new ExecTimer();
    expect(t.avgNs).toBe(0);
    t.record(100);
    t.record(301);
    expect(t.avgNs).toBe(200);
    for (let i = 0; i < MOVING_AVERAGE_SIZE; i++) t.record(50);
    // The window now holds only 50s, but the reported figure never goes down (MaxDuration).
    expect(t.avgNs).toBe(200);
    for (let i = 0; i < MOVING_AVERAGE_SIZE; i++) t.record(1000);
    expect(t.avgNs).toBe(1000);
    expect(t.timings).toBe(2 + 2 * MOVING_AVERAGE_SIZE);
  });
});
