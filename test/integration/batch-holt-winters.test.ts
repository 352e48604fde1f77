/**
 * `|holtWinters()` / `|holtWintersWithFit()` on batches against the real InfluxDB 1.x's
 * HOLT_WINTERS() / HOLT_WINTERS_WITH_FIT() on the same data (Kapacitor's holtWinters nodes run
 * InfluxDB's reducer; mirrors TestStream_HoltWinters / TestStream_HoltWintersWithFit in
 * integrations/streamer_test.go, here on a batch query). Data of our own: a season of 4 on a
 * rising trend with small deterministic wiggles, one point per 1s bucket, written at bucket
 * starts so that InfluxDB's first() per bucket is the raw value tickd sees.
 *
 * Tolerance: 1e-9 relative. Both sides run the same float64 arithmetic in the same order;
 * what is left is libm's pow() in the damping sum.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpOutNode } from "../../src/engine/nodes/http-out-node.js";
import { QueryNode } from "../../src/engine/nodes/query-node.js";
import { createInfluxAccess, createInfluxClient, type InfluxClient } from "../../src/sources/influxdb.js";
import { runScript } from "../support/engine.js";
import { influxConfig, influxUrl } from "../support/influx.js";

const S = 1e9;
const db = `tickd_hw_${randomBytes(4).toString("hex")}`;
// A fixed hour in 2024, whole seconds.
const T0 = 1_717_200_000 * S;
const N = 24;

let url: string;
let client: InfluxClient;

function value(i: number): number {
  const season = [0, 6, -3, -9][i % 4]!;
  return 100 + 0.75 * i + season + ((i * 37) % 7) / 10;
}

beforeAll(async () => {
  url = await influxUrl();
  client = createInfluxClient({ urls: [url] });
  await client.query(`CREATE DATABASE "${db}"`);
  const points = [];
  for (let i = 0; i < N; i++) {
    points.push({ name: "hw", tags: { host: "a" }, fields: { v: value(i) }, time: BigInt(T0 + i * S) });
    // An integer field: Kapacitor feeds integers to the reducer as floats.
    points.push({
      name: "hwi",
      tags: {},
      fields: { n: BigInt(Math.round(value(i) * 10)) },
      time: BigInt(T0 + i * S),
    });
  }
  await client.write(db, "autogen", points, "ns");
});

afterAll(async () => {
  if (client === undefined) return;
  await client.query(`DROP DATABASE "${db}"`).catch(() => undefined);
  await client.close();
});

async function influxRows(q: string): Promise<[number, number][]> {
  const series = await client.query(q);
  expect(series).toHaveLength(1);
  const fieldName = Object.keys(series[0]!.points[0]!.fields)[0]!;
  return series[0]!.points.map((p) => [Number(p.time), Number(p.fields[fieldName])]);
}

async function tickdRows(script: string): Promise<[number, number][]> {
  const influx = createInfluxAccess([influxConfig(url)]);
  const r = runScript(script, { influx });
  try {
    const q = r.task.nodes.find((n): n is QueryNode => n instanceof QueryNode)!;
    q.fire(BigInt(T0 + N * S)); // stop = T0 + 24s, start = stop − period
    await q.idle();
    expect(r.messages).toEqual([]);
    const out = r.task.nodes.find((n): n is HttpOutNode => n instanceof HttpOutNode)!.result();
    expect(out.series).toHaveLength(1);
    const s = out.series![0]!;
    expect(s.columns[1]).toBe("holtWinters");
    return s.values.map((row) => [Number(row[0]), Number(row[1])]);
  } finally {
    await r.task.stop();
    await influx.close();
  }
}

function expectClose(got: [number, number][], want: [number, number][]): void {
  expect(got.map((r) => r[0])).toEqual(want.map((r) => r[0]));
  got.forEach(([, v], i) => {
    const w = want[i]![1];
    expect(Math.abs(v - w), `row ${i}: ${v} vs ${w}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(w)));
  });
}

const range = `time >= ${T0} AND time < ${T0 + N * S}`;

describe("holtWinters on a batch matches InfluxDB's HOLT_WINTERS", () => {
  it("seasonal (m=4): 6 forecasts after the last point", async () => {
    const want = await influxRows(
      `SELECT holt_winters(first("v"), 6, 4) FROM "${db}"."autogen"."hw" WHERE ${range} GROUP BY time(1s)`,
    );
    expect(want).toHaveLength(6);
    const got = await tickdRows(`batch
  |query('SELECT "v" FROM "${db}"."autogen"."hw"').period(24s).every(1m)
  |holtWinters('v', 6, 4, 1s)
  |httpOut('hw')`);
    expectClose(got, want);
    expect(got[0]![0]).toBe(T0 + N * S); // last point + interval
  });

  it("non-seasonal (m=0) with fit: fitted values from the first point, then 3 forecasts", async () => {
    const want = await influxRows(
      `SELECT holt_winters_with_fit(first("v"), 3, 0) FROM "${db}"."autogen"."hw" WHERE ${range} GROUP BY time(1s)`,
    );
    expect(want).toHaveLength(N + 3);
    const got = await tickdRows(`batch
  |query('SELECT "v" FROM "${db}"."autogen"."hw"').period(24s).every(1m)
  |holtWintersWithFit('v', 3, 0, 1s)
  |httpOut('hw')`);
    expectClose(got, want);
  });

  it("integer field, seasonal with fit", async () => {
    const want = await influxRows(
      `SELECT holt_winters_with_fit(first("n"), 4, 4) FROM "${db}"."autogen"."hwi" WHERE ${range} GROUP BY time(1s)`,
    );
    const got = await tickdRows(`batch
  |query('SELECT "n" FROM "${db}"."autogen"."hwi"').period(24s).every(1m)
  |holtWintersWithFit('n', 4, 4, 1s)
  |httpOut('hw')`);
    expectClose(got, want);
  });
});
