/**
 * A 1 ms `.timeout()` on `|httpPost()` and on `alert().post()` ends a request the endpoint is
 * slow to answer (Kapacitor's TestBatch_HttpPost_Timeout and TestBatch_AlertPost_Timeout): a
 * spawned tickd runs batch tasks against the real InfluxDB 1.x and posts to a local server
 * that holds every answer until the test is over. What is pinned is the outcome, never a
 * duration: the request reached the server, the client gave up on it, the failure is logged
 * and counted, and the task goes on.
 *
 * Kapacitor (http_post.go) logs "failed to POST data" and passes the batch on, with status 0
 * in `.codeField()`; tickd does the same. Kapacitor's alert post handler logs "failed to POST
 * alert data" and drops the notification; tickd's delivery journal retries a timed-out request
 * (DESIGN.md §8) and records it as failed once `[delivery] max-attempts` are used up.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInfluxClient, type InfluxClient } from "../../src/sources/influxdb.js";
import { useDaemons, type TickdProcess } from "../support/daemon.js";
import { influxUrl } from "../support/influx.js";

const { tickd, receiver } = useDaemons();
const db = `tickd_pt_${randomBytes(4).toString("hex")}`;
let url: string;
let client: InfluxClient;
/** Settles when the test file is done: the receiver's held answers go out then. */
let release: () => void = () => undefined;
const late = new Promise<void>((r) => (release = r));

beforeAll(async () => {
  url = await influxUrl();
  client = createInfluxClient({ urls: [url] });
  await client.query(`CREATE DATABASE "${db}"`);
  // Within the query's hour, whenever the daemon's first tick comes.
  const t = BigInt(Date.now() - 60_000) * 1_000_000n;
  await client.write(
    db,
    "autogen",
    [
      { name: "cpu", tags: { cpu: "cpu0" }, fields: { value: 95 }, time: t },
      { name: "cpu", tags: { cpu: "cpu1" }, fields: { value: 50 }, time: t },
    ],
    "ns",
  );
});

afterAll(async () => {
  release();
  if (client === undefined) return;
  await client.query(`DROP DATABASE "${db}"`).catch(() => undefined);
  await client.close();
});

const INFLUX = (u: string) => `
[[influxdb]]
  name = "local"
  enabled = true
  default = true
  urls = ["${u}"]
  disable-subscriptions = true
`;

const QUERY = () =>
  `dbrp "${db}"."autogen"
batch|query('SELECT mean("value") AS "value" FROM "${db}"."autogen"."cpu"').period(1h).every(1s).groupBy('cpu')`;

async function taskJson(t: TickdProcess, id: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${t.url}/kapacitor/v1/tasks/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** A node's figures from the task JSON (`stats.node-stats`), found by its name's prefix. */
async function nodeStats(t: TickdProcess, id: string, prefix: string): Promise<Record<string, number>> {
  const stats = (await taskJson(t, id))["stats"] as { "node-stats": Record<string, Record<string, number>> };
  const name = Object.keys(stats["node-stats"]).find((n) => n.startsWith(prefix));
  expect(name, `no ${prefix}* node in ${JSON.stringify(stats)}`).toBeDefined();
  return stats["node-stats"][name!]!;
}

/** Polls (bounded) until `check` returns a value. */
async function eventually<T>(check: () => Promise<T | undefined>, what: string, tries = 100): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("a 1ms .timeout() ends a slow request", () => {
  it("TestBatch_HttpPost_Timeout: httpPost logs the failure, counts it, and passes each batch on with code 0", async () => {
    const rx = await receiver({ fallback: { after: late } });
    const t = await tickd({
      extraConfig: INFLUX(url),
      tasks: {
        "hp.tick": `${QUERY()}
  |httpPost('${rx.url}/rows').timeout(1ms).codeField('code')
  |httpOut('rows')`,
      },
    });
    // Both groups' batches reached the server as models.Result rows...
    const reqs = await rx.waitFor(2, 20_000);
    const bodies = reqs.slice(0, 2).map((r) => JSON.parse(r.body) as { series: { tags: unknown }[] });
    expect(bodies.map((b) => b.series[0]!.tags)).toEqual([{ cpu: "cpu0" }, { cpu: "cpu1" }]);
    // ...none was answered, and the client gave up: logged, counted, passed on with code 0.
    const failed = await t.waitForLog((l) => String(l["msg"]).startsWith("failed to POST data"), 20_000);
    expect(failed).toMatchObject({ task: "hp", level: 50 });
    expect(failed["msg"]).toBe("failed to POST data: no response within 1ms");
    const series = await eventually(async () => {
      const res = await fetch(`${t.url}/kapacitor/v1/tasks/hp/rows`);
      const body = (await res.json()) as {
        series: { tags: unknown; columns: string[]; values: unknown[][] }[] | null;
      };
      return body.series !== null && body.series.length === 2 ? body.series : undefined;
    }, "both groups in httpOut");
    expect(series.map((s) => [s.tags, s.columns, s.values[0]!.slice(1)])).toEqual([
      [{ cpu: "cpu0" }, ["time", "code", "value"], [0, 95]],
      [{ cpu: "cpu1" }, ["time", "code", "value"], [0, 50]],
    ]);
    expect((await nodeStats(t, "hp", "http_post")).errors).toBeGreaterThanOrEqual(2);
    // The task goes on querying: later batches are posted too.
    await rx.waitFor(4, 20_000);
    expect(rx.requests.every((r) => r.answeredAt === undefined)).toBe(true);
  });

  it("TestBatch_AlertPost_Timeout: the alert is posted, each attempt ends by the timeout, the delivery fails after max-attempts", async () => {
    const rx = await receiver({ fallback: { after: late } });
    const t = await tickd({
      extraConfig: `${INFLUX(url)}
[delivery]
  max-attempts = 2
  backoff-initial = "20ms"
  backoff-max = "50ms"
`,
      tasks: {
        "ap.tick": `${QUERY()}
  |alert()
    .id('cpu/{{ index .Tags "cpu" }}')
    .crit(lambda: "value" > 90)
    .stateChangesOnly()
    .levelField('level')
    .details('')
    .post('${rx.url}/alert').timeout(1ms)`,
      },
    });
    const [first] = await rx.waitFor(1, 20_000);
    expect(JSON.parse(first!.body)).toMatchObject({ id: "cpu/cpu0", level: "CRITICAL" });
    const row = await eventually(async () => {
      const res = await fetch(`${t.url}/tickd/v1/deliveries`);
      const rows = ((await res.json()) as { deliveries: Record<string, unknown>[] }).deliveries;
      return rows.find((d) => d["alert_id"] === "cpu/cpu0" && d["status"] === "failed");
    }, "the failed delivery");
    expect(row).toMatchObject({ attempts: 2 });
    expect(row).toMatchObject({ last_error: "E_HANDLER_TIMEOUT: no response within 1ms", last_status: 0 });
    // Both attempts reached the server, neither was answered; cpu1 never alerted.
    expect(rx.requests).toHaveLength(2);
    expect(rx.requests.every((r) => r.answeredAt === undefined)).toBe(true);
    expect(rx.requests.map((r) => (JSON.parse(r.body) as { id: string }).id)).toEqual([
      "cpu/cpu0",
      "cpu/cpu0",
    ]);
    // The task was never held up: it keeps querying every second.
    const emitted = (await nodeStats(t, "ap", "query")).emitted ?? 0;
    await eventually(
      async () => (((await nodeStats(t, "ap", "query")).emitted ?? 0) > emitted ? true : undefined),
      "a later query",
    );
  });
});
