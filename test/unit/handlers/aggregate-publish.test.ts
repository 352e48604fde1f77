import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { AlertHandler, HandlerFactory } from "../../../src/alert/handler.js";
import { TopicService } from "../../../src/alert/topic-service.js";
import type { AlertEvent } from "../../../src/core/alert-event.js";
import { Level } from "../../../src/core/types.js";
import { createHandlerFactory, type CollectFn } from "../../../src/handlers/index.js";
import { MAX_RECOLLECT_DEPTH } from "../../../src/handlers/publish.js";
import { alertEvent, factory, handlerConfig, logText } from "./helpers.js";

function withCollect() {
  const collected: { event: AlertEvent; topics: string[] }[] = [];
  const collect: CollectFn = (event, topics) => collected.push({ event, topics });
  const { f, logs } = factory(handlerConfig(), { collect });
  return { f, logs, collected };
}

describe("aggregate options", () => {
  const { f } = factory(handlerConfig());
  it("accepts ns numbers and duration strings, and rejects bad values naming the key", () => {
    expect(() => f.validate("aggregate", { id: "agg", topic: "t", interval: 60e9 })).not.toThrow();
    expect(() => f.validate("aggregate", { id: "agg", topic: "t", interval: "1m" })).not.toThrow();
    expect(() => f.validate("aggregate", { id: "agg", topic: "t", interval: 0 })).toThrow(
      /"interval": must be greater than 0/,
    );
    expect(() => f.validate("aggregate", { id: "agg", topic: "t" })).toThrow(/"interval": is required/);
    expect(() => f.validate("aggregate", { topic: "t", interval: 1e9 })).toThrow(/"id": is required/);
    expect(() => f.validate("aggregate", { id: "a", topic: "bad topic", interval: 1e9 })).toThrow(/"topic"/);
    expect(() =>
      f.validate("aggregate", { id: "a", topic: "t", interval: 1e9, message: "{{ .Count" }),
    ).toThrow(/"message"/);
    expect(() => f.validate("aggregate", { id: "a", topic: "t", interval: 1e9, extra: 1 })).toThrow(
      /unknown option "extra"/,
    );
  });

  it("needs the topic service to be created", () => {
    expect(() =>
      f.create({ kind: "aggregate", options: { id: "a", topic: "t", interval: 1e9 }, topic: "src", id: "h" }),
    ).toThrow(/needs the topic service/);
  });

  it("is not a TICKscript handler", () => {
    expect(() =>
      f.fromTickscript({
        kind: "aggregate",
        args: [],
        properties: [],
        span: { start: { line: 1, column: 1 } },
      } as never),
    ).toThrow(/define it in a topic handler file/);
  });
});

describe("aggregate", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("collects one event per interval in which events arrived, as Kapacitor builds it", () => {
    const { f, collected } = withCollect();
    const h = f.create({
      kind: "aggregate",
      options: { id: "agg", topic: "agg-out", interval: 100e6 },
      topic: "src",
      id: "h",
    });
    void h.handle(
      alertEvent({ id: "a", level: Level.WARNING, time: 10e9, duration: 5e9, message: "a is WARNING" }),
      Level.OK,
    );
    void h.handle(
      alertEvent({ id: "b", level: Level.CRITICAL, time: 8e9, duration: 1e9, message: "b is CRITICAL" }),
      Level.OK,
    );
    void h.handle(
      alertEvent({ id: "c", level: Level.INFO, time: 9e9, duration: 7e9, message: "c is INFO" }),
      Level.OK,
    );
    expect(collected).toHaveLength(0);
    vi.advanceTimersByTime(100);
    expect(collected).toHaveLength(1);
    const { event, topics } = collected[0]!;
    expect(topics).toEqual(["agg-out"]);
    expect(event.state).toEqual({
      id: "agg",
      message: "Received 3 events in the last 100ms.",
      details: "a is WARNING\nb is CRITICAL\nc is INFO",
      time: 10_000_000_000n,
      duration: 7e9,
      level: Level.CRITICAL,
    });
    expect(event.data.name).toBe("");
    expect(event.data.tags).toEqual({});
    expect(event.data.recoverable).toBe(false);
    expect(event.data.series).toHaveLength(3);
    expect(event.noExternal).toBeUndefined();

    // An interval without events sends nothing.
    vi.advanceTimersByTime(300);
    expect(collected).toHaveLength(1);
    void h.close?.();
  });

  it("does not count an incoming acknowledgement as an alert, and logs that it skipped it", () => {
    const { f, collected, logs } = withCollect();
    const h = f.create({
      kind: "aggregate",
      options: { id: "agg", topic: "agg-out", interval: 100e6 },
      topic: "src",
      id: "h",
    });
    void h.handle({ ...alertEvent({ id: "a", level: Level.CRITICAL }), acknowledged: true }, Level.CRITICAL);
    vi.advanceTimersByTime(100);
    expect(collected).toHaveLength(0);
    expect(logText(logs)).toContain("acknowledgement not sent: aggregate handlers have no acknowledgement");
    void h.close?.();
  });

  it("uses the message template and is NoExternal only when every input was", () => {
    const { f, collected } = withCollect();
    const h = f.create({
      kind: "aggregate",
      options: { id: "agg", topic: "out", interval: "1s", message: "{{ .Count }} in {{ .Interval }}" },
      topic: "src",
      id: "h",
    });
    void h.handle(alertEvent({ noExternal: true }), Level.OK);
    void h.handle(alertEvent({ noExternal: true }), Level.OK);
    vi.advanceTimersByTime(1000);
    void h.handle(alertEvent({ noExternal: true }), Level.OK);
    void h.handle(alertEvent(), Level.OK);
    vi.advanceTimersByTime(1000);
    expect(collected.map((c) => [c.event.state.message, c.event.noExternal])).toEqual([
      ["2 in 1s", true],
      ["2 in 1s", undefined],
    ]);
    void h.close?.();
  });

  it("flushes pending events on close and stops", () => {
    const { f, collected, logs } = withCollect();
    const h = f.create({
      kind: "aggregate",
      options: { id: "agg", topic: "out", interval: 60e9 },
      topic: "src",
      id: "h",
    });
    void h.handle(alertEvent(), Level.OK);
    void h.close?.();
    expect(collected).toHaveLength(1);
    expect(collected[0]!.event.state.message).toBe("Received 1 events in the last 1m0s.");
    void h.handle(alertEvent(), Level.OK);
    vi.advanceTimersByTime(120e3);
    expect(collected).toHaveLength(1);
    expect(logText(logs)).toMatch(/closed; event dropped/);
  });
});

