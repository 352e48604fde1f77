/**
 * Kapacitor's batch integration tests (integrations/batcher_test.go) against the real
 * InfluxDB 1.x, one case per test (or a few tests that pin the same node), with data of our
 * own. Kapacitor's batcher tests replay recorded query answers (.brpl); here InfluxDB answers
 * the statement tickd builds, so where a Kapacitor script groups raw values by time (which
 * InfluxDB refuses without an aggregate) the case runs the raw query without GROUP BY time.
 * Batch times follow Kapacitor's batch.go: the newest bucket for a query grouped by time, the
 * query's stop time otherwise. Each `it` names the Kapacitor test it mirrors; the status of
 * every test is in docs/KAPACITOR-TESTS.md.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Series } from "../../src/core/alert-event.js";
import type { Point } from "../../src/core/types.js";
import { createInfluxClient, type InfluxClient } from "../../src/sources/influxdb.js";
import { runBatch } from "../support/batch.js";
import { runScript } from "../support/engine.js";
import { influxUrl } from "../support/influx.js";

const S = 1_000_000_000n;
const db = `tickd_kb_${randomBytes(4).toString("hex")}`;
/** 2024-06-01T00:00:00Z: a multiple of every bucket length used here. */
const T0 = 1_717_200_000n * S;
const M = (m: string) => `"${db}"."autogen"."${m}"`;

let url: string;
let client: InfluxClient;

const cpu0 = (s: number) => (s === 4 || s === 5 ? 90 : 80 + (s % 3));
const cpu1 = (s: number) => 90 + s;

beforeAll(async () => {
  url = await influxUrl();
  client = createInfluxClient({ urls: [url] });
  await client.query(`CREATE DATABASE "${db}"`);
  const pts: Point[] = [];
  const p = (name: string, tags: Record<string, string>, fields: Point["fields"], s: number) =>
    pts.push({ name, tags, fields, time: T0 + BigInt(s) * S });
  for (let s = 0; s < 40; s++) {
    p("mcpu", { host: "serverA", cpu: "cpu0" }, { value: cpu0(s) }, s);
    p("mcpu", { host: "serverA", cpu: "cpu1" }, { value: cpu1(s) }, s);
    // 95 until 30s, then 50: CRITICAL for three queries, then OK.
    p("sco", {}, { value: s < 30 ? 95 : 50 }, s);
  }
  ["bad", "good", "good", "bad", "bad", "good", "good", "good", "bad", "bad"].forEach((v, s) =>
    p("packets", {}, { value: v, b: s === 7 ? 1 : 0 }, s),
  );
  for (let s = 0; s < 20; s++) p("gappy", {}, { a: s, ...(s < 2 ? { b: 5 } : {}) }, s);
  for (let s = 0; s < 10; s++) {
    p("dccpu", { dc: "A", cpu: "cpu0" }, { value: 1 }, s);
    p("dccpu", { dc: "B", cpu: "cpu0" }, { value: 2 }, s);
  }
  for (let s = 0; s < 20; s++) {
    p("gm_idle", { cpu: "cpu0" }, { value: 90 - (s % 5) }, s);
    p("gm_user", { cpu: "cpu0" }, { value: 10 + (s % 5) }, s);
  }
  // Join sides: l every 2s, r without the 4s bucket.
  for (const s of [0, 2, 4, 6, 8]) p("jside", { side: "l" }, { value: s }, s);
  for (const s of [0, 2, 6, 8]) p("jside", { side: "r" }, { value: 100 + s }, s);
  // Latency per dc and service at 10s and 15s.
  const lat: [string, string, number, number][] = [
    ["A", "auth", 10, 4],
    ["A", "cart", 10, 8],
    ["A", "log", 10, 7],
    ["B", "auth", 10, 9],
    ["B", "cart", 10, 3],
    ["B", "log", 10, 5],
    ["A", "auth", 15, 2],
    ["A", "cart", 15, 3],
    ["A", "log", 15, 1],
    ["B", "auth", 15, 6],
    ["B", "cart", 15, 7],
    ["B", "log", 15, 4],
  ];
  // The same again 10s and 20s later: groupBy() on batches sends one query's batches on when
  // the next query's arrive.
  for (const shift of [0, 10, 20])
    for (const [dc, service, s, v] of lat) p("request_latency", { dc, service }, { value: v }, s + shift);
  // State tracking: per host, 4..7s.
  for (const [host, s, v] of [
    ["serverA", 4, 98],
    ["serverA", 5, 97],
    ["serverA", 6, 80],
    ["serverA", 7, 99],
    ["serverB", 4, 40],
    ["serverB", 5, 96],
    ["serverB", 7, 97],
  ] as const)
    p("scpu", { host }, { value: v }, s);
  // Errors per dc and service, two 5s buckets.
  for (const [dc, service, s, v] of [
    ["x", "cart", 0, 3],
    ["y", "cart", 1, 5],
    ["x", "cart", 6, 2],
    ["y", "cart", 7, 6],
    ["x", "login", 2, 4],
    ["y", "login", 3, 1],
    ["x", "login", 5, 8],
    ["y", "login", 8, 6],
  ] as const)
    p("errors", { dc, service }, { value: v }, s);
  // join().on('host') of batches: disk per host and path every second, a lock count per host
  // at 0.3s and 2.8s only (0s and 3s within a 1s tolerance).
  [10, 20, 30, 40].forEach((v, s) => {
    p("jdisk", { host: "h1", path: "/a" }, { used: v }, s);
    p("jdisk", { host: "h1", path: "/b" }, { used: v + 5 }, s);
  });
  pts.push({ name: "jlock", tags: { host: "h1" }, fields: { count: 0 }, time: T0 + 300_000_000n });
  pts.push({ name: "jlock", tags: { host: "h1" }, fields: { count: 2 }, time: T0 + 2_800_000_000n });
  [100, 101, 102, 40, 41].forEach((v, i) => p("falls", {}, { value: v }, 2 * i));
  await client.write(db, "autogen", pts, "ns");
});

