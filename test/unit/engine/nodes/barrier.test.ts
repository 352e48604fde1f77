// barrier.go: per group, an idle barrier at last data time + idle (re-armed while quiet), or a
// barrier every period; older data is dropped after a barrier; .delete(TRUE) forgets the group
// after its barrier, here and downstream. tickd runs the clock on data time.
import { describe, expect, it } from "vitest";
import { run, S } from "./harness.js";

const windowed = (barrier: string): string =>
  `stream|from().measurement('m').groupBy('host')|barrier()${barrier}|window().period(10s).every(10s)|count('v')|alert().crit(lambda: TRUE).id('{{ index .Tags "host" }}')`;

const counts = (r: ReturnType<typeof run>): [string, number, bigint][] =>
  r.events.map((e) => [e.state.id, Number(e.state.time) / S, e.data.fields.count as bigint]);

describe("barrier", () => {
  it("closes a quiet group's window once data time passes its idle barriers", () => {
    const r = run(windowed(".idle(5s)"));
    for (const t of [0, 1, 2]) r.write("m", { host: "a" }, { v: 1 }, t);
    for (let t = 0; t <= 12; t++) r.write("m", { host: "b" }, { v: 1 }, t);
    // a: barrier at 7 (2 + 5) is before its window end (10); the re-armed one at 12 closes it.
    // b: its own point at 10 closes its window.
    expect(counts(r)).toEqual([
      ["b", 10, 10n],
      ["a", 10, 3n],
    ]);
  });

  it("in the daemon also fires on the wall-clock tick for a silent stream, stamped in data time", () => {
    const r = run(windowed(".idle(5s)"));
    for (const t of [0, 1, 2]) r.write("m", { host: "a" }, { v: 1 }, t);
    const wall = 1_000_000 * S;
    r.task.barrier(BigInt(wall)); // a had data since the last tick
    r.task.barrier(BigInt(wall + 4 * S));
    expect(r.events).toEqual([]);
    r.task.barrier(BigInt(wall + 5 * S)); // quiet for 5s of wall time: barrier at 2 + 5 = 7 (< window end 10)
    expect(r.events).toEqual([]);
    r.task.barrier(BigInt(wall + 10 * S)); // re-armed: barrier at 12 closes [0, 10)
    expect(counts(r)).toEqual([["a", 10, 3n]]);
    r.write("m", { host: "a" }, { v: 1 }, 11); // older than the barrier at 12: dropped
    r.write("m", { host: "a" }, { v: 1 }, 13);
    expect(r.node("barrier2").stats.emitted).toBe(4);
  });

  it("in the daemon also sends period barriers on the wall-clock tick while the stream is silent", () => {
    const r = run(windowed(".period(4s)"));
    for (let t = 0; t <= 3; t++) r.write("m", { host: "a" }, { v: 1 }, t);
    const wall = 1_000_000 * S;
    r.task.barrier(BigInt(wall)); // data time 3 runs `wall − 3s` behind the wall clock
    r.task.barrier(BigInt(wall + 1 * S)); // data time 4: a's barrier at 4 (window end 10 not reached)
    expect(r.events).toEqual([]);
    r.task.barrier(BigInt(wall + 9 * S)); // data time 12: barriers at 8 and 12; 12 closes [0, 10)
    expect(counts(r)).toEqual([["a", 10, 4n]]);
  });

  it("measures the wall clock's lag anew when data resumes further behind it", () => {
    const r = run(windowed(".idle(5s)"));
    const wall = 1_000_000 * S;
    r.write("m", { host: "a" }, { v: 1 }, 0);
    r.task.barrier(BigInt(wall));
    r.task.barrier(BigInt(wall + 3 * S)); // silence: data time taken to be 3
    r.write("m", { host: "a" }, { v: 1 }, 2); // data resumes 5s behind the wall clock, not 3s
    r.task.barrier(BigInt(wall + 5 * S)); // lag measured anew: data time 2
    r.task.barrier(BigInt(wall + 7 * S)); // data time 4: a's idle barrier (2 + 5) is not due yet
    r.write("m", { host: "a" }, { v: 1 }, 6);
    expect(r.node("barrier2").stats.emitted).toBe(3); // the point at 6 was not dropped
  });

  it("does nothing for a group that stays busy", () => {
    const r = run(windowed(".idle(5s)"));
    for (let t = 0; t <= 9; t++) r.write("m", { host: "a" }, { v: 1 }, t);
    expect(r.events).toEqual([]);
  });

  it("drops data older than the group's last barrier", () => {
    const r = run(
      `stream|from().measurement('m').groupBy('host')|barrier().idle(5s)|alert().crit(lambda: TRUE).id('{{ index .Tags "host" }}')`,
    );
    r.write("m", { host: "a" }, { v: 1 }, 0);
    r.write("m", { host: "b" }, { v: 1 }, 10); // a: barrier at 5, then 10
    r.write("m", { host: "a" }, { v: 2 }, 9); // late for a: dropped
    r.write("m", { host: "a" }, { v: 3 }, 10);
    expect(r.events.map((e) => [e.state.id, e.data.fields.v])).toEqual([
      ["a", 1],
      ["b", 1],
      ["a", 3],
    ]);
  });

  it("sends a barrier every period from the group's first point", () => {
    const r = run(windowed(".period(4s)"));
    for (let t = 0; t <= 3; t++) r.write("m", { host: "a" }, { v: 1 }, t);
    // barriers for a at 4, 8 (before the window end 10), 12 closes [0, 10).
    r.write("m", { host: "b" }, { v: 1 }, 12);
    expect(counts(r)).toEqual([["a", 10, 4n]]);
  });

  it("with .delete(TRUE) forgets the group after one barrier, downstream too, and restarts it", () => {
    const r = run(windowed(".idle(5s).delete(TRUE)"));
    for (const t of [0, 1]) r.write("m", { host: "a" }, { v: 1 }, t);
    r.write("m", { host: "b" }, { v: 1 }, 7); // a: barrier at 6 (window stays open), then deleted
    expect(r.node("barrier2").cardinality()).toBe(1);
    expect(r.node("window3").cardinality()).toBe(1);
    r.write("m", { host: "b" }, { v: 1 }, 10);
    r.write("m", { host: "b" }, { v: 1 }, 14);
    r.write("m", { host: "b" }, { v: 1 }, 40); // b: barrier at 19 closes [7, 17), then deleted
    expect(counts(r)).toEqual([["b", 17, 3n]]);
    expect(r.node("barrier2").cardinality()).toBe(1); // only the new b of the point at 40
    // a's window was deleted with its two points; a new a starts a new window and group.
    for (const t of [41, 44, 48, 51]) r.write("m", { host: "a" }, { v: 1 }, t);
    expect(counts(r).slice(1)).toEqual([["a", 51, 3n]]);
    expect(r.node("alert5").cardinality()).toBe(1); // b's alert state went with its delete
  });

  it(".delete(TRUE) also restarts per-group state of the nodes after it (stateCount)", () => {
    const script = (del: string): string =>
      `stream|from().measurement('m').groupBy('host')|barrier().idle(5s)${del}|stateCount(lambda: "v" > 0)|alert().crit(lambda: TRUE).id('{{ index .Tags "host" }}')`;
    const counts = (del: string): unknown[] => {
      const r = run(script(del));
      for (const [h, t] of [
        ["a", 0],
        ["a", 1],
        ["b", 10],
        ["a", 11],
      ] as const)
        r.write("m", { host: h }, { v: 1 }, t);
      return r.events.filter((e) => e.state.id === "a").map((e) => e.data.fields.state_count);
    };
    expect(counts(".delete(TRUE)")).toEqual([1n, 2n, 1n]);
    expect(counts("")).toEqual([1n, 2n, 3n]);
  });

  it("without .delete keeps the groups", () => {
    const r = run(windowed(".idle(5s)"));
    r.write("m", { host: "a" }, { v: 1 }, 0);
    r.write("m", { host: "b" }, { v: 1 }, 20);
    expect(r.node("barrier2").cardinality()).toBe(2);
    expect(r.node("window3").cardinality()).toBe(2);
  });
});
