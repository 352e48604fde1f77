/**
 * Kapacitor's stream integration tests (integrations/streamer_test.go), one case each, with
 * data of our own: the script runs in the engine, points go in as `.srpl` would replay them
 * (db "dbname", rp "rpname", second timestamps), and the case reads the httpOut endpoint the
 * way Kapacitor's test reads `GET /kapacitor/v1/tasks/<task>/<endpoint>` (models.Result).
 * Each `it` starts with the name of the Kapacitor test it mirrors; docs/KAPACITOR-TESTS.md
 * lists them all with their status. Expectations are derived from Kapacitor's node code
 * (named per case), not copied from its test data.
 */
import { describe, expect, it } from "vitest";
import { parseLineProtocol } from "../../src/core/line-protocol.js";
import { taskStatistics } from "../../src/engine/stats.js";
import { run, type Run } from "../unit/engine/nodes/harness.js";

/** Runs `script` over line-protocol lines with second timestamps. */
function replay(script: string, lines: string): Run {
  const r = run(script);
  const { points, errors } = parseLineProtocol(lines.trim(), { precision: "s" });
  if (errors.length > 0) throw new Error(JSON.stringify(errors));
  for (const p of points) r.task.write("dbname", "rpname", p);
  return r;
}

/** The endpoint's series with times in seconds. */
function out(r: Run, endpoint: string): unknown {
  const res = r.out(endpoint).result();
  if (res.series === null) return null;
  return res.series.map((s) => ({
    name: s.name,
    tags: s.tags,
    columns: s.columns,
    values: s.values.map(([t, ...rest]) => [Number(t) / 1e9, ...rest]),
  }));
}

/** `n` lines of measurement `m` with tags `tags`, one per second from `from`, value f(t). */
function series(m: string, tags: string, from: number, n: number, f: (t: number) => string): string {
  return Array.from({ length: n }, (_, i) => `${m}${tags} ${f(from + i)} ${from + i}`).join("\n");
}

describe("transforms (derivative.go, elapsed/difference/moving average/cumulative sum)", () => {
  // v = t for t in 100..112, so the derivative is 1 per second.
  const ramp = series("packets", "", 100, 13, (t) => `value=${t}`);

  it("TestStream_Derivative: derivative, then a 10s window from the first derivative point", () => {
    const r = replay(
      `stream|from().measurement('packets')|derivative('value')|window().period(10s).every(10s)|mean('value')|httpOut('o')`,
      ramp,
    );
    expect(out(r, "o")).toEqual([{ name: "packets", tags: {}, columns: ["time", "mean"], values: [[111, 1]] }]);
  });

  it("TestStream_DerivativeUnit: .unit(10s) scales the rate", () => {
    const r = replay(
      `stream|from().measurement('packets')|derivative('value').unit(10s)|window().period(10s).every(10s)|mean('value')|httpOut('o')`,
      ramp,
    );
    expect(out(r, "o")).toEqual([{ name: "packets", tags: {}, columns: ["time", "mean"], values: [[111, 10]] }]);
  });

  // A drop at 105: d(105) = 0 − 104, d(106) = 106 − 0.
  const drop = series("packets", "", 100, 13, (t) => `value=${t === 105 ? 0 : t}`);

  it("TestStream_DerivativeN: a negative rate is kept without .nonNegative()", () => {
    const r = replay(
      `stream|from().measurement('packets')|derivative('value')|window().period(10s).every(10s)|mean('value')|httpOut('o')`,
      drop,
    );
    expect(out(r, "o")).toEqual([{ name: "packets", tags: {}, columns: ["time", "mean"], values: [[111, 1]] }]);
  });

  it("TestStream_DerivativeNN: .nonNegative() drops the negative rate", () => {
    const r = replay(
      `stream|from().measurement('packets')|derivative('value').nonNegative()|window().period(10s).every(10s)|mean('value')|httpOut('o')`,
      drop,
    );
    expect(out(r, "o")).toEqual([
      { name: "packets", tags: {}, columns: ["time", "mean"], values: [[111, 114 / 9]] },
    ]);
  });

  it("TestStream_DerivativeZeroElapsed: a second point at the same time yields no rate", () => {
    const dup = `${ramp}\npackets value=500 105`;
    const lines = dup.split("\n").sort((a, b) => Number(a.split(" ")[2]) - Number(b.split(" ")[2]));
    const r = replay(
      `stream|from().measurement('packets')|derivative('value')|window().period(10s).every(10s)|count('value')|httpOut('o')`,
      lines.join("\n"),
    );
    expect(out(r, "o")).toEqual([{ name: "packets", tags: {}, columns: ["time", "count"], values: [[111, 10n]] }]);
  });

  it("TestStream_DerivativeAs: .as() adds the rate and keeps the point's fields", () => {
    const r = replay(
      `stream|from().measurement('packets')|derivative('value').as('derivative')|window().period(3s).every(3s)|httpOut('o')`,
      series("packets", "", 100, 5, (t) => `value=${t * 2}`),
    );
    expect(out(r, "o")).toEqual([
      {
        name: "packets",
        tags: {},
        columns: ["time", "derivative", "value"],
        values: [
          [101, 2, 202],
          [102, 2, 204],
          [103, 2, 206],
        ],
      },
    ]);
  });

  const gappy = ["packets value=1 100", "packets value=4 101", "packets value=6 105", "packets value=5 106", "packets value=9 111"].join("\n");

  it("TestStream_Elapsed: elapsed('value', 1s) is the gap in units, an integer", () => {
    const r = replay(
      `stream|from().measurement('packets')|elapsed('value', 1s)|window().period(10s).every(10s)|max('elapsed')|httpOut('o')`,
      gappy,
    );
    // Window from the first elapsed point (101): 101, 105, 106; 111 closes it.
    expect(out(r, "o")).toEqual([{ name: "packets", tags: {}, columns: ["time", "max"], values: [[111, 4n]] }]);
  });

  it("TestStream_Difference: difference('value') is current − previous", () => {
    const r = replay(
      `stream|from().measurement('packets')|difference('value')|window().period(10s).every(10s)|max('difference')|httpOut('o')`,
      gappy,
    );
    expect(out(r, "o")).toEqual([{ name: "packets", tags: {}, columns: ["time", "max"], values: [[111, 3]] }]);
  });

  it("TestStream_MovingAverage: emitted once n points are in, as the only field", () => {
    const r = replay(
      `stream|from().measurement('packets')|movingAverage('value', 3)|window().period(10s).every(10s)|httpOut('o')`,
      `${gappy}\npackets value=0 122`,
    );
    expect(out(r, "o")).toEqual([
      {
        name: "packets",
        tags: {},
        columns: ["time", "movingAverage"],
        values: [
          [105, 11 / 3],
          [106, 5],
          [111, 20 / 3],
        ],
      },
    ]);
  });

  it("TestStream_CumulativeSum: running sum from the first point, as the only field", () => {
    const r = replay(
      `stream|from().measurement('packets')|cumulativeSum('value')|window().period(10s).every(10s)|httpOut('o')`,
      gappy,
    );
    expect(out(r, "o")).toEqual([
      {
        name: "packets",
        tags: {},
        columns: ["time", "cumulativeSum"],
        values: [
          [100, 1],
          [101, 5],
          [105, 11],
          [106, 16],
        ],
      },
    ]);
  });
});