afterAll(async () => {
  if (client === undefined) return;
  await client.query(`DROP DATABASE "${db}"`).catch(() => undefined);
  await client.close();
});

/** Series with times as seconds from T0. */
function rows(series: Series[]): { name: string; tags: unknown; columns: string[]; values: unknown[][] }[] {
  return series.map((s) => ({
    name: s.name,
    tags: s.tags,
    columns: s.columns,
    values: s.values.map(([t, ...rest]) => [
      Number((BigInt(t as bigint) - T0) / (S / 1000n)) / 1000,
      ...rest,
    ]),
  }));
}

const LEVEL = ["OK", "INFO", "WARNING", "CRITICAL"];
const at = (...s: number[]) => s.map((x) => T0 + BigInt(x) * S);
// A space before the closing ''' : a quote right before it would end the string early.
const MCPU = `SELECT mean("value") FROM ${M("mcpu")} WHERE "host" = 'serverA' `;

describe("query checks (batch.go newQueryNode)", () => {
  it("TestBatch_InvalidQuery: one SELECT statement only, with Kapacitor's messages", () => {
    const refused = (q: string) => {
      try {
        runScript(`batch|query('${q}').every(1s)`);
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    };
    expect(refused("SELECT value FROM db.rp.m; DROP DATABASE _internal")).toContain(
      "query must be a single select statement, got 2 statements",
    );
    expect(refused("DROP DATABASE _internal")).toContain(
      'query is not a select statement "DROP DATABASE _internal"',
    );
  });
});

describe("batch time (batch.go doQuery, edge.ResultToBufferedBatches)", () => {
  it("TestBatch_SimpleMR: grouped by time, a batch is stamped with its newest bucket; otherwise with stop", async () => {
    const r = await runBatch(
      url,
      `var q = batch|query('''${MCPU}''').period(10s).every(10s).groupBy(time(2s), 'cpu')
q|count('mean')|httpOut('bytime')
batch|query('''${MCPU}''').period(10s).every(10s).groupBy('cpu')|count('mean')|httpOut('plain')`,
      { fire: at(10) },
    );
    expect(r.messages).toEqual([]);
    expect(rows(r.out("bytime")).map((s) => [s.tags, s.values])).toEqual([
      [{ cpu: "cpu0" }, [[8, 5n]]],
      [{ cpu: "cpu1" }, [[8, 5n]]],
    ]);
    expect(rows(r.out("plain")).map((s) => [s.tags, s.values])).toEqual([
      [{ cpu: "cpu0" }, [[10, 1n]]],
      [{ cpu: "cpu1" }, [[10, 1n]]],
    ]);
  });
});

describe("transforms on batches", () => {
  it("TestBatch_ChangeDetect / TestBatch_ChangeDetect_Many: only changed points pass, state kept per group", async () => {
    const r = await runBatch(
      url,
      `var q = batch|query('SELECT "value", "b" FROM ${M("packets")}').period(10s).every(10s)
q|changeDetect('value')|httpOut('one')
q|changeDetect('value', 'b')|httpOut('many')`,
      { fire: at(10) },
    );
    expect(rows(r.out("one"))[0]!.values.map((v) => [v[0], v[2]])).toEqual([
      [0, "bad"],
      [1, "good"],
      [3, "bad"],
      [5, "good"],
      [8, "bad"],
    ]);
    expect(rows(r.out("many"))[0]!.values.map((v) => v[0])).toEqual([0, 1, 3, 5, 7, 8]);
  });

  it("TestBatch_DerivativeAs: .as() adds the rate next to the field", async () => {
    const r = await runBatch(
      url,
      `batch|query('SELECT sum("value") AS "value" FROM ${M("jside")} WHERE "side" = \\'l\\'').period(10s).every(10s).groupBy(time(2s))|derivative('value').as('derivative')|httpOut('o')`,
      { fire: at(10) },
    );
    expect(rows(r.out("o"))).toEqual([
      {
        name: "jside",
        tags: {},
        columns: ["time", "derivative", "value"],
        values: [2, 4, 6, 8].map((s) => [s, 1, s]),
      },
    ]);
  });

  it("TestBatch_DerivativeN / TestBatch_DerivativeNN: a falling sum gives a negative rate; nonNegative() drops that point only", async () => {
    const q = `batch|query('SELECT sum("value") AS "value" FROM ${M("falls")}').period(10s).every(10s).groupBy(time(2s))`;
    const r = await runBatch(
      url,
      `var q = ${q}\nq|derivative('value')|httpOut('n')\nq|derivative('value').nonNegative()|httpOut('nn')`,
      {
        fire: at(10),
      },
    );
    expect(r.messages).toEqual([]);
    // Sums 100, 101, 102, 40, 41 at 0, 2, 4, 6, 8: the rate at 8 is taken from the dropped 6.
    expect(rows(r.out("n"))).toEqual([
      {
        name: "falls",
        tags: {},
        columns: ["time", "value"],
        values: [
          [2, 0.5],
          [4, 0.5],
          [6, -31],
          [8, 0.5],
        ],
      },
    ]);
    expect(rows(r.out("nn"))[0]!.values).toEqual([
      [2, 0.5],
      [4, 0.5],
      [8, 0.5],
    ]);
  });

  it("TestBatch_Where_NoSideEffect: a where() branch that drops all leaves its sibling alone", async () => {
    const r = await runBatch(
      url,
      `var data = batch|query('''${MCPU}''').period(10s).every(10s).groupBy(time(2s), 'cpu')|where(lambda: "mean" > 85)
data|where(lambda: FALSE)
data|httpOut('o')`,
      { fire: at(10) },
    );
    expect(rows(r.out("o")).map((s) => [s.tags, s.values])).toEqual([
      [{ cpu: "cpu0" }, [[4, 90]]],
      [{ cpu: "cpu1" }, [0, 2, 4, 6, 8].map((s) => [s, (cpu1(s) + cpu1(s + 1)) / 2])],
    ]);
  });

  it("TestBatch_StateDuration / TestBatch_StateCount: state per group across the batch's points", async () => {
    const r = await runBatch(
      url,
      `var data = batch|query('SELECT "value" FROM ${M("scpu")}').period(4s).every(4s).groupBy('host')
data|stateDuration(lambda: "value" > 95).unit(1ms).as('d')|httpOut('d')
data|stateCount(lambda: "value" > 95).as('c')|httpOut('c')`,
      { fire: at(8) },
    );
    expect(rows(r.out("d")).map((s) => [s.tags, s.values.map((v) => [v[0], v[1]])])).toEqual([
      [
        { host: "serverA" },
        [
          [4, 0],
          [5, 1000],
          [6, -1],
          [7, 0],
        ],
      ],
      [
        { host: "serverB" },
        [
          [4, -1],
          [5, 0],
          [7, 2000],
        ],
      ],
    ]);
    expect(rows(r.out("c")).map((s) => s.values.map((v) => v[1]))).toEqual([
      [1n, 2n, -1n, 1n],
      [-1n, 1n, 2n],
    ]);
  });
});

describe("default, delete, groupBy on batches", () => {
  it("TestBatch_Default: a missing field gets its default, a tag is added, then regrouped", async () => {
    const r = await runBatch(
      url,
      `batch|query('SELECT mean("a") AS a, mean("b") AS b FROM ${M("gappy")}').period(10s).every(10s).groupBy(time(2s))
  |default().field('b', 1.0).tag('dc', 'sfc')|groupBy('dc')|sum('b')|httpOut('o')`,
      // groupBy() on batches sends a time's batches on when a later batch arrives.
      { fire: at(10, 20) },
    );
    expect(rows(r.out("o"))).toEqual([
      { name: "gappy", tags: { dc: "sfc" }, columns: ["time", "sum"], values: [[8, 9]] },
    ]);
  });

  it("TestBatch_DefaultEmptyTag: default().tag() on a batch adds the tag to the batch", async () => {
    const r = await runBatch(
      url,
      `batch|query('SELECT mean("value") FROM ${M("mcpu")} WHERE "cpu" = \\'cpu0\\'').every(10s).period(10s).groupBy('cpu')
  |default().tag('dc', 'sfc')|sum('mean')|httpOut('o')`,
      { fire: at(10) },
    );
    const mean = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].reduce((a, s) => a + cpu0(s), 0) / 10;
    expect(rows(r.out("o"))).toEqual([
      { name: "mcpu", tags: { cpu: "cpu0", dc: "sfc" }, columns: ["time", "sum"], values: [[10, mean]] },
    ]);
  });

  it("TestBatch_Delete: delete() a field, default() puts it back, regrouped by the new tag", async () => {
    const r = await runBatch(
      url,
      `batch|query('SELECT mean("value") FROM ${M("mcpu")} WHERE "cpu" = \\'cpu0\\'').period(10s).every(10s).groupBy(time(2s))
  |delete().field('mean').tag('dc')|default().field('mean', 10.0).tag('dc', 'sfc')|groupBy('dc')|sum('mean')|httpOut('o')`,
      { fire: at(10, 20) },
    );
    expect(rows(r.out("o"))).toEqual([
      { name: "mcpu", tags: { dc: "sfc" }, columns: ["time", "sum"], values: [[8, 50]] },
    ]);
  });

  it("TestBatch_Delete_GroupBy: deleting a group-by tag regroups the batches", async () => {
    const r = await runBatch(
      url,
      `batch|query('SELECT mean("value") FROM ${M("dccpu")}').period(10s).every(10s).groupBy(time(2s), 'dc')
  |delete().field('mean').tag('dc')|default().field('mean', 10.0)|sum('mean')|httpOut('o')`,
      { fire: at(10) },
    );
    expect(rows(r.out("o"))).toEqual([
      { name: "dccpu", tags: {}, columns: ["time", "sum"], values: [[8, 50]] },
    ]);
  });

  it("TestBatch_GroupByMeasurement: a regex FROM with .groupByMeasurement() keeps one group per measurement", async () => {
    const r = await runBatch(
      url,
      `batch|query('SELECT mean("value") FROM "${db}"."autogen"./^gm_/').period(10s).every(10s).groupBy(time(2s), 'cpu').groupByMeasurement()
  |max('mean')|httpOut('o')`,
      { fire: at(10) },
    );
    expect(
      rows(r.out("o"))
        .map((s) => [s.name, s.tags, s.values])
        .sort(),
    ).toEqual([
      // max() without usePointTimes takes the batch time: the newest bucket.
      ["gm_idle", { cpu: "cpu0" }, [[8, 89.5]]],
      ["gm_user", { cpu: "cpu0" }, [[8, 13.5]]],
    ]);
  });

  it("TestBatch_GroupByNodeByMeasurement: groupBy().byMeasurement() on batches", async () => {
    const r = await runBatch(
      url,
      `batch|query('SELECT mean("value") FROM "${db}"."autogen"./^gm_/').period(10s).every(10s).groupBy(time(2s), 'cpu')
  |groupBy('cpu').byMeasurement()|max('mean')|httpOut('o')`,
      { fire: at(10, 20) },
    );
    expect(
      rows(r.out("o"))
        .map((s) => [s.name, s.tags, s.values])
        .sort(),
    ).toEqual([
      // max() without usePointTimes takes the batch time: the newest bucket.
      ["gm_idle", { cpu: "cpu0" }, [[8, 89.5]]],
      ["gm_user", { cpu: "cpu0" }, [[8, 13.5]]],
    ]);
  });
});

