/**
 * A stream task's `|influxDBOut()` against the real InfluxDB 1.x (scripts/services.sh up, or
 * INFLUX_URL): Kapacitor's TestStream_InfluxDBOut, TestStream_InfluxDBOut_CreateDatabase and
 * TestStream_InfluxDBOut_CreateDatabaseAndRP (integrations/streamer_test.go, influxdb_out.go),
 * with data of our own. Kapacitor's tests read the request a mock InfluxDB got; here InfluxDB
 * answers for what it stored: the database and retention policy the points landed in, the
 * measurement, the tags, the time after `.precision()`, the field's type, and the database
 * and policy `.create()` made.
 *
 * influxdb_out.go runs `CREATE DATABASE` (`WITH NAME rp`) when the task starts, before any
 * data — the CreateDatabase tests send none — so creating only before the first write would
 * leave InfluxDB without the database.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InfluxDBOutNode } from "../../src/engine/nodes/influxdb-out-node.js";
import { createInfluxAccess, createInfluxClient, type InfluxClient } from "../../src/sources/influxdb.js";
import { runScript } from "../support/engine.js";
import { influxConfig, influxUrl } from "../support/influx.js";

const S = 1_000_000_000n;
const base = `tickd_kout_${randomBytes(4).toString("hex")}`;
/** 2024-06-01T00:00:00Z. */
const T0 = 1_717_200_000n * S;

let url: string;
let client: InfluxClient;
const made: string[] = [];

beforeAll(async () => {
  url = await influxUrl();
  client = createInfluxClient({ urls: [url] });
});

afterAll(async () => {
  if (client === undefined) return;
  for (const db of made) await client.query(`DROP DATABASE "${db}"`).catch(() => undefined);
  await client.close();
});

/** Runs `script` in-process with the InfluxDB access the daemon builds; `drive` feeds it. */
async function runStream(script: string, drive: (r: ReturnType<typeof runScript>) => Promise<void> | void) {
  const influx = createInfluxAccess([influxConfig(url)]);
  const r = runScript(script, { influx });
  try {
    await drive(r);
  } finally {
    await r.task.stop();
    await influx.close();
  }
  return r;
}

async function databases(): Promise<string[]> {
  const [s] = await client.queryRaw("SHOW DATABASES");
  return (s?.series?.[0]?.values ?? []).map((v) => String(v[0]));
}

/** Waits (bounded) until InfluxDB lists `db`: the create runs at start, not on a write. */
async function untilDatabase(db: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await databases()).includes(db)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`InfluxDB never listed database ${db} (has: ${(await databases()).join(", ")})`);
}

/** [name, duration, default] of each retention policy of `db`. */
async function policies(db: string): Promise<[string, string, boolean][]> {
  const [s] = await client.queryRaw(`SHOW RETENTION POLICIES ON "${db}"`);
  const cols = s?.series?.[0]?.columns ?? [];
  return (s?.series?.[0]?.values ?? []).map((v) => [
    String(v[cols.indexOf("name")]),
    String(v[cols.indexOf("duration")]),
    v[cols.indexOf("default")] === true,
  ]);
}

describe("stream influxDBOut (influxdb_out.go)", () => {
  it("TestStream_InfluxDBOut: database, retentionPolicy, measurement, tag, precision('s') and flushInterval", async () => {
    const db = `${base}_w`;
    made.push(db);
    await client.query(`CREATE DATABASE "${db}"`);
    await client.query(`CREATE RETENTION POLICY "kept" ON "${db}" DURATION INF REPLICATION 1`);
    const r = await runStream(
      `stream
  |from().measurement('disk').where(lambda: "host" == 'a')
  |window().period(10s).every(10s)
  |count('used')
  |influxDBOut()
    .database('${db}')
    .retentionPolicy('kept')
    .measurement('m')
    .precision('s')
    .tag('key', 'value')
    .flushInterval(1ms)`,
      async (r) => {
        // a and b every second from T0 + 0.4s; the window from a's first point closes at
        // T0 + 10.4s (a's 11th point): count 10, stamped with the window end.
        for (let k = 0n; k <= 10n; k++)
          for (const host of ["a", "b"])
            r.task.write("dbname", "rpname", {
              name: "disk",
              tags: { host },
              fields: { used: Number(k) * 1.5 },
              time: T0 + k * S + 400_000_000n,
            });
        const out = r.task.nodes.find((n): n is InfluxDBOutNode => n instanceof InfluxDBOutNode)!;
        expect(out.buffered).toBe(1);
        // flushInterval(1ms): the daemon's wall-clock tick writes the buffer once 1ms passed.
        const wall = 1_800_000_000n * S;
        r.task.tick(wall);
        r.task.tick(wall + 2_000_000n);
        expect(out.buffered).toBe(0);
        await out.flush();
      },
    );
    expect(r.messages).toEqual([]);
    const series = await client.query(`SELECT * FROM "${db}"."kept"."m" GROUP BY *`);
    // Only the node's tag (count keeps no host: no groupBy); precision('s') cuts the .4s.
    expect(series.map((s) => [s.name, s.tags, s.points.map((p) => [p.time, p.fields])])).toEqual([
      ["m", { key: "value" }, [[T0 + 10n * S, { count: 10 }]]],
    ]);
    // The point went to the policy given, not the database's default one.
    expect(await client.query(`SELECT * FROM "${db}"."autogen"."m"`)).toEqual([]);
    // count is an integer field, as Kapacitor's int64.
    const [keys] = await client.queryRaw(`SHOW FIELD KEYS ON "${db}" FROM "kept"."m"`);
    expect(keys?.series?.[0]?.values).toEqual([["count", "integer"]]);
  });

  it("TestStream_InfluxDBOut_CreateDatabase: create() makes the database when the task starts, with no data", async () => {
    const db = `${base}_c`;
    made.push(db);
    expect(await databases()).not.toContain(db);
    const r = await runStream(
      `stream
  |from().measurement('cpu').where(lambda: "host" == 'nonexistant')
  |influxDBOut()
    .create()
    .database('${db}')`,
      async (r) => {
        await untilDatabase(db);
        // A point the where() drops changes nothing.
        r.task.write("dbname", "rpname", { name: "cpu", tags: { host: "a" }, fields: { v: 1 }, time: T0 });
      },
    );
    expect(r.messages).toEqual([]);
    expect(await policies(db)).toEqual([["autogen", "0s", true]]);
    expect(await client.query(`SHOW MEASUREMENTS ON "${db}"`)).toEqual([]);
  });

  it("TestStream_InfluxDBOut_CreateDatabaseAndRP: create() with retentionPolicy makes both, the policy the default", async () => {
    const db = `${base}_crp`;
    made.push(db);
    const r = await runStream(
      `stream
  |from().measurement('cpu').where(lambda: "host" == 'nonexistant')
  |influxDBOut()
    .create()
    .database('${db}')
    .retentionPolicy('rp')`,
      () => untilDatabase(db),
    );
    expect(r.messages).toEqual([]);
    // CREATE DATABASE db WITH NAME rp: an infinite policy named rp, the database's default.
    expect(await policies(db)).toEqual([["rp", "0s", true]]);
  });
});