describe("windows (window.go)", () => {
  // serverA one point per second 100..113, serverB interleaved.
  const cpu = [
    series("cpu", ",host=serverA,type=idle", 100, 14, (t) => `value=${t - 50}`),
    series("cpu", ",host=serverB,type=idle", 100, 14, (t) => `value=${t}`),
  ]
    .join("\n")
    .split("\n")
    .sort((a, b) => Number(a.split(" ")[2]) - Number(b.split(" ")[2]))
    .join("\n");

  it("TestStream_Window: ungrouped batch rows carry the point tags as columns", () => {
    const r = replay(
      `var period = 10s
var every = 10s
stream|from().database('dbname').retentionPolicy('rpname').measurement('cpu').where(lambda: "host" == 'serverA')
  |window().period(period).every(every)|httpOut('o')`,
      cpu,
    );
    expect(out(r, "o")).toEqual([
      {
        name: "cpu",
        tags: {},
        columns: ["time", "host", "type", "value"],
        values: Array.from({ length: 10 }, (_, i) => [100 + i, "serverA", "idle", 50 + i]),
      },
    ]);
  });

  // window.go: nextEmit = first + every (aligned: truncated to every); a point at or past it
  // emits [nextEmit − period, nextEmit) and sets nextEmit = that point + every.
  const holes = [101, 102, 103, 107, 108, 109, 110, 113].map((t) => `cpu,host=serverA value=${t} ${t}`).join("\n");
  const missing = (align: string) =>
    out(
      replay(
        `var period = 3s
var every = 2s
stream|from().measurement('cpu').where(lambda: "host" == 'serverA')|window().period(period).every(every)${align}|count('value')|window().periodCount(10).everyCount(1)|httpOut('o')`,
        holes,
      ),
      "o",
    ) as { values: unknown[][] }[];

  it("TestStream_WindowMissing: a gap moves the next emit time to the point that ends it", () => {
    expect(missing("")[0]!.values).toEqual([
      [103, 2n],
      [105, 2n],
      [109, 2n],
      [111, 3n],
    ]);
  });

  it("TestStream_WindowMissingAligned: the same with emit times truncated to every", () => {
    expect(missing(".align()")[0]!.values).toEqual([
      [102, 1n],
      [104, 3n],
      [108, 1n],
      [110, 3n],
      [112, 2n],
    ]);
  });

  it("TestStream_Window_Every_0_FillPeriod: every(0s) waits a full period, then (t − period, t]", () => {
    const r = replay(
      `stream|from().measurement('cpu').where(lambda: "host" == 'serverA')|window().period(5s).every(0s).fillPeriod()|count('value')|window().periodCount(20).everyCount(1)|httpOut('o')`,
      cpu,
    );
    const got = (out(r, "o") as { values: unknown[][] }[])[0]!.values;
    expect(got).toEqual([105, 106, 107, 108, 109, 110, 111, 112, 113].map((t) => [t, 5n]));
  });

  it("TestStream_Window_FillPeriod_Aligned: the first emit is the first multiple of every past first + period", () => {
    const r = replay(
      `stream|from().measurement('cpu').where(lambda: "host" == 'serverA')|window().period(14s).every(10s).fillPeriod().align()|httpOut('o')`,
      series("cpu", ",host=serverA,type=idle", 103, 23, (t) => `value=${t}`),
    );
    // First point 103: 103 + 14 = 117, truncated to 110, not after 117, so 120: [106, 120).
    const got = (out(r, "o") as { values: unknown[][] }[])[0]!.values;
    expect(got.map((v) => v[0])).toEqual(Array.from({ length: 14 }, (_, i) => 106 + i));
  });

  it("TestStream_Window_Overlapping: period 14s every 10s holds the 10 points seen so far", () => {
    const r = replay(
      `stream|from().measurement('cpu').where(lambda: "host" == 'serverA')|window().period(14s).every(10s)|count('value')|httpOut('o')`,
      cpu,
    );
    expect(out(r, "o")).toEqual([{ name: "cpu", tags: {}, columns: ["time", "count"], values: [[110, 10n]] }]);
  });

  it("TestStream_Window_FillPeriod: the first window waits for a full period", () => {
    const r = replay(
      `stream|from().measurement('cpu').where(lambda: "host" == 'serverA')|window().period(5s).every(2s).fillPeriod()|count('value')|httpOut('o')`,
      cpu,
    );
    // Emits at 105 (100..104), 107, 109, 111, 113: the latest holds 108..112.
    expect(out(r, "o")).toEqual([{ name: "cpu", tags: {}, columns: ["time", "count"], values: [[113, 5n]] }]);
  });

  it("TestStream_Window_Count: periodCount/everyCount emit every n points", () => {
    const r = replay(
      `stream|from().measurement('cpu').where(lambda: "host" == 'serverA')|window().periodCount(4).everyCount(4)|httpOut('o')`,
      cpu,
    );
    // 14 points: windows of 100..103, 104..107, 108..111; the latest is the third.
    expect(out(r, "o")).toEqual([
      {
        name: "cpu",
        tags: {},
        columns: ["time", "host", "type", "value"],
        values: [108, 109, 110, 111].map((t) => [t, "serverA", "idle", t - 50]),
      },
    ]);
  });

  it("TestStream_Window_Count_Every_1 / TestStream_Window_Count_Overlapping: periodCount(3).everyCount(1) holds the last 3 points", () => {
    const r = replay(
      `stream|from().measurement('cpu').where(lambda: "host" == 'serverA')|window().periodCount(3).everyCount(1)|count('value')|window().periodCount(20).everyCount(1)|httpOut('o')`,
      cpu,
    );
    // The first counts are 1, 2 (window not yet full), then 3 for every later point.
    const counts = (out(r, "o") as { values: unknown[][] }[])[0]!.values.map((v) => v[1]);
    expect(counts).toEqual([1n, 2n, ...Array<bigint>(12).fill(3n)]);
  });

  it("TestStream_Window_Count_FillPeriod: fillPeriod waits for periodCount points", () => {
    const r = replay(
      `stream|from().measurement('cpu').where(lambda: "host" == 'serverA')|window().periodCount(4).everyCount(1).fillPeriod()|count('value')|window().periodCount(20).everyCount(1)|httpOut('o')`,
      cpu,
    );
    const counts = (out(r, "o") as { values: unknown[][] }[])[0]!.values.map((v) => v[1]);
    expect(counts).toEqual(Array<bigint>(11).fill(4n));
  });

  it("TestStream_Window_Every_0: every(0s) emits on every point, per group", () => {
    const r = replay(
      `stream|from().measurement('cpu').groupBy('host')|window().period(3s).every(0s)|count('value')|window().period(100s).every(100s)|httpOut('o')`,
      `${cpu}\ncpu,host=serverA value=0 300\ncpu,host=serverB value=0 300`,
    );
    const got = out(r, "o") as { tags: unknown; values: unknown[][] }[];
    expect(got.map((s) => s.tags)).toEqual([{ host: "serverA" }, { host: "serverB" }]);
    expect(got[0]!.values.map((v) => v[1])).toEqual([1n, 2n, 3n, ...Array<bigint>(11).fill(3n)]);
  });
});

