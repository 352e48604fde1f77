import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import {
  parseDbrp,
  runDefine,
  runDeleteTasks,
  runDisable,
  runEnable,
  runListTasks,
  runShow,
} from "../../../../src/cli/client/tasks.js";
import { capture, deadUrl, task, useFakeKapacitor } from "./fake-kapacitor.js";

const fx = useFakeKapacitor("tickctl-client-");
const { file, run } = fx;

const SCRIPT =
  "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .crit(lambda: \"usage_idle\" < 10)\n";

describe("tickctl define", () => {
  it("creates a missing task: GET, then POST with the script, dbrps, type, vars and status disabled", async () => {
    const tick = file("cpu.tick", SCRIPT);
    const vars = file("vars.json", JSON.stringify({ crit: { type: "float", value: 10 } }));
    const r = await run((o) =>
      runDefine("cpu", { tick, type: "stream", dbrps: ["telegraf.autogen", '"my.db"."rp"'], vars }, o),
    );
    expect(r).toEqual({ code: 0, out: "", err: "" });
    expect(fx.server.requests).toEqual([
      { method: "GET", url: "/kapacitor/v1/tasks/cpu", body: undefined },
      {
        method: "POST",
        url: "/kapacitor/v1/tasks",
        body: {
          id: "cpu",
          type: "stream",
          dbrps: [
            { db: "telegraf", rp: "autogen" },
            { db: "my.db", rp: "rp" },
          ],
          script: SCRIPT,
          vars: { crit: { type: "float", value: 10 } },
          status: "disabled",
        },
      },
    ]);
    expect(fx.server.tasks.get("cpu")?.script).toBe(SCRIPT);
  });

  it("leaves out options that were not given (the fx.server takes type and dbrp from the script)", async () => {
    const tick = file("cpu.tick", SCRIPT);
    await run((o) => runDefine("cpu", { tick }, o));
    expect(fx.server.requests[1]).toEqual({
      method: "POST",
      url: "/kapacitor/v1/tasks",
      body: { id: "cpu", script: SCRIPT, status: "disabled" },
    });
  });

  it("updates an existing disabled task with one PATCH of only the given options", async () => {
    fx.server.tasks.set("cpu", task("cpu"));
    const tick = file("cpu.tick", SCRIPT);
    const r = await run((o) => runDefine("cpu", { tick, dbrps: ["db.rp"] }, o));
    expect(r.code).toBe(0);
    expect(fx.server.requests).toEqual([
      { method: "GET", url: "/kapacitor/v1/tasks/cpu", body: undefined },
      {
        method: "PATCH",
        url: "/kapacitor/v1/tasks/cpu",
        body: { dbrps: [{ db: "db", rp: "rp" }], script: SCRIPT },
      },
    ]);
  });

  it("reloads an enabled task after updating it (disable, enable), unless -no-reload", async () => {
    fx.server.tasks.set("cpu", task("cpu", { status: "enabled", executing: true }));
    const tick = file("cpu.tick", SCRIPT);
    await run((o) => runDefine("cpu", { tick }, o));
    expect(fx.server.requests.map((r) => [r.method, r.body])).toEqual([
      ["GET", undefined],
      ["PATCH", { script: SCRIPT }],
      ["PATCH", { status: "disabled" }],
      ["PATCH", { status: "enabled" }],
    ]);

    fx.server.requests.length = 0;
    await run((o) => runDefine("cpu", { tick, noReload: true }, o));
    expect(fx.server.lines()).toEqual(["GET /kapacitor/v1/tasks/cpu", "PATCH /kapacitor/v1/tasks/cpu"]);
  });

  it("refuses to create a task without -tick, before any POST", async () => {
    const r = await run((o) => runDefine("cpu", { dbrps: ["db.rp"] }, o));
    expect(r).toEqual({
      code: 1,
      out: "",
      err: 'tickctl: task "cpu" does not exist: give -tick to create it\n',
    });
    expect(fx.server.lines()).toEqual(["GET /kapacitor/v1/tasks/cpu"]);
  });

  it("checks flags and files before sending anything", async () => {
    const tick = file("cpu.tick", SCRIPT);
    const cases: [Parameters<typeof runDefine>[1], string][] = [
      [{ tick, type: "stremm" }, 'tickctl: invalid -type "stremm": expected stream or batch\n'],
      [
        { tick, dbrps: ["telegraf"] },
        `tickctl: invalid -dbrp "telegraf": no '.' between database and retention policy; expected db.rp or "db"."rp"\n`,
      ],
      [
        { tick: join(fx.dir, "missing.tick") },
        `tickctl: cannot read TICKscript ${join(fx.dir, "missing.tick")}: no such file\n`,
      ],
      [{ tick, vars: file("bad.json", "{nope") }, "tickctl: invalid JSON in -vars file"],
    ];
    for (const [def, message] of cases) {
      const r = await run((o) => runDefine("cpu", def, o));
      expect(r.code).toBe(1);
      expect(r.err.startsWith(message)).toBe(true);
    }
    expect(fx.server.requests).toEqual([]);
  });

  it("prints the fx.server's error as tickctl: <message> and exits 1", async () => {
    fx.server.override = (r) =>
      r.method === "POST"
        ? {
            status: 400,
            body: { error: "invalid TICKscript: line 4 char 6: unknown property", message: "x" },
          }
        : undefined;
    const tick = file("cpu.tick", SCRIPT);
    const r = await run((o) => runDefine("cpu", { tick }, o));
    expect(r).toEqual({
      code: 1,
      out: "",
      err: "tickctl: invalid TICKscript: line 4 char 6: unknown property\n",
    });
  });

  it("says how to start tickd when nothing listens", async () => {
    const url = await deadUrl();
    const c = capture(url);
    const tick = file("cpu.tick", SCRIPT);
    const r = c.result(await runDefine("cpu", { tick }, c.opts));
    expect(r).toEqual({
      code: 1,
      out: "",
      err: `tickctl: cannot reach tickd at ${url}: is it running? (start it with npm start)\n`,
    });
  });
});

