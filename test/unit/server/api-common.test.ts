import { gzipSync } from "node:zlib";
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createApiServer, parseBindAddress } from "../../../src/server/http/index.js";
import { MemoryTasks, MemoryTopics, redact, startServer, type TestServer } from "./support.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(...args: Parameters<typeof startServer>): Promise<TestServer> {
  server = await startServer(...args);
  return server;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("common behaviour", () => {
  it("answers ping with 204, the version and a request id", async () => {
    const s = await start();
    for (const method of ["GET", "HEAD"]) {
      const res = await fetch(`${s.url}/kapacitor/v1/ping`, { method });
      expect(res.status).toBe(204);
      expect(await res.text()).toBe("");
      expect(res.headers.get("x-kapacitor-version")).toBe("1.8.0-tickd");
      expect(res.headers.get("request-id")).toMatch(UUID);
    }
  });

  it("gives each request its own Request-Id", async () => {
    const s = await start();
    const a = await fetch(`${s.url}/kapacitor/v1/ping`);
    const b = await fetch(`${s.url}/kapacitor/v1/ping`);
    expect(a.headers.get("request-id")).not.toBe(b.headers.get("request-id"));
  });

  it("answers an unknown route with Kapacitor's 404 body", async () => {
    const s = await start();
    const res = await fetch(`${s.url}/kapacitor/v1/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("x-kapacitor-version")).toBe("1.8.0-tickd");
    expect(await res.text()).toBe('{\n    "error": "Not Found",\n    "message": "Not Found"\n}');
  });

  it("answers a known path with an unsupported method with 404", async () => {
    const s = await start();
    const res = await fetch(`${s.url}/kapacitor/v1/ping`, { method: "POST" });
    expect(res.status).toBe(404);
  });

  it("answers CORS preflights and echoes the origin", async () => {
    const s = await start();
    const res = await fetch(`${s.url}/kapacitor/v1/tasks`, {
      method: "OPTIONS",
      headers: { Origin: "http://ui.example" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://ui.example");
    expect(res.headers.get("access-control-allow-methods")).toBe("DELETE, GET, OPTIONS, POST, PATCH");
  });

  it("rejects malformed JSON with 400 and the reason", async () => {
    const s = await start();
    const res = await fetch(`${s.url}/kapacitor/v1/tasks`, { method: "POST", body: "{nope" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toMatch(/^invalid JSON: /);
    expect(body.message).toBe(body.error);
  });

  it("rejects a JSON body over the limit with 413", async () => {
    const s = await start({ maxBodyBytes: 100 });
    const res = await fetch(`${s.url}/kapacitor/v1/tasks`, { method: "POST", body: "x".repeat(500) });
    expect(res.status).toBe(413);
    expect(await res.text()).toBe(
      '{\n    "error": "request body too large: the limit is 100 bytes",\n' +
        '    "message": "request body too large: the limit is 100 bytes"\n}',
    );
  });

  it("answers 500 and logs when a service throws unexpectedly", async () => {
    const s = await start();
    s.tasks.get = () => {
      throw new Error("disk on fire");
    };
    const res = await fetch(`${s.url}/kapacitor/v1/tasks/x`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: "disk on fire", message: "disk on fire" });
    expect(s.logs.some((l) => l.level === "error" && l.fields?.["error"] === "disk on fire")).toBe(true);
  });
});

describe("extra routes", () => {
  it("serves added routes, exact and prefix, behind auth unless public", async () => {
    const s = await start({
      auth: { enabled: true, sharedSecret: "s3cret" },
      extraRoutes: [
        { method: "GET", path: "/metrics", public: true, handle: (ctx) => ctx.text(200, "up 1\n") },
        {
          method: ["GET", "POST"],
          path: "/tickd/v1/deliveries/*",
          handle: (ctx) => ctx.json(200, { path: ctx.path, limit: ctx.query.get("limit") }),
        },
      ],
    });
    const m = await fetch(`${s.url}/metrics`);
    expect(m.status).toBe(200);
    expect(await m.text()).toBe("up 1\n");
    expect(m.headers.get("x-kapacitor-version")).toBe("1.8.0-tickd");

    expect((await fetch(`${s.url}/tickd/v1/deliveries/x?limit=3`)).status).toBe(401);
    const bare = await fetch(`${s.url}/tickd/v1/deliveries`, { headers: { Authorization: "Bearer s3cret" } });
    expect(bare.status).toBe(200);
    expect(
      (await fetch(`${s.url}/tickd/v1/deliveriesX`, { headers: { Authorization: "Bearer s3cret" } })).status,
    ).toBe(404);
    const d = await fetch(`${s.url}/tickd/v1/deliveries/x?limit=3`, {
      headers: { Authorization: "Bearer s3cret" },
    });
    expect(await d.text()).toBe('{\n    "path": "/tickd/v1/deliveries/x",\n    "limit": "3"\n}');
  });

  it("accepts routes added after creation", async () => {
    const api = createApiServer({
      tasks: new MemoryTasks(),
      topics: new MemoryTopics(),
      redactHandlerOptions: redact,
      logger: { log: () => {} },
      version: "v",
    });
    api.addRoute({ method: "POST", path: "/tickd/v1/handlers/test", handle: (ctx) => ctx.noContent() });
    const srv = await api.listen("127.0.0.1:0");
    try {
      const res = await fetch(`http://127.0.0.1:${srv.port}/tickd/v1/handlers/test`, { method: "POST" });
      expect(res.status).toBe(204);
    } finally {
      await srv.close();
    }
  });
});