describe("shift, eval, default, delete, where (shift.go, eval.go, default.go, delete.go, where.go)", () => {
  const cpuA = series("cpu", ",host=serverA,type=idle", 100, 13, (t) => `value=${t}`);
  // 100..104 (5 points), 105..109 (5 points) but drop 103 so the first window has 4.
  const shiftData = cpuA
    .split("\n")
    .filter((l) => !l.endsWith(" 103"))
    .join("\n");
  const shiftScript = (past: string, current: string) => `var period = 5s
var data = stream|from().measurement('cpu').where(lambda: "host" == 'serverA')
var past = data|window().period(period).every(period).align()${past}
var current = data|window().period(period).every(period).align()${current}
past|join(current).as('past', 'current')|eval(lambda: "current.count" - "past.count").keep().as('diff')|httpOut('o')`;
  const joined = (t: number) => [
    { name: "cpu", tags: {}, columns: ["time", "current.count", "diff", "past.count"], values: [[t, 5n, 1n, 4n]] },
  ];

  it("TestStream_Shift: shift(period) after count moves the earlier window onto the later one", () => {
    expect(out(replay(shiftScript("|count('value')|shift(period)", "|count('value')"), shiftData), "o")).toEqual(
      joined(110),
    );
  });

  it("TestStream_ShiftBatch: shift(period) on the window batch before count", () => {
    expect(out(replay(shiftScript("|shift(period)|count('value')", "|count('value')"), shiftData), "o")).toEqual(
      joined(110),
    );
  });

  it("TestStream_ShiftNegative: shift(-period) moves the later window back", () => {
    expect(out(replay(shiftScript("|count('value')", "|count('value')|shift(-period)"), shiftData), "o")).toEqual(
      joined(105),
    );
  });

  it("TestStream_ShiftBatchNegative: shift(-period) on the batch", () => {
    expect(out(replay(shiftScript("|count('value')", "|shift(-period)|count('value')"), shiftData), "o")).toEqual(
      joined(105),
    );
  });

  const types = `types,t=x str="bob",bool=false,int=5i,float=42.5,value0=2.0,value1=3.5 100`;

  it("TestStream_Eval_AllTypes: string, bool, int and float results keep their types", () => {
    const r = replay(
      `stream|from().measurement('types')|eval(lambda: "str" + 'suffix', lambda: !"bool", lambda: "int" + 14, lambda: "float" * 2.0).as('str', 'bool', 'int', 'float')|httpOut('o')`,
      types,
    );
    expect(out(r, "o")).toEqual([
      { name: "types", tags: { t: "x" }, columns: ["time", "bool", "float", "int", "str"], values: [[100, true, 85, 19n, "bobsuffix"]] },
    ]);
  });

  it("TestStream_Eval_KeepAll: .keep() keeps every field", () => {
    const r = replay(
      `stream|from().measurement('types')|eval(lambda: "value0" + "value1", lambda: "value0" - "value1").as('pos', 'neg').keep()|httpOut('o')`,
      `types value0=2.0,value1=3.5 100`,
    );
    expect(out(r, "o")).toEqual([
      { name: "types", tags: {}, columns: ["time", "neg", "pos", "value0", "value1"], values: [[100, -1.5, 5.5, 2, 3.5]] },
    ]);
  });

  it("TestStream_Eval_KeepSome: .keep(list) keeps those fields; a missing one is skipped", () => {
    const r = replay(
      `stream|from().measurement('types')|eval(lambda: "value0" + "value1", lambda: "value0" - "value1").as('pos', 'neg').keep('value0', 'pos', 'neg', 'other')|httpOut('o')`,
      `types value0=2.0,value1=3.5,other=7.0 100`,
    );
    expect(out(r, "o")).toEqual([
      { name: "types", tags: {}, columns: ["time", "neg", "other", "pos", "value0"], values: [[100, -1.5, 7, 5.5, 2]] },
    ]);
  });

  it("TestStream_Eval_KeepSomeWithHidden: a later lambda reads an earlier result not kept", () => {
    const r = replay(
      `stream|from().measurement('types')|eval(lambda: "value0" + "value1", lambda: "pos" - "value1").as('pos', 'zero').keep('value0', 'zero')|httpOut('o')`,
      `types value0=2.0,value1=3.5 100`,
    );
    expect(out(r, "o")).toEqual([
      { name: "types", tags: {}, columns: ["time", "value0", "zero"], values: [[100, 2, 2]] },
    ]);
  });

  const tagged = `types value=0.0,another=2.0 100\ntypes value=1.0,another=2.0 100`;

  it("TestStream_Eval_Tags: .tags() turns a result into a tag, then groupBy on it", () => {
    const r = replay(
      `stream|from().measurement('types')|eval(lambda: string("value")).as('value').tags('value')|groupBy('value')|httpOut('o')`,
      tagged,
    );
    expect(out(r, "o")).toEqual([
      { name: "types", tags: { value: "0" }, columns: ["time"], values: [[100]] },
      { name: "types", tags: { value: "1" }, columns: ["time"], values: [[100]] },
    ]);
  });

  it("TestStream_Eval_Tags_Keep: .keep() keeps the fields, the tag result is a field too", () => {
    const r = replay(
      `stream|from().measurement('types')|eval(lambda: string("value")).as('value').tags('value').keep()|groupBy('value')|httpOut('o')`,
      tagged,
    );
    expect(out(r, "o")).toEqual([
      { name: "types", tags: { value: "0" }, columns: ["time", "another", "value"], values: [[100, 2, "0"]] },
      { name: "types", tags: { value: "1" }, columns: ["time", "another", "value"], values: [[100, 2, "1"]] },
    ]);
  });

  it("TestStream_Eval_Tags_KeepSome: .keep(list) with a tag result", () => {
    const r = replay(
      `stream|from().measurement('types')|eval(lambda: string("value")).as('value_tag').tags('value_tag').keep('value', 'another')|groupBy('value_tag')|httpOut('o')`,
      tagged,
    );
    expect(out(r, "o")).toEqual([
      { name: "types", tags: { value_tag: "0" }, columns: ["time", "another", "value"], values: [[100, 2, 0]] },
      { name: "types", tags: { value_tag: "1" }, columns: ["time", "another", "value"], values: [[100, 2, 1]] },
    ]);
  });

  it("TestStream_Eval_Time: hour(\"time\") reads the point time", () => {
    const r = replay(
      `stream|from().measurement('types').groupBy('group')|eval(lambda: hour("time")).as('hour')|httpOut('o')`,
      `types,group=A v=1 ${3 * 3600 + 5}\ntypes,group=B v=1 ${3 * 3600 + 6}`,
    );
    expect(out(r, "o")).toEqual([
      { name: "types", tags: { group: "A" }, columns: ["time", "hour"], values: [[3 * 3600 + 5, 3n]] },
      { name: "types", tags: { group: "B" }, columns: ["time", "hour"], values: [[3 * 3600 + 6, 3n]] },
    ]);
  });

  it("TestStream_Eval_Missing: a point without the field is dropped, the others pass", () => {
    const r = replay(
      `stream|from().measurement('missing')|eval(lambda: "or_not_to_be").as('that_is_the_question')|httpOut('o')`,
      `missing,t=t1 or_not_to_be=42.0 100\nmissing,t=t1 other=1.0 101`,
    );
    expect(out(r, "o")).toEqual([
      { name: "missing", tags: { t: "t1" }, columns: ["time", "that_is_the_question"], values: [[100, 42]] },
    ]);
  });

  it("TestStream_Eval_Missing_isPresent: isPresent() in where and eval", () => {
    const r = replay(
      `stream|from().measurement('missing')|where(lambda: isPresent("or_not_to_be"))|eval(lambda: !isPresent("or_not_to_be")).as('that_is_the_question')|httpOut('o')`,
      `missing,t=t1 or_not_to_be=42.0 100\nmissing,t=t1 other=1.0 101`,
    );
    expect(out(r, "o")).toEqual([
      { name: "missing", tags: { t: "t1" }, columns: ["time", "that_is_the_question"], values: [[100, false]] },
    ]);
  });

  it("TestStream_Default: a missing field and tag get their defaults before where() and sum()", () => {
    const r = replay(
      `stream|from().measurement('cpu')|default().field('value', 1.0).tag('host', 'serverA')|where(lambda: "host" == 'serverA')|window().period(10s).every(10s)|sum('value')|httpOut('o')`,
      `cpu,host=serverA value=5.0 100\ncpu other=1.0 101\ncpu,host=serverB value=100.0 102\ncpu,host=serverA value=2.5 103\ncpu,host=serverA value=9.0 110`,
    );
    expect(out(r, "o")).toEqual([{ name: "cpu", tags: {}, columns: ["time", "sum"], values: [[110, 8.5]] }]);
  });

  it("TestStream_Delete: delete().field().tag() then groupBy(*)", () => {
    const r = replay(
      `stream|from().measurement('cpu')|delete().field('anothervalue').tag('type')|groupBy(*)|httpOut('o')`,
      `cpu,host=serverA,type=idle value=9.0,anothervalue=1.0 100\ncpu,host=serverB,type=idle value=6.0,anothervalue=1.0 100`,
    );
    expect(out(r, "o")).toEqual([
      { name: "cpu", tags: { host: "serverA" }, columns: ["time", "value"], values: [[100, 9]] },
      { name: "cpu", tags: { host: "serverB" }, columns: ["time", "value"], values: [[100, 6]] },
    ]);
  });

  it("TestStream_SimpleMR / TestStream_SimpleWhere: window, count, chained where() on from and on the count", () => {
    const r = replay(
      `stream|from().measurement('cpu').where(lambda: "host" == 'serverA').where(lambda: "host" != 'serverB')|window().period(10s).every(10s)|count('value')|where(lambda: "count" > 0)|where(lambda: "count" < 12)|httpOut('o')`,
      cpuA,
    );
    expect(out(r, "o")).toEqual([{ name: "cpu", tags: {}, columns: ["time", "count"], values: [[110, 10n]] }]);
  });

  it("TestStream_Where_NoSideEffect: a where() branch that drops all does not affect its sibling", () => {
    const r = replay(
      `var data = stream|from().measurement('cpu').where(lambda: "host" == 'serverA')|window().period(10s).every(10s)|count('value')|where(lambda: "count" > 0)
data|where(lambda: FALSE)
data|httpOut('o')`,
      cpuA,
    );
    expect(out(r, "o")).toEqual([{ name: "cpu", tags: {}, columns: ["time", "count"], values: [[110, 10n]] }]);
  });

  it("TestStream_VarWhereString / TestStream_VarWhereRegex: vars inside lambdas", () => {
    for (const [decl, cond] of [
      [`var s = 'serverA'`, `"host" == s`],
      [`var s = /^serverA$/`, `"host" =~ s`],
    ] as const) {
      const r = replay(
        `${decl}\nstream|from().measurement('cpu').where(lambda: ${cond})|window().period(10s).every(10s)|count('value')|httpOut('o')`,
        `${cpuA}\ncpu,host=serverAB value=1 101`,
      );
      expect(out(r, "o")).toEqual([{ name: "cpu", tags: {}, columns: ["time", "count"], values: [[110, 10n]] }]);
    }
  });

  it("TestStream_Aggregate_Changing_Type: where() on a field whose type changes between points", () => {
    const r = replay(
      `stream|from().measurement('m')|window().period(10s).every(10s)|where(lambda: "c")|count('value')|httpOut('o')`,
      `m c=true,value=1 100\nm c="x",value=2 101\nm c=false,value=3 102\nm c=true,value=4 110\nm value=5 120`,
    );
    // The string "c" is an error for that point (dropped); the window 110..120 holds one true.
    expect(out(r, "o")).toEqual([{ name: "m", tags: {}, columns: ["time", "count"], values: [[120, 1n]] }]);
  });
});

