import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  readHandlerFile,
  runDefineTopicHandler,
  runDeleteTopicHandlers,
  runDeleteTopics,
  runListTopicHandlers,
  runListTopics,
  runShowTopic,
} from "../../../../src/cli/client/topics.js";
import { useFakeKapacitor } from "./fake-kapacitor.js";

const fx = useFakeKapacitor("tickctl-topics-");
const { file, run } = fx;

function seed(): void {
  const cpu = fx.server.topic("main:cpu_alert", { level: "CRITICAL", collected: 12 });
  cpu.handlers.set("victorops", {
    id: "victorops",
    kind: "victorops",
    options: { "routing-key": "ops" },
    match: "",
  });
  cpu.handlers.set("hook", {
    id: "hook",
    kind: "post",
    options: { url: "http://x" },
    match: "changed() == TRUE",
  });
  cpu.events.push(
    {
      id: "cpu:host=b",
      state: {
        message: "host b is CRITICAL",
        details: "",
        time: "2024-03-13T10:05:00Z",
        duration: "5m0s",
        level: "CRITICAL",
      },
    },
    {
      id: "cpu:host=a",
      state: { message: "ok", details: "", time: "2024-03-13T10:00:00Z", duration: "0s", level: "OK" },
    },
  );
  fx.server.topic("system", { level: "OK", collected: 3 });
}

describe("tickctl list topics", () => {
  it("prints ID, Level and a right-aligned Collected", async () => {
    seed();
    const r = await run((o) => runListTopics([], o));
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        "ID             Level     Collected",
        "main:cpu_alert CRITICAL         12",
        "system         OK                3",
        "",
      ].join("\n"),
    );
    expect(fx.server.lines()).toEqual(["GET /kapacitor/v1/alerts/topics"]);
  });

  it("passes patterns and prints {topics} with --json", async () => {
    seed();
    const r = await run((o) => runListTopics(["main:*"], o), true);
    const doc = JSON.parse(r.out) as { topics: { id: string; level: string; collected: number }[] };
    expect(doc.topics.map((t) => [t.id, t.level, t.collected])).toEqual([["main:cpu_alert", "CRITICAL", 12]]);
    expect(fx.server.lines()).toEqual(["GET /kapacitor/v1/alerts/topics?pattern=main%3A*"]);
  });
});

describe("tickctl list topic-handlers", () => {
  it("lists the handlers of every topic", async () => {
    seed();
    const r = await run((o) => runListTopicHandlers(undefined, [], o));
    expect(r.out).toBe(
      [
        "Topic          ID         Kind       ",
        "main:cpu_alert hook       post       ",
        "main:cpu_alert victorops  victorops  ",
        "",
      ].join("\n"),
    );
    expect(fx.server.lines()).toEqual([
      "GET /kapacitor/v1/alerts/topics",
      "GET /kapacitor/v1/alerts/topics/main:cpu_alert/handlers",
      "GET /kapacitor/v1/alerts/topics/system/handlers",
    ]);
  });

  it("filters topics and handlers by pattern; --json includes the topic of each handler", async () => {
    seed();
    const r = await run((o) => runListTopicHandlers("main:*", ["vic*"], o), true);
    expect(JSON.parse(r.out)).toEqual({
      handlers: [
        {
          topic: "main:cpu_alert",
          link: { rel: "self", href: "/kapacitor/v1/alerts/topics/main:cpu_alert/handlers/victorops" },
          id: "victorops",
          kind: "victorops",
          options: { "routing-key": "ops" },
          match: "",
        },
      ],
    });
    expect(fx.server.lines()).toEqual([
      "GET /kapacitor/v1/alerts/topics?pattern=main%3A*",
      "GET /kapacitor/v1/alerts/topics/main:cpu_alert/handlers?pattern=vic*",
    ]);
  });
});

