import { describe, expect, it } from "vitest";
import type { TopicHandlerSpec } from "../../../src/alert/handler.js";
import { TopicService, type TopicPersistence } from "../../../src/alert/topic-service.js";
import {
  alertEvent,
  Level,
  RecordingFactory,
  RecordingLogger,
  RecordingPersistence,
  tickHandler,
  type EventOptions,
} from "./helpers.js";

const ANON = "main:cpu_alert:alert4";

function setup(persistence?: TopicPersistence, persistTopics = true) {
  const factory = new RecordingFactory();
  const logger = new RecordingLogger();
  const service = new TopicService({
    factory,
    logger,
    persistTopics,
    ...(persistence === undefined ? {} : { persistence }),
  });
  return { factory, logger, service };
}

function handler(
  topic: string,
  id: string,
  kind = "log",
  more: Partial<TopicHandlerSpec> = {},
): TopicHandlerSpec {
  return { topic, id, kind, options: {}, match: "", ...more };
}

function send(service: TopicService, id: string, level: Level, topics: string[], o: EventOptions = {}) {
  service.collect(alertEvent(id, level, o), { topics, handlers: [] });
}

describe("TopicService.collect", () => {
  it("keeps previousLevel per topic", () => {
    const { factory, service } = setup();
    service.createHandler(handler("a", "ha"));
    service.createHandler(handler("b", "hb"));
    send(service, "cpu:nil", Level.CRITICAL, ["a"]);
    send(service, "cpu:nil", Level.CRITICAL, ["a", "b"]);
    send(service, "cpu:nil", Level.OK, ["a", "b"]);
    expect(factory.lines()).toEqual([
      "ha a cpu:nil CRITICAL (prev OK)",
      "ha a cpu:nil CRITICAL (prev CRITICAL)",
      "hb b cpu:nil CRITICAL (prev OK)",
      "ha a cpu:nil OK (prev CRITICAL)",
      "hb b cpu:nil OK (prev CRITICAL)",
    ]);
    expect(service.getTopic("a")).toEqual({ id: "a", level: Level.OK, collected: 3 });
    expect(service.getTopic("b")).toEqual({ id: "b", level: Level.OK, collected: 2 });
  });

  it("sends TICKscript handlers only the anonymous topic, and topic handlers their own topic", () => {
    const { factory, service } = setup();
    service.createHandler(handler("cpu", "on-named"));
    service.createHandler(handler(ANON, "on-anon"));
    const handlers = [tickHandler("post", "http://example.test/hook"), tickHandler("victorOps")];
    service.collect(alertEvent("cpu:nil", Level.WARNING), { topics: [ANON, "cpu"], handlers });
    expect(factory.lines()).toEqual([
      `tick:post0 ${ANON} cpu:nil WARNING (prev OK)`,
      `tick:victorOps1 ${ANON} cpu:nil WARNING (prev OK)`,
      `on-anon ${ANON} cpu:nil WARNING (prev OK)`,
      "on-named cpu cpu:nil WARNING (prev OK)",
    ]);
    expect(factory.created.find((c) => c.id === "tick:post0")).toMatchObject({
      kind: "post",
      topic: ANON,
      options: { url: "http://example.test/hook" },
    });
  });

  it("creates a node's TICKscript handlers once, and anew when the task is redefined", () => {
    const { factory, service } = setup();
    const handlers = [tickHandler("post", "http://a.test/")];
    for (const level of [Level.WARNING, Level.CRITICAL, Level.OK]) {
      service.collect(alertEvent("cpu:nil", level), { topics: [ANON], handlers });
    }
    expect(factory.converted).toHaveLength(1);
    expect(factory.created).toHaveLength(1);
    expect(factory.deliveries).toHaveLength(3);

    const redefined = [tickHandler("post", "http://b.test/")];
    service.collect(alertEvent("cpu:nil", Level.WARNING), { topics: [ANON], handlers: redefined });
    expect(factory.closed).toEqual([`${ANON}/tick:post0`]);
    expect(factory.created.map((c) => c.options["url"])).toEqual(["http://a.test/", "http://b.test/"]);
  });

  it("never lists TICKscript handlers", () => {
    const { service } = setup();
    service.collect(alertEvent("cpu:nil", Level.WARNING), {
      topics: [ANON],
      handlers: [tickHandler("post", "u")],
    });
    expect(service.listHandlers(ANON)).toEqual([]);
    expect(service.getTopic(ANON)?.collected).toBe(1);
  });

  it("logs a TICKscript handler it cannot run once, and runs the others", () => {
    const { factory, logger, service } = setup();
    const handlers = [tickHandler("pagerDuty", undefined, false), tickHandler("post", "u")];
    service.collect(alertEvent("cpu:nil", Level.WARNING), { topics: [ANON], handlers });
    service.collect(alertEvent("cpu:nil", Level.CRITICAL), { topics: [ANON], handlers });
    expect(factory.lines()).toEqual([
      `tick:post1 ${ANON} cpu:nil WARNING (prev OK)`,
      `tick:post1 ${ANON} cpu:nil CRITICAL (prev WARNING)`,
    ]);
    expect(logger.errors()).toHaveLength(1);
    expect(logger.errors()[0]).toMatchObject({
      fields: {
        topic: ANON,
        handler: "tick:pagerDuty0",
        line: 7,
        error: 'unsupported action kind "pagerDuty"',
      },
    });
  });

  it("gives NoExternal events only to aggregate and publish handlers", () => {
    const { factory, service } = setup();
    for (const kind of ["log", "post", "aggregate", "publish"])
      service.createHandler(handler("t", kind, kind));
    send(service, "agg", Level.CRITICAL, ["t"], { noExternal: true });
    expect(factory.deliveries.map((d) => d.handler)).toEqual(["aggregate", "publish"]);
    send(service, "x", Level.CRITICAL, ["t"]);
    expect(factory.deliveries.map((d) => d.handler).slice(2)).toEqual([
      "log",
      "post",
      "aggregate",
      "publish",
    ]);
  });

  it("keeps going when a handler throws or rejects, and logs topic and handler id", async () => {
    const { factory, logger, service } = setup();
    service.createHandler(handler("t", "thrower", "log", { options: { fail: "throw" } }));
    service.createHandler(handler("t", "rejecter", "post", { options: { fail: "reject" } }));
    service.createHandler(handler("t", "fine", "victorops", { options: { fail: "async" } }));
    expect(() => send(service, "e1", Level.CRITICAL, ["t"])).not.toThrow();
    await service.drain();
    expect(factory.lines()).toEqual(["fine t e1 CRITICAL (prev OK)"]);
    expect(logger.errors().map((e) => e.fields)).toEqual([
      { topic: "t", handler: "thrower", error: "thrower exploded" },
      { topic: "t", handler: "rejecter", error: "rejecter rejected" },
    ]);
  });
});