describe("write", () => {
  it("writes points to the task service and answers 204", async () => {
    const s = await start({ defaultRetentionPolicy: "autogen" });
    const res = await fetch(`${s.url}/write?db=telegraf&precision=s`, {
      method: "POST",
      body: "cpu,host=a value=1 1700000000\ncpu,host=b value=2i 1700000001\n",
    });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect(s.tasks.writes).toHaveLength(1);
    const w = s.tasks.writes[0]!;
    expect(w.db).toBe("telegraf");
    expect(w.rp).toBe("autogen");
    expect(w.points.map((p) => [p.tags["host"], p.fields["value"], p.time])).toEqual([
      ["a", 1, 1_700_000_000_000_000_000n],
      ["b", 2n, 1_700_000_001_000_000_000n],
    ]);
  });

  it("takes rp from the query and serves /kapacitor/v1/write too", async () => {
    const s = await start();
    const res = await fetch(`${s.url}/kapacitor/v1/write?db=d&rp=weekly`, {
      method: "POST",
      body: "m f=1 5",
    });
    expect(res.status).toBe(204);
    expect(s.tasks.writes[0]).toMatchObject({ db: "d", rp: "weekly" });
    expect(s.tasks.writes[0]!.points[0]!.time).toBe(5n);
  });

  it("requires a database (plain text + newline)", async () => {
    const s = await start();
    const res = await fetch(`${s.url}/write`, { method: "POST", body: "m f=1" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toBe("database is required\n");
    expect(s.tasks.writes).toHaveLength(0);
  });

  it("rejects an unknown precision", async () => {
    const s = await start();
    const res = await fetch(`${s.url}/write?db=d&precision=days`, { method: "POST", body: "m f=1" });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('invalid precision "days": use n, u, ms, s, m or h\n');
  });

  it("gunzips a gzip body", async () => {
    const s = await start();
    const res = await fetch(`${s.url}/write?db=d&precision=ms`, {
      method: "POST",
      headers: { "Content-Encoding": "gzip" },
      body: gzipSync("m,t=x f=1.5 1000\n"),
    });
    expect(res.status).toBe(204);
    expect(s.tasks.writes[0]!.points).toEqual([
      { name: "m", tags: { t: "x" }, fields: { f: 1.5 }, time: 1_000_000_000n },
    ]);
  });

  it("answers 400 for a body that is not gzip", async () => {
    const s = await start();
    const res = await fetch(`${s.url}/write?db=d`, {
      method: "POST",
      headers: { "Content-Encoding": "gzip" },
      body: "m f=1",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe("gzip: invalid header\n");
  });

  it("writes the good points of a partly bad body and names each bad line", async () => {
    const s = await start();
    const res = await fetch(`${s.url}/write?db=d`, {
      method: "POST",
      body: "m f=1 1\nm f=\nbad\nm f=2 2\n",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(
      "partial write: 2 points accepted, 2 lines rejected\n" +
        `line 2: unable to parse 'm f=': missing field value for key "f"\n` +
        "line 3: unable to parse 'bad': missing fields\n",
    );
    expect(s.tasks.writes[0]!.points.map((p) => p.fields["f"])).toEqual([1, 2]);
  });

  it("lists the errors without a summary when nothing was accepted", async () => {
    const s = await start();
    const res = await fetch(`${s.url}/write?db=d`, { method: "POST", body: "bad" });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe("line 1: unable to parse 'bad': missing fields\n");
    expect(s.tasks.writes).toHaveLength(0);
  });

  it("accepts an empty body", async () => {
    const s = await start();
    const res = await fetch(`${s.url}/write?db=d`, { method: "POST", body: "" });
    expect(res.status).toBe(204);
    expect(s.tasks.writes).toHaveLength(0);
  });

  it("answers 500 in plain text when the write fails", async () => {
    const s = await start();
    s.tasks.writeError = new Error("queue full");
    const res = await fetch(`${s.url}/write?db=d`, { method: "POST", body: "m f=1" });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("queue full\n");
  });

  it("answers 413 for a declared length over the limit without reading the body", async () => {
    const s = await start({ maxBodyBytes: 1024 });
    const res = await fetch(`${s.url}/write?db=d`, { method: "POST", body: "m f=1\n".repeat(1000) });
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
    expect(await res.text()).toBe("request body too large: the limit is 1024 bytes\n");
    expect(s.tasks.writes).toHaveLength(0);
  });

  it("stops reading a chunked body once it passes the limit", async () => {
    const s = await start({ maxBodyBytes: 1024 });
    const { port } = new URL(s.url);
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, method: "POST", path: "/write?db=d" }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      // No Content-Length: the server only finds out while reading.
      req.write("m f=1\n".repeat(200));
      req.write("m f=1\n".repeat(200));
      req.end();
    });
    expect(result).toEqual({ status: 413, body: "request body too large: the limit is 1024 bytes\n" });
    expect(s.tasks.writes).toHaveLength(0);
  });

  it("limits the gunzipped size too", async () => {
    const s = await start({ maxBodyBytes: 1024 });
    const res = await fetch(`${s.url}/write?db=d`, {
      method: "POST",
      headers: { "Content-Encoding": "gzip" },
      body: gzipSync("m f=1\n".repeat(10_000)),
    });
    expect(res.status).toBe(413);
  });
});

describe("parseBindAddress", () => {
  it("reads Go-style host:port", () => {
    expect(parseBindAddress("127.0.0.1:9092")).toEqual({ host: "127.0.0.1", port: 9092 });
    expect(parseBindAddress(":9092")).toEqual({ host: undefined, port: 9092 });
    expect(parseBindAddress("[::1]:0")).toEqual({ host: "::1", port: 0 });
    expect(() => parseBindAddress("localhost")).toThrow(/host:port/);
    expect(() => parseBindAddress("localhost:http")).toThrow(/bad port/);
  });
});