describe("alert on batches (alert.go: the highest level, fields of its first point)", () => {
  const Q = `batch|query('''${MCPU}''').period(10s).every(10s).groupBy(time(2s), 'cpu')`;

  it("TestBatch_AlertAll: .all() needs every point to match", async () => {
    const none = await runBatch(url, `${Q}|alert().all().crit(lambda: "mean" > 92)|httpOut('o')`, {
      fire: at(10),
    });
    expect(none.out("o")).toEqual([]);
    const all = await runBatch(
      url,
      `${Q}|alert().all().crit(lambda: "mean" > 90).levelField('level')|httpOut('o')`,
      {
        fire: at(10),
      },
    );
    expect(rows(all.out("o"))).toEqual([
      {
        name: "mcpu",
        tags: { cpu: "cpu1" },
        columns: ["time", "level", "mean"],
        values: [0, 2, 4, 6, 8].map((s) => [s, "CRITICAL", s + 90.5]),
      },
    ]);
  });

  it("TestBatch_AlertLevelField / TestBatch_AlertMessage: fields on every point of the batch", async () => {
    const r = await runBatch(
      url,
      `${Q}|alert().crit(lambda: "mean" > 95).levelField('level').idField('id').messageField('msg')|httpOut('o')`,
      { fire: at(10) },
    );
    expect(rows(r.out("o"))).toEqual([
      {
        name: "mcpu",
        tags: { cpu: "cpu1" },
        columns: ["time", "id", "level", "mean", "msg"],
        values: [0, 2, 4, 6, 8].map((s) => [
          s,
          "mcpu:cpu=cpu1",
          "CRITICAL",
          s + 90.5,
          "mcpu:cpu=cpu1 is CRITICAL",
        ]),
      },
    ]);
  });

  it("TestBatch_AlertLevelTag: tags on the batch", async () => {
    const r = await runBatch(
      url,
      `${Q}|alert().crit(lambda: "mean" > 95).levelTag('level').idTag('id')|httpOut('o')`,
      {
        fire: at(10),
      },
    );
    expect(rows(r.out("o")).map((s) => [s.tags, s.columns])).toEqual([
      [{ cpu: "cpu1", level: "CRITICAL", id: "mcpu:cpu=cpu1" }, ["time", "mean"]],
    ]);
  });

  it("TestBatch_AlertDuration: durationField from the first CRITICAL point's time", async () => {
    const r = await runBatch(
      url,
      `${Q}|alert().crit(lambda: "mean" > 95).durationField('duration')|httpOut('o')`,
      {
        fire: at(10, 20),
      },
    );
    // First event at 6s (96.5, the first point above 95), second at 10s: 4s.
    expect(rows(r.out("o")).map((s) => [s.tags, s.values.map((v) => [v[0], v[1]])])).toEqual([
      [{ cpu: "cpu1" }, [10, 12, 14, 16, 18].map((s) => [s, 4_000_000_000n])],
    ]);
    expect(r.events.map((e) => [Number((e.state.time - T0) / S), LEVEL[e.state.level]])).toEqual([
      [6, "CRITICAL"],
      [10, "CRITICAL"],
    ]);
  });

  const SCO = `batch|query('SELECT mean("value") FROM ${M("sco")}').period(10s).every(10s).groupBy(time(2s))`;

  it("TestBatch_AlertStateChangesOnly: CRITICAL once, then OK stamped with the batch time", async () => {
    const r = await runBatch(url, `${SCO}|alert().crit(lambda: "mean" > 90).stateChangesOnly().details('')`, {
      fire: at(10, 20, 30, 40),
    });
    expect(
      r.events.map((e) => [Number((e.state.time - T0) / S), LEVEL[e.state.level], Number(e.state.duration)]),
    ).toEqual([
      [0, "CRITICAL", 0],
      [38, "OK", 38e9],
    ]);
  });

  it("TestBatch_AlertStateChangesOnlyExpired: stateChangesOnly(15s) re-sends after 15s", async () => {
    const r = await runBatch(
      url,
      `${SCO}|alert().crit(lambda: "mean" > 90).stateChangesOnly(15s).details('')`,
      {
        fire: at(10, 20, 30, 40),
      },
    );
    expect(r.events.map((e) => [Number((e.state.time - T0) / S), LEVEL[e.state.level]])).toEqual([
      [0, "CRITICAL"],
      [20, "CRITICAL"],
      [38, "OK"],
    ]);
  });
});