describe("groupBy, join, union, combine, flatten (group_by.go, join.go, union.go, combine.go, flatten.go)", () => {
  const errors = [
    "errors,service=cartA,dc=A value=4 100",
    "errors,service=login,dc=A value=2 100",
    "errors,service=cartA,dc=B value=6 101",
    "errors,service=front,dc=A value=3 101",
    "errors,service=login,dc=B value=5 103",
    "errors,service=cartA,dc=A value=1 105",
    "errors,service=front,dc=B value=7 106",
    "errors,service=cartA,dc=A value=9 110",
    "errors,service=login,dc=A value=9 110",
    "errors,service=front,dc=A value=9 111",
  ].join("\n");

  it("TestStream_GroupBy: from().groupBy(), one window per group, emitted by that group's own points", () => {
    const r = replay(
      `stream|from().measurement('errors').groupBy('service')|window().period(10s).every(10s)|sum('value')|httpOut('o')`,
      errors,
    );
    expect(out(r, "o")).toEqual([
      { name: "errors", tags: { service: "cartA" }, columns: ["time", "sum"], values: [[110, 11]] },
      { name: "errors", tags: { service: "login" }, columns: ["time", "sum"], values: [[110, 7]] },
      { name: "errors", tags: { service: "front" }, columns: ["time", "sum"], values: [[111, 10]] },
    ]);
  });

  it("TestStream_BatchGroupBy / TestStream_BatchGroupByAll: groupBy() of window batches", () => {
    const one = (g: string) =>
      out(replay(`stream|from().measurement('errors')|window().period(5s).every(5s)|groupBy(${g})|count('value')|httpOut('o')`, errors), "o");
    // Window [100, 105) emitted at 105.
    expect(one("'service'")).toEqual([
      { name: "errors", tags: { service: "cartA" }, columns: ["time", "count"], values: [[105, 2n]] },
      { name: "errors", tags: { service: "login" }, columns: ["time", "count"], values: [[105, 2n]] },
      { name: "errors", tags: { service: "front" }, columns: ["time", "count"], values: [[105, 1n]] },
    ]);
    expect((one("*") as { tags: unknown }[]).map((s) => s.tags)).toEqual([
      { dc: "A", service: "cartA" },
      { dc: "A", service: "login" },
      { dc: "B", service: "cartA" },
      { dc: "A", service: "front" },
      { dc: "B", service: "login" },
    ]);
  });

  it("TestStream_BatchGroupByAllExclude: groupBy(*).exclude() on batches", () => {
    const r = replay(
      `stream|from().measurement('errors')|window().period(5s).every(5s)|groupBy(*).exclude('service')|count('value')|httpOut('o')`,
      errors,
    );
    expect(out(r, "o")).toEqual([
      { name: "errors", tags: { dc: "A" }, columns: ["time", "count"], values: [[105, 3n]] },
      { name: "errors", tags: { dc: "B" }, columns: ["time", "count"], values: [[105, 2n]] },
    ]);
  });

  it("TestStream_GroupByWhere: a groupBy branch joined .on() a where() branch", () => {
    const r = replay(
      `var a = stream|from().measurement('cpu').where(lambda: "host" == 'serverA').groupBy('host')
var byCpu = a|groupBy('host', 'cpu')
var total = a|where(lambda: "cpu" == 'cpu-total')
byCpu|join(total).on('host').as('cpu', 'total')|eval(lambda: "cpu.value" / "total.value").as('cpu_percent')|window().period(10s).every(10s)|mean('cpu_percent')|httpOut('o')`,
      [
        "cpu,host=serverA,cpu=cpu0 value=1 100",
        "cpu,host=serverA,cpu=cpu-total value=4 100",
        "cpu,host=serverA,cpu=cpu0 value=3 101",
        "cpu,host=serverA,cpu=cpu-total value=4 101",
        "cpu,host=serverA,cpu=cpu0 value=1 110",
        "cpu,host=serverA,cpu=cpu-total value=4 110",
        "cpu,host=serverA,cpu=cpu0 value=1 111",
        "cpu,host=serverA,cpu=cpu-total value=4 111",
      ].join("\n"),
    );
    expect(out(r, "o")).toEqual([
      { name: "cpu", tags: { cpu: "cpu0", host: "serverA" }, columns: ["time", "mean"], values: [[110, 0.5]] },
      { name: "cpu", tags: { cpu: "cpu-total", host: "serverA" }, columns: ["time", "mean"], values: [[110, 1]] },
    ]);
  });

  const views = errors.replace(/errors/g, "views").replace(/value=(\d+)/g, (_, v: string) => `value=${Number(v) * 100}`);

  it("TestStream_Join: two aligned windows joined per group, streamName, eval().keep()", () => {
    // An aligned window is stamped with its end: [100, 110) at 110.
    const r = replay(
      `var e = stream|from().measurement('errors').groupBy('service')|window().period(10s).every(10s).align()|sum('value')
var v = stream|from().measurement('views').groupBy('service')|window().period(10s).every(10s).align()|sum('value')
e|join(v).as('errors', 'views').streamName('error_view')|eval(lambda: "errors.sum" / "views.sum").as('error_percent').keep()|httpOut('o')`,
      `${errors}\n${views}\nerrors,service=front value=1 120\nviews,service=front value=1 120`
        .split("\n")
        .sort((a, b) => Number(a.split(" ")[2]) - Number(b.split(" ")[2]))
        .join("\n"),
    );
    const cols = ["time", "error_percent", "errors.sum", "views.sum"];
    expect(out(r, "o")).toEqual([
      { name: "error_view", tags: { service: "cartA" }, columns: cols, values: [[110, 0.01, 11, 1100]] },
      { name: "error_view", tags: { service: "login" }, columns: cols, values: [[110, 0.01, 7, 700]] },
      { name: "error_view", tags: { service: "front" }, columns: cols, values: [[120, 0.01, 9, 900]] },
    ]);
  });

  it("TestStream_Join_Delimiter / TestStream_Join_DelimiterEmpty: .delimiter() names the fields", () => {
    for (const d of ["#", ""]) {
      const r = replay(
        `var e = stream|from().measurement('errors').groupBy('service')
var v = stream|from().measurement('views').groupBy('service')
e|join(v).as('errors', 'views').delimiter('${d}')|httpOut('o')`,
        "errors,service=a value=1 100\nviews,service=a value=100 100",
      );
      expect(out(r, "o")).toEqual([
        { name: "errors", tags: { service: "a" }, columns: ["time", `errors${d}value`, `views${d}value`], values: [[100, 1, 100]] },
      ]);
    }
  });

  it("TestStream_JoinTolerance: times rounded to the tolerance pair up", () => {
    // Go's Round: half away from zero, so 101 → 102 and 100 stays alone (dropped, inner join);
    // 103 and 104 meet at 104, 111 and 112 at 112. The window starts at 104.
    const r = replay(
      `var e = stream|from().measurement('errors').groupBy('service')
var v = stream|from().measurement('views').groupBy('service')
e|join(v).as('errors', 'views').tolerance(2s).streamName('error_view')|window().period(10s).every(10s)|httpOut('o')`,
      [
        "errors,service=a value=1 100",
        "views,service=a value=100 101",
        "errors,service=a value=2 104",
        "views,service=a value=200 103",
        "errors,service=a value=3 111",
        "views,service=a value=300 112",
        "errors,service=a value=4 120",
        "views,service=a value=400 120",
      ].join("\n"),
    );
    expect(out(r, "o")).toEqual([
      {
        name: "error_view",
        tags: { service: "a" },
        columns: ["time", "errors.value", "views.value"],
        values: [
          [104, 2, 200],
          [112, 3, 300],
        ],
      },
    ]);
  });

  it("TestStream_Join_Fill_Num / TestStream_Join_Fill_Null: .fill() completes a missing side", () => {
    const data = [
      "errors,service=a value=1 100",
      "views,service=a value=100 100",
      "errors,service=a value=2 101",
      "views,service=a value=300 102",
      "errors,service=a value=3 103",
      "views,service=a value=400 103",
      "errors,service=a value=0 120",
      "views,service=a value=0 120",
    ].join("\n");
    const count = (fill: string, def: string) =>
      out(
        replay(
          `var e = stream|from().measurement('errors').groupBy('service')
var v = stream|from().measurement('views').groupBy('service')
e|join(v).as('errors', 'views').fill(${fill})${def}|eval(lambda: "errors.value" + "views.value").as('sum')|window().period(10s).every(10s)|count('sum')|httpOut('o')`,
          data,
        ),
        "o",
      );
    const four = [{ name: "errors", tags: { service: "a" }, columns: ["time", "count"], values: [[110, 4n]] }];
    expect(count("0.0", "")).toEqual(four);
    expect(count("'null'", "|default().field('errors.value', 0.0).field('views.value', 0.0)")).toEqual(four);
  });

  it("TestStream_JoinN: three streams joined with fill", () => {
    const r = replay(
      `var cpu = stream|from().measurement('cpu')
var mem = stream|from().measurement('memory')
var disk = stream|from().measurement('disk')
cpu|join(mem, disk).as('cpu', 'mem', 'disk').streamName('magic').fill(0.0)|window().period(10s).every(10s)|count('cpu.value')|httpOut('o')`,
      [
        "cpu value=1 100",
        "memory value=1 100",
        "disk value=1 100",
        "cpu value=1 101",
        "memory value=1 101",
        "cpu value=1 102",
        "disk value=1 102",
        "cpu value=1 110",
        "memory value=1 110",
        "disk value=1 110",
        "cpu value=1 111",
        "memory value=1 111",
        "disk value=1 111",
      ].join("\n"),
    );
    expect(out(r, "o")).toEqual([{ name: "magic", tags: {}, columns: ["time", "count"], values: [[110, 3n]] }]);
  });

  it("TestStream_JoinOn / TestStream_JoinOnGap: .on() joins a coarser group to every finer one", () => {
    // A group's window closes only on that group's own later point: (B, cartA) and (B, front)
    // get none, so they never join.
    const r = replay(
      `var byDc = stream|from().measurement('errors').groupBy('dc', 'service')|window().period(10s).every(10s).align()|sum('value')
var global = stream|from().measurement('errors').groupBy('service')|window().period(10s).every(10s).align()|sum('value')
global|join(byDc).as('service', 'dc').on('service').streamName('dc_error_percent')|eval(lambda: "dc.sum" / "service.sum").keep().as('value')|httpOut('o')`,
      `${errors}\nerrors,service=login,dc=B value=1 112`,
    );
    const cols = ["time", "dc.sum", "service.sum", "value"];
    expect(out(r, "o")).toEqual([
      { name: "dc_error_percent", tags: { dc: "A", service: "cartA" }, columns: cols, values: [[110, 5, 11, 5 / 11]] },
      { name: "dc_error_percent", tags: { dc: "A", service: "login" }, columns: cols, values: [[110, 2, 7, 2 / 7]] },
      { name: "dc_error_percent", tags: { dc: "A", service: "front" }, columns: cols, values: [[110, 3, 10, 3 / 10]] },
      { name: "dc_error_percent", tags: { dc: "B", service: "login" }, columns: cols, values: [[110, 5, 7, 5 / 7]] },
    ]);
  });

  it("TestStream_JoinOn_AcrossMeasurement: .on() across two measurements, per floor", () => {
    const r = replay(
      `var building = stream|from().measurement('building_power').groupBy('building')
var floor = stream|from().measurement('floor_power').groupBy('building', 'floor')
building|join(floor).as('building', 'floor').on('building').streamName('pct')|eval(lambda: "floor.value" / "building.value").as('value')|httpOut('o')`,
      [
        "building_power,building=shed value=20 100",
        "floor_power,building=shed,floor=1 value=5 100",
        "floor_power,building=shed,floor=2 value=15 100",
        "building_power,building=hut value=10 100",
        "floor_power,building=hut,floor=1 value=10 100",
        "building_power,building=shed value=0 101",
        "building_power,building=hut value=0 101",
      ].join("\n"),
    );
    expect(out(r, "o")).toEqual([
      { name: "pct", tags: { building: "shed", floor: "1" }, columns: ["time", "value"], values: [[100, 0.25]] },
      { name: "pct", tags: { building: "shed", floor: "2" }, columns: ["time", "value"], values: [[100, 0.75]] },
      { name: "pct", tags: { building: "hut", floor: "1" }, columns: ["time", "value"], values: [[100, 1]] },
    ]);
  });

  it("TestStream_JoinOn_Fill_Num / TestStream_JoinOn_Fill_Null: .on() with fill and tolerance", () => {
    const data = [
      "disk,host=A,path=/ used_percent=50 100",
      "disk,host=A,path=/tmp used_percent=40 100",
      "disk,host=A,path=/ used_percent=60 101",
      "disk,host=A,path=/tmp used_percent=30 101",
      "maintlock,host=A count=1i 102",
      "disk,host=A,path=/ used_percent=70 102",
      "disk,host=A,path=/tmp used_percent=20 102",
      "disk,host=A,path=/ used_percent=0 110",
      "disk,host=A,path=/tmp used_percent=0 110",
      "maintlock,host=A count=0i 110",
    ].join("\n");
    const run1 = (fill: string) =>
      out(
        replay(
          `var maintlock = stream|from().measurement('maintlock').groupBy('host')
stream|from().measurement('disk').groupBy('host', 'path')|join(maintlock).as('disk', 'maintlock').on('host').fill(${fill}).tolerance(1s).streamName('disk')|default().field('maintlock.count', 0)|window().period(4s).every(4s)|httpOut('o')`,
          data,
        ),
        "o",
      );
    // 'null': the missing side adds nothing, default() supplies the count.
    expect(run1("'null'")).toEqual(
      ["/", "/tmp"].map((path, i) => ({
        name: "disk",
        tags: { host: "A", path },
        columns: ["time", "disk.used_percent", "maintlock.count"],
        values: [
          [100, [50, 40][i], 0n],
          [101, [60, 30][i], 0n],
          [102, [70, 20][i], 1n],
        ],
      })),
    );
    // A number: the missing side gets the present side's field names with that value
    // (join.go's NumberFill), so maintlock.used_percent = 0 appears where maintlock is missing.
    expect(run1("0.0")).toEqual(
      ["/", "/tmp"].map((path, i) => ({
        name: "disk",
        tags: { host: "A", path },
        columns: ["time", "disk.used_percent", "maintlock.count", "maintlock.used_percent"],
        values: [
          [100, [50, 40][i], 0n, 0],
          [101, [60, 30][i], 0n, 0],
          [102, [70, 20][i], 1n, null],
        ],
      })),
    );
  });

  it("TestStream_Union: union().rename() merges three filtered branches", () => {
    const r = replay(
      `var t = stream|from().measurement('cpu').where(lambda: "cpu" == 'total')
var c0 = stream|from().measurement('cpu').where(lambda: "cpu" == '0')
var c1 = stream|from().measurement('cpu').where(lambda: "cpu" == '1')
t|union(c0, c1).rename('cpu_all')|window().period(10s).every(10s)|count('value')|httpOut('o')`,
      [
        "cpu,cpu=total value=1 100",
        "cpu,cpu=0 value=1 100",
        "cpu,cpu=1 value=1 101",
        "cpu,cpu=2 value=1 101",
        "cpu,cpu=total value=1 105",
        "cpu,cpu=0 value=1 110",
        "cpu,cpu=1 value=1 110",
        "cpu,cpu=total value=1 110",
        "cpu,cpu=total value=1 120",
        "cpu,cpu=0 value=1 120",
        "cpu,cpu=1 value=1 120",
      ].join("\n"),
    );
    // union.go waits for a point from every parent and emits up to the lowest mark, so the
    // 120 points close [110, 120): the three 110 points.
    expect(out(r, "o")).toEqual([{ name: "cpu_all", tags: {}, columns: ["time", "count"], values: [[120, 3n]] }]);
  });

  const latency = [
    "request_latency,dc=A,service=auth,host=s1 value=700 100",
    "request_latency,dc=A,service=auth,host=s2 value=702 100",
    "request_latency,dc=A,service=cart,host=s1 value=800 100",
    "request_latency,dc=B,service=auth,host=s1 value=750 100",
    "request_latency,dc=A,service=auth,host=s1 value=1 102",
    "request_latency,dc=B,service=auth,host=s1 value=1 102",
  ].join("\n");

  it("TestStream_Flatten / TestStream_FlattenDropOriginalFieldName: flatten().on() per group", () => {
    const r = replay(
      `stream|from().measurement('request_latency').groupBy('dc')|flatten().on('service', 'host').tolerance(1s)|httpOut('o')`,
      latency,
    );
    expect(out(r, "o")).toEqual([
      {
        name: "request_latency",
        tags: { dc: "A" },
        columns: ["time", "auth.s1.value", "auth.s2.value", "cart.s1.value"],
        values: [[100, 700, 702, 800]],
      },
      { name: "request_latency", tags: { dc: "B" }, columns: ["time", "auth.s1.value"], values: [[100, 750]] },
    ]);
    const d = replay(
      `stream|from().measurement('request_latency').groupBy('dc')|flatten().on('service', 'host').tolerance(1s).dropOriginalFieldName()|httpOut('o')`,
      latency,
    );
    expect((out(d, "o") as { columns: unknown }[])[0]!.columns).toEqual(["time", "auth.s1", "auth.s2", "cart.s1"]);
  });

  it("TestStream_Combine_All / _Filtered / _All_Triples: combine() pairs points of one time", () => {
    const r = replay(
      `stream|from().measurement('request_latency').groupBy('dc')|combine(lambda: TRUE, lambda: TRUE).as('first', 'second').tolerance(1s).delimiter('.')|groupBy('first.service', 'second.service', 'dc')|eval(lambda: "first.value" / "second.value").as('ratio')|httpOut('o')`,
      latency.replace(/,host=s\d/g, "").split("\n").filter((l) => !l.includes("702")).join("\n"),
    );
    expect(out(r, "o")).toEqual([
      {
        name: "request_latency",
        tags: { dc: "A", "first.service": "auth", "second.service": "cart" },
        columns: ["time", "ratio"],
        values: [[100, 700 / 800]],
      },
    ]);
  });
});

