import { describe, expect, it } from "vitest";
import { TickdError } from "../../../src/core/errors.js";
import type { FieldValue, Fields, Point, Tags } from "../../../src/core/types.js";
import {
  applyInfluxQL,
  compileInfluxQL,
  E_INFLUXQL,
  INFLUXQL_FUNCTIONS,
  isInfluxQLMethod,
  type GroupContext,
  type InfluxQLCall,
  type TransformState,
} from "../../../src/engine/influxql/index.js";

const S = 1e9;
const T = 100 * S; // batch time
const GROUP: Tags = { host: "a" };

const pt = (sec: number, value: FieldValue | undefined, tags: Tags = {}, extra: Fields = {}): Point => ({
  name: "cpu",
  tags: { host: "a", ...tags },
  fields: value === undefined ? { ...extra } : { value, ...extra },
  time: BigInt(sec * S),
});

function ctx(extra: Partial<GroupContext> = {}): GroupContext {
  return { name: "cpu", groupTags: GROUP, ...extra };
}

function run(call: Omit<InfluxQLCall, "field"> & { field?: string }, points: Point[], c = ctx()) {
  return applyInfluxQL({ field: "value", ...call }, { time: BigInt(T), points }, c);
}

/** Only the emitted values of one field. */
const values = (out: Point[], f: string) => out.map((p) => p.fields[f]);

function catchErr(fn: () => unknown): TickdError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TickdError) return e;
    throw e;
  }
  throw new Error("expected a TickdError");
}

// Floats: Σ = 26.5, Σx² = 170.625, n = 6; 1.25 appears twice (t=2 and t=4).
const F = [
  pt(1, 3.5, { cpu: "c0" }, { user: 1n }),
  pt(2, 1.25, { cpu: "c1" }, { user: 2n }),
  pt(3, 7, { cpu: "c2" }, { user: 3n }),
  pt(4, 1.25, { cpu: "c3" }, { user: 4n }),
  pt(5, 4, { cpu: "c4" }, { user: 5n }),
  pt(6, 9.5, { cpu: "c5" }, { user: 6n }),
];
// Ints: Σ = 33, Σx² = 267, n = 5.
const I = [pt(1, 10n), pt(2, 3n), pt(3, 7n), pt(4, 3n), pt(5, 10n)];

describe("registry", () => {
  it("lists every method with its category", () => {
    expect(Object.keys(INFLUXQL_FUNCTIONS).sort()).toEqual(
      [
        "bottom",
        "count",
        "cumulativeSum",
        "derivative",
        "difference",
        "distinct",
        "elapsed",
        "first",
        "holtWinters",
        "holtWintersWithFit",
        "last",
        "max",
        "mean",
        "median",
        "min",
        "mode",
        "movingAverage",
        "percentile",
        "spread",
        "stddev",
        "sum",
        "top",
      ].sort(),
    );
    expect(INFLUXQL_FUNCTIONS.count.emitsOnEmpty).toBe(true);
    expect(INFLUXQL_FUNCTIONS.sum.emitsOnEmpty).toBe(true);
    expect(INFLUXQL_FUNCTIONS.mean.emitsOnEmpty).toBe(false);
    expect(INFLUXQL_FUNCTIONS.first.category).toBe("selector");
    expect(INFLUXQL_FUNCTIONS.top.category).toBe("multiSelector");
    expect(INFLUXQL_FUNCTIONS.elapsed.category).toBe("transform");
    expect(isInfluxQLMethod("mean")).toBe(true);
    expect(isInfluxQLMethod("toString")).toBe(false);
  });

  it("rejects unknown methods and bad arguments at compile time, naming the node", () => {
    const cases: InfluxQLCall[] = [
      { method: "median2", field: "v" },
      { method: "top", field: "v", args: [0] },
      { method: "top", field: "v" },
      { method: "bottom", field: "v", args: [2, 5] },
      { method: "movingAverage", field: "v", args: [0] },
      { method: "movingAverage", field: "v" },
      { method: "elapsed", field: "v" },
      { method: "percentile", field: "v", args: ["50"] },
      { method: "mean", field: "v", args: [1] },
      { method: "derivative", field: "v", unit: 0 },
      { method: "mean", field: "" },
    ];
    for (const c of cases) {
      const e = catchErr(() => compileInfluxQL(c, "node7"));
      expect(e.code).toBe(E_INFLUXQL);
      expect(e.message).toMatch(/^node7: /);
    }
  });

  it("accepts bigint arguments as TICKscript int literals give them", () => {
    expect(compileInfluxQL({ method: "top", field: "v", args: [3n, "host"] }).kind).toBe("batch");
    expect(compileInfluxQL({ method: "movingAverage", field: "v", args: [2n] }).kind).toBe("transform");
  });
});

