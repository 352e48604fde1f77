/**
 * Batch `|query()` shapes and schedules, without InfluxDB: the statement tickd sends for a tick
 * and when the ticks fall, pinned against Kapacitor's query building (query.go: NewQuery,
 * Dimensions, SetStartTime with alignGroup, Fill; batch.go: newQueryNode's every/cron checks,
 * timeTicker, cronTicker, doQuery's stop = tick − offset, start = stop − period) and the query
 * shapes of integrations/batcher_test.go. The same shapes run against the real InfluxDB in
 * test/integration/batch-queries.test.ts.
 *
 * Each case names the Kapacitor test or source it mirrors. Data and expectations are ours.
 */
import { describe, expect, it } from "vitest";
import { CronSchedule } from "../../src/engine/cron.js";
import { CronQuerySchedule, QueryNode, QuerySchedule } from "../../src/engine/nodes/query-node.js";
import { parseSeries } from "../../src/sources/influxdb.js";
import { runScript } from "../support/engine.js";

/** One second as a duration (float ns) and as a time step (exact ns). */
const S = 1e9;
const SN = 1_000_000_000n;
// 2024-06-01T00:00:00Z, a multiple of every duration used here.
const T = 1_717_200_000n * SN;

function queryNode(script: string): QueryNode {
  const r = runScript(script);
  return r.task.nodes.find((n): n is QueryNode => n instanceof QueryNode)!;
}

