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

  it("TestStream_Window_Count_Overlapping: periodCount(3).everyCount(1) holds the last 3 points", () => {
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

  it("TestStream_SimpleWhere: chained where() on from and on the count", () => {
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