/** The real registry plus a `record` kind that remembers what each topic handed it. */
function recordingService() {
  const seen: { topic: string; id: string; level: Level; previousLevel: Level; noExternal: boolean }[] = [];
  const logs: string[] = [];
  const logger = {
    log: (_l: string, msg: string, f?: Record<string, unknown>) =>
      logs.push(`${msg} ${JSON.stringify(f ?? {})}`),
  };
  const inner = createHandlerFactory({
    config: handlerConfig(),
    logger,
    version: "9",
    collect: (e, topics) => service.collect(e, { topics, handlers: [] }),
  });
  const f: HandlerFactory = {
    ...inner,
    kinds: () => [...inner.kinds(), "record"],
    create(spec) {
      if (spec.kind !== "record") return inner.create(spec);
      const h: AlertHandler = {
        handle(e, previousLevel) {
          seen.push({
            topic: spec.topic,
            id: e.state.id,
            level: e.state.level,
            previousLevel,
            noExternal: e.noExternal === true,
          });
        },
      };
      return h;
    },
  };
  const service: TopicService = new TopicService({ factory: f, logger, persistTopics: false });
  return { service, seen, logs };
}

describe("publish", () => {
  it("validates topics", () => {
    const { f } = factory(handlerConfig());
    expect(() => f.validate("publish", { topics: ["a", "b"] })).not.toThrow();
    expect(() => f.validate("publish", { topics: [] })).toThrow(/"topics": is required/);
    expect(() => f.validate("publish", { topics: ["ok", "no space"] })).toThrow(/"topics\[1\]"/);
  });

  it("re-collects into each topic, which keeps its own state and previousLevel", () => {
    const { service, seen } = recordingService();
    service.createHandler({
      topic: "src",
      id: "pub",
      kind: "publish",
      options: { topics: ["t1", "t2"] },
      match: "",
    });
    service.createHandler({ topic: "t1", id: "r", kind: "record", options: {}, match: "" });
    service.createHandler({ topic: "t2", id: "r", kind: "record", options: {}, match: "" });

    // t2 already knows the event as WARNING: its previousLevel differs from t1's.
    service.collect(alertEvent({ id: "e", level: Level.WARNING }), { topics: ["t2"], handlers: [] });
    seen.length = 0;
    service.collect(alertEvent({ id: "e", level: Level.CRITICAL }), { topics: ["src"], handlers: [] });
    expect(seen).toEqual([
      { topic: "t1", id: "e", level: Level.CRITICAL, previousLevel: Level.OK, noExternal: false },
      { topic: "t2", id: "e", level: Level.CRITICAL, previousLevel: Level.WARNING, noExternal: false },
    ]);
    // NoExternal events reach publish (an internal kind) and keep their flag in the target topics.
    seen.length = 0;
    service.collect(alertEvent({ id: "n", level: Level.WARNING, noExternal: true }), {
      topics: ["src"],
      handlers: [],
    });
    expect(seen).toEqual([]);
    expect(service.topicEvent("t1", "n")?.level).toBe(Level.WARNING);
    expect(service.getTopic("t1")?.collected).toBe(2);
    expect(service.topicEvent("t2", "e")?.level).toBe(Level.CRITICAL);
  });

  it("stops a publish cycle instead of recursing forever", async () => {
    const { service, logs } = recordingService();
    service.createHandler({ topic: "a", id: "p", kind: "publish", options: { topics: ["b"] }, match: "" });
    service.createHandler({ topic: "b", id: "p", kind: "publish", options: { topics: ["a"] }, match: "" });
    service.collect(alertEvent({ id: "loop" }), { topics: ["a"], handlers: [] });
    expect(logs.join("\n")).toMatch(/cycle; event dropped/);
    expect(service.getTopic("b")?.collected).toBe(MAX_RECOLLECT_DEPTH / 2);
    await service.close();
  });

  it("aggregate and publish chain through the topic service", () => {
    vi.useFakeTimers();
    try {
      const { service, seen } = recordingService();
      service.createHandler({
        topic: "src",
        id: "agg",
        kind: "aggregate",
        options: { id: "sum", topic: "summary", interval: "10s" },
        match: "",
      });
      service.createHandler({ topic: "summary", id: "r", kind: "record", options: {}, match: "" });
      service.collect(alertEvent({ id: "x", level: Level.WARNING }), { topics: ["src"], handlers: [] });
      service.collect(alertEvent({ id: "y", level: Level.CRITICAL }), { topics: ["src"], handlers: [] });
      vi.advanceTimersByTime(10_000);
      expect(seen).toEqual([
        { topic: "summary", id: "sum", level: Level.CRITICAL, previousLevel: Level.OK, noExternal: false },
      ]);
      void service.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