function checkError(script: string): string {
  try {
    runScript(script);
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

const SRC = `SELECT mean("value") FROM "telegraf"."autogen"."cpu_usage_idle" WHERE "host" = 'serverA'`;

describe("query text (Kapacitor query.go)", () => {
  it("TestBatch_SimpleMR: time(2s) and a tag; the range is [stop − period, stop)", () => {
    const q = queryNode(`batch |query('''${SRC}
''').period(10s).every(10s).groupBy(time(2s), 'cpu')`);
    expect(q.queryFor(T).query).toBe(
      `SELECT mean("value") FROM "telegraf"."autogen"."cpu_usage_idle" WHERE ("host" = 'serverA') AND ` +
        `time >= '2024-05-31T23:59:50Z' AND time < '2024-06-01T00:00:00Z' GROUP BY time(2s, 0s), "cpu"`,
    );
  });

  it("TestBatch_GroupBy_TimeOffset: time(2s, 1s) keeps its offset", () => {
    const q = queryNode(`batch |query('''${SRC}
''').period(10s).every(10s).groupBy(time(2s, 1s), 'cpu')`);
    expect(q.queryFor(T).query).toMatch(/ GROUP BY time\(2s, 1s\), "cpu"$/);
  });

  it("alignGroup: the offset is start mod length, and wins over time()'s own offset (SetStartTime)", () => {
    const q = queryNode(`batch |query('''${SRC}
''').period(10s).every(10s).groupBy(time(3s, 1s)).alignGroup()`);
    // start = T − 10s; T is a multiple of 3s? 1717200000 % 3 = 0, so start mod 3s = 2s.
    expect(q.queryFor(T).query).toMatch(/ GROUP BY time\(3s, 2s\)$/);
    const shifted = queryNode(`batch |query('''${SRC}
''').period(9s).every(10s).groupBy(time(3s)).alignGroup()`);
    expect(shifted.queryFor(T).query).toMatch(/ GROUP BY time\(3s, 0s\)$/);
  });

  it("offset: stop = tick − offset (doQuery)", () => {
    const q = queryNode(`batch |query('''${SRC}
''').period(1m).every(1m).offset(90s)`);
    const r = q.queryFor(T);
    expect(r.stop).toBe(T - 90n * SN);
    expect(r.query).toContain(`time >= '2024-05-31T23:57:30Z' AND time < '2024-05-31T23:58:30Z'`);
  });

  it("period longer than every: overlapping ranges", () => {
    const q = queryNode(`batch |query('''${SRC}
''').period(30s).every(10s)`);
    expect(q.queryFor(T).query).toContain(`time >= '2024-05-31T23:59:30Z' AND time < '2024-06-01T00:00:00Z'`);
    expect(q.queryFor(T + 10n * SN).query).toContain(
      `time >= '2024-05-31T23:59:40Z' AND time < '2024-06-01T00:00:10Z'`,
    );
  });

  it("fill: each of Kapacitor's options (newQueryNode's fill switch)", () => {
    const fills: [string, string][] = [
      ["'null'", "fill(null)"],
      ["'none'", "fill(none)"],
      ["'previous'", "fill(previous)"],
      ["'linear'", "fill(linear)"],
      ["0", "fill(0)"],
      ["-1.5", "fill(-1.5)"],
    ];
    for (const [arg, text] of fills) {
      const q = queryNode(`batch |query('''${SRC}
''').period(10s).every(10s).groupBy(time(2s)).fill(${arg})`);
      expect(q.queryFor(T).query.endsWith(` GROUP BY time(2s, 0s) ${text}`), arg).toBe(true);
    }
    expect(checkError(`batch |query('''${SRC}
''').every(10s).fill('sideways')`)).toMatch(/unexpected fill option sideways/);
  });

  it("Dimensions() always resets GROUP BY: the query's own GROUP BY goes, .groupBy() replaces it", () => {
    const own = `SELECT max("v") FROM "db"."rp"."m" GROUP BY "host"`;
    expect(queryNode(`batch |query('''${own}''').period(10s).every(10s)`).queryFor(T).query).not.toContain(
      "GROUP BY",
    );
    expect(
      queryNode(`batch |query('''${own}''').period(10s).every(10s).groupBy(*)`).queryFor(T).query,
    ).toMatch(/ GROUP BY \*$/);
  });

  it("groupBy with two time dimensions is refused (Dimensions)", () => {
    expect(checkError(`batch |query('''${SRC}
''').every(10s).groupBy(time(1s), time(2s))`)).toMatch(
      /more than one time dimension/,
    );
  });

  it("every and cron: exactly one (newQueryNode)", () => {
    expect(checkError(`batch |query('''${SRC}
''').every(10s).cron('* * * * *')`)).toMatch(
      /must not set both 'every' and 'cron'/,
    );
    expect(checkError(`batch |query('''${SRC}
''').period(10s)`)).toMatch(/must define one of 'every' or 'cron'/);
    expect(checkError(`batch |query('''${SRC}
''').cron('61 * * * *')`)).toMatch(/invalid cron expression/);
  });
});

describe("schedules (Kapacitor batch.go timeTicker / cronTicker)", () => {
  it("every without align: ticks every `every` from the first tick seen; missed ticks collapse", () => {
    const s = new QuerySchedule(10 * S, false);
    expect(s.next(T + 3n * SN)).toBeUndefined(); // starts the clock
    expect(s.next(T + 12n * SN)).toBeUndefined();
    expect(s.next(T + 13n * SN)).toBe(T + 13n * SN);
    expect(s.next(T + 45n * SN)).toBe(T + 43n * SN); // 23s and 33s were missed
    expect(s.next(T + 52n * SN)).toBeUndefined();
  });

  it("every with align: the first tick is the next multiple of every", () => {
    const s = new QuerySchedule(10 * S, true);
    expect(s.next(T + 3n * SN)).toBeUndefined();
    expect(s.next(T + 10n * SN)).toBe(T + 10n * SN);
    expect(s.next(T + 20n * SN + 1n)).toBe(T + 20n * SN);
  });

  it("cron: each tick is the scheduled time itself, the next one is after the wall clock", () => {
    const s = new CronQuerySchedule("*/15 * * * * * *"); // seconds field (7 fields)
    expect(s.next(T + 1n * SN)).toBeUndefined();
    expect(s.next(T + 14n * SN)).toBeUndefined();
    expect(s.next(T + 15n * SN + 300n)).toBe(T + 15n * SN);
    // Two were missed while busy: one tick, then the next after the clock.
    expect(s.next(T + 62n * SN)).toBe(T + 30n * SN);
    expect(s.next(T + 74n * SN)).toBeUndefined();
    expect(s.next(T + 75n * SN)).toBe(T + 75n * SN);
  });

  it("a cron query's range ends at the scheduled time minus offset", () => {
    const q = queryNode(`batch |query('''${SRC}
''').period(5m).cron('*/5 * * * *').offset(1m)`);
    expect(q.queryFor(T).query).toContain(`time >= '2024-05-31T23:54:00Z' AND time < '2024-05-31T23:59:00Z'`);
  });
});

describe("cron expressions (gorhill/cronexpr syntax, local time)", () => {
  const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) =>
    BigInt(new Date(y, mo - 1, d, h, mi, s).getTime()) * 1_000_000n;

  it("5 fields: minute hour dom month dow, second 0", () => {
    const c = new CronSchedule("*/15 9-17 * * MON-FRI");
    // Saturday 2024-06-01 → Monday 2024-06-03 09:00.
    expect(c.next(at(2024, 6, 1, 10, 7, 30))).toBe(at(2024, 6, 3, 9, 0, 0));
    expect(c.next(at(2024, 6, 3, 9, 0, 0))).toBe(at(2024, 6, 3, 9, 15, 0));
    expect(c.next(at(2024, 6, 3, 17, 45, 0))).toBe(at(2024, 6, 4, 9, 0, 0));
  });

  it("6 fields end with a year; 7 fields start with seconds", () => {
    expect(new CronSchedule("0 0 1 1 * 2030").next(at(2024, 6, 1))).toBe(at(2030, 1, 1));
    expect(new CronSchedule("30 0 12 * * * *").next(at(2024, 6, 1, 12, 0, 30))).toBe(at(2024, 6, 2, 12, 0, 30));
  });

  it("day of month and day of week both set: either matches", () => {
    // The 13th, or any Friday: from Sat 2024-06-01 the first is Fri 2024-06-07.
    expect(new CronSchedule("0 0 13 * FRI").next(at(2024, 6, 1))).toBe(at(2024, 6, 7));
  });

  it("macros, names, lists and steps", () => {
    expect(new CronSchedule("@hourly").next(at(2024, 6, 1, 10, 0, 0))).toBe(at(2024, 6, 1, 11));
    expect(new CronSchedule("@monthly").next(at(2024, 6, 1))).toBe(at(2024, 7, 1));
    expect(new CronSchedule("0 6,18 * JUL *").next(at(2024, 6, 1))).toBe(at(2024, 7, 1, 6));
    expect(new CronSchedule("5/20 * * * *").next(at(2024, 6, 1, 0, 25))).toBe(at(2024, 6, 1, 0, 45));
  });

  it("refuses what tickd does not implement, saying so", () => {
    expect(() => new CronSchedule("0 0 L * *")).toThrow(/L, W and # are not supported/);
    expect(() => new CronSchedule("0 0 * * 5#3")).toThrow(/not supported/);
    expect(() => new CronSchedule("* * *")).toThrow(/expected 5 to 7 fields/);
  });
});

describe("query answers (Kapacitor edge.ResultToBufferedBatches)", () => {
  it("a null value leaves out that field only; a row with no value at all is dropped", () => {
    const [s] = parseSeries([
      {
        name: "cpu",
        tags: { host: "a" },
        columns: ["time", "a", "b"],
        values: [
          // epoch=ns answers are JSON numbers; these are exact as float64.
          [Number(T), 1.5, null],
          [Number(T) + S, null, null],
          [Number(T + 2n * SN), 2, 3],
        ],
      },
    ]);
    expect(s!.points.map((p) => [p.time, p.fields])).toEqual([
      [T, { a: 1.5 }],
      [T + 2n * SN, { a: 2, b: 3 }],
    ]);
  });
});
