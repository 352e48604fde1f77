import { afterEach, describe, expect, it } from "vitest";
import { Level } from "../../../src/core/types.js";
import { startServer, T0, type TestServer } from "./support.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const BASE = "/kapacitor/v1/alerts/topics";

async function start(): Promise<TestServer> {
  server = await startServer();
  const t = server.topics;
  t.addEvent("main:cpu:alert2", {
    id: "cpu:host=a",
    message: "cpu is CRITICAL",
    details: "<b>hot</b>",
    time: BigInt(T0),
    duration: 90e9,
    level: Level.CRITICAL,
  });
  t.addEvent("main:cpu:alert2", {
    id: "cpu:host=b",
    message: "cpu is OK",
    details: "",
    time: BigInt(T0 + 5e8),
    duration: 0,
    level: Level.OK,
  });
  t.addEvent("ops", {
    id: "disk",
    message: "disk WARNING",
    details: "",
    time: BigInt(T0),
    duration: 1.5e6,
    level: Level.WARNING,
  });
  return server;
}

async function errorOf(res: Response): Promise<string> {
  return ((await res.json()) as { error: string }).error;
}

function postHandler(s: TestServer, topic: string, body: unknown): Promise<Response> {
  return fetch(`${s.url}${BASE}/${topic}/handlers`, { method: "POST", body: JSON.stringify(body) });
}