describe("match expressions on topic handlers", () => {
  function run(match: string, events: [string, Level, Record<string, string>?][]): string[] {
    const { factory, service } = setup();
    service.createHandler(handler("cpu", "m", "log", { match }));
    for (const [id, level, tags] of events) send(service, id, level, ["cpu"], tags ? { tags } : {});
    return factory.deliveries.map((d) => `${d.event} ${d.level}`);
  }

  it(`"host" == 'serverA' AND level() == CRITICAL`, () => {
    expect(
      run(`"host" == 'serverA' AND level() == CRITICAL`, [
        ["a", Level.CRITICAL, { host: "serverA" }],
        ["b", Level.CRITICAL, { host: "serverB" }],
        ["a", Level.WARNING, { host: "serverA" }],
      ]),
    ).toEqual(["a CRITICAL"]);
  });

  it("changed() == TRUE sees the topic's previous level", () => {
    expect(
      run("changed() == TRUE", [
        ["a", Level.WARNING],
        ["a", Level.WARNING],
        ["a", Level.CRITICAL],
        ["b", Level.CRITICAL],
        ["a", Level.OK],
      ]),
    ).toEqual(["a WARNING", "a CRITICAL", "b CRITICAL", "a OK"]);
  });

  it("level() >= WARNING", () => {
    expect(
      run("level() >= WARNING", [
        ["a", Level.INFO],
        ["a", Level.WARNING],
        ["a", Level.CRITICAL],
        ["a", Level.OK],
      ]),
    ).toEqual(["a WARNING", "a CRITICAL"]);
  });

  it("skips the handler and logs when the event lacks the tag", () => {
    const { factory, logger, service } = setup();
    service.createHandler(handler("cpu", "by-dc", "log", { match: `"dc" == 'eu'` }));
    service.createHandler(handler("cpu", "all"));
    send(service, "a", Level.CRITICAL, ["cpu"], { tags: { host: "serverA" } });
    expect(factory.deliveries.map((d) => d.handler)).toEqual(["all"]);
    expect(logger.errors()).toEqual([
      {
        level: "error",
        msg: "failed to evaluate match expression",
        fields: { topic: "cpu", handler: "by-dc", match: `"dc" == 'eu'`, error: "no tag exists for dc" },
      },
    ]);
  });
});

