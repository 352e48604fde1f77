/**
 * Batch tasks against the real InfluxDB 1.x: the query shapes of Kapacitor's batch tests
 * (integrations/batcher_test.go) and of its query building (query.go, batch.go), with data of
 * our own. Each case names what it mirrors. Kapacitor's batcher tests replay recorded answers;
 * here InfluxDB answers the statement tickd builds, so the shape (GROUP BY time with offset,
 * fill, align, offset, period/every, cron) is what decides the answer.
 *
 * Data (written once): measurement `cpu`, hosts a and b, cpus cpu0 and cpu1, one point per
 * second over [T0, T0+20s), value = f(host, cpu, second). `gappy` has holes for fill().
 * tickd runs in-process; each case fires the query node at chosen ticks (or drives
 * `task.tick()` for the wall-clock schedules) and reads its httpOut.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertJsonLine } from "../../src/alert/alert-json.js";
import type { Series } from "../../src/core/alert-event.js";
import { goJson } from "../../src/core/go-json.js";
import type { Point } from "../../src/core/types.js";
import { httpOutJson } from "../../src/server/http/task-routes.js";
import { createInfluxClient, type InfluxClient } from "../../src/sources/influxdb.js";
import { runBatch as runBatchAt } from "../support/batch.js";
import { influxUrl } from "../support/influx.js";

const S = 1e9;
const db = `tickd_bq_${randomBytes(4).toString("hex")}`;
const out = `${db}_out`;
/** 2024-06-01T00:00:00Z: a multiple of every bucket length used here. */
const T0 = 1_717_200_000 * S;
const CPU = `"${db}"."autogen"."cpu"`;

let url: string;
let client: InfluxClient;

