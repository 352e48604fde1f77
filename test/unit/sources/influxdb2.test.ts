/**
 * The 2.x client against a local node:http server that checks the documented v2 requests (no
 * InfluxDB 2.x server can run here).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInflux2Client } from "../../../src/sources/influxdb2.js";

interface Seen {
  method: string;
  url: string;
  auth: string;
  type: string;
  body: string;
}

const seen: Seen[] = [];
let server: Server;
let url: string;

const CSV = [
  "#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string",
  "#group,false,false,true,true,false,false,true,true,true",
  "#default,_result,,,,,,,,",
  ",result,table,_start,_stop,_time,_value,_field,_measurement,host",
  ",,0,2024-01-01T00:00:00Z,2024-01-01T00:05:00Z,2024-01-01T00:01:00Z,1.5,usage,cpu,a",
  ",,0,2024-01-01T00:00:00Z,2024-01-01T00:05:00Z,2024-01-01T00:02:00.5Z,2.5,usage,cpu,a",
  ",,1,2024-01-01T00:00:00Z,2024-01-01T00:05:00Z,2024-01-01T00:01:00Z,9,usage,cpu,b",
  "",
].join("\r\n");

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (s += c));
    req.on("end", () => resolve(s));
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void body(req).then((b) => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        auth: req.headers.authorization ?? "",
        type: String(req.headers["content-type"] ?? ""),
        body: b,
      });
      if (req.headers.authorization !== "Token secret") {
        res
          .writeHead(401, { "content-type": "application/json" })
          .end('{"code":"unauthorized","message":"bad token"}');
        return;
      }
      if (req.method === "POST" && req.url?.startsWith("/api/v2/query")) {
        res.writeHead(200, { "content-type": "text/csv; charset=utf-8" }).end(CSV);
        return;
      }
      if (req.method === "POST" && req.url?.startsWith("/api/v2/write")) {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe("InfluxDB 2.x client", () => {
  it("posts Flux as JSON with a token and turns the CSV into series", async () => {
    seen.length = 0;
    const c = createInflux2Client({ url, token: "secret" });
    const series = await c.queryFlux('from(bucket: "b") |> range(start: -5m)', {
      org: "my-org",
      now: BigInt(Date.UTC(2024, 0, 1, 0, 5) * 1e6),
    });
    const req = seen[0]!;
    expect(req.method).toBe("POST");
    expect(new URL(req.url, url).pathname).toBe("/api/v2/query");
    expect(new URL(req.url, url).searchParams.get("org")).toBe("my-org");
    expect(req.auth).toBe("Token secret");
    expect(req.type).toContain("application/json");
    expect(JSON.parse(req.body)).toMatchObject({
      query: 'from(bucket: "b") |> range(start: -5m)',
      type: "flux",
      now: "2024-01-01T00:05:00Z",
    });
    const t = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;
    expect(series).toEqual([
      {
        name: "cpu",
        tags: { host: "a" },
        points: [
          { name: "cpu", tags: { host: "a" }, fields: { usage: 1.5 }, time: t("2024-01-01T00:01:00Z") },
          { name: "cpu", tags: { host: "a" }, fields: { usage: 2.5 }, time: t("2024-01-01T00:02:00.5Z") },
        ],
      },
      {
        name: "cpu",
        tags: { host: "b" },
        points: [{ name: "cpu", tags: { host: "b" }, fields: { usage: 9 }, time: t("2024-01-01T00:01:00Z") }],
      },
    ]);
  });

  it("writes line protocol to /api/v2/write with org, bucket and precision", async () => {
    seen.length = 0;
    const c = createInflux2Client({ url, token: "secret" });
    await c.write(
      "my-org",
      "db/rp",
      [{ name: "cpu", tags: { host: "a" }, fields: { v: 1.5, n: 2n }, time: BigInt(1_700_000_000e9) }],
      "s",
    );
    const req = seen[0]!;
    const u = new URL(req.url, url);
    expect(req.method).toBe("POST");
    expect(u.pathname).toBe("/api/v2/write");
    expect(Object.fromEntries(u.searchParams)).toEqual({ org: "my-org", bucket: "db/rp", precision: "s" });
    expect(req.auth).toBe("Token secret");
    expect(req.body.trim()).toBe("cpu,host=a v=1.5,n=2i 1700000000");
  });

  it("reports a rejected token", async () => {
    const c = createInflux2Client({ url, token: "wrong" });
    await expect(c.queryFlux("x", { org: "o" })).rejects.toThrow(/Flux query failed/);
    await expect(c.write("o", "b", [{ name: "m", tags: {}, fields: { v: 1 }, time: 0n }])).rejects.toThrow(
      /write failed/,
    );
  });
});

describe("a |queryFlux() batch task", () => {
  it("queries on the wall clock through the 2.x client and alerts on the result", async () => {
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { loadConfig } = await import("../../../src/config/index.js");
    const { createInfluxAccess } = await import("../../../src/sources/influxdb.js");
    const { checkScript } = await import("../../../src/pipeline/check.js");
    const { Task } = await import("../../../src/engine/task.js");
    const { InhibitorRegistry } = await import("../../../src/engine/inhibitors.js");
    const dir = mkdtempSync(join(tmpdir(), "tickd-flux-"));
    const cfgFile = join(dir, "tickd.conf");
    writeFileSync(
      cfgFile,
      `[[influxdb]]\n  name = "v2"\n  enabled = true\n  urls = ["${url}"]\n  token = "secret"\n`,
    );
    const { config } = loadConfig({ file: cfgFile, env: {} });
    const influx = createInfluxAccess(config.influxdb, { orgs: { v2: "ops" } });
    const script = `batch
    |queryFlux('from(bucket: "telegraf") |> range(start: -5m)')
        .every(1m)
    |alert()
        .id('{{ index .Tags "host" }}')
        .crit(lambda: "usage" > 5.0)
`;
    const { graph, diagnostics } = checkScript(script, "flux.tick", {});
    expect(diagnostics).toEqual([]);
    const events: string[] = [];
    const task = new Task(graph!, {
      taskName: "flux",
      taskMaster: "main",
      logger: { log: (level, msg) => events.push(`${level}: ${msg}`) },
      alerts: { collect: (e) => void events.push(`${e.state.id} ${e.state.level}`) },
      serverInfo: { Hostname: "h", ClusterID: "", ServerID: "" },
      inhibitors: new InhibitorRegistry(),
      influx,
    });
    const before = seen.length;
    const t0 = Date.parse("2024-01-01T00:05:00Z") * 1e6;
    task.tick(BigInt(t0));
    task.tick(BigInt(t0 + 60e9)); // one `every` later: the query runs
    const deadline = Date.now() + 3000;
    while (!events.some((e) => e.startsWith("b ")) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await task.stop();
    await influx.close();
    const q = seen.slice(before).find((s) => s.url.startsWith("/api/v2/query"));
    expect(q?.url).toContain("org=ops");
    expect(JSON.parse(q!.body).query).toContain('from(bucket: "telegraf")');
    expect(events, JSON.stringify(events)).toContain("b 3"); // _field/_value pivot to usage=9 for host b: CRITICAL; host a stays OK
    expect(events.filter((e) => e.startsWith("a "))).toEqual([]);
  });
});