describe("TopicService persistence", () => {
  it("stores non-OK states, deletes on OK but keeps the OK state in memory", () => {
    const p = new RecordingPersistence();
    const { service } = setup(p);
    send(service, "a", Level.WARNING, [ANON, "cpu"]);
    send(service, "a", Level.CRITICAL, [ANON]);
    send(service, "a", Level.OK, [ANON, "cpu"]);
    expect(p.calls).toEqual([
      `putEvent ${ANON} a WARNING`,
      "putEvent cpu a WARNING",
      `putEvent ${ANON} a CRITICAL`,
      `deleteEvent ${ANON} a`,
      "deleteEvent cpu a",
    ]);
    expect(p.events.size).toBe(0);
    expect(service.topicEvent("cpu", "a")).toMatchObject({ id: "a", level: Level.OK });
  });

  it("does not store event states without persistTopics, but still stores API handlers", () => {
    const p = new RecordingPersistence();
    const { service } = setup(p, false);
    service.createHandler(handler("cpu", "h"));
    send(service, "a", Level.CRITICAL, ["cpu"]);
    expect(p.calls).toEqual(["putHandler cpu h"]);
  });

  it("logs a failed write and still delivers", () => {
    const p = new RecordingPersistence();
    p.failEvents = true;
    const { factory, logger, service } = setup(p);
    service.createHandler(handler("cpu", "h"));
    send(service, "a", Level.CRITICAL, ["cpu"]);
    expect(factory.deliveries).toHaveLength(1);
    expect(logger.errors()[0]).toMatchObject({
      msg: "failed to store topic event state",
      fields: { topic: "cpu", event: "a", error: "disk full" },
    });
  });

  it("restores stored states and handlers on open, anonymous topic first", () => {
    const p = new RecordingPersistence();
    const first = setup(p);
    first.service.createHandler(handler("cpu", "h", "log", { match: "level() >= WARNING" }));
    send(first.service, "a", Level.WARNING, [ANON, "cpu"], { time: 1000 });
    send(first.service, "a", Level.CRITICAL, ["cpu"], { time: 2000 });
    send(first.service, "b", Level.CRITICAL, ["cpu"], { time: 3000 });
    send(first.service, "b", Level.OK, ["cpu"], { time: 4000 });

    const { factory, service } = setup(p);
    service.open();
    expect(service.getTopic("cpu")).toEqual({ id: "cpu", level: Level.CRITICAL, collected: 0 });
    expect(service.restore(["cpu"], "a")).toEqual({ level: Level.CRITICAL, time: 2000n });
    expect(service.restore([ANON, "cpu"], "b")).toBeUndefined();
    expect(service.listHandlers("cpu").map((h) => [h.id, h.match, h.source])).toEqual([
      ["h", "level() >= WARNING", { type: "api" }],
    ]);
    send(service, "a", Level.CRITICAL, ["cpu"]);
    expect(factory.lines()).toEqual(["h cpu a CRITICAL (prev CRITICAL)"]);
  });

  // Kapacitor's restoreEvent (alert.go), run for every group that starts.
  it("restore: the anonymous topic's state wins and overwrites the named topic's", () => {
    const p = new RecordingPersistence();
    const { service } = setup(p);
    send(service, "a", Level.WARNING, [ANON, "cpu"], { time: 1000 });
    send(service, "a", Level.CRITICAL, ["cpu"], { time: 2000 });
    p.calls.length = 0;
    expect(service.restore([ANON, "cpu"], "a")).toEqual({ level: Level.WARNING, time: 1000n });
    expect(service.topicEvent("cpu", "a")).toMatchObject({ level: Level.WARNING, time: 1000n });
    expect(p.calls).toEqual(["putEvent cpu a WARNING"]);
    // A copy is not a collected event.
    expect(service.getTopic("cpu")).toEqual({ id: "cpu", level: Level.WARNING, collected: 2 });
  });

  it("restore: a state only the named topic has is copied into the anonymous topic", () => {
    const p = new RecordingPersistence();
    const { factory, service } = setup(p);
    service.createHandler(handler(ANON, "h"));
    send(service, "a", Level.CRITICAL, ["cpu"], { time: 2000 });
    expect(service.restore([ANON, "cpu"], "a")).toEqual({ level: Level.CRITICAL, time: 2000n });
    expect(service.topicEvent(ANON, "a")).toMatchObject({ level: Level.CRITICAL, time: 2000n });
    expect(p.events.get(`${ANON}/a`)?.state.level).toBe(Level.CRITICAL);
    // The anonymous topic's next event for the id sees the copied level.
    send(service, "a", Level.OK, [ANON, "cpu"]);
    expect(factory.lines()).toEqual([`h ${ANON} a OK (prev CRITICAL)`]);
  });

  it("restore: an OK state kept in memory wins, seeds nothing and clears the named topic", () => {
    const p = new RecordingPersistence();
    const { service } = setup(p);
    send(service, "a", Level.CRITICAL, [ANON], { time: 5 });
    send(service, "a", Level.OK, [ANON], { time: 6 });
    send(service, "a", Level.WARNING, ["cpu"], { time: 7 });
    p.calls.length = 0;
    expect(service.restore([ANON, "cpu"], "a")).toBeUndefined();
    expect(service.topicEvent("cpu", "a")).toMatchObject({ level: Level.OK, time: 6n });
    expect(p.calls).toEqual(["deleteEvent cpu a"]);
  });

  it("restore: a single topic's state, whichever kind; nothing without topics or a state", () => {
    const { service } = setup();
    send(service, "a", Level.WARNING, ["cpu"], { time: 7 });
    expect(service.restore(["cpu"], "a")).toEqual({ level: Level.WARNING, time: 7n });
    expect(service.restore([], "a")).toBeUndefined();
    expect(service.restore([ANON, "cpu"], "other")).toBeUndefined();
    // Same levels: nothing is copied.
    send(service, "b", Level.WARNING, [ANON], { time: 1 });
    send(service, "b", Level.WARNING, ["cpu"], { time: 2 });
    expect(service.restore([ANON, "cpu"], "b")).toEqual({ level: Level.WARNING, time: 1n });
    expect(service.topicEvent("cpu", "b")).toMatchObject({ time: 2n });
  });

  it("logs a stored handler that no longer loads and keeps it stored", () => {
    const p = new RecordingPersistence();
    p.handlers.set("cpu/old", handler("cpu", "old", "hipchat"));
    const { logger, service } = setup(p);
    service.open();
    expect(service.listHandlers("cpu")).toEqual([]);
    expect(logger.errors()[0]).toMatchObject({
      msg: "failed to load handler on startup",
      fields: { topic: "cpu", handler: "old", error: 'unsupported action kind "hipchat"' },
    });
    expect(p.handlers.has("cpu/old")).toBe(true);
  });
});