describe("aggregates: one point, batch time, group tags only", () => {
  it("count is int64 for floats, ints, strings and bools", () => {
    expect(run({ method: "count" }, F)).toEqual([
      { name: "cpu", tags: { host: "a" }, fields: { count: 6n }, time: BigInt(T) },
    ]);
    expect(values(run({ method: "count" }, I), "count")).toEqual([5n]);
    expect(values(run({ method: "count" }, [pt(1, "x"), pt(2, "y")]), "count")).toEqual([2n]);
    expect(values(run({ method: "count" }, [pt(1, true)]), "count")).toEqual([1n]);
  });

  it("sum keeps the input kind; int64 wraps like Go", () => {
    expect(values(run({ method: "sum" }, F), "sum")).toEqual([26.5]);
    expect(values(run({ method: "sum" }, I), "sum")).toEqual([33n]);
    const max = 2n ** 63n - 1n;
    expect(values(run({ method: "sum" }, [pt(1, max), pt(2, 1n)]), "sum")).toEqual([-(2n ** 63n)]);
  });

  it("mean is float for both kinds", () => {
    expect(values(run({ method: "mean" }, F), "mean")).toEqual([26.5 / 6]);
    expect(values(run({ method: "mean" }, I), "mean")).toEqual([6.6]);
    expect(values(run({ method: "mean" }, [pt(1, 1), pt(2, NaN)]), "mean")).toEqual([NaN]);
  });

  it("median: middle value; even count → lo + (hi − lo)/2; float for ints (call_iterator.go)", () => {
    expect(values(run({ method: "median" }, F), "median")).toEqual([3.75]);
    expect(values(run({ method: "median" }, I), "median")).toEqual([7]);
    expect(values(run({ method: "median" }, [pt(1, 4n), pt(2, 1n)]), "median")).toEqual([2.5]);
    expect(values(run({ method: "median" }, [pt(1, 42n)]), "median")).toEqual([42]);
  });

  it("mode: most frequent value, input kind kept", () => {
    expect(values(run({ method: "mode" }, F), "mode")).toEqual([1.25]);
    // 3 and 10 both twice; 10's run starts at t=1, before 3 reached its count at t=4.
    expect(values(run({ method: "mode" }, I), "mode")).toEqual([10n]);
    // All distinct: the first value after the sort, i.e. the smallest.
    expect(values(run({ method: "mode" }, [pt(1, 4), pt(2, 2), pt(3, 9)]), "mode")).toEqual([2]);
  });

  it("mode ties follow FloatModeReduceSlice's loop, not a plain 'earliest value' rule", () => {
    // 3 reaches count 2 at t=2; 5's run starts at t=3 > 2, so 3 stays.
    expect(values(run({ method: "mode" }, [pt(1, 3), pt(2, 3), pt(3, 5), pt(4, 5)]), "mode")).toEqual([3]);
    // 1 reaches count 2 at t=3; 2's run starts at t=1 (not after 3), so 2 takes the tie.
    expect(values(run({ method: "mode" }, [pt(0, 1), pt(1, 2), pt(2, 2), pt(3, 1)]), "mode")).toEqual([2]);
  });

  it("spread: max − min in the input kind", () => {
    expect(values(run({ method: "spread" }, F), "spread")).toEqual([8.25]);
    expect(values(run({ method: "spread" }, I), "spread")).toEqual([7n]);
    expect(values(run({ method: "spread" }, [pt(1, 1), pt(2, NaN)]), "spread")).toEqual([NaN]);
  });

  it("stddev is the sample deviation (n − 1), NaN for one point (call_iterator.go)", () => {
    const [f] = values(run({ method: "stddev" }, F), "stddev");
    expect(f).toBeCloseTo(Math.sqrt((170.625 - 26.5 ** 2 / 6) / 5), 12);
    const [i] = values(run({ method: "stddev" }, I), "stddev");
    expect(i).toBeCloseTo(Math.sqrt((267 - 33 ** 2 / 5) / 4), 12);
    expect(values(run({ method: "stddev" }, [pt(1, 5)]), "stddev")).toEqual([NaN]);
    expect(values(run({ method: "stddev" }, [pt(1, 5n)]), "stddev")).toEqual([NaN]);
    // NaN values are left out: {1, 3} → mean 2, variance 2/1.
    expect(values(run({ method: "stddev" }, [pt(1, 1), pt(2, NaN), pt(3, 3)]), "stddev")).toEqual([
      Math.SQRT2,
    ]);
  });

  it(".as() renames the field; usePointTimes does not move an aggregate off the batch time", () => {
    expect(run({ method: "mean", as: "avg", usePointTimes: true }, F)).toEqual([
      { name: "cpu", tags: { host: "a" }, fields: { avg: 26.5 / 6 }, time: BigInt(T) },
    ]);
  });

  it("empty batch: count → 0 int, sum → 0 float (Kapacitor assumes float64), others nothing", () => {
    expect(run({ method: "count" }, [])).toEqual([
      { name: "cpu", tags: { host: "a" }, fields: { count: 0n }, time: BigInt(T) },
    ]);
    expect(run({ method: "sum" }, [])).toEqual([
      { name: "cpu", tags: { host: "a" }, fields: { sum: 0 }, time: BigInt(T) },
    ]);
    for (const method of [
      "mean",
      "median",
      "mode",
      "spread",
      "stddev",
      "first",
      "last",
      "min",
      "max",
      "distinct",
    ]) {
      expect(run({ method }, [])).toEqual([]);
    }
    expect(run({ method: "percentile", args: [50] }, [])).toEqual([]);
    expect(run({ method: "top", args: [2] }, [])).toEqual([]);
  });
});