describe("combine of three (combine.go)", () => {
  it("TestStream_Combine_All_Triples: three TRUE lambdas make one triple of the three points", () => {
    const r = replay(
      `stream|from().measurement('request_latency').groupBy('dc')|combine(lambda: TRUE, lambda: TRUE, lambda: TRUE).as('first', 'second', 'third').tolerance(1s).delimiter('.')|groupBy('first.service', 'second.service', 'third.service', 'dc')|eval(lambda: "first.value" + "second.value" + "third.value").as('sum')|httpOut('o')`,
      [
        "request_latency,dc=A,service=auth value=1 100",
        "request_latency,dc=A,service=cart value=20 100",
        "request_latency,dc=A,service=log value=300 100",
        "request_latency,dc=A,service=auth value=0 102",
      ].join("\n"),
    );
    expect(out(r, "o")).toEqual([
      {
        name: "request_latency",
        tags: { dc: "A", "first.service": "auth", "second.service": "cart", "third.service": "log" },
        columns: ["time", "sum"],
        values: [[100, 321]],
      },
    ]);
  });
});

describe("InfluxQL functions, selectors, sample, state tracking, changeDetect (influxql.go, sample.go, state_tracking.go, change_detect.go)", () => {
  // serverA, 10 points 100..109, values with a repeat (mode) and a spread of 7; 110 closes.
  const vals = [98, 91, 95, 93, 92, 95, 92, 96, 93, 95];
  const typed = (fmt: (v: number) => string) =>
    [...vals.map((v, i) => `cpu,host=serverA,type=idle value=${fmt(v)} ${100 + i}`), `cpu,host=serverA,type=idle value=${fmt(0)} 110`].join(
      "\n",
    );
  const fn = (call: string, data: string) =>
    out(
      replay(
        `stream|from().measurement('cpu').where(lambda: "host" == 'serverA').groupBy('host')|window().period(10s).every(10s)|${call}|httpOut('o')`,
        data,
      ),
      "o",
    ) as { tags: unknown; columns: string[]; values: unknown[][] }[];
  const host = { host: "serverA" };
  const hostType = { host: "serverA", type: "idle" };

  it("TestStream_InfluxQL_Float: aggregates stamp the window end, selectors keep the point's tags", () => {
    const f = typed((v) => `${v}.0`);
    expect(fn("sum('value')", f)).toEqual([{ name: "cpu", tags: host, columns: ["time", "sum"], values: [[110, 940]] }]);
    expect(fn("count('value')", f)[0]!.values).toEqual([[110, 10n]]);
    expect(fn("distinct('value')", f)[0]!.values).toEqual([98, 91, 95, 93, 92, 96].map((v) => [110, v]));
    expect(fn("mean('value')", f)[0]!.values).toEqual([[110, 94]]);
    expect(fn("median('value')", f)[0]!.values).toEqual([[110, 94]]);
    expect(fn("mode('value')", f)[0]!.values).toEqual([[110, 95]]);
    expect(fn("spread('value')", f)[0]!.values).toEqual([[110, 7]]);
    expect(fn("stddev('value')", f)[0]!.values[0]![1]).toBeCloseTo(2.1602468994692865, 12);
    expect(fn("min('value')", f)).toEqual([{ name: "cpu", tags: hostType, columns: ["time", "min"], values: [[110, 91]] }]);
    expect(fn("min('value').usePointTimes()", f)[0]!.values).toEqual([[101, 91]]);
    expect(fn("max('value').usePointTimes()", f)[0]!.values).toEqual([[100, 98]]);
    expect(fn("first('value').usePointTimes()", f)[0]!.values).toEqual([[100, 98]]);
    expect(fn("last('value')", f)[0]!.values).toEqual([[110, 95]]);
    expect(fn("last('value').usePointTimes()", f)[0]!.values).toEqual([[109, 95]]);
    expect(fn("percentile('value', 50.0)", f)).toEqual([
      { name: "cpu", tags: hostType, columns: ["time", "percentile"], values: [[110, 93]] },
    ]);
    expect(fn("top(2, 'value').usePointTimes()", f)).toEqual([
      { name: "cpu", tags: host, columns: ["time", "top", "type"], values: [[100, 98, "idle"], [107, 96, "idle"]] },
    ]);
    expect(fn("bottom(3, 'value')", f)).toEqual([
      {
        name: "cpu",
        tags: host,
        columns: ["time", "bottom", "type"],
        values: [
          [110, 91, "idle"],
          [110, 92, "idle"],
          [110, 92, "idle"],
        ],
      },
    ]);
  });

  it("TestStream_InfluxQL_Integer: integer fields keep integer results where InfluxQL does", () => {
    const n = typed((v) => `${v}i`);
    expect(fn("sum('value')", n)[0]!.values).toEqual([[110, 940n]]);
    expect(fn("mean('value')", n)[0]!.values).toEqual([[110, 94]]);
    expect(fn("max('value')", n)[0]!.values).toEqual([[110, 98n]]);
    expect(fn("spread('value')", n)[0]!.values).toEqual([[110, 7n]]);
    expect(fn("mode('value')", n)[0]!.values).toEqual([[110, 95n]]);
    expect(fn("top(2, 'value')", n)[0]!.values).toEqual([
      [110, 98n, "idle"],
      [110, 96n, "idle"],
    ]);
  });

  it("TestStream_InfluxQL_String / TestStream_InfluxQL_Boolean: count, distinct, first, last", () => {
    const s = typed((v) => `"${v}"`);
    expect(fn("count('value')", s)[0]!.values).toEqual([[110, 10n]]);
    expect(fn("distinct('value')", s)[0]!.values).toEqual(["98", "91", "95", "93", "92", "96"].map((v) => [110, v]));
    expect(fn("first('value').usePointTimes()", s)[0]!.values).toEqual([[100, "98"]]);
    expect(fn("last('value')", s)[0]!.values).toEqual([[110, "95"]]);
    const b = typed((v) => (v > 94 ? "true" : "false"));
    expect(fn("distinct('value')", b)[0]!.values).toEqual([
      [110, true],
      [110, false],
    ]);
    expect(fn("last('value').usePointTimes()", b)[0]!.values).toEqual([[109, true]]);
  });

  it("TestStream_InfluxQLNodeMissingValue_Batch: an aggregate over a missing field emits nothing", () => {
    const r = replay(
      `stream|from().measurement('packets')|window().period(10s).every(10s)|mean('is_missing_value')|httpOut('o')`,
      series("packets", "", 100, 12, (t) => `value=${t}`),
    );
    expect(out(r, "o")).toBe(null);
  });

  // influxql.go, influxqlGroup.Point/aggregatePoint on a stream edge: the points of one time
  // are reduced when a point of another time arrives; a point without the field is skipped (it
  // neither starts the reduction nor counts in it), and a time none of whose points has the
  // field emits nothing. httpOut keeps the last emitted row.
  it("TestStream_InfluxQLNodeMissingValue_Stream: a point without the field is skipped, not reduced", () => {
    const lines = [
      ...Array.from({ length: 10 }, (_, i) => `disk used=${i} ${200 + i}`),
      "disk free=40 210",
      "disk used=10 210",
      "disk free=44 210",
      "disk used=11 211",
    ].join("\n");
    const r = replay(`stream|from().measurement('disk')|mean('free')|httpOut('o')`, lines);
    expect(out(r, "o")).toEqual([{ name: "disk", tags: {}, columns: ["time", "mean"], values: [[210, 42]] }]);
    expect(r.node("mean2").stats.emitted).toBe(1); // 200–209 had no 'free'; 211 is never closed
    // The first point of a time lacks the field: the next one that has it starts the reduction.
    const late = replay(
      `stream|from().measurement('disk')|mean('free')|httpOut('o')`,
      ["disk used=1 300", "disk free=6 300", "disk used=2 301"].join("\n"),
    );
    expect(out(late, "o")).toEqual([{ name: "disk", tags: {}, columns: ["time", "mean"], values: [[300, 6]] }]);
    // Times without the field emit nothing at all.
    const none = replay(
      `stream|from().measurement('disk')|mean('free')|httpOut('o')`,
      series("disk", "", 100, 5, (t) => `used=${t}`),
    );
    expect(out(none, "o")).toBe(null);
  });

  it("TestStream_Selectors: last() keeps the selected point's other fields", () => {
    const r = replay(
      `stream|from().measurement('cpu').where(lambda: "host" == 'serverA')|window().period(10s).every(10s)|last('value')|httpOut('o')`,
      series("cpu", ",host=serverA,type=idle", 100, 11, (t) => `value=${t}.5,another=${t - 100}`),
    );
    expect(out(r, "o")).toEqual([
      { name: "cpu", tags: hostType, columns: ["time", "another", "last"], values: [[110, 9, 109.5]] },
    ]);
  });

  it("TestStream_TopSelector: last per player, regrouped per game, top(n, field, tag)", () => {
    const lines: string[] = [];
    const scores: Record<string, number> = { p1: 10, p2: 30, p3: 20, p4: 40 };
    for (const [p, v] of Object.entries(scores)) lines.push(`scores,game=g0,player=${p} value=${v} 100`);
    for (const [p, v] of Object.entries(scores)) lines.push(`scores,game=g0,player=${p} value=${v + 1} 101`);
    for (const p of Object.keys(scores)) lines.push(`scores,game=g0,player=${p} value=0 102`);
    // group_by.go sends the regrouped batches of one time on when a batch of a later time
    // arrives: the [102, 104) windows, closed at 104, release the 102 ones.
    for (const p of Object.keys(scores)) lines.push(`scores,game=g0,player=${p} value=0 104`);
    const r = replay(
      `stream|from().measurement('scores').groupBy('game', 'player')|window().period(2s).every(2s).align()|last('value')|groupBy('game')|top(2, 'last', 'player')|httpOut('o')`,
      lines.join("\n"),
    );
    expect(out(r, "o")).toEqual([
      {
        name: "scores",
        tags: { game: "g0" },
        columns: ["time", "player", "top"],
        values: [
          [102, "p4", 41],
          [102, "p2", 31],
        ],
      },
    ]);
  });

  it("TestStream_Sample_Count / TestStream_Sample_Time: sample(n) and sample(duration)", () => {
    const data = series("packets", "", 100, 13, (t) => `value=${t}`);
    const byCount = replay(
      `stream|from().measurement('packets')|sample(3)|window().every(4s).period(4s).align()|httpOut('o')`,
      data,
    );
    // Every third point: 100, 103, 106, 109, 112; 112 closes [108, 112).
    expect(out(byCount, "o")).toEqual([{ name: "packets", tags: {}, columns: ["time", "value"], values: [[109, 109]] }]);
    // sample(3s) keeps points on a multiple of 3s: 102, 105, 108, 111; 108 closes [104, 108).
    const byTime = replay(
      `stream|from().measurement('packets')|sample(3s)|window().every(4s).period(4s).align()|httpOut('o')`,
      data,
    );
    expect(out(byTime, "o")).toEqual([{ name: "packets", tags: {}, columns: ["time", "value"], values: [[105, 105]] }]);
  });

  const st = [
    "cpu,host=serverA value=97.1 100",
    "cpu,host=serverB value=47.0 100",
    "cpu,host=serverA value=96.6 101",
    "cpu,host=serverB value=95.1 101",
    "cpu,host=serverA value=83.6 102",
    "cpu,host=serverA value=99.1 103",
    "cpu,host=serverB value=96.1 103",
    "cpu,host=serverA value=1 104",
    "cpu,host=serverB value=1 104",
  ].join("\n");

  it("TestStream_StateDuration: duration in the state per group, −1 outside it", () => {
    const r = replay(
      `var data = stream|from().measurement('cpu')|groupBy('host')
data|stateDuration(lambda: "value" > 95).unit(1ms).as('my_duration')|window().period(4s).every(4s)|httpOut('o')
data|stateDuration(lambda: "value" > 95)`,
      st,
    );
    expect(out(r, "o")).toEqual([
      {
        name: "cpu",
        tags: { host: "serverA" },
        columns: ["time", "my_duration", "value"],
        values: [
          [100, 0, 97.1],
          [101, 1000, 96.6],
          [102, -1, 83.6],
          [103, 0, 99.1],
        ],
      },
      {
        name: "cpu",
        tags: { host: "serverB" },
        columns: ["time", "my_duration", "value"],
        values: [
          [100, -1, 47],
          [101, 0, 95.1],
          [103, 2000, 96.1],
        ],
      },
    ]);
  });

  it("TestStream_StateCount: consecutive count in the state per group, −1 outside it", () => {
    const r = replay(
      `var data = stream|from().measurement('cpu')|groupBy('host')
data|stateCount(lambda: "value" > 95).as('my_count')|window().period(4s).every(4s)|httpOut('o')
data|stateCount(lambda: "value" > 95)`,
      st,
    );
    const got = out(r, "o") as { values: unknown[][] }[];
    expect(got.map((s) => s.values.map((v) => v[1]))).toEqual([
      [1n, 2n, -1n, 1n],
      [-1n, 1n, 2n],
    ]);
  });

  it("TestStream_ChangeDetect / TestStream_ChangeDetect_Many: only points whose fields changed pass", () => {
    const data = ["bad", "good", "good", "bad", "bad", "good", "x"].map((v, i) => `packets value="${v}",b=${i === 4 ? 1 : 0} ${100 + i * 2}`);
    const one = replay(
      `stream|from().measurement('packets')|changeDetect('value')|window().period(10s).every(10s)|httpOut('o')`,
      data.join("\n"),
    );
    expect(out(one, "o")).toEqual([
      {
        name: "packets",
        tags: {},
        columns: ["time", "b", "value"],
        values: [
          [100, 0, "bad"],
          [102, 0, "good"],
          [106, 0, "bad"],
        ],
      },
    ]);
    const many = replay(
      `stream|from().measurement('packets')|changeDetect('value', 'b')|window().period(10s).every(10s)|httpOut('o')`,
      data.join("\n"),
    );
    expect((out(many, "o") as { values: unknown[][] }[])[0]!.values.map((v) => v[0])).toEqual([100, 102, 106, 108]);
  });

  it("TestStream_HttpOutPassThrough: an httpOut passes data on to the next node", () => {
    const r = replay(
      `stream|from().measurement('cpu')|window().period(10s).every(10s)|count('value')|httpOut('unused')|httpOut('o')`,
      series("cpu", "", 100, 11, (t) => `value=${t}`),
    );
    expect(out(r, "o")).toEqual([{ name: "cpu", tags: {}, columns: ["time", "count"], values: [[110, 10n]] }]);
  });

  it("TestStream_AllMeasurements: from() without measurement takes every measurement", () => {
    const r = replay(
      `stream|from()|window().period(10s).every(10s)|count('value')|httpOut('o')`,
      ["cpu value=1 100", "mem value=1 101", "disk value=1 102", "disk other=1 103", "cpu value=1 110"].join("\n"),
    );
    expect(out(r, "o")).toEqual([{ name: "cpu", tags: {}, columns: ["time", "count"], values: [[110, 3n]] }]);
  });

  it("TestStream_LambdaNow / TestStream_EvalNow: now() is the wall clock, not the data's time", () => {
    const year = new Date().getUTCFullYear();
    const r = replay(
      `stream|from().measurement('account')|where(lambda: "expiration" < unixNano(now()))|eval(lambda: year(now())).as('currentYear')|groupBy('owner')|httpOut('o')`,
      [
        `account,owner=a expiration=${Date.UTC(1990, 0, 1) * 1e6}i 100`,
        `account,owner=b expiration=${Date.UTC(2100, 0, 1)}000000i 100`,
      ].join("\n"),
    );
    expect(out(r, "o")).toEqual([
      { name: "account", tags: { owner: "a" }, columns: ["time", "currentYear"], values: [[100, BigInt(year)]] },
    ]);
  });
});

