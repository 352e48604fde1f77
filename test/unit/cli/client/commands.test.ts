import { writeFileSync } from "node:fs";
/**
 * The client commands as a user types them: Kapacitor's single-dash flags through
 * normalizeGoFlags and commander, against the recording fake API.
 */
import { join } from "node:path";
import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { DEFAULT_URL, resolveUrl } from "../../../../src/cli/client/api.js";
import { runTickctl } from "./run-tickctl.js";
import { deadUrl, task, useFakeKapacitor } from "./fake-kapacitor.js";

const fx = useFakeKapacitor("tickctl-cmd-");

const tickctl = runTickctl;

describe("tickctl client commands through commander", () => {
  it("define takes Kapacitor's single-dash -url -tick -type -dbrp (repeatable) -vars", async () => {
    const tick = join(fx.dir, "cpu.tick");
    writeFileSync(tick, "stream\n    |from()\n");
    const vars = join(fx.dir, "vars.json");
    writeFileSync(vars, '{"x": {"type": "int", "value": 3}}');
    const r = await tickctl([
      "-url",
      fx.server.url,
      "define",
      "cpu",
      "-tick",
      tick,
      "-type",
      "stream",
      "-dbrp",
      "telegraf.autogen",
      "-dbrp",
      '"other"."rp"',
      "-vars",
      vars,
    ]);
    expect(r).toEqual({ code: 0, out: "", err: "" });
    expect(fx.server.requests[1]).toEqual({
      method: "POST",
      url: "/kapacitor/v1/tasks",
      body: {
        id: "cpu",
        type: "stream",
        dbrps: [
          { db: "telegraf", rp: "autogen" },
          { db: "other", rp: "rp" },
        ],
        script: "stream\n    |from()\n",
        vars: { x: { type: "int", value: 3 } },
        status: "disabled",
      },
    });
  });

  it("define -no-reload skips the restart of an enabled task", async () => {
    fx.server.tasks.set("cpu", task("cpu", { status: "enabled" }));
    const r = await tickctl(["define", "cpu", "-dbrp", "a.b", "-no-reload", "-url", fx.server.url]);
    expect(r.code).toBe(0);
    expect(fx.server.lines()).toEqual(["GET /kapacitor/v1/tasks/cpu", "PATCH /kapacitor/v1/tasks/cpu"]);
  });

  it("accepts -url after the command and --url before it", async () => {
    fx.server.tasks.set("a", task("a"));
    expect((await tickctl(["enable", "a", "-url", fx.server.url])).code).toBe(0);
    expect((await tickctl(["--url", fx.server.url, "disable", "a"])).code).toBe(0);
    expect(fx.server.requests.map((r) => r.body)).toEqual([{ status: "enabled" }, { status: "disabled" }]);
  });

  it("reads TICKD_URL, then KAPACITOR_URL, when -url is absent", async () => {
    const dead = await deadUrl();
    let r = await tickctl(["list", "tasks"], { TICKD_URL: fx.server.url, KAPACITOR_URL: dead });
    expect(r.code).toBe(0);
    r = await tickctl(["list", "topics"], { KAPACITOR_URL: fx.server.url });
    expect(r.code).toBe(0);
    r = await tickctl(["-url", fx.server.url, "list", "topics"], { TICKD_URL: dead });
    expect(r.code).toBe(0);
    expect(fx.server.lines()).toEqual([
      "GET /kapacitor/v1/tasks?fields=type&fields=status&fields=executing&fields=dbrps&offset=0&limit=100",
      "GET /kapacitor/v1/alerts/topics",
      "GET /kapacitor/v1/alerts/topics",
    ]);
    expect(resolveUrl(undefined, {})).toBe(DEFAULT_URL);
    expect(DEFAULT_URL).toBe("http://127.0.0.1:9092");
  });

  it("list tasks -json and list topic-handlers <topic> <pattern>", async () => {
    fx.server.tasks.set("cpu", task("cpu"));
    const h = fx.server.topic("system");
    h.handlers.set("log", { id: "log", kind: "log", options: {}, match: "" });
    const tasks = await tickctl(["-url", fx.server.url, "list", "tasks", "-json"]);
    expect((JSON.parse(tasks.out) as { tasks: { id: string }[] }).tasks.map((t) => t.id)).toEqual(["cpu"]);
    const handlers = await tickctl(["-url", fx.server.url, "list", "topic-handlers", "system", "l*"]);
    expect(handlers.out).toBe("Topic      ID         Kind       \nsystem     log        log        \n");
    expect(fx.server.lines().slice(1)).toEqual([
      "GET /kapacitor/v1/alerts/topics?pattern=system",
      "GET /kapacitor/v1/alerts/topics/system/handlers?pattern=l*",
    ]);
  });

  it("delete tasks | topics | topic-handlers", async () => {
    fx.server.topic("t").handlers.set("h", { id: "h", kind: "log", options: {}, match: "" });
    const u = ["-url", fx.server.url];
    expect((await tickctl([...u, "delete", "tasks", "a", "b"])).code).toBe(0);
    expect((await tickctl([...u, "delete", "topic-handlers", "t", "h"])).code).toBe(0);
    expect((await tickctl([...u, "delete", "topics", "t"])).code).toBe(0);
    expect(fx.server.lines()).toEqual([
      "DELETE /kapacitor/v1/tasks/a",
      "DELETE /kapacitor/v1/tasks/b",
      "DELETE /kapacitor/v1/alerts/topics/t/handlers/h",
      "DELETE /kapacitor/v1/alerts/topics/t",
    ]);
  });

  it("show, show-topic -json and define-topic-handler", async () => {
    fx.server.tasks.set("cpu", task("cpu"));
    fx.server.topic("t");
    const f = join(fx.dir, "h.yaml");
    writeFileSync(f, "topic: t\nid: h\nkind: log\noptions:\n  path: /tmp/x\n");
    const u = ["-url", fx.server.url];
    expect((await tickctl([...u, "show", "cpu"])).out).toMatch(/^ID: cpu\n/);
    expect(JSON.parse((await tickctl([...u, "show-topic", "t", "-json"])).out)).toMatchObject({
      topic: { id: "t" },
    });
    expect((await tickctl([...u, "define-topic-handler", f])).code).toBe(0);
    expect(fx.server.lines().slice(-2)).toEqual([
      "GET /kapacitor/v1/alerts/topics/t/handlers/h",
      "POST /kapacitor/v1/alerts/topics/t/handlers",
    ]);
  });

  it("connection refused: says how to start tickd, exit 1", async () => {
    const dead = await deadUrl();
    const r = await tickctl(["-url", dead, "list", "tasks"]);
    expect(r).toEqual({
      code: 1,
      out: "",
      err: `tickctl: cannot reach tickd at ${dead}: is it running? (start it with npm start)\n`,
    });
  });

  it("an invalid -url is a message, not a stack trace", async () => {
    const r = await tickctl(["-url", "localhost:9092", "show", "x"]);
    expect(r).toEqual({
      code: 1,
      out: "",
      err: 'tickctl: invalid -url "localhost:9092": expected http(s)://host:port\n',
    });
  });

  it("a plain-text fx.server error (unknown route) is printed as is", async () => {
    fx.server.override = () => ({ status: 404, body: "404 page not found\n" });
    const r = await tickctl(["-url", fx.server.url, "show", "x"]);
    expect(r).toEqual({ code: 1, out: "", err: "tickctl: 404 page not found\n" });
  });

  it("basic auth credentials in -url become an Authorization header", async () => {
    const seen: (string | undefined)[] = [];
    // The fake records no headers; a one-off fx.server looks at this one.
    const s = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { "content-type": "application/json" }).end('{"tasks":[]}');
    });
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const port = (s.address() as { port: number }).port;
    const r = await tickctl(["-url", `http://ops:s3cret@127.0.0.1:${port}`, "list", "tasks"]);
    await new Promise<void>((resolve) => s.close(() => resolve()));
    expect(r.code).toBe(0);
    expect(seen).toEqual([`Basic ${Buffer.from("ops:s3cret").toString("base64")}`]);
  });

  it("missing arguments are usage errors from commander", async () => {
    const r = await tickctl(["enable"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("missing required argument 'ids'");
    expect(fx.server.requests).toEqual([]);
  });
});