describe("TopicService topic API", () => {
  it("lists topics sorted, by glob and minimum level", () => {
    const { service } = setup();
    send(service, "a", Level.WARNING, ["cpu", ANON, "mem"]);
    send(service, "b", Level.CRITICAL, ["cpu"]);
    expect(service.listTopics().map((t) => t.id)).toEqual(["cpu", ANON, "mem"]);
    expect(service.listTopics("main:*")).toEqual([{ id: ANON, level: Level.WARNING, collected: 1 }]);
    expect(service.listTopics("", Level.CRITICAL).map((t) => t.id)).toEqual(["cpu"]);
    expect(() => service.listTopics("[")).toThrow(expect.objectContaining({ code: "E_PATTERN" }));
  });

  it("lists events by minimum level and deletes a topic's state", () => {
    const p = new RecordingPersistence();
    const { service } = setup(p);
    send(service, "a", Level.WARNING, ["cpu"]);
    send(service, "b", Level.CRITICAL, ["cpu"]);
    expect(service.topicEvents("cpu", Level.CRITICAL)?.map((e) => e.id)).toEqual(["b"]);
    expect(service.topicEvents("cpu")?.map((e) => e.id)).toEqual(["a", "b"]);
    expect(service.topicEvents("nope")).toBeUndefined();
    expect(service.topicEvent("cpu", "zzz")).toBeUndefined();
    expect(service.deleteTopic("cpu")).toBe(true);
    expect(service.deleteTopic("cpu")).toBe(false);
    expect(service.getTopic("cpu")).toBeUndefined();
    expect(p.calls.at(-2)).toBe("deleteTopic cpu");
  });

  it("creating a handler creates its topic", () => {
    const { service } = setup();
    service.createHandler(handler("fresh", "h"));
    expect(service.getTopic("fresh")).toEqual({ id: "fresh", level: Level.OK, collected: 0 });
  });
});