describe("node statistics (task.go ExecutionStats, edge/stats.go): the *Cardinality tests", () => {
  // One host, nine cpus (nine groups), ten points each, one per second.
  const cpus = ["cpu-total", ...Array.from({ length: 8 }, (_, i) => `cpu${i}`)];
  const data = Array.from({ length: 10 }, (_, i) =>
    cpus.map((c) => `cpu,host=localhost,cpu=${c} usage_user=${i + c.length} ${100 + i}`),
  )
    .flat()
    .join("\n");
  /** [collected, emitted, working_cardinality] per node, Kapacitor's figures. */
  const figures = (script: string) => {
    const r = replay(script, data);
    return Object.fromEntries(
      taskStatistics(r.task).nodes.map((n) => [n.name, [n.collected, n.emitted, n.workingCardinality]]),
    );
  };
  const from = `stream|from().measurement('cpu').groupBy('host', 'cpu')`;
  const head = { stream0: [90, 90, 0], from1: [90, 90, 0] };

  it("TestStream_DerivativeCardinality / TestStream_SampleCardinality / TestStream_WindowCardinality / TestStream_InfluxQLCardinalityStream / TestStream_EvalCardinality / TestStream_FlattenCardinality / TestStream_HTTPOutCardinality / TestStream_AlertCardinality: a leaf keeps one state per group and emits 0", () => {
    const leaves: [string, string][] = [
      ["derivative2", "|derivative('usage_user')"],
      ["sample2", "|sample(2)"],
      ["window2", "|window().period(1s).every(1s)"],
      ["max2", "|max('usage_user').as('max')"],
      ["eval2", `|eval(lambda: sigma("usage_user")).as('sigma')`],
      ["flatten2", "|flatten().on('host', 'cpu')"],
      ["http_out2", "|httpOut('usage_user')"],
      ["alert2", "|alert()"],
    ];
    const got = leaves.map(([node, chain]) => [node, figures(`${from}${chain}`)[node]]);
    expect(got).toEqual(leaves.map(([node]) => [node, [90, 0, 9]]));
  });

  it("TestStream_InfluxQLCardinalityBatch: a 1s window emits 9 batches per group before max()", () => {
    expect(figures(`${from}|window().period(1s).every(1s)|max('usage_user').as('max')`)).toEqual({
      ...head,
      window2: [90, 81, 9],
      max3: [81, 0, 9],
    });
  });

  it("TestStream_GroupByCardinality: an ungrouped window, then groupBy() of its batches", () => {
    expect(figures(`stream|from().measurement('cpu')|window().period(1s).every(1s)|groupBy('cpu')`)).toEqual({
      ...head,
      window2: [90, 9, 1],
      groupby3: [9, 0, 9],
    });
  });

  it("TestStream_JoinCardinality: a join keeps the groups of both parents", () => {
    const got = figures(`var s1 = stream|from().measurement('cpu').groupBy('host')
var s2 = stream|from().measurement('cpu').groupBy('cpu')
s2|join(s1).as('s1', 's2')`);
    expect(got["stream0"]).toEqual([90, 180, 0]);
    expect(got["join4"]).toEqual([180, 0, 10]);
  });

  it("TestStream_CombineCardinality: a combine counts every group it has seen, combined or not", () => {
    // One point per group and time: nothing to pair, so nothing is emitted.
    expect(figures(`${from}|combine(lambda: TRUE, lambda: TRUE).as('total', 'true')`)).toEqual({
      ...head,
      combine2: [90, 0, 9],
    });
  });

  it("TestStream_MixedCardinality: counts through where, eval, where, derivative and alert", () => {
    expect(
      figures(`${from}|where(lambda: "host" == 'localhost')|eval(lambda: sigma("usage_user")).as('sigma')
  |where(lambda: "cpu" == 'cpu-total' OR "cpu" == 'cpu0' OR "cpu" == 'cpu1')|derivative('sigma')|alert()`),
    ).toEqual({
      ...head,
      // A where() without stateful functions keeps no per-group state in tickd, so its
      // working_cardinality is 0 where Kapacitor's is 9 (docs/KAPACITOR-TESTS.md: differs).
      where2: [90, 90, 0],
      eval3: [90, 90, 9],
      where4: [90, 30, 0],
      derivative5: [30, 27, 3],
      alert6: [27, 0, 3],
    });
  });
});