describe("missing fields and wrong kinds", () => {
  it("skips points without the field and reports each one", () => {
    const skipped: TickdError[] = [];
    const out = run(
      { method: "mean" },
      [pt(1, 2), pt(2, undefined, {}, { other: 1 }), pt(3, 4)],
      ctx({ onSkip: (e) => skipped.push(e) }),
    );
    expect(values(out, "mean")).toEqual([3]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.code).toBe(E_INFLUXQL);
    expect(skipped[0]!.message).toContain('"value"');
  });

  it("throws when the field is missing in every point, naming node and field", () => {
    const pts = [pt(1, undefined, {}, { x: 1 }), pt(2, undefined, {}, { x: 2 })];
    const e = catchErr(() => run({ method: "mean" }, pts, ctx({ node: "mean4" })));
    expect(e.code).toBe(E_INFLUXQL);
    expect(e.message).toBe('mean4: field "value" missing in all 2 points');
    expect(() => run({ method: "first" }, pts)).toThrow(TickdError);
  });

  it("count and sum still emit 0 when no point has the field, as Kapacitor does", () => {
    const pts = [pt(1, undefined, {}, { x: 1 })];
    expect(values(run({ method: "count" }, pts), "count")).toEqual([0n]);
    expect(values(run({ method: "sum" }, pts), "sum")).toEqual([0]);
  });

  it("throws for a kind the function does not accept (mean over strings)", () => {
    const e = catchErr(() => run({ method: "mean" }, [pt(1, "a"), pt(2, "b")], ctx({ node: "mean1" })));
    expect(e.message).toBe('mean1: cannot apply mean to string field "value"');
    expect(() => run({ method: "min" }, [pt(1, true)])).toThrow(/cannot apply min to bool field/);
  });

  it("the first usable point fixes the kind; later points of another kind are skipped", () => {
    const skipped: string[] = [];
    const c = ctx({ onSkip: (e) => skipped.push(e.message) });
    expect(values(run({ method: "sum" }, [pt(1, 1.5), pt(2, 2n), pt(3, 2.5)], c), "sum")).toEqual([4]);
    expect(skipped).toEqual(['sum: field "value" has wrong type: got int64 exp float64, point skipped']);
    // A rejected kind first does not fix the kind (influxql.go realizes the context later).
    expect(values(run({ method: "mean" }, [pt(1, "x"), pt(2, 2n), pt(3, 4n)], c), "mean")).toEqual([3]);
  });
});

