import { describe, expect, it } from "vitest";
import type { Point } from "../../../src/core/types.js";
import type { InfluxAccess, InfluxSeries } from "../../../src/engine/context.js";
import { runScript } from "../../support/engine.js";
import {
  buildQuery,
  formatInfluxDuration,
  formatTimeLiteral,
  QueryNode,
  QuerySchedule,
  seriesToBatches,
  splitSelect,
  type QuerySpec,
} from "../../../src/engine/nodes/query-node.js";
import { InfluxDBOutNode } from "../../../src/engine/nodes/influxdb-out-node.js";
import { parseSeries, pickCluster } from "../../../src/sources/influxdb.js";
import {
  manageSubscriptions,
  subscriptionDestination,
  wantsSubscription,
} from "../../../src/sources/influxdb-subscriptions.js";
import type { InfluxDBConfig } from "../../../src/config/types.js";
import type { InfluxClient, RawResult } from "../../../src/sources/influxdb.js";

const S = 1e9;
const T0 = Date.UTC(2024, 0, 1) * 1e6; // 2024-01-01T00:00:00Z in ns

function spec(over: Partial<QuerySpec> = {}): QuerySpec {
  return {
    query: 'SELECT mean("usage_idle") FROM "telegraf"."autogen"."cpu"',
    period: 300 * S,
    every: 60 * S,
    offset: 0,
    align: false,
    alignGroup: false,
    groupBy: [],
    ...over,
  };
}

describe("batch query text", () => {
  it("adds the time range and the groupBy dimensions", () => {
    const q = buildQuery(
      spec({
        groupBy: [
          { type: "time", ns: 60 * S },
          { type: "tag", name: "host" },
        ],
      }),
      BigInt(T0 - 300 * S),
      BigInt(T0),
    );
    expect(q).toBe(
      `SELECT mean("usage_idle") FROM "telegraf"."autogen"."cpu" WHERE time >= '2023-12-31T23:55:00Z' AND time < '2024-01-01T00:00:00Z' GROUP BY time(1m, 0s), "host"`,
    );
  });

  it("ANDs an existing WHERE, replaces GROUP BY, keeps or overrides fill and keeps LIMIT", () => {
    const s = spec({
      query: `SELECT max(v) FROM db.rp.m WHERE host = 'a' OR "where" =~ /group by/ GROUP BY cpu fill(none) LIMIT 5`,
      groupBy: [{ type: "star" }],
    });
    expect(buildQuery(s, BigInt(T0), BigInt(T0 + 1.5 * S))).toBe(
      `SELECT max(v) FROM db.rp.m WHERE (host = 'a' OR "where" =~ /group by/) AND time >= '2024-01-01T00:00:00Z' AND time < '2024-01-01T00:00:01.5Z' GROUP BY * fill(none) LIMIT 5`,
    );
    expect(buildQuery({ ...s, fill: 0n }, BigInt(T0), BigInt(T0 + S))).toContain(
      "GROUP BY * fill(0) LIMIT 5",
    );
    expect(buildQuery({ ...s, fill: "previous" }, BigInt(T0), BigInt(T0 + S))).toContain("fill(previous)");
  });

  it("aligns group buckets on the start with alignGroup", () => {
    const q = buildQuery(
      spec({ alignGroup: true, groupBy: [{ type: "time", ns: 60 * S }] }),
      BigInt(T0 + 10 * S),
      BigInt(T0 + 70 * S),
    );
    expect(q).toContain("GROUP BY time(1m, 10s)");
  });

  it("rejects what is not one SELECT", () => {
    expect(() => splitSelect("SHOW DATABASES")).toThrow(/query is not a select statement "SHOW DATABASES"/);
    expect(() => splitSelect("SELECT a FROM b; SELECT c FROM d")).toThrow(
      /single select statement, got 2 statements/,
    );
    expect(() => splitSelect("SELECT a FROM b WHERE x = 'oops")).toThrow(/unterminated/);
  });

  it("formats durations and time literals like InfluxQL", () => {
    expect(formatInfluxDuration(90 * S)).toBe("90s");
    expect(formatInfluxDuration(3600 * S)).toBe("1h");
    expect(formatInfluxDuration(1.5e6)).toBe("1500u");
    expect(formatInfluxDuration(0)).toBe("0s");
    expect(formatTimeLiteral(1_500_000_123n)).toBe("1970-01-01T00:00:01.500000123Z");
  });
});

