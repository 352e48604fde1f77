// stats.go / node.go nodeStatsByGroup: every interval of wall clock, one `stats` point per group
// of the source's output with emitted = messages sent so far (int), group tags only; the nil
// group with emitted=0 before any data. Deadman (pipeline/node.go Deadman) =
// stats(interval).align() |derivative('emitted').unit(interval).nonNegative()
// |alert().crit(lambda: "emitted" <= threshold) with services/deadman/config.go's id and message.
import { describe, expect, it } from "vitest";
import { rows, run, S } from "./harness.js";

const T0 = 1_700_000_000 * S; // a multiple of 10s

describe("stats", () => {
  it("emits the source's emitted count per group on the wall clock", () => {
    const r = run(`
var data = stream|from().measurement('cpu').groupBy('host')
data|stats(10s)|httpOut('s')
`);
    r.task.barrier(BigInt(T0)); // starts the clock
    r.task.barrier(BigInt(T0 + 10 * S));
    expect(rows(r, "s")).toEqual([{ time: BigInt(T0 + 10 * S), emitted: 0n }]);
    expect(r.out("s").result().series![0]).toMatchObject({ name: "stats", tags: {} });

    r.write("cpu", { host: "a", cpu: "0" }, { v: 1 }, 1);
    r.write("cpu", { host: "a", cpu: "1" }, { v: 1 }, 2);
    r.write("cpu", { host: "b" }, { v: 1 }, 3);
    r.task.barrier(BigInt(T0 + 15 * S)); // not due yet
    expect(rows(r, "s")).toHaveLength(1);
    r.task.barrier(BigInt(T0 + 20 * S));
    const series = r.out("s").result().series!;
    // The nil group's series stays from the first emit; the groups of the data follow.
    expect(series.slice(1).map((s) => [s.tags, s.values[0]])).toEqual([
      [{ host: "a" }, [BigInt(T0 + 20 * S), 2n]],
      [{ host: "b" }, [BigInt(T0 + 20 * S), 1n]],
    ]);
  });

  it("with .align() stamps emits with the time rounded to the interval", () => {
    const r = run(`stream|from().measurement('cpu')|stats(10s).align()|httpOut('s')`);
    r.task.barrier(BigInt(T0 + 3 * S));
    r.task.barrier(BigInt(T0 + 10.2 * S));
    expect(rows(r, "s")[0]!.time).toBe(BigInt(T0 + 10 * S));
  });
});

describe("deadman", () => {
  it("fires on the wall clock when the series goes quiet and recovers when it comes back", () => {
    const r = run(`stream|from().measurement('cpu')|deadman(1.0, 10s)`, "cpu_alive");
    const burst = (n: number) => {
      for (let i = 0; i < n; i++) r.write("cpu", { host: "a" }, { v: i }, i);
    };
    r.task.barrier(BigInt(T0));
    burst(5);
    r.task.barrier(BigInt(T0 + 10 * S)); // emitted 5: first derivative sample, nothing yet
    burst(3);
    r.task.barrier(BigInt(T0 + 20 * S)); // 3 points/10s: OK, no event (never alerted)
    expect(r.events).toEqual([]);
    r.task.barrier(BigInt(T0 + 30 * S)); // 0 points/10s <= 1.0: dead
    r.task.barrier(BigInt(T0 + 40 * S)); // still dead: another CRITICAL event
    burst(4);
    r.task.barrier(BigInt(T0 + 50 * S)); // alive again
    expect(r.events.map((e) => [e.state.level, e.state.time, e.state.id, e.state.message])).toEqual([
      [
        3,
        BigInt(T0 + 30 * S),
        "node 'from1' in task 'cpu_alive'",
        "node 'from1' in task 'cpu_alive' is dead: 0.000 points/10s.",
      ],
      [
        3,
        BigInt(T0 + 40 * S),
        "node 'from1' in task 'cpu_alive'",
        "node 'from1' in task 'cpu_alive' is dead: 0.000 points/10s.",
      ],
      [
        0,
        BigInt(T0 + 50 * S),
        "node 'from1' in task 'cpu_alive'",
        "node 'from1' in task 'cpu_alive' is alive: 4.000 points/10s.",
      ],
    ]);
  });

  it("ANDs extra lambdas and lets a later .id()/.message() win", () => {
    const r = run(
      `stream|from().measurement('cpu')|deadman(0.0, 1m, lambda: "emitted" < 100.0).id('dm').message('{{ .ID }} {{ .Level }}')`,
    );
    r.task.barrier(BigInt(T0));
    r.task.barrier(BigInt(T0 + 60 * S));
    r.task.barrier(BigInt(T0 + 120 * S));
    expect(r.events.map((e) => [e.state.id, e.state.message])).toEqual([["dm", "dm CRITICAL"]]);
  });

  it("uses Kapacitor's interval text in the default message", () => {
    const r = run(`stream|from().measurement('cpu')|deadman(0.0, 90s)`);
    r.task.barrier(BigInt(T0));
    r.task.barrier(BigInt(T0 + 90 * S));
    r.task.barrier(BigInt(T0 + 180 * S));
    expect(r.events[0]!.state.message).toBe("node 'from1' in task 't' is dead: 0.000 points/1m30s.");
  });
});
