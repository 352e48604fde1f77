/**
 * Against a real InfluxDB 1.x (scripts/services.sh up, or INFLUX_URL): subscriptions made by
 * tickd deliver InfluxDB writes to tickd's /write; a batch task alerts on an InfluxQL
 * aggregate; influxDBOut writes points InfluxDB can answer for.
 *
 * tickd runs in-process (real TaskManager + real createApiServer on a port), so each case
 * can look at the task manager directly; influxdb-daemon.test.ts drives the spawned daemon.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlertEvent } from "../../src/core/alert-event.js";
import type { InfluxDBConfig } from "../../src/config/types.js";
import { nowNs, wallClockNs } from "../../src/core/time.js";
import type { AlertSink } from "../../src/engine/context.js";
import { InhibitorRegistry } from "../../src/engine/inhibitors.js";
import { QueryNode } from "../../src/engine/nodes/query-node.js";
import { createApiServer } from "../../src/server/http/index.js";
import type { ApiServerDeps } from "../../src/server/http/types.js";
import { TaskManager } from "../../src/server/task-manager.js";
import { createInfluxAccess, createInfluxClient, type InfluxClient } from "../../src/sources/influxdb.js";
import { manageSubscriptions } from "../../src/sources/influxdb-subscriptions.js";
import { openStore } from "../../src/store/index.js";
import { runScript } from "../support/engine.js";

const S = 1e9;

async function influxUrl(): Promise<string> {
  const url = process.env["INFLUX_URL"] ?? "http://127.0.0.1:8086";
  try {
    const res = await fetch(`${url}/ping`);
    if (res.status === 204 || res.status === 200) return url;
    throw new Error(`status ${res.status}`);
  } catch (e) {
    throw new Error(
      `InfluxDB is not reachable at ${url} (${(e as Error).message}): start it with \`scripts/services.sh up\` or set INFLUX_URL`,
    );
  }
}

function cfg(url: string, over: Partial<InfluxDBConfig> = {}): InfluxDBConfig {
  return {
    enabled: true,
    name: "default",
    default: true,
    urls: [url],
    username: "",
    password: "",
    token: "",
    sslCa: "",
    sslCert: "",
    sslKey: "",
    insecureSkipVerify: false,
    timeout: 10 * S,
    disableSubscriptions: false,
    subscriptionProtocol: "http",
    subscriptionMode: "cluster",
    subscriptions: {},
    excludedSubscriptions: {},
    kapacitorHostname: "",
    httpPort: 0,
    startupTimeout: 0,
    subscriptionsSyncInterval: 0,
    ...over,
  };
}

const logger = { log: () => undefined };

async function waitFor(pred: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

let url: string;
let client: InfluxClient;
const db = `tickd_it_${randomBytes(4).toString("hex")}`;

beforeAll(async () => {
  url = await influxUrl();
  client = createInfluxClient({ urls: [url] });
  await client.query(`CREATE DATABASE "${db}"`);
});

afterAll(async () => {
  if (client === undefined) return;
  await client.query(`DROP DATABASE "${db}"`).catch(() => undefined);
  await client.query(`DROP DATABASE "${db}_out"`).catch(() => undefined);
  await client.close();
});

describe("InfluxDB subscriptions", () => {
  it("deliver writes made to InfluxDB to tickd, which alerts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tickd-influx-"));
    const store = openStore(join(dir, "tickd.db"));
    const events: AlertEvent[] = [];
    const alerts: AlertSink = { collect: (e) => void events.push(e) };
    const tasks = new TaskManager({
      store,
      alerts,
      logger,
      serverInfo: { Hostname: "h", ClusterID: "c", ServerID: "s" },
      inhibitors: new InhibitorRegistry(),
      now: wallClockNs,
    });
    tasks.define({
      id: "sub",
      script: `dbrp "${db}"."autogen"\nstream |from().measurement('cpu') |alert().crit(lambda: "v" > 90)`,
      status: "enabled",
    });
    const api = createApiServer({
      tasks,
      topics: {} as ApiServerDeps["topics"],
      redactHandlerOptions: (_k, o) => o,
      logger,
      version: "test",
    });
    const server = await api.listen("127.0.0.1:0");
    const clusterId = `it${randomBytes(3).toString("hex")}`;
    const subs = manageSubscriptions({
      configs: [cfg(url, { subscriptions: { [db]: ["autogen"] } })],
      selfUrl: `http://127.0.0.1:${server.port}`,
      clusterId,
      logger,
    });
    try {
      const report = await subs.sync();
      expect(report.errors).toEqual([]);
      expect(report.created).toEqual([`default:${db}.autogen`]);
      // A second pass finds it in place.
      expect((await subs.sync()).created).toEqual([]);
      // The subscription is picked up by InfluxDB's subscriber service asynchronously.
      await waitFor(() => {
        void client.write(db, "autogen", [
          { name: "cpu", tags: { host: "a" }, fields: { v: 95 }, time: nowNs() },
        ]);
        return events.length > 0;
      });
      expect(events[0]!.state.level).toBe(3);
      expect(events[0]!.data.tags).toEqual({ host: "a" });
    } finally {
      await subs.stop(true);
      await server.close();
      tasks.stopAll();
      store.close();
    }
    const left = await client.queryRaw("SHOW SUBSCRIPTIONS");
    const names = (left[0]?.series ?? []).flatMap((s) =>
      (s.values ?? []).map((v) => `${s.name}:${String(v[1])}`),
    );
    expect(names).not.toContain(`${db}:kapacitor-${clusterId}`);
  });
});

function buildTask(script: string, influx: ReturnType<typeof createInfluxAccess>) {
  const r = runScript(script, influx !== undefined ? { name: "t", influx } : { name: "t" });
  return { task: r.task, events: r.events, logs: r.messages };
}

describe("batch tasks on InfluxQL", () => {
  it("alert on aggregated data", async () => {
    const now = Math.floor(Date.now() / 1000) * S;
    const points = [];
    for (let i = 1; i <= 6; i++) {
      points.push({
        name: "load",
        tags: { host: "busy" },
        fields: { v: 80 + i },
        time: BigInt(now - i * 10 * S),
      });
      points.push({
        name: "load",
        tags: { host: "idle" },
        fields: { v: 5 + i },
        time: BigInt(now - i * 10 * S),
      });
    }
    await client.write(db, "autogen", points, "s");
    const influx = createInfluxAccess([cfg(url)]);
    const { task, events, logs } = buildTask(
      `dbrp "${db}"."autogen"
batch
  |query('SELECT mean("v") AS v FROM "${db}"."autogen"."load"')
    .period(5m).every(10s).groupBy('host')
  |alert().crit(lambda: "v" > 50)`,
      influx,
    );
    try {
      task.tick(BigInt(now));
      task.tick(BigInt(now + 10 * S));
      const q = task.nodes.find((n): n is QueryNode => n instanceof QueryNode)!;
      await q.idle();
      expect(logs).toEqual([]);
      expect(q.queried.batches).toBe(2);
      expect(events).toHaveLength(1);
      const e = events[0]!;
      expect(e.data.tags).toEqual({ host: "busy" });
      expect(e.state.level).toBe(3);
      expect(e.data.fields["v"]).toBeCloseTo(83.5);
    } finally {
      await task.stop();
      await influx.close();
    }
  });
});

describe("influxDBOut", () => {
  it("writes points InfluxDB can answer for", async () => {
    const influx = createInfluxAccess([cfg(url)]);
    const out = `${db}_out`;
    const { task } = buildTask(
      `stream |from().measurement('cpu') |influxDBOut().database('${out}').measurement('copied').tag('via', 'tickd').create().buffer(100)`,
      influx,
    );
    const t = Math.floor(Date.now() / 1000) * S;
    try {
      task.write("x", "y", {
        name: "cpu",
        tags: { host: "a" },
        fields: { v: 1.5, n: 3n, s: "ok" },
        time: BigInt(t),
      });
      task.write("x", "y", {
        name: "cpu",
        tags: { host: "b" },
        fields: { v: 2.5, n: 4n, s: "ok" },
        time: BigInt(t + S),
      });
      await task.stop();
      const series = await client.query(`SELECT * FROM "${out}"."autogen"."copied" GROUP BY *`);
      const rows = series.map((s) => [s.tags, s.points.map((p) => [p.time, p.fields])]);
      expect(rows).toEqual([
        [{ host: "a", via: "tickd" }, [[BigInt(t), { n: 3, s: "ok", v: 1.5 }]]],
        [{ host: "b", via: "tickd" }, [[BigInt(t + S), { n: 4, s: "ok", v: 2.5 }]]],
      ]);
    } finally {
      await influx.close();
    }
  });
});