describe("selectors: the selected point with its tags and fields", () => {
  it("first / last by time, batch time unless usePointTimes (TestStream_InfluxQL_Float)", () => {
    expect(run({ method: "first" }, F)).toEqual([
      { name: "cpu", tags: { host: "a", cpu: "c0" }, fields: { first: 3.5, user: 1n }, time: BigInt(T) },
    ]);
    expect(run({ method: "last", usePointTimes: true }, F)).toEqual([
      { name: "cpu", tags: { host: "a", cpu: "c5" }, fields: { last: 9.5, user: 6n }, time: BigInt(6 * S) },
    ]);
  });

  it("first / last at equal times take the greater value (FloatFirstReduce)", () => {
    const same = [pt(1, 2, { cpu: "x" }), pt(1, 5, { cpu: "y" }), pt(1, 3, { cpu: "z" })];
    expect(run({ method: "first" }, same)[0]!.tags.cpu).toBe("y");
    expect(run({ method: "last" }, same)[0]!.tags.cpu).toBe("y");
    // Booleans: first prefers false, last prefers true.
    const bools = [pt(1, true, { cpu: "t" }), pt(1, false, { cpu: "f" })];
    expect(run({ method: "first" }, bools)[0]!.fields.first).toBe(false);
    expect(run({ method: "last" }, bools)[0]!.fields.last).toBe(true);
    expect(values(run({ method: "first" }, [pt(2, "b"), pt(3, "c")]), "first")).toEqual(["b"]);
  });

  it("min / max: ties go to the earlier time", () => {
    expect(run({ method: "min", usePointTimes: true }, F)).toEqual([
      { name: "cpu", tags: { host: "a", cpu: "c1" }, fields: { min: 1.25, user: 2n }, time: BigInt(2 * S) },
    ]);
    expect(run({ method: "max" }, F)).toEqual([
      { name: "cpu", tags: { host: "a", cpu: "c5" }, fields: { max: 9.5, user: 6n }, time: BigInt(T) },
    ]);
    expect(values(run({ method: "max" }, I), "max")).toEqual([10n]);
    expect(run({ method: "max", usePointTimes: true }, I)[0]!.time).toBe(BigInt(1 * S));
    expect(values(run({ method: "min" }, I), "min")).toEqual([3n]);
  });

  it(".as() renames the selected field; .as(field) leaves it in place", () => {
    expect(run({ method: "min", as: "lowest" }, F)[0]!.fields).toEqual({ lowest: 1.25, user: 2n });
    expect(run({ method: "min", as: "value" }, F)[0]!.fields).toEqual({ value: 1.25, user: 2n });
  });

  it("percentile index = floor(n·p/100 + 0.5) − 1 after a sort by value (call_iterator.go)", () => {
    const p = (pc: number, pts = F) => run({ method: "percentile", args: [pc] }, pts);
    expect(p(50)).toEqual([
      { name: "cpu", tags: { host: "a", cpu: "c0" }, fields: { percentile: 3.5, user: 1n }, time: BigInt(T) },
    ]);
    expect(p(0)).toEqual([]); // index −1
    expect(values(p(100), "percentile")).toEqual([9.5]);
    expect(p(5)).toEqual([]); // floor(0.8) − 1 = −1
    expect(p(10)[0]!.tags.cpu).toBe("c1"); // index 0: the first of the two 1.25s
    expect(p(25)[0]!.tags.cpu).toBe("c3"); // index 1: the second 1.25
    const one = [pt(1, 7)];
    expect(values(p(50, one), "percentile")).toEqual([7]);
    expect(p(49, one)).toEqual([]);
    const two = [pt(1, 8), pt(2, 2)];
    expect(values(p(75, two), "percentile")).toEqual([8]);
    expect(values(p(74, two), "percentile")).toEqual([2]);
    expect(values(p(50, I), "percentile")).toEqual([7n]);
    // n = 5, p = 90 → index 4: the second of the two 10s (sorted stably: 10@1s, 10@5s).
    expect(run({ method: "percentile", args: [90], usePointTimes: true }, I)[0]!.time).toBe(BigInt(5 * S));
  });
});