describe("tickctl show-topic", () => {
  it("prints the topic, its handlers and its events oldest first", async () => {
    seed();
    const r = await run((o) => runShowTopic("main:cpu_alert", o));
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        "ID: main:cpu_alert",
        "Level: CRITICAL",
        "Collected: 12",
        "Handlers: [hook, victorops]",
        "Events:",
        "Event      Level    Message            Date                   ",
        "cpu:host=a OK       ok                 13 Mar 24 10:00 UTC    ",
        "cpu:host=b CRITICAL host b is CRITICAL 13 Mar 24 10:05 UTC    ",
        "",
      ].join("\n"),
    );
    expect(fx.server.lines()).toEqual([
      "GET /kapacitor/v1/alerts/topics/main:cpu_alert",
      "GET /kapacitor/v1/alerts/topics/main:cpu_alert/events",
      "GET /kapacitor/v1/alerts/topics/main:cpu_alert/handlers",
    ]);
  });

  it("--json prints {topic, events, handlers}", async () => {
    seed();
    const r = await run((o) => runShowTopic("system", o), true);
    const doc = JSON.parse(r.out) as { topic: { id: string }; events: unknown[]; handlers: unknown[] };
    expect([doc.topic.id, doc.events, doc.handlers]).toEqual(["system", [], []]);
  });

  it("prints the fx.server's message for an unknown topic", async () => {
    const r = await run((o) => runShowTopic("nope", o));
    expect(r).toEqual({ code: 1, out: "", err: 'tickctl: unknown topic: "nope"\n' });
  });
});

describe("tickctl delete topics / topic-handlers", () => {
  it("DELETEs topics by id and by glob", async () => {
    seed();
    fx.server.topic("main:mem");
    const r = await run((o) => runDeleteTopics(["system", "main:*"], o));
    expect(r).toEqual({ code: 0, out: "", err: "" });
    expect(fx.server.lines()).toEqual([
      "GET /kapacitor/v1/alerts/topics?pattern=main%3A*",
      "DELETE /kapacitor/v1/alerts/topics/system",
      "DELETE /kapacitor/v1/alerts/topics/main:cpu_alert",
      "DELETE /kapacitor/v1/alerts/topics/main:mem",
    ]);
    expect(fx.server.topics.size).toBe(0);
  });

  it("DELETEs the named handlers of one topic", async () => {
    seed();
    const r = await run((o) => runDeleteTopicHandlers("main:cpu_alert", ["hook"], o));
    expect(r.code).toBe(0);
    expect(fx.server.lines()).toEqual(["DELETE /kapacitor/v1/alerts/topics/main:cpu_alert/handlers/hook"]);
    expect([...(fx.server.topics.get("main:cpu_alert")?.handlers.keys() ?? [])]).toEqual(["victorops"]);
  });

  it("expands handler globs within the topic", async () => {
    seed();
    await run((o) => runDeleteTopicHandlers("main:cpu_alert", ["*"], o));
    expect(fx.server.lines()).toEqual([
      "GET /kapacitor/v1/alerts/topics/main:cpu_alert/handlers?pattern=*",
      "DELETE /kapacitor/v1/alerts/topics/main:cpu_alert/handlers/hook",
      "DELETE /kapacitor/v1/alerts/topics/main:cpu_alert/handlers/victorops",
    ]);
  });

  it("reports a fx.server error per item and carries on", async () => {
    seed();
    fx.server.override = (r) =>
      r.method === "DELETE" && r.url.endsWith("/hook")
        ? { status: 500, body: { error: "disk full" } }
        : undefined;
    const r = await run((o) => runDeleteTopicHandlers("main:cpu_alert", ["hook", "victorops"], o));
    expect(r).toEqual({
      code: 1,
      out: "",
      err: "tickctl: deleting handler hook of topic main:cpu_alert: disk full\n",
    });
    expect(fx.server.lines()).toHaveLength(2);
  });
});