describe("flatten, combine, join on batches", () => {
  const LAT = `batch|query('SELECT value FROM ${M("request_latency")}').period(10s).every(10s).groupBy('dc', 'service')|groupBy('dc')`;

  it("TestBatch_Flatten: flatten().on('service') per time within the tolerance", async () => {
    const r = await runBatch(url, `${LAT}|flatten().on('service').tolerance(5s)|httpOut('o')`, {
      fire: at(20, 30),
    });
    expect(r.messages).toEqual([]);
    expect(rows(r.out("o")).map((s) => [s.tags, s.columns, s.values])).toEqual([
      [
        { dc: "A" },
        ["time", "auth.value", "cart.value", "log.value"],
        [
          [10, 4, 8, 7],
          [15, 2, 3, 1],
        ],
      ],
      [
        { dc: "B" },
        ["time", "auth.value", "cart.value", "log.value"],
        [
          [10, 9, 3, 5],
          [15, 6, 7, 4],
        ],
      ],
    ]);
  });

  it("TestBatch_Combine_Filtered: combine() pairs the auth point with each other point of its time", async () => {
    const r = await runBatch(
      url,
      `${LAT}|combine(lambda: "service" == 'auth', lambda: TRUE).as('auth', 'other').tolerance(5s).delimiter('.')
  |groupBy('auth.service', 'other.service', 'dc')|eval(lambda: "auth.value" / "other.value").as('ratio')|httpOut('o')`,
      { fire: at(20, 30, 40) },
    );
    const got = rows(r.out("o")).map((s) => [s.tags, s.values]);
    expect(got).toContainEqual([{ dc: "A", "auth.service": "auth", "other.service": "cart" }, [[15, 2 / 3]]]);
    expect(got).toContainEqual([{ dc: "B", "auth.service": "auth", "other.service": "log" }, [[15, 6 / 4]]]);
    expect(got).toHaveLength(4);
  });

  it("TestBatch_Combine_All / TestBatch_Combine_All_Triples: every pair, every triple of one time", async () => {
    const pairs = await runBatch(
      url,
      `${LAT}|combine(lambda: TRUE, lambda: TRUE).as('first', 'second').tolerance(5s).delimiter('.')
  |groupBy('first.service', 'second.service', 'dc')|eval(lambda: "first.value" / "second.value").as('ratio')|httpOut('o')`,
      { fire: at(20, 30, 40) },
    );
    // Three services per dc: three pairs each, in index order (auth, cart, log).
    const got = rows(pairs.out("o")).map((s) => [s.tags, s.values]);
    expect(got).toHaveLength(6);
    expect(got).toContainEqual([
      { dc: "A", "first.service": "auth", "second.service": "cart" },
      [[15, 2 / 3]],
    ]);
    expect(got).toContainEqual([
      { dc: "B", "first.service": "cart", "second.service": "log" },
      [[15, 7 / 4]],
    ]);
    const triples = await runBatch(
      url,
      `${LAT}|combine(lambda: TRUE, lambda: TRUE, lambda: TRUE).as('first', 'second', 'third').tolerance(5s).delimiter('.')
  |groupBy('first.service', 'second.service', 'third.service', 'dc')|eval(lambda: "first.value" + "second.value" + "third.value").as('sum')|httpOut('o')`,
      { fire: at(20, 30, 40) },
    );
    expect(rows(triples.out("o")).map((s) => [s.tags, s.values])).toEqual([
      [{ dc: "A", "first.service": "auth", "second.service": "cart", "third.service": "log" }, [[15, 6]]],
      [{ dc: "B", "first.service": "auth", "second.service": "cart", "third.service": "log" }, [[15, 17]]],
    ]);
  });

  const J = (side: string) =>
    `batch|query('SELECT mean("value") FROM ${M("jside")} WHERE "side" = \\'${side}\\'').period(10s).every(10s).groupBy(time(2s))`;

  it("TestBatch_Join / TestBatch_Join_NoFill: batches of one time joined point by point, inner by default", async () => {
    const r = await runBatch(
      url,
      `var l = ${J("l")}\nvar r = ${J("r")}\nl|join(r).as('l', 'r')|httpOut('o')`,
      {
        fire: at(10),
      },
    );
    expect(rows(r.out("o"))).toEqual([
      {
        name: "jside",
        tags: {},
        columns: ["time", "l.mean", "r.mean"],
        values: [0, 2, 6, 8].map((s) => [s, s, 100 + s]),
      },
    ]);
  });

  it("TestBatch_Join_Fill_Num / TestBatch_Join_Delimiter / TestBatch_Join_DelimiterEmpty", async () => {
    for (const d of ["~", ""]) {
      const r = await runBatch(
        url,
        `var l = ${J("l")}\nvar r = ${J("r")}\nl|join(r).as('l', 'r').fill(100.0).delimiter('${d}')|httpOut('o')`,
        { fire: at(10) },
      );
      expect(rows(r.out("o"))).toEqual([
        {
          name: "jside",
          tags: {},
          columns: ["time", `l${d}mean`, `r${d}mean`],
          values: [0, 2, 4, 6, 8].map((s) => [s, s, s === 4 ? 100 : 100 + s]),
        },
      ]);
    }
  });

  it("TestBatch_JoinTolerance: batch and point times rounded to the tolerance", async () => {
    // r in 2s buckets offset by 1s: -1, 1, 5, 7 (batch time 7); l: 0, 2, 4, 6, 8 (batch time 8).
    // Rounded to 4s (Go's Round, half away from zero) both batches are at 8; the points pair
    // at 0 (0, -1), 4 (2, 5) and 8 (6, 7); l's 4 and 8 and r's 1 are alone (inner join).
    const r = await runBatch(
      url,
      `var l = ${J("l")}
var r = batch|query('SELECT mean("value") FROM ${M("jside")} WHERE "side" = \\'r\\'').period(10s).every(10s).groupBy(time(2s, 1s))
l|join(r).as('l', 'r').tolerance(4s)|httpOut('o')`,
      { fire: at(10) },
    );
    expect(rows(r.out("o"))[0]!.values).toEqual([
      [0, 0, 100],
      [4, 2, 106],
      [8, 6, 108],
    ]);
  });

  it("TestBatch_JoinOn: on('service') joins each dc's batch with its service's batch, taking the dc's tags", async () => {
    const r = await runBatch(
      url,
      `var global = batch|query('SELECT sum("value") FROM ${M("errors")}').period(10s).every(10s).groupBy(time(5s), 'service')
var perDc = batch|query('SELECT first("value") AS value FROM ${M("errors")}').period(10s).every(10s).groupBy(time(5s), 'dc', 'service')
global|join(perDc).as('service', 'dc').on('service').streamName('dc_error_share')
  |eval(lambda: "dc.value" / "service.sum").keep().as('share')
  |httpOut('o')`,
      { fire: at(10) },
    );
    expect(r.messages).toEqual([]);
    const got = rows(r.out("o")).sort((a, b) => JSON.stringify(a.tags).localeCompare(JSON.stringify(b.tags)));
    const series = (dc: string, service: string, vals: [number, number, number][]) => ({
      name: "dc_error_share",
      tags: { dc, service },
      columns: ["time", "dc.value", "service.sum", "share"],
      values: vals.map(([t, v, sum]) => [t, v, sum, v / sum]),
    });
    expect(got).toEqual([
      series("x", "cart", [
        [0, 3, 8],
        [5, 2, 8],
      ]),
      series("x", "login", [
        [0, 4, 5],
        [5, 8, 14],
      ]),
      series("y", "cart", [
        [0, 5, 8],
        [5, 6, 8],
      ]),
      series("y", "login", [
        [0, 1, 5],
        [5, 6, 14],
      ]),
    ]);
  });

  describe("TestBatch_JoinOn_Fill_Num / TestBatch_JoinOn_Fill_Null: rows of the specific batch without a match", () => {
    const script = (
      fill: string,
    ) => `var lock = batch|query('SELECT count FROM ${M("jlock")}').period(10s).every(10s).groupBy('host').align()
batch|query('SELECT used FROM ${M("jdisk")}').period(10s).every(10s).groupBy('host', 'path').align()
  |join(lock).as('disk', 'lock').on('host')${fill}.tolerance(1s)
  |default().field('lock.count', 0)
  |httpOut('o')`;
    const expected = (rowsOf: (path: string, base: number) => unknown[][]) =>
      ["/a", "/b"].map((path, i) => ({
        name: "jdisk",
        tags: { host: "h1", path },
        columns: ["time", "disk.used", "lock.count"],
        values: rowsOf(path, i * 5),
      }));
    const sorted = (s: ReturnType<typeof rows>) =>
      s.sort((a, b) => JSON.stringify(a.tags).localeCompare(JSON.stringify(b.tags)));

    for (const fill of [".fill(0.0)", ".fill('null')"]) {
      it(`${fill}: every disk row, the lock's count where its point is within the tolerance`, async () => {
        const r = await runBatch(url, script(fill), { fire: at(10) });
        expect(r.messages).toEqual([]);
        expect(sorted(rows(r.out("o")))).toEqual(
          expected((_, b) => [
            [0, 10 + b, 0],
            // default() adds the count as the integer 0 where the lock had no point.
            [1, 20 + b, 0n],
            [2, 30 + b, 0n],
            [3, 40 + b, 2],
          ]),
        );
      });
    }

    it("no fill: an inner join keeps only the rows both batches have", async () => {
      const r = await runBatch(url, script(""), { fire: at(10) });
      expect(r.messages).toEqual([]);
      expect(sorted(rows(r.out("o")))).toEqual(
        expected((_, b) => [
          [0, 10 + b, 0],
          [3, 40 + b, 2],
        ]),
      );
    });
  });
});