describe("TopicService handler API", () => {
  it("creates, lists (sorted, by glob), replaces and deletes, persisting each step", () => {
    const p = new RecordingPersistence();
    const { factory, service } = setup(p);
    const created = service.createHandler(
      handler("cpu", "vo", "victorops", { options: { "routing-key": "k" } }),
    );
    expect(created).toEqual({
      topic: "cpu",
      id: "vo",
      kind: "victorops",
      options: { "routing-key": "k" },
      match: "",
      source: { type: "api" },
    });
    service.createHandler(handler("cpu", "log-1"));
    service.createHandler(handler("cpu", "agg", "aggregate"));
    expect(service.listHandlers("cpu").map((h) => h.id)).toEqual(["agg", "log-1", "vo"]);
    expect(service.listHandlers("cpu", "log*").map((h) => h.id)).toEqual(["log-1"]);
    expect(service.listHandlers("mem")).toEqual([]);

    const replaced = service.replaceHandler(
      "cpu",
      "vo",
      handler("cpu", "vo2", "victorops", { match: "changed()" }),
    );
    expect(replaced.id).toBe("vo2");
    expect(service.getHandler("cpu", "vo")).toBeUndefined();
    expect(factory.closed).toEqual(["cpu/vo"]);

    expect(service.deleteHandler("cpu", "log-1")).toBe(true);
    expect(service.deleteHandler("cpu", "log-1")).toBe(false);
    expect(p.calls).toEqual([
      "putHandler cpu vo",
      "putHandler cpu log-1",
      "putHandler cpu agg",
      "putHandler cpu vo2",
      "deleteHandler cpu vo",
      "deleteHandler cpu log-1",
    ]);
    expect([...p.handlers.keys()].sort()).toEqual(["cpu/agg", "cpu/vo2"]);
  });

  it("does not share option objects with callers", () => {
    const { service } = setup();
    const spec = handler("cpu", "h", "log", { options: { path: "/a" } });
    service.createHandler(spec);
    spec.options["path"] = "/changed";
    service.getHandler("cpu", "h")!.options["path"] = "/also";
    expect(service.getHandler("cpu", "h")?.options).toEqual({ path: "/a" });
  });

  it("redacts secrets through the factory", () => {
    const { service } = setup();
    const h = service.createHandler(handler("cpu", "h", "post", { options: { url: "u", password: "p" } }));
    expect(service.redact(h).options).toEqual({ url: "u", password: "<redacted>" });
    expect(service.getHandler("cpu", "h")?.options["password"]).toBe("p");
  });

  it.each([
    [
      handler("cpu", "bad id"),
      "E_HANDLER_SPEC",
      `invalid handler spec: handler ID must contain only letters, numbers, '-', '.' and '_'. "bad id"`,
    ],
    [
      handler("cpu/x", "h"),
      "E_HANDLER_SPEC",
      `invalid handler spec: handler topic must contain only letters, numbers, '-', '.' and '_'. "cpu/x"`,
    ],
    [handler("cpu", "h", ""), "E_HANDLER_SPEC", "invalid handler spec: handler Kind must not be empty"],
    [
      handler("cpu", "h", "nope"),
      "E_HANDLER_KIND",
      `failed to create handler: unsupported action kind "nope"`,
    ],
    [
      handler("cpu", "h", "log", { options: { bogus: 1 } }),
      "E_HANDLER_OPTIONS",
      `failed to create handler: unknown option "bogus" for kind log`,
    ],
  ])("createHandler rejects %j with %s", (spec, code, message) => {
    const { factory, service } = setup();
    expect(() => service.createHandler(spec)).toThrow(expect.objectContaining({ code, message }));
    expect(factory.created).toEqual([]);
    expect(service.listTopics()).toEqual([]);
  });

  it("rejects an invalid match with its position, before creating the handler", () => {
    const { factory, service } = setup();
    expect(() => service.createHandler(handler("cpu", "h", "log", { match: "level() >= WARNIG" }))).toThrow(
      expect.objectContaining({
        code: "E_HANDLER_SPEC",
        message:
          "invalid handler spec: invalid match expression: unknown identifier WARNIG; did you mean WARNING? (line 1, column 12)",
      }),
    );
    expect(factory.created).toEqual([]);
  });

  it("rejects a duplicate id with Kapacitor's message", () => {
    const p = new RecordingPersistence();
    const { service } = setup(p);
    service.createHandler(handler("cpu", "h"));
    expect(() => service.createHandler(handler("cpu", "h", "post"))).toThrow(
      expect.objectContaining({
        code: "E_HANDLER_EXISTS",
        message: `failed to create handler: cannot register handler, handler with ID "h" already exists`,
      }),
    );
    // The same id in another topic is another handler.
    service.createHandler(handler("mem", "h"));
    expect(p.calls).toEqual(["putHandler cpu h", "putHandler mem h"]);
  });

  it("replaceHandler errors: unknown handler, id taken, topic change, bad kind", () => {
    const { service } = setup();
    service.createHandler(handler("cpu", "a"));
    service.createHandler(handler("cpu", "b"));
    expect(() => service.replaceHandler("cpu", "zz", handler("cpu", "zz"))).toThrow(
      expect.objectContaining({ code: "E_HANDLER_UNKNOWN", message: `unknown handler: "zz"` }),
    );
    expect(() => service.replaceHandler("cpu", "a", handler("cpu", "b"))).toThrow(
      expect.objectContaining({
        code: "E_HANDLER_EXISTS",
        message: "failed to update handler: handler spec already exists",
      }),
    );
    expect(() => service.replaceHandler("cpu", "a", handler("mem", "a"))).toThrow(
      expect.objectContaining({
        code: "E_HANDLER_SPEC",
        message: "failed to update handler: cannot change topic in update",
      }),
    );
    expect(() => service.replaceHandler("cpu", "a", handler("cpu", "a", "nope"))).toThrow(
      expect.objectContaining({
        code: "E_HANDLER_KIND",
        message: `failed to update handler: unsupported action kind "nope"`,
      }),
    );
    expect(service.getHandler("cpu", "a")?.kind).toBe("log");
  });

  it("close() closes every handler, TICKscript ones included, and ignores later events", async () => {
    const { factory, service } = setup();
    service.createHandler(handler("cpu", "h"));
    service.collect(alertEvent("a", Level.CRITICAL), {
      topics: [ANON, "cpu"],
      handlers: [tickHandler("post", "u")],
    });
    await service.close();
    expect(factory.closed.sort()).toEqual(["cpu/h", `${ANON}/tick:post0`]);
    send(service, "a", Level.OK, ["cpu"]);
    expect(factory.deliveries).toHaveLength(2);
  });
});
