/**
 * Batch and query recordings against a real InfluxDB 1.x (scripts/services.sh up, or
 * INFLUX_URL) through a spawned tickd and the real tickctl, as Kapacitor's `record batch`,
 * `record query` and `replay`: points written to InfluxDB half an hour ago are recorded by a
 * batch task's queries over that range (POST /kapacitor/v1/recordings/batch) and by one query
 * as a batch and as a stream recording (POST /kapacitor/v1/recordings/query), kept as
 * `.brpl` / `.srpl` files, and replayed through fresh task instances, whose alerts reach a
 * local receiver. The live tasks see none of it (their queries cover the last minute only).
 */
import { existsSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runBuilt } from "../support/cli.js";
import { startTickd, type TickdProcess } from "../support/daemon.js";
import { startReceiver, type Receiver } from "../support/receiver.js";
import { influxUrl, uniqueName } from "../support/services.js";

let tickd: TickdProcess | undefined;
let hook: Receiver | undefined;
afterAll(async () => {
  await tickd?.stop("SIGKILL");
  await hook?.close();
});

const ctl = (t: TickdProcess, ...args: string[]) => runBuilt("tickctl", [...args, "-url", t.url]);

async function influxql(url: string, q: string): Promise<void> {
  const res = await fetch(`${url}/query?q=${encodeURIComponent(q)}`, { method: "POST" });
  expect(res.status, await res.clone().text()).toBe(200);
}

interface Recording {
  id: string;
  type: string;
  status: string;
  size: number;
  error: string;
}

/** GET on a fresh connection: the tickctl runs between requests outlast keep-alive. */
function recording(t: TickdProcess, id: string): Promise<Recording> {
  return new Promise((resolve, reject) => {
    get(`${t.url}/kapacitor/v1/recordings/${id}`, { agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve(JSON.parse(text) as Recording));
    }).on("error", reject);
  });
}