function value(host: string, cpu: string, sec: number): number {
  return (host === "a" ? 50 : 10) + (cpu === "cpu1" ? 20 : 0) + sec + (sec % 3) * 0.25;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

beforeAll(async () => {
  url = await influxUrl();
  client = createInfluxClient({ urls: [url] });
  await client.query(`CREATE DATABASE "${db}"`);
  const points: Point[] = [];
  for (const host of ["a", "b"])
    for (const cpu of ["cpu0", "cpu1"])
      for (let sec = 0; sec < 20; sec++)
        points.push({
          name: "cpu",
          tags: { host, cpu },
          fields: { value: value(host, cpu, sec) },
          time: BigInt(T0 + sec * S),
        });
  // Holes for fill(): values at 0,1 and 6,7 s only; b only at 0 s.
  for (const sec of [0, 1, 6, 7])
    points.push({
      name: "gappy",
      tags: {},
      fields: { a: sec * 10, ...(sec === 0 ? { b: 1 } : {}) },
      time: BigInt(T0 + sec * S),
    });
  // Sub-second times for influxDBOut's precision.
  points.push({ name: "fine", tags: { k: "x" }, fields: { v: 1.5 }, time: BigInt(T0 + 2 * S + 700_000_000) });
  points.push({ name: "fine", tags: { k: "y" }, fields: { v: 2.5 }, time: BigInt(T0 + 3 * S + 250_000_000) });
  points.push({ name: "fine", tags: { k: "z" }, fields: { v: 3.5 }, time: BigInt(T0 + 4 * S) });
  await client.write(db, "autogen", points, "ns");
});

afterAll(async () => {
  if (client === undefined) return;
  await client.query(`DROP DATABASE "${db}"`).catch(() => undefined);
  await client.query(`DROP DATABASE "${out}"`).catch(() => undefined);
  await client.close();
});

/** Runs the script, fires the query node at each tick (or drives task.tick with `clock`). */
const runBatch = (script: string, ticks: { fire?: (number | bigint)[]; clock?: (number | bigint)[] }) =>
  runBatchAt(url, script, ticks);

/** [time offset from T0 in s, ...values] per row. */
function rowsOf(s: Series): unknown[][] {
  return s.values.map(([t, ...rest]) => [(Number(t) - T0) / S, ...rest]);
}

describe("query shapes (batcher_test.go, query.go)", () => {
  it("TestBatch_SimpleMR: groupBy(time(2s), 'cpu'); batch time = the newest bucket (batch.go); |count() per group", async () => {
    const r = await runBatch(
      `batch
  |query('SELECT mean("value") FROM ${CPU} WHERE "host" = \\'a\\'').period(10s).every(10s).groupBy(time(2s), 'cpu')
  |httpOut('raw')
  |count('mean')
  |httpOut('count')`,
      { fire: [T0 + 20 * S] },
    );
    expect(r.messages).toEqual([]);
    const raw = r.out("raw");
    expect(raw.map((s) => s.tags)).toEqual([{ cpu: "cpu0" }, { cpu: "cpu1" }]);
    const bucket = (cpu: string, sec: number) => mean([value("a", cpu, sec), value("a", cpu, sec + 1)]);
    expect(rowsOf(raw[0]!)).toEqual([10, 12, 14, 16, 18].map((s) => [s, bucket("cpu0", s)]));
    const counts = r.out("count");
    expect(counts.map((s) => [s.tags, rowsOf(s)])).toEqual([
      [{ cpu: "cpu0" }, [[18, 5n]]],
      [{ cpu: "cpu1" }, [[18, 5n]]],
    ]);
  });

  it("TestBatch_GroupBy_TimeOffset: time(2s, 1s) shifts the buckets by 1s", async () => {
    const r = await runBatch(
      `batch
  |query('SELECT count("value") FROM ${CPU} WHERE "host" = \\'b\\' AND "cpu" = \\'cpu0\\'').period(10s).every(10s).groupBy(time(2s, 1s))
  |httpOut('raw')`,
      { fire: [T0 + 10 * S] },
    );
    expect(r.queries[0]).toContain("GROUP BY time(2s, 1s)");
    // [T0, T0+10s) in buckets [-1,1) [1,3) … [9,11): edge buckets hold one second each.
    expect(rowsOf(r.out("raw")[0]!)).toEqual([
      [-1, 1],
      [1, 2],
      [3, 2],
      [5, 2],
      [7, 2],
      [9, 1],
    ]);
  });

  it("alignGroup: buckets start on the query's start (SetStartTime offset = start mod length)", async () => {
    const r = await runBatch(
      `batch
  |query('SELECT count("value") FROM ${CPU} WHERE "host" = \\'b\\' AND "cpu" = \\'cpu0\\'').period(9s).every(10s).groupBy(time(4s)).alignGroup()
  |httpOut('raw')`,
      { fire: [T0 + 10 * S] },
    );
    // start = T0+1s; T0 is a multiple of 4s, so the offset is 1s and buckets are 1,5,9.
    expect(r.queries[0]).toContain("GROUP BY time(4s, 1s)");
    expect(rowsOf(r.out("raw")[0]!)).toEqual([
      [1, 4],
      [5, 4],
      [9, 1],
    ]);
  });

  it("fill(): null and none drop empty buckets, numbers/previous/linear fill them (newQueryNode)", async () => {
    const fill = async (f: string) => {
      const r = await runBatch(
        `batch
  |query('SELECT mean("a") AS a FROM "${db}"."autogen"."gappy"').period(10s).every(10s).groupBy(time(2s)).fill(${f})
  |httpOut('raw')`,
        { fire: [T0 + 10 * S] },
      );
      expect(r.queries[0]).toMatch(/fill\(/);
      return rowsOf(r.out("raw")[0]!);
    };
    expect(await fill("'null'")).toEqual([
      [0, 5],
      [6, 65],
    ]);
    expect(await fill("'none'")).toEqual([
      [0, 5],
      [6, 65],
    ]);
    expect(await fill("-1")).toEqual([
      [0, 5],
      [2, -1],
      [4, -1],
      [6, 65],
      [8, -1],
    ]);
    expect(await fill("'previous'")).toEqual([
      [0, 5],
      [2, 5],
      [4, 5],
      [6, 65],
      [8, 65],
    ]);
    // linear: nothing after the last value, so that bucket stays null and is dropped.
    expect(await fill("'linear'")).toEqual([
      [0, 5],
      [2, 25],
      [4, 45],
      [6, 65],
    ]);
  });

  it("a null in one column leaves that field out of the point (ResultToBufferedBatches)", async () => {
    const r = await runBatch(
      `batch
  |query('SELECT mean("a") AS a, mean("b") AS b FROM "${db}"."autogen"."gappy"').period(10s).every(10s).groupBy(time(2s))
  |httpOut('raw')`,
      { fire: [T0 + 10 * S] },
    );
    const s = r.out("raw")[0]!;
    expect(s.columns).toEqual(["time", "a", "b"]);
    expect(rowsOf(s)).toEqual([
      [0, 5, 1],
      [6, 65, null],
    ]);
  });

  it("offset and period/every: stop = tick − offset, start = stop − period; raw batch time = stop", async () => {
    const r = await runBatch(
      `batch
  |query('SELECT "value" FROM ${CPU} WHERE "host" = \\'a\\' AND "cpu" = \\'cpu0\\'').period(4s).every(10s).offset(5s)
  |last('value')
  |httpOut('last')`,
      { fire: [T0 + 15 * S, T0 + 25 * S] },
    );
    // Ticks 15s and 25s query [6s, 10s) and [16s, 20s); httpOut keeps the latest.
    expect(r.queries.map((q) => q.match(/time >= '([^']+)' AND time < '([^']+)'/)!.slice(1))).toEqual([
      ["2024-06-01T00:00:06Z", "2024-06-01T00:00:10Z"],
      ["2024-06-01T00:00:16Z", "2024-06-01T00:00:20Z"],
    ]);
    // last() on a batch: the batch time, which is stop (20s) for a query not grouped by time.
    expect(rowsOf(r.out("last")[0]!)).toEqual([[20, value("a", "cpu0", 19)]]);
  });

  it(".align(): the first query runs at the next multiple of every (timeTicker)", async () => {
    const r = await runBatch(
      `batch
  |query('SELECT count("value") FROM ${CPU}').period(10s).every(10s).align()
  |httpOut('n')`,
      { clock: [BigInt(T0 + 3 * S) + 123n, T0 + 9 * S, BigInt(T0 + 10 * S) + 456n] },
    );
    expect(r.queries).toHaveLength(1);
    expect(r.queries[0]).toContain(`time >= '2024-06-01T00:00:00Z' AND time < '2024-06-01T00:00:10Z'`);
    // count() without GROUP BY time: InfluxDB stamps the row with the range start. Numbers in
    // a query answer are float64, as Kapacitor reads them (json.Number → Float64).
    expect(rowsOf(r.out("n")[0]!)).toEqual([[0, 40]]);
  });

  it(".cron(): queries run at the scheduled times (cronTicker), stop = that time", async () => {
    const r = await runBatch(
      `batch
  |query('SELECT count("value") FROM ${CPU} WHERE "host" = \\'a\\'').period(5s).cron('*/5 * * * * * *').groupBy(time(5s))
  |httpOut('n')`,
      { clock: [T0 + 11 * S, T0 + 12 * S, BigInt(T0 + 15 * S) + 789n, T0 + 21 * S] },
    );
    expect(r.queries.map((q) => q.match(/time < '([^']+)'/)![1])).toEqual([
      "2024-06-01T00:00:15Z",
      "2024-06-01T00:00:20Z",
    ]);
    expect(rowsOf(r.out("n")[0]!)).toEqual([[15, 10]]);
  });
});

describe("selectors and transforms on batches", () => {
  const RAW = `SELECT "value" FROM ${CPU} WHERE "host" = 'b' AND "cpu" = 'cpu1'`;

  it("TestBatch_DoubleGroupBy: groupBy(time, 'cpu') |groupBy() |max(): the largest bucket, its tags", async () => {
    // groupBy on batches merges the batches of one time and sends them on when a batch of
    // another time arrives (Kapacitor's group_by.go), so the second query releases the first.
    const r = await runBatch(
      `batch
  |query('''SELECT mean("value") FROM ${CPU} WHERE "host" = 'a'
''').period(10s).every(10s).groupBy(time(2s), 'cpu')
  |groupBy()
  |max('mean')
  |httpOut('max')`,
      { fire: [T0 + 10 * S, T0 + 20 * S] },
    );
    expect(r.messages).toEqual([]);
    const s = r.out("max");
    expect(s).toHaveLength(1);
    const best = mean([value("a", "cpu1", 8), value("a", "cpu1", 9)]);
    // As Kapacitor's expected row: the selected point's tags, columns time and max.
    expect(s[0]).toEqual({
      name: "cpu",
      tags: { cpu: "cpu1" },
      columns: ["time", "max"],
      values: [[BigInt(T0 + 8 * S), best]],
    });
  });

  it("top(2) / first / last with point times", async () => {
    const r = await runBatch(
      `var data = batch
  |query('''${RAW}
''').period(10s).every(10s)
data |top(2, 'value').usePointTimes() |httpOut('top')
data |first('value').usePointTimes() |httpOut('first')
data |bottom(1, 'value') |httpOut('bottom')`,
      { fire: [T0 + 10 * S] },
    );
    expect(rowsOf(r.out("top")[0]!)).toEqual(
      [
        [8, value("b", "cpu1", 8)],
        [9, value("b", "cpu1", 9)],
      ].sort((x, y) => (y[1] as number) - (x[1] as number)),
    );
    expect(rowsOf(r.out("first")[0]!)).toEqual([[0, value("b", "cpu1", 0)]]);
    // Without usePointTimes a selector takes the batch time: stop (10s) for a raw query.
    expect(rowsOf(r.out("bottom")[0]!)).toEqual([[10, value("b", "cpu1", 0)]]);
  });

  it("TestBatch_Derivative / TestBatch_Elapsed / difference / cumulativeSum / movingAverage", async () => {
    const r = await runBatch(
      `var sums = batch
  |query('SELECT sum("value") AS "value" FROM ${CPU} WHERE "host" = \\'b\\'').period(10s).every(10s).groupBy(time(2s))
sums |derivative('value') |httpOut('derivative')
sums |derivative('value').unit(2s).nonNegative() |httpOut('derivative2s')
var raw = batch
  |query('''${RAW}
''').period(6s).every(10s)
raw |elapsed('value', 1ms) |httpOut('elapsed')
raw |difference('value') |httpOut('difference')
raw |cumulativeSum('value') |httpOut('cumsum')
raw |movingAverage('value', 2) |httpOut('mavg')`,
      { fire: [T0 + 10 * S] },
    );
    expect(r.messages).toEqual([]);
    const sum = (sec: number) =>
      ["cpu0", "cpu1"].reduce((acc, c) => acc + value("b", c, sec) + value("b", c, sec + 1), 0);
    const d = rowsOf(r.out("derivative")[0]!);
    expect(d.map((x) => x[0])).toEqual([2, 4, 6, 8]);
    d.forEach(([t, v]) => expect(v).toBeCloseTo((sum(t as number) - sum((t as number) - 2)) / 2, 9));
    rowsOf(r.out("derivative2s")[0]!).forEach(([t, v]) =>
      expect(v).toBeCloseTo(sum(t as number) - sum((t as number) - 2), 9),
    );
    expect(rowsOf(r.out("elapsed")[0]!)).toEqual([1, 2, 3, 4, 5].map((s) => [4 + s, 1000n]));
    const v = (s: number) => value("b", "cpu1", s);
    expect(rowsOf(r.out("difference")[0]!)).toEqual([5, 6, 7, 8, 9].map((s) => [s, v(s) - v(s - 1)]));
    expect(rowsOf(r.out("cumsum")[0]!).at(-1)).toEqual([9, [4, 5, 6, 7, 8, 9].reduce((a, s) => a + v(s), 0)]);
    expect(rowsOf(r.out("mavg")[0]!)).toEqual([5, 6, 7, 8, 9].map((s) => [s, (v(s) + v(s - 1)) / 2]));
  });
});

describe("empty batches (TestBatch_CountEmptyBatch, TestBatch_SumEmptyBatch)", () => {
  it("a where() that keeps no point still leaves a batch: count → 0 (int), sum → 0 (float)", async () => {
    const r = await runBatch(
      `var q = batch
  |query('''SELECT mean("value") FROM ${CPU} WHERE "host" = 'a'
''').period(10s).every(10s).groupBy('cpu')
  |where(lambda: "mean" < 10.0)
q |count('mean') |httpOut('count')
q |sum('mean') |httpOut('sum')`,
      { fire: [T0 + 20 * S] },
    );
    expect(r.messages).toEqual([]);
    // mean() without GROUP BY time: the batch time is the stop time (20s, batch.go).
    expect(r.out("count").map((s) => [s.tags, rowsOf(s)])).toEqual([
      [{ cpu: "cpu0" }, [[20, 0n]]],
      [{ cpu: "cpu1" }, [[20, 0n]]],
    ]);
    expect(r.out("sum").map((s) => [s.tags, rowsOf(s)])).toEqual([
      [{ cpu: "cpu0" }, [[20, 0]]],
      [{ cpu: "cpu1" }, [[20, 0]]],
    ]);
  });
});

describe("trickle (TestBatch_Trickle, trickle.go)", () => {
  it("turns each batch back into stream points: batch name and group, the points' own tags and times", async () => {
    const r = await runBatch(
      `batch
  |query('''SELECT "value" FROM ${CPU} WHERE "host" = 'a'
''').period(3s).every(10s).groupBy('cpu')
  |trickle()
  |where(lambda: "value" > 60.0)
  |httpOut('pts')`,
      { fire: [T0 + 20 * S] },
    );
    expect(r.messages).toEqual([]);
    // httpOut keeps each group's latest point: stream rows, one per group.
    expect(r.out("pts").map((s) => [s.tags, rowsOf(s)])).toEqual([
      [{ cpu: "cpu0" }, [[19, value("a", "cpu0", 19)]]],
      [{ cpu: "cpu1" }, [[19, value("a", "cpu1", 19)]]],
    ]);
  });
});

describe("influxDBOut options", () => {
  it("database, retentionPolicy (made by create), measurement, tag, precision('s'), buffer and flushInterval", async () => {
    const r = await runBatch(
      `batch
  |query('SELECT "v" FROM "${db}"."autogen"."fine"').period(10s).every(10s).groupBy('k')
  |influxDBOut()
    .create()
    .database('${out}')
    .retentionPolicy('kept')
    .measurement('copied')
    .tag('via', 'tickd')
    .precision('s')
    .buffer(2)
    .flushInterval(1h)`,
      { fire: [T0 + 10 * S] },
    );
    expect(r.messages).toEqual([]);
    const rps = await client.queryRaw(`SHOW RETENTION POLICIES ON "${out}"`);
    expect(JSON.stringify(rps)).toContain('"kept"');
    const series = await client.query(`SELECT * FROM "${out}"."kept"."copied" GROUP BY *`);
    // precision('s') truncates toward zero, as Kapacitor's client does (2.7s → 2s).
    expect(
      series.map((s) => [s.tags, s.points.map((p) => [(Number(p.time) - T0) / S, p.fields["v"]])]),
    ).toEqual([
      [{ k: "x", via: "tickd" }, [[2, 1.5]]],
      [{ k: "y", via: "tickd" }, [[3, 2.5]]],
      [{ k: "z", via: "tickd" }, [[4, 3.5]]],
    ]);
  });
});

describe("exact times in InfluxDB answers (issue 12)", () => {
  it("a point written at 1700000000123456789 alerts and reaches httpOut with all nine fraction digits", async () => {
    // 1700000000123456789 > 2^53: as a JSON number (epoch=ns) it reads back as …123456768.
    await client.write(
      db,
      "autogen",
      [{ name: "exact", tags: { host: "h" }, fields: { v: 1.5 }, time: 1_700_000_000_123_456_789n }],
      "ns",
    );
    const r = await runBatch(
      `batch
  |query('SELECT "v" FROM "${db}"."autogen"."exact"').period(10s).every(10s).groupBy('host')
  |httpOut('raw')
  |alert().crit(lambda: "v" > 1.0)`,
      { fire: [1_700_000_010_000_000_000n] },
    );
    expect(r.messages).toEqual([]);
    const stamp = "2023-11-14T22:13:20.123456789Z";
    expect(goJson(httpOutJson({ series: r.out("raw") }))).toBe(
      `{"series":[{"name":"exact","tags":{"host":"h"},"columns":["time","v"],"values":[["${stamp}",1.5]]}]}`,
    );
    expect(r.events).toHaveLength(1);
    const alert = JSON.parse(alertJsonLine(r.events[0]!, 0)) as { time: string; data: unknown };
    // A raw query's batch time is its newest point's.
    expect(alert.time).toBe(stamp);
    expect(alert.data).toEqual({
      series: [{ name: "exact", tags: { host: "h" }, columns: ["time", "v"], values: [[stamp, 1.5]] }],
    });
  });
});