describe("parseDbrp", () => {
  it("reads db.rp with optional quotes, as Kapacitor's -dbrp does", () => {
    expect(parseDbrp("telegraf.autogen")).toEqual({ db: "telegraf", rp: "autogen" });
    expect(parseDbrp("telegraf.rp.with.dots")).toEqual({ db: "telegraf", rp: "rp.with.dots" });
    expect(parseDbrp('"tele.graf"."auto"')).toEqual({ db: "tele.graf", rp: "auto" });
    expect(parseDbrp('"a\\"b".rp')).toEqual({ db: 'a"b', rp: "rp" });
    expect(parseDbrp('db."r p"')).toEqual({ db: "db", rp: "r p" });
  });

  it("names what is wrong", () => {
    expect(() => parseDbrp("")).toThrow(/invalid -dbrp "": empty/);
    expect(() => parseDbrp("db.")).toThrow(/empty retention policy/);
    expect(() => parseDbrp('"db.rp')).toThrow(/unterminated quote/);
    expect(() => parseDbrp('"db"rp')).toThrow(/missing or extra '\.'/);
  });
});

describe("tickctl enable / disable", () => {
  it("PATCHes the status of each named task", async () => {
    fx.server.tasks.set("a", task("a"));
    fx.server.tasks.set("b", task("b"));
    const r = await run((o) => runEnable(["a", "b"], o));
    expect(r).toEqual({ code: 0, out: "", err: "" });
    expect(fx.server.requests).toEqual([
      { method: "PATCH", url: "/kapacitor/v1/tasks/a", body: { status: "enabled" } },
      { method: "PATCH", url: "/kapacitor/v1/tasks/b", body: { status: "enabled" } },
    ]);
    fx.server.requests.length = 0;
    await run((o) => runDisable(["a"], o));
    expect(fx.server.requests).toEqual([
      { method: "PATCH", url: "/kapacitor/v1/tasks/a", body: { status: "disabled" } },
    ]);
  });

  it("expands globs through the task list, as Kapacitor does", async () => {
    for (const id of ["cpu_alert", "mem_alert", "cpu_other"]) fx.server.tasks.set(id, task(id));
    await run((o) => runEnable(["*_alert"], o));
    expect(fx.server.lines()).toEqual([
      "GET /kapacitor/v1/tasks?pattern=*_alert&fields=link&offset=0&limit=100",
      "PATCH /kapacitor/v1/tasks/cpu_alert",
      "PATCH /kapacitor/v1/tasks/mem_alert",
    ]);
  });

  it("reports a missing task, carries on with the others and exits 1", async () => {
    fx.server.tasks.set("b", task("b"));
    const r = await run((o) => runEnable(["nope", "b"], o));
    expect(r).toEqual({
      code: 1,
      out: "",
      err: "tickctl: enabling task nope: task does not exist, cannot update\n",
    });
    expect(fx.server.tasks.get("b")?.status).toBe("enabled");
  });
});

describe("tickctl delete tasks", () => {
  it("DELETEs each id; globs expand through the list", async () => {
    for (const id of ["a1", "a2", "b"]) fx.server.tasks.set(id, task(id));
    const r = await run((o) => runDeleteTasks(["b", "a*", "missing"], o));
    expect(r).toEqual({ code: 0, out: "", err: "" });
    expect(fx.server.lines()).toEqual([
      "DELETE /kapacitor/v1/tasks/b",
      "GET /kapacitor/v1/tasks?pattern=a*&fields=link&offset=0&limit=100",
      "DELETE /kapacitor/v1/tasks/a1",
      "DELETE /kapacitor/v1/tasks/a2",
      "DELETE /kapacitor/v1/tasks/missing",
    ]);
    expect([...fx.server.tasks.keys()]).toEqual([]);
  });
});