describe("topics", () => {
  it("lists topics sorted, with the request URI as the self link", async () => {
    const s = await start();
    const res = await fetch(`${s.url}${BASE}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`{
    "link": {
        "rel": "self",
        "href": "/kapacitor/v1/alerts/topics"
    },
    "topics": [
        {
            "link": {
                "rel": "self",
                "href": "/kapacitor/v1/alerts/topics/main:cpu:alert2"
            },
            "id": "main:cpu:alert2",
            "level": "CRITICAL",
            "collected": 2,
            "events-link": {
                "rel": "events",
                "href": "/kapacitor/v1/alerts/topics/main:cpu:alert2/events"
            },
            "handlers-link": {
                "rel": "handlers",
                "href": "/kapacitor/v1/alerts/topics/main:cpu:alert2/handlers"
            }
        },
        {
            "link": {
                "rel": "self",
                "href": "/kapacitor/v1/alerts/topics/ops"
            },
            "id": "ops",
            "level": "WARNING",
            "collected": 1,
            "events-link": {
                "rel": "events",
                "href": "/kapacitor/v1/alerts/topics/ops/events"
            },
            "handlers-link": {
                "rel": "handlers",
                "href": "/kapacitor/v1/alerts/topics/ops/handlers"
            }
        }
    ]
}`);
  });

  it("filters by pattern and min-level (case-insensitive) and rejects bad ones", async () => {
    const s = await start();
    const res = await fetch(`${s.url}${BASE}?min-level=critical&pattern=main:*`);
    const body = (await res.json()) as { link: { href: string }; topics: { id: string }[] };
    expect(body.link.href).toBe(`${BASE}?min-level=critical&pattern=main:*`);
    expect(body.topics.map((t) => t.id)).toEqual(["main:cpu:alert2"]);

    const none = (await (await fetch(`${s.url}${BASE}?pattern=x*`)).json()) as { topics: unknown[] };
    expect(none.topics).toEqual([]);

    const badLevel = await fetch(`${s.url}${BASE}?min-level=loud`);
    expect(badLevel.status).toBe(400);
    expect(await errorOf(badLevel)).toBe("unknown alert level 'LOUD'");
    const badPattern = await fetch(`${s.url}${BASE}?pattern=%5B`);
    expect(badPattern.status).toBe(400);
    expect(await errorOf(badPattern)).toMatch(/^invalid pattern: /);
  });

  it("gets one topic or answers 404 unknown topic", async () => {
    const s = await start();
    const res = await fetch(`${s.url}${BASE}/ops`);
    expect(((await res.json()) as { level: string }).level).toBe("WARNING");
    const missing = await fetch(`${s.url}${BASE}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe(
      '{\n    "error": "unknown topic: \\"nope\\"",\n    "message": "unknown topic: \\"nope\\""\n}',
    );
  });

  it("deletes a topic with 204, known or not", async () => {
    const s = await start();
    expect((await fetch(`${s.url}${BASE}/ops`, { method: "DELETE" })).status).toBe(204);
    expect(s.topics.getTopic("ops")).toBeUndefined();
    expect((await fetch(`${s.url}${BASE}/ops`, { method: "DELETE" })).status).toBe(204);
  });

  it("lists events with Go durations and answers the quirky 500 for an unknown topic", async () => {
    const s = await start();
    const res = await fetch(`${s.url}${BASE}/main:cpu:alert2/events`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`{
    "link": {
        "rel": "self",
        "href": "/kapacitor/v1/alerts/topics/main:cpu:alert2/events"
    },
    "topic": "main:cpu:alert2",
    "events": [
        {
            "link": {
                "rel": "self",
                "href": "/kapacitor/v1/alerts/topics/main:cpu:alert2/events/cpu:host=a"
            },
            "id": "cpu:host=a",
            "state": {
                "message": "cpu is CRITICAL",
                "details": "\\u003cb\\u003ehot\\u003c/b\\u003e",
                "time": "2024-11-24T04:00:00Z",
                "duration": "1m30s",
                "level": "CRITICAL"
            }
        },
        {
            "link": {
                "rel": "self",
                "href": "/kapacitor/v1/alerts/topics/main:cpu:alert2/events/cpu:host=b"
            },
            "id": "cpu:host=b",
            "state": {
                "message": "cpu is OK",
                "details": "",
                "time": "2024-11-24T04:00:00.5Z",
                "duration": "0s",
                "level": "OK"
            }
        }
    ]
}`);
    const warn = (await (await fetch(`${s.url}${BASE}/main:cpu:alert2/events?min-level=WARNING`)).json()) as {
      events: { id: string }[];
    };
    expect(warn.events.map((e) => e.id)).toEqual(["cpu:host=a"]);

    const unknown = await fetch(`${s.url}${BASE}/nope/events`);
    expect(unknown.status).toBe(500);
    expect(await errorOf(unknown)).toBe('failed to get topic events: unknown topic "nope"');
  });

  it("gets one event or answers 404", async () => {
    const s = await start();
    const res = await fetch(`${s.url}${BASE}/ops/events/disk`);
    expect(await res.text()).toBe(`{
    "link": {
        "rel": "self",
        "href": "/kapacitor/v1/alerts/topics/ops/events/disk"
    },
    "id": "disk",
    "state": {
        "message": "disk WARNING",
        "details": "",
        "time": "2024-11-24T04:00:00Z",
        "duration": "1.5ms",
        "level": "WARNING"
    }
}`);
    const missing = await fetch(`${s.url}${BASE}/ops/events/cpu`);
    expect(missing.status).toBe(404);
    expect(await errorOf(missing)).toBe('unknown event "cpu" in topic "ops"');
  });
});

describe("topic handlers", () => {
  const SLACKISH = {
    id: "post-ops",
    kind: "post",
    options: { url: "http://hook", headers: { Authorization: "Bearer abc" } },
  };

  it("creates a handler from the path's topic and shows it with redacted, sorted options", async () => {
    const s = await start();
    const res = await postHandler(s, "ops", { ...SLACKISH, topic: "ignored", match: "level() >= WARNING" });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toBe(`{
    "link": {
        "rel": "self",
        "href": "/kapacitor/v1/alerts/topics/ops/handlers/post-ops"
    },
    "id": "post-ops",
    "kind": "post",
    "options": {
        "headers": {
            "Authorization": "\\u003credacted\\u003e"
        },
        "url": "http://hook"
    },
    "match": "level() \\u003e= WARNING"
}`);
    expect(text).not.toContain("abc");
    expect(s.topics.getHandler("ops", "post-ops")).toMatchObject({ topic: "ops", options: SLACKISH.options });
  });

  it("lists handlers sorted, [] when none, and filters by pattern", async () => {
    const s = await start();
    const empty = await fetch(`${s.url}${BASE}/ops/handlers`);
    expect(await empty.text()).toBe(`{
    "link": {
        "rel": "self",
        "href": "/kapacitor/v1/alerts/topics/ops/handlers"
    },
    "topic": "ops",
    "handlers": []
}`);
    for (const id of ["zz", "aa", "log-1"]) {
      await postHandler(s, "ops", { id, kind: "log", options: { path: `/tmp/${id}.log` } });
    }
    const all = (await (await fetch(`${s.url}${BASE}/ops/handlers`)).json()) as {
      handlers: { id: string }[];
    };
    expect(all.handlers.map((h) => h.id)).toEqual(["aa", "log-1", "zz"]);
    const some = (await (await fetch(`${s.url}${BASE}/ops/handlers?pattern=*a`)).json()) as {
      link: { href: string };
      handlers: { id: string }[];
    };
    expect(some.handlers.map((h) => h.id)).toEqual(["aa"]);
    expect(some.link.href).toBe(`${BASE}/ops/handlers?pattern=*a`);
  });

  it("answers Kapacitor's errors when creating", async () => {
    const s = await start();
    const cases: [unknown, number, string][] = [
      ["{", 400, "invalid handler json: "],
      [[], 400, "invalid handler json: expected a JSON object"],
      [{ id: 3, kind: "log" }, 400, 'invalid handler json: "id" must be a string'],
      [{ id: "bad id", kind: "log" }, 400, "invalid handler spec: handler ID must contain only"],
      [{ id: "x", kind: "" }, 400, "invalid handler spec: must specify a handler kind"],
      [{ id: "x", kind: "pager" }, 500, 'failed to create handler: unsupported action kind "pager"'],
      [
        { id: "x", kind: "log", options: { bogus: 1 } },
        400,
        'failed to create handler: unknown option "bogus"',
      ],
    ];
    for (const [body, status, message] of cases) {
      const res = await fetch(`${s.url}${BASE}/ops/handlers`, {
        method: "POST",
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      expect(res.status).toBe(status);
      expect(await errorOf(res)).toContain(message);
    }
    await postHandler(s, "ops", { id: "x", kind: "log" });
    const dup = await postHandler(s, "ops", { id: "x", kind: "log" });
    expect(dup.status).toBe(500);
    expect(await errorOf(dup)).toBe('failed to create handler: handler "x" already exists');
  });

  it("gets a handler or answers 404 unknown handler", async () => {
    const s = await start();
    await postHandler(s, "ops", SLACKISH);
    const res = await fetch(`${s.url}${BASE}/ops/handlers/post-ops`);
    expect(((await res.json()) as { options: { headers: unknown } }).options.headers).toEqual({
      Authorization: "<redacted>",
    });
    const missing = await fetch(`${s.url}${BASE}/ops/handlers/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe(
      '{\n    "error": "unknown handler: \\"nope\\"",\n    "message": "unknown handler: \\"nope\\""\n}',
    );
  });

  it("replaces a handler with PUT, id change included", async () => {
    const s = await start();
    await postHandler(s, "ops", { id: "h", kind: "log", options: { path: "/a" } });
    const res = await fetch(`${s.url}${BASE}/ops/handlers/h`, {
      method: "PUT",
      body: JSON.stringify({ id: "h2", kind: "tcp", options: { address: "127.0.0.1:9" } }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      link: { rel: "self", href: `${BASE}/ops/handlers/h2` },
      id: "h2",
      kind: "tcp",
      options: { address: "127.0.0.1:9" },
      match: "",
    });
    expect(s.topics.getHandler("ops", "h")).toBeUndefined();

    const missing = await fetch(`${s.url}${BASE}/ops/handlers/h`, { method: "PUT", body: "{}" });
    expect(missing.status).toBe(404);
    const badJson = await fetch(`${s.url}${BASE}/ops/handlers/h2`, { method: "PUT", body: "nope" });
    expect(badJson.status).toBe(400);
    expect(await errorOf(badJson)).toMatch(/^failed to unmarshal JSON: /);
    const badKind = await fetch(`${s.url}${BASE}/ops/handlers/h2`, {
      method: "PUT",
      body: JSON.stringify({ id: "h2", kind: "pager" }),
    });
    expect(badKind.status).toBe(500);
    expect(await errorOf(badKind)).toBe('failed to update handler: unsupported action kind "pager"');
  });

  it("patches a handler with an RFC 6902 JSON patch", async () => {
    const s = await start();
    await postHandler(s, "ops", { id: "h", kind: "post", options: { url: "http://a", password: "pw" } });
    const res = await fetch(`${s.url}${BASE}/ops/handlers/h`, {
      method: "PATCH",
      body: JSON.stringify([
        { op: "test", path: "/kind", value: "post" },
        { op: "replace", path: "/options/url", value: "http://b" },
        { op: "add", path: "/options/headers", value: { "X-A": "1" } },
        { op: "copy", from: "/options/url", path: "/options/backup" },
        { op: "move", from: "/options/backup", path: "/options/spare" },
        { op: "remove", path: "/options/password" },
        { op: "replace", path: "/match", value: "changed()" },
      ]),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`{
    "link": {
        "rel": "self",
        "href": "/kapacitor/v1/alerts/topics/ops/handlers/h"
    },
    "id": "h",
    "kind": "post",
    "options": {
        "headers": {
            "X-A": "\\u003credacted\\u003e"
        },
        "spare": "http://b",
        "url": "http://b"
    },
    "match": "changed()"
}`);
    expect(s.topics.getHandler("ops", "h")!.options).toEqual({
      url: "http://b",
      headers: { "X-A": "1" },
      spare: "http://b",
    });
  });

  it("answers Kapacitor's errors for bad patches", async () => {
    const s = await start();
    await postHandler(s, "ops", { id: "h", kind: "log", options: { path: "/a" } });
    const cases: [string, number, string][] = [
      ["nope", 400, "invalid patch json: "],
      [JSON.stringify({ op: "add" }), 400, "invalid patch json: a JSON patch must be an array of operations"],
      [
        JSON.stringify([{ op: "frob", path: "/id" }]),
        400,
        'invalid patch json: operation 0: unknown op "frob"',
      ],
      [
        JSON.stringify([{ op: "replace", path: "/nope", value: 1 }]),
        400,
        "failed to apply patch: path not found: /nope",
      ],
      [
        JSON.stringify([{ op: "test", path: "/kind", value: "tcp" }]),
        400,
        "failed to apply patch: test failed",
      ],
      [
        JSON.stringify([{ op: "replace", path: "/id", value: 7 }]),
        400,
        'failed to unmarshal patched json: "id" must be a string',
      ],
      [JSON.stringify([{ op: "replace", path: "/id", value: "no spaces" }]), 400, "invalid handler spec: "],
    ];
    for (const [body, status, message] of cases) {
      const res = await fetch(`${s.url}${BASE}/ops/handlers/h`, { method: "PATCH", body });
      expect(res.status).toBe(status);
      expect(await errorOf(res)).toContain(message);
    }
    expect(s.topics.getHandler("ops", "h")!.options).toEqual({ path: "/a" });
    const missing = await fetch(`${s.url}${BASE}/ops/handlers/nope`, { method: "PATCH", body: "[]" });
    expect(missing.status).toBe(404);
    expect(await errorOf(missing)).toBe('unknown handler: "nope"');
  });

  it("deletes a handler with 204, known or not", async () => {
    const s = await start();
    await postHandler(s, "ops", { id: "h", kind: "log" });
    expect((await fetch(`${s.url}${BASE}/ops/handlers/h`, { method: "DELETE" })).status).toBe(204);
    expect(s.topics.getHandler("ops", "h")).toBeUndefined();
    expect((await fetch(`${s.url}${BASE}/ops/handlers/h`, { method: "DELETE" })).status).toBe(204);
  });

  it("answers 404 for paths under a topic that are not part of the API", async () => {
    const s = await start();
    for (const [method, path] of [
      ["GET", "/ops/other"],
      ["DELETE", "/ops/events/disk"],
      ["GET", "/ops/handlers/h/more"],
      ["POST", "/ops"],
    ] as const) {
      const res = await fetch(`${s.url}${BASE}${path}`, { method });
      expect(res.status).toBe(404);
      expect(await errorOf(res)).toBe("Not Found");
    }
    expect(s.topics.getTopic("ops")).toBeDefined();
  });
});