describe("top / bottom / distinct", () => {
  it("top: best first, group + point tags, only the selected field (TestStream_InfluxQL_Float)", () => {
    expect(run({ method: "top", args: [2] }, F)).toEqual([
      { name: "cpu", tags: { host: "a", cpu: "c5" }, fields: { top: 9.5 }, time: BigInt(T) },
      { name: "cpu", tags: { host: "a", cpu: "c2" }, fields: { top: 7 }, time: BigInt(T) },
    ]);
    expect(
      run({ method: "top", args: [2n], usePointTimes: true }, I).map((p) => [
        p.fields.top,
        Number(p.time) / S,
      ]),
    ).toEqual([
      [10n, 1],
      [10n, 5],
    ]);
  });

  it("top/bottom prefer the earlier time among equal values", () => {
    const fives = [pt(1, 5, { cpu: "x" }), pt(2, 5, { cpu: "y" }), pt(3, 5, { cpu: "z" })];
    expect(run({ method: "top", args: [2] }, fives).map((p) => p.tags.cpu)).toEqual(["x", "y"]);
    const b = [pt(1, 2), pt(2, 1), pt(3, 1), pt(4, 2)];
    expect(
      run({ method: "bottom", args: [2], usePointTimes: true }, b).map((p) => [
        p.fields.bottom,
        Number(p.time) / S,
      ]),
    ).toEqual([
      [1, 2],
      [1, 3],
    ]);
    expect(run({ method: "bottom", args: [3], as: "low" }, b).map((p) => p.fields.low)).toEqual([1, 1, 2]);
    expect(run({ method: "top", args: [10] }, b)).toHaveLength(4);
  });

  it("top with exact ties follows Go's heap: the root, not the newest, is evicted (functions.go)", () => {
    // A and B tie on value and time; the heap root is A, so C evicts A.
    const pts = [pt(1, 5, { cpu: "A" }), pt(1, 5, { cpu: "B" }), pt(0, 7, { cpu: "C" })];
    expect(run({ method: "top", args: [2] }, pts).map((p) => p.tags.cpu)).toEqual(["C", "B"]);
  });

  it("accepts and ignores top's extra field/tag arguments (Kapacitor ≥1.5 reducers)", () => {
    expect(run({ method: "top", args: [2, "cpu"] }, F)).toEqual(run({ method: "top", args: [2] }, F));
  });

  it("distinct: first point of each value in time order, group tags only", () => {
    const pts = [pt(1, 3, { cpu: "x" }), pt(2, 1), pt(3, 3), pt(4, 2), pt(5, 1)];
    expect(run({ method: "distinct" }, pts)).toEqual([
      { name: "cpu", tags: { host: "a" }, fields: { distinct: 3 }, time: BigInt(T) },
      { name: "cpu", tags: { host: "a" }, fields: { distinct: 1 }, time: BigInt(T) },
      { name: "cpu", tags: { host: "a" }, fields: { distinct: 2 }, time: BigInt(T) },
    ]);
    expect(run({ method: "distinct", usePointTimes: true }, pts).map((p) => Number(p.time) / S)).toEqual([
      1, 2, 4,
    ]);
    expect(values(run({ method: "distinct" }, [pt(1, "b"), pt(2, "a"), pt(3, "b")]), "distinct")).toEqual([
      "b",
      "a",
    ]);
    expect(values(run({ method: "distinct" }, I), "distinct")).toEqual([10n, 3n, 7n]);
    // Go map keys: NaN never equals itself, so each NaN is distinct.
    expect(values(run({ method: "distinct" }, [pt(1, NaN), pt(2, NaN), pt(3, 1)]), "distinct")).toEqual([
      NaN,
      NaN,
      1,
    ]);
  });
});

