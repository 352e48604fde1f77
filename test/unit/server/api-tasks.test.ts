import { afterEach, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./support.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(): Promise<TestServer> {
  server = await startServer();
  return server;
}

const SCRIPT = "stream\n    |from()\n        .measurement('cpu')\n";

function post(s: TestServer, body: unknown): Promise<Response> {
  return fetch(`${s.url}/kapacitor/v1/tasks`, { method: "POST", body: JSON.stringify(body) });
}

describe("tasks API", () => {
  it("defines a task and answers Kapacitor's task JSON byte for byte", async () => {
    const s = await start();
    const res = await post(s, {
      id: "cpu_alert",
      type: "stream",
      dbrps: [{ db: "telegraf", rp: "autogen" }],
      script: SCRIPT,
      vars: {
        crit: { type: "int", value: 90, description: "critical <percent>" },
        warn: { type: "float", value: 2 },
        period: { type: "duration", value: "1m" },
        hosts: { type: "list", value: [{ type: "string", value: "a" }] },
        by: { type: "star" },
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    // Go escapes HTML characters: Kapacitor's dot really reads `-\u003e`.
    const dot = "digraph cpu_alert {\\nstream0 -\\u003e from1;\\n}";
    expect(await res.text()).toBe(
      `{
    "link": {
        "rel": "self",
        "href": "/kapacitor/v1/tasks/cpu_alert"
    },
    "id": "cpu_alert",
    "template-id": "",
    "type": "stream",
    "dbrps": [
        {
            "db": "telegraf",
            "rp": "autogen"
        }
    ],
    "script": "stream\\n    |from()\\n        .measurement('cpu')\\n",
    "vars": {
        "by": {
            "type": "star",
            "value": null,
            "description": ""
        },
        "crit": {
            "type": "int",
            "value": 90,
            "description": "critical \\u003cpercent\\u003e"
        },
        "hosts": {
            "type": "list",
            "value": [
                {
                    "type": "string",
                    "value": "a",
                    "description": ""
                }
            ],
            "description": ""
        },
        "period": {
            "type": "duration",
            "value": 60000000000,
            "description": ""
        },
        "warn": {
            "type": "float",
            "value": 2,
            "description": ""
        }
    },
    "dot": "${dot}",
    "status": "disabled",
    "executing": false,
    "error": "",
    "stats": {
        "task-stats": null,
        "node-stats": null
    },
    "created": "2024-11-24T04:00:00Z",
    "modified": "2024-11-24T04:00:00Z",
    "last-enabled": "0001-01-01T00:00:00Z"
}`,
    );
    const stored = s.tasks.get("cpu_alert")!;
    expect(stored.vars["crit"]).toEqual({ type: "int", value: 90n, description: "critical <percent>" });
    expect(stored.vars["period"]!.value).toBe(60e9);
  });

  it("writes int vars beyond 2^53 as JSON integers", async () => {
    const s = await start();
    s.tasks.define({
      id: "t",
      script: SCRIPT,
      dbrps: [{ db: "d", rp: "r" }],
      vars: { big: { type: "int", value: 2n ** 62n } },
    });
    const text = await (await fetch(`${s.url}/kapacitor/v1/tasks/t`)).text();
    expect(text).toContain('"value": 4611686018427387904,');
  });

  it("shows Kapacitor's task and node stats while the task executes (task.go ExecutionStats)", async () => {
    const s = await start();
    s.tasks.clock += 1_500_000_000;
    await post(s, { id: "t", dbrps: [{ db: "d", rp: "r" }], script: SCRIPT, status: "enabled" });
    const body = await (await fetch(`${s.url}/kapacitor/v1/tasks/t`)).text();
    expect(body).toContain(
      `    "executing": true,
    "error": "",
    "stats": {
        "task-stats": {
            "throughput": 0
        },
        "node-stats": {
            "from1": {
                "avg_exec_time_ns": 1500,
                "collected": 3,
                "emitted": 0,
                "errors": 1,
                "working_cardinality": 0
            },
            "stream0": {
                "avg_exec_time_ns": 0,
                "collected": 3,
                "emitted": 3,
                "errors": 0,
                "working_cardinality": 0
            }
        }
    },
    "created": "2024-11-24T04:00:01.5Z",
    "modified": "2024-11-24T04:00:01.5Z",
    "last-enabled": "2024-11-24T04:00:01.5Z"
}`,
    );
  });

  it("passes an empty id on as absent (the service generates one)", async () => {
    const s = await start();
    const res = await post(s, { id: "", dbrps: [{ db: "d", rp: "r" }], script: SCRIPT });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: string }).id).toBe("generated-id");
  });

  it("maps E_TASK_INVALID to 400 with the service's message", async () => {
    const s = await start();
    await post(s, { id: "t", dbrps: [{ db: "d", rp: "r" }], script: SCRIPT });
    const dup = await post(s, { id: "t", dbrps: [{ db: "d", rp: "r" }], script: SCRIPT });
    expect(dup.status).toBe(400);
    expect(await dup.text()).toBe(
      '{\n    "error": "task t already exists",\n    "message": "task t already exists"\n}',
    );
    const noScript = await post(s, { id: "u", dbrps: [{ db: "d", rp: "r" }] });
    expect(await noScript.json()).toEqual({
      error: "must provide TICKscript",
      message: "must provide TICKscript",
    });
  });

  it("rejects bodies Kapacitor cannot decode", async () => {
    const s = await start();
    const cases: [unknown, string][] = [
      [[1], "invalid JSON: expected a JSON object"],
      [{ type: "flux" }, 'invalid JSON: unknown task type "flux"'],
      [{ status: "on" }, 'invalid JSON: unknown task status "on"'],
      [{ id: 5 }, 'invalid JSON: "id" must be a string'],
      [{ vars: { x: { type: "nope", value: 1 } } }, 'invalid JSON: unknown var type "nope" for var x'],
      [{ vars: { x: { type: "int", value: 1.5 } } }, "invalid var x: expected int value"],
      [{ vars: { x: { type: "duration", value: "soon" } } }, "invalid var x: invalid duration"],
    ];
    for (const [body, message] of cases) {
      const res = await post(s, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain(message);
    }
  });

  it("answers 404 no task exists for an unknown task", async () => {
    const s = await start();
    const res = await fetch(`${s.url}/kapacitor/v1/tasks/ghost`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('{\n    "error": "no task exists",\n    "message": "no task exists"\n}');
  });

  it("asks for a task id on the bare anchored path", async () => {
    const s = await start();
    const res = await fetch(`${s.url}/kapacitor/v1/tasks/`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("must specify task id on path");
  });

  it("accepts dot-view and script-format and refuses unknown values", async () => {
    const s = await start();
    await post(s, { id: "t", dbrps: [{ db: "d", rp: "r" }], script: SCRIPT });
    const ok = await fetch(`${s.url}/kapacitor/v1/tasks/t?dot-view=labels&script-format=raw`);
    expect(ok.status).toBe(200);
    const bad = await fetch(`${s.url}/kapacitor/v1/tasks/t?dot-view=pretty`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe('invalid dot-view parameter "pretty"');
    const bad2 = await fetch(`${s.url}/kapacitor/v1/tasks/t?script-format=tidy`);
    expect(((await bad2.json()) as { error: string }).error).toBe('invalid script-format parameter "tidy"');
  });

  it("lists tasks as Go maps with sorted keys, filtered by fields", async () => {
    const s = await start();
    for (const id of ["b", "a", "c"]) await post(s, { id, dbrps: [{ db: "d", rp: "r" }], script: SCRIPT });
    const res = await fetch(`${s.url}/kapacitor/v1/tasks?fields=status&fields=type&pattern=%5Bab%5D`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(
      `{
    "tasks": [
        {
            "id": "a",
            "link": {
                "rel": "self",
                "href": "/kapacitor/v1/tasks/a"
            },
            "status": "disabled",
            "type": "stream"
        },
        {
            "id": "b",
            "link": {
                "rel": "self",
                "href": "/kapacitor/v1/tasks/b"
            },
            "status": "disabled",
            "type": "stream"
        }
    ]
}`,
    );
  });

  it("lists every field by default, with null stats for idle tasks", async () => {
    const s = await start();
    await post(s, { id: "a", dbrps: [{ db: "d", rp: "r" }], script: SCRIPT });
    const body = (await (await fetch(`${s.url}/kapacitor/v1/tasks`)).json()) as {
      tasks: Record<string, unknown>[];
    };
    expect(Object.keys(body.tasks[0]!)).toEqual([
      "created",
      "dbrps",
      "dot",
      "error",
      "executing",
      "id",
      "last-enabled",
      "link",
      "modified",
      "script",
      "stats",
      "status",
      "type",
      "vars",
    ]);
    expect(body.tasks[0]!["stats"]).toBeNull();
  });

  it("pages with offset and limit and refuses bad numbers and fields", async () => {
    const s = await start();
    for (const id of ["a", "b", "c", "d"])
      await post(s, { id, dbrps: [{ db: "d", rp: "r" }], script: SCRIPT });
    const page = (await (await fetch(`${s.url}/kapacitor/v1/tasks?fields=id&offset=1&limit=2`)).json()) as {
      tasks: { id: string }[];
    };
    expect(page.tasks.map((t) => t.id)).toEqual(["b", "c"]);
    const bad = await fetch(`${s.url}/kapacitor/v1/tasks?limit=ten`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe(
      'invalid limit parameter "ten" must be an integer: strconv.ParseInt: parsing "ten": invalid syntax',
    );
    const field = await fetch(`${s.url}/kapacitor/v1/tasks?fields=colour`);
    expect(field.status).toBe(400);
    expect(((await field.json()) as { error: string }).error).toBe('unsupported field "colour"');
    const pattern = await fetch(`${s.url}/kapacitor/v1/tasks?pattern=%5B`);
    expect(pattern.status).toBe(400);
    expect(((await pattern.json()) as { error: string }).error).toMatch(
      /^failed to list tasks with pattern "\[": /,
    );
  });

  it("patches a task: 200 with the task, 404 when unknown, 400 when invalid", async () => {
    const s = await start();
    await post(s, { id: "t", dbrps: [{ db: "d", rp: "r" }], script: SCRIPT });
    s.tasks.clock += 1e9;
    const res = await fetch(`${s.url}/kapacitor/v1/tasks/t`, {
      method: "PATCH",
      body: JSON.stringify({ status: "enabled", script: "", vars: {} }),
    });
    expect(res.status).toBe(200);
    const task = (await res.json()) as Record<string, unknown>;
    expect(task).toMatchObject({
      status: "enabled",
      executing: true,
      "last-enabled": "2024-11-24T04:00:01Z",
    });
    expect(task["script"]).toBe(SCRIPT);

    const rename = await fetch(`${s.url}/kapacitor/v1/tasks/t`, { method: "PATCH", body: '{"id":"t2"}' });
    expect(((await rename.json()) as { link: { href: string } }).link.href).toBe("/kapacitor/v1/tasks/t2");

    const missing = await fetch(`${s.url}/kapacitor/v1/tasks/nope`, { method: "PATCH", body: "{}" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: "task does not exist, cannot update",
      message: "task does not exist, cannot update",
    });
    const invalid = await fetch(`${s.url}/kapacitor/v1/tasks/t2`, {
      method: "PATCH",
      body: '{"script":"bad"}',
    });
    expect(invalid.status).toBe(400);
  });

  it("deletes with 204, even a task that does not exist", async () => {
    const s = await start();
    await post(s, { id: "t", dbrps: [{ db: "d", rp: "r" }], script: SCRIPT });
    for (const id of ["t", "t", "never"]) {
      const res = await fetch(`${s.url}/kapacitor/v1/tasks/${id}`, { method: "DELETE" });
      expect(res.status).toBe(204);
      expect(await res.text()).toBe("");
    }
    expect(s.tasks.get("t")).toBeUndefined();
  });

  it("serves httpOut results as models.Result (RFC3339Nano times, no empty tags) and 404 when there are none", async () => {
    const s = await start();
    await post(s, { id: "t", dbrps: [{ db: "d", rp: "r" }], script: SCRIPT });
    s.tasks.outputs.set("t/empty", { series: null });
    s.tasks.outputs.set("t/top", {
      series: [
        { name: "cpu", tags: {}, columns: ["time", "v"], values: [[31536010e9, 1n]] },
        { name: "cpu", tags: { host: "b", dc: "x" }, columns: ["time", "v"], values: [[1.5e6, 2.5]] },
      ],
    });
    expect(await (await fetch(`${s.url}/kapacitor/v1/tasks/t/empty`)).text()).toBe('{"series":null}');
    const res = await fetch(`${s.url}/kapacitor/v1/tasks/t/top`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(
      '{"series":[{"name":"cpu","columns":["time","v"],"values":[["1971-01-01T00:00:10Z",1]]},' +
        '{"name":"cpu","tags":{"dc":"x","host":"b"},"columns":["time","v"],"values":[["1970-01-01T00:00:00.0015Z",2.5]]}]}',
    );
    const none = await fetch(`${s.url}/kapacitor/v1/tasks/t/other`);
    expect(none.status).toBe(404);
    const noTask = await fetch(`${s.url}/kapacitor/v1/tasks/ghost/top`);
    expect(((await noTask.json()) as { error: string }).error).toBe("no task exists");
  });
});