describe("batch query schedule", () => {
  it("ticks every `every` from the first wall-clock tick", () => {
    const s = new QuerySchedule(60 * S, false);
    expect(s.next(BigInt(T0 + 7 * S))).toBeUndefined();
    expect(s.next(BigInt(T0 + 60 * S))).toBeUndefined();
    expect(s.next(BigInt(T0 + 67 * S))).toBe(BigInt(T0 + 67 * S));
    expect(s.next(BigInt(T0 + 100 * S))).toBeUndefined();
    // Three ticks missed: only the latest runs.
    expect(s.next(BigInt(T0 + 300 * S))).toBe(BigInt(T0 + 247 * S));
    expect(s.next(BigInt(T0 + 307 * S))).toBe(BigInt(T0 + 307 * S));
  });

  it("ticks on multiples of `every` with align", () => {
    const s = new QuerySchedule(60 * S, true);
    expect(s.next(BigInt(T0 + 7 * S))).toBeUndefined();
    expect(s.next(BigInt(T0 + 59 * S))).toBeUndefined();
    expect(s.next(BigInt(T0 + 60.4 * S))).toBe(BigInt(T0 + 60 * S));
    expect(s.next(BigInt(T0 + 121 * S))).toBe(BigInt(T0 + 120 * S));
  });
});

describe("query results", () => {
  const raw = [
    {
      name: "cpu",
      tags: { host: "a" },
      columns: ["time", "mean"],
      values: [
        [T0, 1.5],
        [T0 + 60 * S, null],
        [T0 + 120 * S, 3],
      ],
    },
    { name: "cpu", tags: { host: "b" }, columns: ["time", "mean"], values: [] },
  ];

  it("parses epoch=ns JSON, drops rows with nulls, keeps RFC 3339 nanoseconds", () => {
    const s = parseSeries(raw);
    expect(s[0]!.points).toEqual([
      { name: "cpu", tags: { host: "a" }, fields: { mean: 1.5 }, time: BigInt(T0) },
      { name: "cpu", tags: { host: "a" }, fields: { mean: 3 }, time: BigInt(T0 + 120 * S) },
    ]);
    expect(s[1]!.points).toEqual([]);
    const r = parseSeries([
      { name: "m", columns: ["time", "v"], values: [["2024-01-01T00:00:00.000000123Z", "x"]] },
    ]);
    expect(r[0]!.points[0]).toEqual({ name: "m", tags: {}, fields: { v: "x" }, time: BigInt(T0) + 123n });
  });

  it("stamps batches with the newest point when grouped by time, else (or empty) with stop (batch.go)", () => {
    const series = parseSeries(raw);
    const b = seriesToBatches(series, { byName: false, stop: BigInt(T0 + 300 * S), groupedByTime: false });
    expect(b.map((x) => [x.group, x.time])).toEqual([
      ["host=a", BigInt(T0 + 300 * S)],
      ["host=b", BigInt(T0 + 300 * S)],
    ]);
    const g = seriesToBatches(series, { byName: true, stop: BigInt(T0 + 300 * S), groupedByTime: true });
    expect(g.map((x) => x.time)).toEqual([BigInt(T0 + 120 * S), BigInt(T0 + 300 * S)]);
    expect(g[0]!.group).toBe("cpu\nhost=a");
  });
});