describe("transforms", () => {
  function stream(call: Omit<InfluxQLCall, "field"> & { field?: string }, points: Point[]) {
    const c = compileInfluxQL({ field: "value", ...call });
    if (c.kind !== "transform") throw new Error("not a transform");
    const state = c.create(ctx());
    return points.map((p) => state.push(p));
  }
  const simple = (out: (Point | undefined)[], f: string) =>
    out.map((p) => (p === undefined ? undefined : [p.fields[f], Number(p.time) / S]));

  it("difference: per pair, duplicate times ignored, group tags and one field (functions.go)", () => {
    const out = stream({ method: "difference" }, [
      pt(1, 1, { cpu: "c" }),
      pt(2, 4),
      pt(3, 2),
      pt(3, 9),
      pt(4, 10),
    ]);
    expect(simple(out, "difference")).toEqual([undefined, [3, 2], [-2, 3], undefined, [8, 4]]);
    expect(out[1]).toEqual({
      name: "cpu",
      tags: { host: "a" },
      fields: { difference: 3 },
      time: BigInt(2 * S),
    });
    expect(simple(stream({ method: "difference", as: "d" }, [pt(1, 5n), pt(2, 3n)]), "d")).toEqual([
      undefined,
      [-2n, 2],
    ]);
  });

  it("cumulativeSum keeps the kind", () => {
    expect(
      simple(stream({ method: "cumulativeSum" }, [pt(1, 1n), pt(2, 2n), pt(3, 3n)]), "cumulativeSum"),
    ).toEqual([
      [1n, 1],
      [3n, 2],
      [6n, 3],
    ]);
    expect(simple(stream({ method: "cumulativeSum" }, [pt(1, 0.5), pt(2, 0.25)]), "cumulativeSum")).toEqual([
      [0.5, 1],
      [0.75, 2],
    ]);
  });

  it("movingAverage(n) emits once n points arrived, float for ints", () => {
    const f = stream({ method: "movingAverage", args: [3] }, [
      pt(1, 1),
      pt(2, 2),
      pt(3, 3),
      pt(4, 4),
      pt(5, 5),
    ]);
    expect(simple(f, "movingAverage")).toEqual([undefined, undefined, [2, 3], [3, 4], [4, 5]]);
    const i = stream({ method: "movingAverage", args: [2n] }, [pt(1, 1n), pt(2, 2n), pt(3, 4n)]);
    expect(simple(i, "movingAverage")).toEqual([undefined, [1.5, 2], [3, 3]]);
  });

  it("elapsed(unit): int64 (t − prev) / unit, truncated; any field kind", () => {
    const pts = [pt(1, "a"), pt(3, "b"), pt(3.5, "c")];
    expect(simple(stream({ method: "elapsed", args: [S] }, pts), "elapsed")).toEqual([
      undefined,
      [2n, 3],
      [0n, 3.5],
    ]);
    expect(simple(stream({ method: "elapsed", args: [1e6] }, pts), "elapsed")).toEqual([
      undefined,
      [2000n, 3],
      [500n, 3.5],
    ]);
  });

  it("derivative: rate per unit (default 1s), whole point kept, field replaced by default (derivative.go)", () => {
    const pts = [
      pt(0, 10, { cpu: "c" }, { other: "x" }),
      pt(2, 20, { cpu: "c" }, { other: "y" }),
      pt(3, 15),
      pt(5, 15),
    ];
    const out = stream({ method: "derivative" }, pts);
    expect(out[0]).toBeUndefined();
    expect(out[1]).toEqual({
      name: "cpu",
      tags: { host: "a", cpu: "c" },
      fields: { value: 5, other: "y" },
      time: BigInt(2 * S),
    });
    expect(simple(out, "value")).toEqual([undefined, [5, 2], [-5, 3], [0, 5]]);
    expect(simple(stream({ method: "derivative", unit: 60 * S, as: "rate" }, pts), "rate")).toEqual([
      undefined,
      [300, 2],
      [-300, 3],
      [0, 5],
    ]);
    // nonNegative drops −5 but 15@3s still becomes the previous point.
    expect(simple(stream({ method: "derivative", nonNegative: true }, pts), "value")).toEqual([
      undefined,
      [5, 2],
      undefined,
      [0, 5],
    ]);
    expect(simple(stream({ method: "derivative" }, [pt(0, 1n), pt(3, 4n)]), "value")).toEqual([
      undefined,
      [1, 3],
    ]);
  });

  it("derivative: zero elapsed time is an error but the point becomes previous; a bad point does not", () => {
    const c = compileInfluxQL({ method: "derivative", field: "value" }, "derivative2");
    if (c.kind !== "transform") throw new Error("not a transform");
    const s = c.create(ctx());
    expect(s.push(pt(1, 1))).toBeUndefined();
    expect(catchErr(() => s.push(pt(1, 2))).message).toBe(
      "derivative2: cannot perform derivative: elapsed time was 0",
    );
    expect(s.push(pt(2, 4))!.fields.value).toBe(2); // (4 − 2) / 1s
    expect(catchErr(() => s.push(pt(3, "x"))).code).toBe(E_INFLUXQL);
    expect(catchErr(() => s.push(pt(3, undefined, {}, { other: 1 }))).message).toMatch(/"value" missing/);
    expect(s.push(pt(4, 8))!.fields.value).toBe(2); // previous is still 4@2s
  });

  it("the first point fixes a transform's kind; mismatches throw and leave the state alone", () => {
    const c = compileInfluxQL({ method: "cumulativeSum", field: "value" }, "cumulativeSum1");
    if (c.kind !== "transform") throw new Error("not a transform");
    const s: TransformState = c.create(ctx());
    expect(s.push(pt(1, 1))!.fields.cumulativeSum).toBe(1);
    expect(catchErr(() => s.push(pt(2, 1n))).message).toBe(
      'cumulativeSum1: field "value" has wrong type: got int64 exp float64, point skipped',
    );
    expect(s.push(pt(3, 2))!.fields.cumulativeSum).toBe(3);
    s.reset();
    expect(s.push(pt(4, 5n))!.fields.cumulativeSum).toBe(5n);
    expect(() => stream({ method: "difference" }, [pt(1, "a")])).toThrow(
      /cannot apply difference to string field/,
    );
  });

  it("over a batch: fresh state per batch, unusable points reported", () => {
    const skipped: string[] = [];
    const c = ctx({ onSkip: (e) => skipped.push(e.message) });
    const pts = [pt(1, 1), pt(2, undefined, {}, { x: 1 }), pt(3, 4)];
    const out = applyInfluxQL({ method: "difference", field: "value" }, { time: BigInt(T), points: pts }, c);
    expect(simple(out, "difference")).toEqual([[3, 3]]);
    expect(skipped).toHaveLength(1);
    // A second batch starts over: its first point emits nothing.
    expect(
      applyInfluxQL({ method: "difference", field: "value" }, { time: BigInt(T), points: [pt(4, 9)] }, c),
    ).toEqual([]);
  });
});
