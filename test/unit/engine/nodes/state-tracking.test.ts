// Expected values follow Kapacitor's state_tracking.go: a true point extends the run (count+1,
// duration = time since the run's first point / unit), a false point gives -1 and ends it, a
// failing lambda drops the point and leaves the run alone; state is kept per group.
import { describe, expect, it } from "vitest";
import { rows, run } from "./harness.js";

describe("stateCount", () => {
  it("counts consecutive true points per group, -1 when false (int)", () => {
    const r = run(
      `stream|from().measurement('cpu').groupBy('host')|stateCount(lambda: "v" > 1)|httpOut('x')`,
    );
    const seen: unknown[] = [];
    const feed = (host: string, v: number, t: number) => {
      r.write("cpu", { host }, { v }, t);
      const series = r
        .out("x")
        .result()
        .series!.find((s) => s.tags.host === host)!;
      seen.push(series.values[0]![series.columns.indexOf("state_count")]);
    };
    feed("a", 2, 1);
    feed("b", 5, 1);
    feed("a", 3, 2);
    feed("a", 0, 3);
    feed("b", 6, 3);
    feed("a", 4, 4);
    expect(seen).toEqual([1n, 1n, 2n, -1n, 2n, 1n]);
  });

  it("drops a point whose lambda fails without resetting the count", () => {
    const r = run(`stream|from().measurement('cpu')|stateCount(lambda: "v" > 1).as('n')|httpOut('x')`);
    r.write("cpu", {}, { v: 2 }, 1);
    r.write("cpu", {}, { other: 1 }, 2);
    expect(rows(r, "x")[0]).toMatchObject({ time: 1_000_000_000n, n: 1n });
    r.write("cpu", {}, { v: 2 }, 3);
    expect(rows(r, "x")[0]).toMatchObject({ time: 3_000_000_000n, n: 2n });
    expect(r.node("state_count2").stats.errors).toBe(1);
    expect(r.logs.some((l) => l.level === "error" && /error while evaluating expression/.test(l.msg))).toBe(
      true,
    );
  });
});

describe("stateDuration", () => {
  it("reports the run's duration in units (float), 0 for its first point, -1 when false", () => {
    const r = run(`stream|from().measurement('cpu')|stateDuration(lambda: "v" > 1).unit(10s)|httpOut('x')`);
    const got: unknown[] = [];
    for (const [v, t] of [
      [2, 100],
      [2, 110],
      [2, 125],
      [0, 130],
      [5, 140],
      [5, 141],
    ] as const) {
      r.write("cpu", {}, { v }, t);
      got.push(rows(r, "x")[0]!.state_duration);
    }
    expect(got).toEqual([0, 1, 2.5, -1, 0, 0.1]);
  });

  it("defaults to seconds and the field name state_duration", () => {
    const r = run(`stream|from().measurement('cpu')|stateDuration(lambda: TRUE)|httpOut('x')`);
    r.write("cpu", {}, { v: 1 }, 10);
    r.write("cpu", {}, { v: 1 }, 70);
    expect(rows(r, "x")[0]).toMatchObject({ state_duration: 60 });
  });
});