describe("batch and query recordings from InfluxDB", () => {
  it("records a batch task's queries and one query, and replays them through fresh task instances", async () => {
    const url = influxUrl();
    const db = uniqueName("tickd_rec").replace(/[^a-zA-Z0-9_]/g, "_");
    await influxql(url, `CREATE DATABASE "${db}"`);
    // Half an hour ago, on a minute boundary plus 10s and 20s: one minute holds both points.
    const minute = Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000;
    const t0 = minute + 10_000;
    const w = await fetch(`${url}/write?db=${db}&precision=ms`, {
      method: "POST",
      body: `cpu,host=a usage_idle=5 ${t0}\ncpu,host=b usage_idle=50 ${t0}\ncpu,host=a usage_idle=7 ${t0 + 10_000}\n`,
    });
    expect(w.status).toBe(204);
    // A time past 2^53 with nine fraction digits (issue 12): recorded and replayed exactly.
    const wx = await fetch(`${url}/write?db=${db}`, {
      method: "POST",
      body: "exact,host=x usage_idle=1 1700000000123456789\n",
    });
    expect(wx.status).toBe(204);

    hook = await startReceiver();
    tickd = await startTickd({
      extraConfig: [
        "[[influxdb]]",
        '  name = "local"',
        "  enabled = true",
        "  default = true",
        `  urls = ["${url}"]`,
        "  disable-subscriptions = true",
      ].join("\n"),
      tasks: {
        "batchcpu.tick": `dbrp "${db}"."autogen"
batch
    |query('SELECT mean("usage_idle") AS usage_idle FROM "${db}"."autogen"."cpu"')
        .period(1m)
        .every(1m)
        .align()
        .groupBy('host')
    |alert()
        .id('batch/{{ index .Tags "host" }}')
        .crit(lambda: "usage_idle" < 10.0)
        .post('${hook.url}/batch')
`,
        "streamcpu.tick": `dbrp "${db}"."autogen"
stream
    |from().measurement('cpu').groupBy('host')
    |alert()
        .id('stream/{{ index .Tags "host" }}')
        .crit(lambda: "usage_idle" < 10.0)
        .post('${hook.url}/stream')
`,
        "exact.tick": `dbrp "${db}"."autogen"
stream
    |from().measurement('exact')
    |alert()
        .crit(lambda: "usage_idle" < 10.0)
        .post('${hook.url}/exact')
`,
      },
    });
    const iso = (ms: number) => new Date(ms).toISOString();

    // record batch: the task's query for each minute in the range, as Kapacitor's CLI does it.
    const rb = ctl(
      tickd,
      "record",
      "batch",
      "-task",
      "batchcpu",
      "-start",
      iso(minute - 60_000),
      "-stop",
      iso(minute + 120_000),
      "-recording-id",
      "rb",
    );
    expect(rb.stderr).toBe("");
    expect(rb.status).toBe(0);
    expect(rb.stdout).toBe("rb\n");
    expect(await recording(tickd, "rb")).toMatchObject({
      id: "rb",
      type: "batch",
      status: "finished",
      error: "",
    });
    expect((await recording(tickd, "rb")).size).toBeGreaterThan(0);
    expect(existsSync(join(tickd.dir, "data", "recordings", "rb.brpl"))).toBe(true);

    const rep = ctl(
      tickd,
      "replay",
      "-task",
      "batchcpu",
      "-recording",
      "rb",
      "-rec-time",
      "-replay-id",
      "pb",
    );
    expect(rep.stderr).toBe("");
    expect(rep.status).toBe(0);
    const [alert] = await hook.waitFor(1, 15_000);
    expect(alert!.path).toBe("/batch");
    const body = JSON.parse(alert!.body) as { id: string; level: string; time: string; data: unknown };
    expect(body).toMatchObject({ id: "batch/a", level: "CRITICAL" });
    // The minute's batch, at its recorded time: the mean of 5 and 7.
    expect(body.data).toMatchObject({
      series: [
        {
          name: "cpu",
          tags: { host: "a" },
          columns: ["time", "usage_idle"],
          values: [[iso(minute).replace(".000Z", "Z"), 6]],
        },
      ],
    });
    expect(hook.requests).toHaveLength(1);

    // record query -type batch: one batch per series, replayed to the batch task.
    const q = `SELECT usage_idle FROM "${db}"."autogen"."cpu" WHERE time >= '${iso(minute)}' AND time < '${iso(minute + 60_000)}' GROUP BY host`;
    const rq = ctl(tickd, "record", "query", "-query", q, "-type", "batch", "-recording-id", "rq");
    expect(rq.stderr).toBe("");
    expect(rq.status).toBe(0);
    expect(await recording(tickd, "rq")).toMatchObject({ type: "batch", status: "finished" });
    expect(ctl(tickd, "replay", "-task", "batchcpu", "-recording", "rq", "-rec-time").status).toBe(0);
    const second = (await hook.waitFor(2, 15_000))[1]!;
    expect(JSON.parse(second.body)).toMatchObject({ id: "batch/a", level: "CRITICAL" });

    // record query -type stream: the points as writes to "db"."autogen", replayed to the stream task.
    const rs = ctl(tickd, "record", "query", "-query", q, "-type", "stream", "-recording-id", "rs");
    expect(rs.stderr).toBe("");
    expect(rs.status).toBe(0);
    expect(await recording(tickd, "rs")).toMatchObject({ type: "stream", status: "finished" });
    expect(existsSync(join(tickd.dir, "data", "recordings", "rs.srpl"))).toBe(true);
    // A stream recording does not go to a batch task.
    const wrong = ctl(tickd, "replay", "-task", "batchcpu", "-recording", "rs");
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toBe("tickctl: cannot replay a stream recording to batch task batchcpu\n");
    expect(ctl(tickd, "replay", "-task", "streamcpu", "-recording", "rs", "-rec-time").status).toBe(0);
    const streamAlert = (await hook.waitFor(3, 15_000))[2]!;
    expect(streamAlert.path).toBe("/stream");
    expect(JSON.parse(streamAlert.body)).toMatchObject({ id: "stream/a", level: "CRITICAL" });

    // record query of a point at 1700000000123456789: the alert carries all nine digits.
    const qx = `SELECT usage_idle FROM "${db}"."autogen"."exact" WHERE time >= '2023-11-14T22:13:20Z' AND time < '2023-11-14T22:13:21Z' GROUP BY host`;
    const rx = ctl(tickd, "record", "query", "-query", qx, "-type", "stream", "-recording-id", "rx");
    expect(rx.stderr).toBe("");
    expect(rx.status).toBe(0);
    expect(ctl(tickd, "replay", "-task", "exact", "-recording", "rx", "-rec-time").status).toBe(0);
    // The stream task posts every CRITICAL point, so count on nothing but the path.
    for (let i = 0; i < 150 && !hook.requests.some((r) => r.path === "/exact"); i++)
      await new Promise((r) => setTimeout(r, 100));
    const exact = hook.requests.find((r) => r.path === "/exact");
    expect(exact, "no alert from the exact task within 15 s").toBeDefined();
    const stamp = "2023-11-14T22:13:20.123456789Z";
    expect(JSON.parse(exact!.body)).toMatchObject({
      level: "CRITICAL",
      time: stamp,
      data: { series: [{ name: "exact", values: [[stamp, 1]] }] },
    });

    const list = ctl(tickd, "list", "recordings");
    expect(list.stdout).toMatch(/^rb\s+batch\s+finished/m);
    expect(list.stdout).toMatch(/^rs\s+stream\s+finished/m);
    expect(ctl(tickd, "delete", "recordings", "rb").status).toBe(0);
    expect(existsSync(join(tickd.dir, "data", "recordings", "rb.brpl"))).toBe(false);

    // A query InfluxDB refuses fails the recording with InfluxDB's reason.
    const bad = ctl(
      tickd,
      "record",
      "query",
      "-query",
      `SELECT nope( FROM "${db}"."autogen"."cpu"`,
      "-type",
      "batch",
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^tickctl: recording \S+ failed: .*error parsing query/);

    await influxql(url, `DROP DATABASE "${db}"`);
  }, 240_000);
});