function build(script: string, influx: InfluxAccess | undefined) {
  const r = runScript(script, influx !== undefined ? { name: "t", influx } : { name: "t" });
  return { task: r.task, events: r.events, logs: r.messages };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("batch task", () => {
  const script = `batch
  |query('SELECT mean("usage_idle") AS idle FROM "telegraf"."autogen"."cpu"')
    .period(5m).every(1m).groupBy(time(1m), 'host')
  |alert().crit(lambda: "idle" < 10)`;

  it("queries on ticks without blocking them and delivers answers in order", async () => {
    const asked: string[] = [];
    const answers: ReturnType<typeof deferred<InfluxSeries[]>>[] = [];
    const influx: InfluxAccess = {
      query: (_c, q) => {
        asked.push(q);
        const d = deferred<InfluxSeries[]>();
        answers.push(d);
        return d.promise;
      },
      write: () => Promise.resolve(),
    };
    const { task, events } = build(script, influx);
    task.tick(BigInt(T0));
    task.tick(BigInt(T0 + 60 * S));
    task.tick(BigInt(T0 + 120 * S));
    expect(asked).toHaveLength(2);
    expect(asked[0]).toContain(
      `time >= '2023-12-31T23:56:00Z' AND time < '2024-01-01T00:01:00Z' GROUP BY time(1m, 0s), "host"`,
    );
    const series = (idle: number): InfluxSeries[] => [
      {
        name: "cpu",
        tags: { host: "a" },
        points: [{ name: "cpu", tags: { host: "a" }, fields: { idle }, time: BigInt(T0) }],
      },
    ];
    // The second answer arrives first; it waits for the first.
    answers[1]!.resolve(series(50));
    await new Promise((r) => setTimeout(r, 5));
    expect(events).toHaveLength(0);
    answers[0]!.resolve(series(5));
    const q = task.nodes.find((n): n is QueryNode => n instanceof QueryNode)!;
    await q.idle();
    // A triggered batch alert takes the point's time; OK takes the batch time, the newest
    // bucket of a query grouped by time.
    expect(events.map((e) => [e.state.level, e.state.time])).toEqual([
      [3, BigInt(T0)],
      [0, BigInt(T0)],
    ]);
    expect(q.queried).toEqual({ queries: 2, batches: 2, points: 2 });
  });

  it("counts a failed query and carries on", async () => {
    let n = 0;
    const influx: InfluxAccess = {
      query: () => (n++ === 0 ? Promise.reject(new Error("boom")) : Promise.resolve([])),
      write: () => Promise.resolve(),
    };
    const { task, logs } = build(script, influx);
    task.tick(BigInt(T0));
    task.tick(BigInt(T0 + 60 * S));
    task.tick(BigInt(T0 + 120 * S));
    const q = task.nodes.find((x): x is QueryNode => x instanceof QueryNode)!;
    await q.idle();
    expect(q.stats.errors).toBe(1);
    expect(logs).toContain("boom");
  });

  it("stops querying when the task stops", async () => {
    let n = 0;
    const influx: InfluxAccess = { query: () => (n++, Promise.resolve([])), write: () => Promise.resolve() };
    const { task } = build(script, influx);
    task.tick(BigInt(T0));
    await task.stop();
    task.tick(BigInt(T0 + 60 * S));
    expect(n).toBe(0);
  });
});

describe("influxDBOut", () => {
  it("buffers, adds tags, renames, and flushes on size, interval and stop", async () => {
    const writes: { db: string; rp: string; points: readonly Point[]; precision: string }[] = [];
    const queries: string[] = [];
    const influx: InfluxAccess = {
      query: (_c, q) => (queries.push(q), Promise.resolve([])),
      write: (_c, db, rp, points, precision) => (
        writes.push({ db, rp, points, precision }),
        Promise.resolve()
      ),
    };
    const { task } = build(
      `stream |from().measurement('cpu')
  |influxDBOut().database('out').retentionPolicy('rp').measurement('m2').tag('k', 'v').precision('s')
    .buffer(2).flushInterval(10s).create()`,
      influx,
    );
    const out = task.nodes.find((x): x is InfluxDBOutNode => x instanceof InfluxDBOutNode)!;
    task.tick(BigInt(T0));
    for (let i = 0; i < 3; i++)
      task.write("db", "rp", {
        name: "cpu",
        tags: { host: "a" },
        fields: { v: i },
        time: BigInt(T0 + i * S),
      });
    await out.flush().then(
      () => undefined,
      () => undefined,
    );
    expect(writes).toHaveLength(2); // the size flush, then the explicit one
    expect(queries).toEqual([`CREATE DATABASE "out" WITH NAME "rp"`]);
    expect(writes[0]).toEqual({
      db: "out",
      rp: "rp",
      precision: "s",
      points: [
        { name: "m2", tags: { host: "a", k: "v" }, fields: { v: 0 }, time: BigInt(T0) },
        { name: "m2", tags: { host: "a", k: "v" }, fields: { v: 1 }, time: BigInt(T0 + S) },
      ],
    });
    task.write("db", "rp", { name: "cpu", tags: {}, fields: { v: 9 }, time: BigInt(T0 + 9 * S) });
    task.tick(BigInt(T0 + 5 * S));
    expect(out.buffered).toBe(1);
    task.tick(BigInt(T0 + 16 * S));
    expect(out.buffered).toBe(0);
    await task.stop();
    expect(writes).toHaveLength(3);
  });

  it("counts failed writes as errors", async () => {
    const influx: InfluxAccess = {
      query: () => Promise.resolve([]),
      write: () => Promise.reject(new Error("503")),
    };
    const { task, logs } = build(`stream |from() |influxDBOut().database('out').buffer(1)`, influx);
    task.write("db", "rp", { name: "cpu", tags: {}, fields: { v: 1 }, time: BigInt(T0) });
    await task.stop();
    const out = task.nodes.find((x): x is InfluxDBOutNode => x instanceof InfluxDBOutNode)!;
    expect(out.stats.errors).toBe(1);
    expect(out.written).toEqual({ points: 0, failures: 1 });
    expect(logs).toContain("503");
  });
});

function cfg(over: Partial<InfluxDBConfig> = {}): InfluxDBConfig {
  return {
    enabled: true,
    name: "default",
    default: false,
    urls: ["http://127.0.0.1:8086"],
    username: "",
    password: "",
    token: "",
    sslCa: "",
    sslCert: "",
    sslKey: "",
    insecureSkipVerify: false,
    timeout: 0,
    disableSubscriptions: false,
    subscriptionProtocol: "http",
    subscriptionMode: "cluster",
    subscriptions: {},
    excludedSubscriptions: { _kapacitor: ["autogen"] },
    kapacitorHostname: "",
    httpPort: 0,
    startupTimeout: 0,
    subscriptionsSyncInterval: 0,
    ...over,
  };
}

describe("subscriptions", () => {
  it("chooses db/rps and the destination from the config", () => {
    const c = cfg({ subscriptions: { telegraf: ["autogen"] } });
    expect(wantsSubscription(c, "telegraf", "autogen")).toBe(true);
    expect(wantsSubscription(c, "other", "autogen")).toBe(false);
    expect(wantsSubscription(cfg(), "_kapacitor", "autogen")).toBe(false);
    expect(
      subscriptionDestination(
        cfg({ kapacitorHostname: "tickd.local", httpPort: 9999 }),
        "http://127.0.0.1:9092",
      ),
    ).toBe("http://tickd.local:9999");
    expect(pickCluster([cfg({ name: "a" }), cfg({ name: "b", default: true })], undefined).name).toBe("b");
    expect(() => pickCluster([cfg()], "nope")).toThrow(/unknown InfluxDB cluster/);
  });

  it("creates missing, recreates moved and drops unwanted subscriptions", async () => {
    const statements: string[] = [];
    const answer = (q: string): RawResult[] => {
      if (q === "SHOW DATABASES")
        return [
          {
            series: [{ name: "databases", columns: ["name"], values: [["telegraf"], ["_kapacitor"], ["x"]] }],
          },
        ];
      if (q.startsWith("SHOW RETENTION POLICIES"))
        return [
          { series: [{ columns: ["name", "duration", "default"], values: [["autogen", "0s", true]] }] },
        ];
      if (q === "SHOW SUBSCRIPTIONS")
        return [
          {
            series: [
              {
                name: "x",
                columns: ["retention_policy", "name", "mode", "destinations"],
                values: [["autogen", "kapacitor-c1", "ALL", ["http://old:1"]]],
              },
              {
                name: "_kapacitor",
                columns: ["retention_policy", "name", "mode", "destinations"],
                values: [["autogen", "kapacitor-c1", "ALL", ["http://127.0.0.1:9092"]]],
              },
            ],
          },
        ];
      statements.push(q);
      return [{}];
    };
    const client = { queryRaw: (q: string) => Promise.resolve(answer(q)) } as unknown as InfluxClient;
    const m = manageSubscriptions({
      configs: [cfg()],
      selfUrl: "http://127.0.0.1:9092",
      clusterId: "c1",
      logger: { log: () => undefined },
      clientFor: () => client,
    });
    const r = await m.sync();
    expect(r.errors).toEqual([]);
    expect(statements).toEqual([
      `DROP SUBSCRIPTION "kapacitor-c1" ON "x"."autogen"`,
      `DROP SUBSCRIPTION "kapacitor-c1" ON "_kapacitor"."autogen"`,
      `CREATE SUBSCRIPTION "kapacitor-c1" ON "telegraf"."autogen" DESTINATIONS ALL 'http://127.0.0.1:9092'`,
      `CREATE SUBSCRIPTION "kapacitor-c1" ON "x"."autogen" DESTINATIONS ALL 'http://127.0.0.1:9092'`,
    ]);
    statements.length = 0;
    await m.stop(true);
    expect(statements).toEqual([
      `DROP SUBSCRIPTION "kapacitor-c1" ON "x"."autogen"`,
      `DROP SUBSCRIPTION "kapacitor-c1" ON "_kapacitor"."autogen"`,
    ]);
  });
});