describe("tickctl list tasks", () => {
  beforeEach(() => {
    fx.server.tasks.set(
      "cpu_alert_long_name",
      task("cpu_alert_long_name", { status: "enabled", executing: true }),
    );
    fx.server.tasks.set(
      "batch",
      task("batch", {
        type: "batch",
        dbrps: [
          { db: "a", rp: "b" },
          { db: "c", rp: "d" },
        ],
      }),
    );
  });

  it("prints Kapacitor's table, sorted by id, columns as wide as their cells", async () => {
    const r = await run((o) => runListTasks([], o));
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        "ID                  Type      Status    Executing Databases and Retention Policies",
        'batch               batch     disabled  false     ["a"."b" "c"."d"]',
        'cpu_alert_long_name stream    enabled   true      ["telegraf"."autogen"]',
        "",
      ].join("\n"),
    );
    expect(fx.server.lines()).toEqual([
      "GET /kapacitor/v1/tasks?fields=type&fields=status&fields=executing&fields=dbrps&offset=0&limit=100",
    ]);
  });

  it("prints only the header when there are no tasks", async () => {
    fx.server.tasks.clear();
    const r = await run((o) => runListTasks([], o));
    expect(r.out).toBe("ID Type      Status    Executing Databases and Retention Policies\n");
  });

  it("sends each pattern and merges the results", async () => {
    const r = await run((o) => runListTasks(["cpu*", "bat?h"], o));
    expect(r.out.split("\n").map((l) => l.split(" ")[0])).toEqual(["ID", "batch", "cpu_alert_long_name", ""]);
    expect(
      fx.server.lines().map((l) => new URL(l.split(" ")[1] ?? "", "http://x").searchParams.get("pattern")),
    ).toEqual(["cpu*", "bat?h"]);
  });

  it("pages through more than 100 tasks", async () => {
    fx.server.tasks.clear();
    for (let i = 0; i < 150; i++) {
      const id = `t${String(i).padStart(3, "0")}`;
      fx.server.tasks.set(id, task(id));
    }
    const r = await run((o) => runListTasks([], o));
    expect(r.out.trimEnd().split("\n")).toHaveLength(151);
    expect(fx.server.lines().map((l) => l.replace(/.*(offset=\d+).*/, "$1"))).toEqual([
      "offset=0",
      "offset=100",
    ]);
  });

  it("--json prints {tasks: [...]} with the full Task JSON", async () => {
    const r = await run((o) => runListTasks([], o), true);
    const doc = JSON.parse(r.out) as { tasks: { id: string; script: string; status: string }[] };
    expect(doc.tasks.map((t) => [t.id, t.status])).toEqual([
      ["batch", "disabled"],
      ["cpu_alert_long_name", "enabled"],
    ]);
    expect(doc.tasks[0]?.script).toContain("stream");
    expect(fx.server.lines()).toEqual(["GET /kapacitor/v1/tasks?offset=0&limit=100"]);
  });
});

describe("tickctl show", () => {
  it("prints the task as kapacitor show does", async () => {
    fx.server.tasks.set(
      "cpu",
      task("cpu", {
        status: "enabled",
        executing: true,
        script: SCRIPT,
        created: "2024-03-13T10:00:00Z",
        modified: "2024-03-14T11:30:05.123Z",
        "last-enabled": "2024-03-14T11:30:06+02:00",
        dot: "digraph cpu {\nstream0 -> from1;\n}",
        vars: {
          crit: { type: "float", value: 10, description: "" },
          every: { type: "duration", value: 90_000_000_000, description: "" },
          hosts: {
            type: "list",
            value: [
              { type: "string", value: "a" },
              { type: "star", value: null },
            ],
            description: "",
          },
        },
      }),
    );
    const r = await run((o) => runShow("cpu", o));
    expect(r.code).toBe(0);
    const pad = (s: string, n: number) => s.padEnd(n);
    expect(r.out).toBe(
      [
        "ID: cpu",
        "Error: ",
        "Template: ",
        "Type: stream",
        "Status: enabled",
        "Executing: true",
        "Created: 13 Mar 24 10:00 UTC",
        "Modified: 14 Mar 24 11:30 UTC",
        "LastEnabled: 14 Mar 24 11:30 +0200",
        'Databases Retention Policies: ["telegraf"."autogen"]',
        "TICKscript:",
        SCRIPT,
        "Vars:",
        pad("Name", 30) + pad("Type", 10) + pad("Value", 40),
        pad("crit", 30) + pad("float", 10) + pad("10", 40),
        pad("every", 30) + pad("duration", 10) + pad("1m30s", 40),
        pad("hosts", 30) + pad("list", 10) + pad("[a, *]", 40),
        "DOT:",
        "digraph cpu {",
        "stream0 -> from1;",
        "}",
        "",
      ].join("\n"),
    );
    expect(fx.server.lines()).toEqual([
      "GET /kapacitor/v1/tasks/cpu?dot-view=attributes&script-format=formatted",
    ]);
  });

  it("--json prints the Task JSON", async () => {
    fx.server.tasks.set("cpu", task("cpu"));
    const r = await run((o) => runShow("cpu", o), true);
    expect(JSON.parse(r.out)).toMatchObject({ id: "cpu", type: "stream", status: "disabled" });
  });

  it("prints the fx.server's 404 message", async () => {
    const r = await run((o) => runShow("nope", o));
    expect(r).toEqual({ code: 1, out: "", err: "tickctl: no task exists\n" });
  });
});