describe("tickctl define-topic-handler", () => {
  const YAML = [
    "topic: main:cpu_alert",
    "id: ops-log",
    "kind: log",
    "options:",
    "  path: /tmp/alerts.log",
    "  mode: 0644",
    "match: level() >= WARNING",
    "",
  ].join("\n");

  it("creates a missing handler: GET, then POST to the topic's handlers (YAML 1.1: 0644 is 420)", async () => {
    const f = file("ops.yaml", YAML);
    const r = await run((o) => runDefineTopicHandler(f, o));
    expect(r).toEqual({ code: 0, out: "", err: "" });
    const body = {
      topic: "main:cpu_alert",
      id: "ops-log",
      kind: "log",
      options: { path: "/tmp/alerts.log", mode: 420 },
      match: "level() >= WARNING",
    };
    expect(fx.server.requests).toEqual([
      { method: "GET", url: "/kapacitor/v1/alerts/topics/main:cpu_alert/handlers/ops-log", body: undefined },
      { method: "POST", url: "/kapacitor/v1/alerts/topics/main:cpu_alert/handlers", body },
    ]);
    expect(fx.server.topics.get("main:cpu_alert")?.handlers.get("ops-log")?.options).toEqual({
      path: "/tmp/alerts.log",
      mode: 420,
    });
  });

  it("replaces an existing handler: GET, then PUT in place (JSON file)", async () => {
    seed();
    const f = file(
      "vo.json",
      JSON.stringify({
        topic: "main:cpu_alert",
        id: "victorops",
        kind: "victorops",
        options: { "routing-key": "new" },
      }),
    );
    const r = await run((o) => runDefineTopicHandler(f, o));
    expect(r.code).toBe(0);
    expect(fx.server.requests).toEqual([
      {
        method: "GET",
        url: "/kapacitor/v1/alerts/topics/main:cpu_alert/handlers/victorops",
        body: undefined,
      },
      {
        method: "PUT",
        url: "/kapacitor/v1/alerts/topics/main:cpu_alert/handlers/victorops",
        body: {
          topic: "main:cpu_alert",
          id: "victorops",
          kind: "victorops",
          options: { "routing-key": "new" },
          match: "",
        },
      },
    ]);
    expect(fx.server.topics.get("main:cpu_alert")?.handlers.get("victorops")?.options).toEqual({
      "routing-key": "new",
    });
  });

  it("prints the fx.server's rejection", async () => {
    fx.server.override = (r) =>
      r.method === "POST"
        ? { status: 500, body: { error: 'failed to create handler: unsupported action kind "smoke"' } }
        : undefined;
    const f = file("x.yml", "topic: t\nid: h\nkind: smoke\n");
    const r = await run((o) => runDefineTopicHandler(f, o));
    expect(r).toEqual({
      code: 1,
      out: "",
      err: 'tickctl: failed to create handler: unsupported action kind "smoke"\n',
    });
  });

  it("rejects bad files before any request", async () => {
    const cases: [string, string, string][] = [
      ["h.txt", "topic: t", "a handler file must end in .yaml, .yml or .json"],
      ["h.yaml", "id: h\nkind: log\n", '"topic" is required'],
      ["h2.yaml", "topic: t\nkind: log\n", '"id" is required'],
      ["h3.yaml", "topic: t\nid: h\noptions: [1]\n", '"options" must be a map'],
      ["h4.json", "{", "invalid JSON"],
      ["h5.yaml", "- a\n- b\n", "expected a map"],
    ];
    for (const [name, text, message] of cases) {
      const f = file(name, text);
      const r = await run((o) => runDefineTopicHandler(f, o));
      expect(r.code).toBe(1);
      expect(r.err).toContain(`tickctl: ${f}: ${message}`);
    }
    const missing = join(fx.dir, "missing.yaml");
    const r = await run((o) => runDefineTopicHandler(missing, o));
    expect(r.err).toBe(`tickctl: cannot read handler file ${missing}: no such file\n`);
    expect(fx.server.requests).toEqual([]);
  });

  it("reads the shipped handler examples", async () => {
    const spec = await readHandlerFile(
      file("a.yml", "topic: t\nid: h\nkind: post\noptions:\n  url: http://x\n"),
    );
    expect(spec).toEqual({ topic: "t", id: "h", kind: "post", options: { url: "http://x" }, match: "" });
  });
});
