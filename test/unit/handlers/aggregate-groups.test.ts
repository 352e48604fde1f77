/**
 * Grouped notifications: the aggregate handler with group-by / group-wait / group-interval
 * turns an alert storm into one request per group, through a real post handler to a real
 * local receiver, without dropping, doubling or reordering any alert.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

import { TopicService } from "../../../src/alert/topic-service.js";
import type { AlertEvent } from "../../../src/core/alert-event.js";
import { Level } from "../../../src/core/types.js";
import { createHandlerFactory } from "../../../src/handlers/index.js";
import { AlertGrouper } from "../../../src/handlers/aggregate-groups.js";
import { alertEvent, factory, handlerConfig, receivers } from "./helpers.js";

function stormEvent(i: number, level: Level): AlertEvent {
  const e = alertEvent({ id: `alert-${i}`, level, time: 1_700_000_000e9 + i });
  e.data.tags = { host: `h${i}`, dc: `dc${i % 20}` };
  return e;
}

/** Topic "storm" aggregates into "storm-grouped", whose post handler sends to `url`. */
function groupedService(url: string, options: Record<string, unknown>) {
  const logs: string[] = [];
  const logger = {
    log: (_l: string, msg: string, f?: Record<string, unknown>) =>
      logs.push(`${msg} ${JSON.stringify(f ?? {})}`),
  };
  const f = createHandlerFactory({
    config: handlerConfig(),
    logger,
    version: "9",
    collect: (e, topics) => service.collect(e, { topics, handlers: [] }),
  });
  const service: TopicService = new TopicService({ factory: f, logger, persistTopics: false });
  service.createHandler({
    topic: "storm",
    id: "group",
    kind: "aggregate",
    options: { id: "storm", topic: "storm-grouped", ...options },
    match: "",
  });
  service.createHandler({ topic: "storm-grouped", id: "hook", kind: "post", options: { url }, match: "" });
  return { service, logs };
}

interface Body {
  id: string;
  level: string;
  message: string;
  alerts: { id: string; level: string; previousLevel: string; tags: Record<string, string> }[];
}

describe("aggregate with group-by", { timeout: 60_000 }, () => {
  const receiver = receivers();
  let closeService: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await closeService?.();
    closeService = undefined;
  });

  it("validates the grouping options, naming the key", () => {
    const { f } = factory(handlerConfig());
    expect(() => f.validate("aggregate", { id: "a", topic: "t", "group-by": ["dc"] })).not.toThrow();
    expect(() =>
      f.validate("aggregate", {
        id: "a",
        topic: "t",
        "group-by": [],
        "group-wait": "1s",
        "group-interval": "1m",
      }),
    ).not.toThrow();
    expect(() =>
      f.validate("aggregate", { id: "a", topic: "t", interval: "1m", "group-wait": "1s" }),
    ).toThrow(/"group-wait": needs group-by/);
    expect(() =>
      f.validate("aggregate", { id: "a", topic: "t", "group-by": ["dc"], "group-interval": 0 }),
    ).toThrow(/"group-interval": must be greater than 0/);
    expect(() => f.validate("aggregate", { id: "a", topic: "t" })).toThrow(/"interval": is required/);
  });

  it("turns 5,000 alerts into one request per group and state change, every alert exactly once", async () => {
    const rx = await receiver();
    const { service } = groupedService(rx.url, {
      "group-by": ["dc"],
      "group-wait": "100ms",
      "group-interval": "300ms",
      message: "{{ .Count }} alerts in {{ .Group }}",
    });
    closeService = () => service.close();
    const N = 5000;
    for (let i = 0; i < N; i++)
      service.collect(stormEvent(i, Level.CRITICAL), { topics: ["storm"], handlers: [] });
    const firing = await rx.waitFor(20);
    // The recoveries of the same alerts, as a second state change.
    for (let i = 0; i < N; i++) service.collect(stormEvent(i, Level.OK), { topics: ["storm"], handlers: [] });
    await rx.waitFor(40);
    await new Promise((r) => setTimeout(r, 500)); // nothing more may follow
    expect(firing).toHaveLength(20);
    expect(rx.requests).toHaveLength(40);

    const bodies = rx.requests.map((r) => JSON.parse(r.body) as Body);
    const seen = new Map<string, string[]>();
    for (const b of bodies) {
      const dc = b.id.slice("storm:dc=".length);
      expect(b.id).toBe(`storm:dc=${dc}`);
      expect(b.message).toBe(`${b.alerts.length} alerts in dc=${dc}`);
      for (const a of b.alerts) {
        expect(a.tags.dc).toBe(dc);
        seen.set(a.id, [...(seen.get(a.id) ?? []), `${a.previousLevel}->${a.level}`]);
      }
    }
    expect(seen.size).toBe(N);
    for (const [id, changes] of seen) expect(changes, id).toEqual(["OK->CRITICAL", "CRITICAL->OK"]);
    // Per group, the firing notification precedes the recovery.
    expect(bodies.slice(0, 20).every((b) => b.level === "CRITICAL")).toBe(true);
    expect(bodies.slice(20).every((b) => b.level === "OK")).toBe(true);
  });

  it("sends a group's later alerts no sooner than group-interval after its last notification", async () => {
    // Timers fire in due order, so what went out by each pause is deterministic.
    const sizes: number[] = [];
    const g = new AlertGrouper(
      { groupBy: ["dc"], groupWait: 20e6, groupInterval: 300e6 },
      (_k, _l, events) => {
        sizes.push(events.length);
      },
    );
    g.add(stormEvent(0, Level.CRITICAL), Level.OK);
    g.add(stormEvent(20, Level.CRITICAL), Level.OK);
    await new Promise((r) => setTimeout(r, 100));
    expect(sizes).toEqual([2]);
    g.add(stormEvent(40, Level.CRITICAL), Level.OK); // same group: waits for the interval
    g.add(stormEvent(1, Level.CRITICAL), Level.OK); // another group: its own group-wait
    await new Promise((r) => setTimeout(r, 100));
    expect(sizes).toEqual([2, 1]);
    await new Promise((r) => setTimeout(r, 400));
    expect(sizes).toEqual([2, 1, 1]);
    g.add(stormEvent(60, Level.WARNING), Level.OK);
    g.close(); // flushes at once
    expect(sizes).toEqual([2, 1, 1, 1]);
  });
});

describe("the shipped grouped example (handlers/examples/grouped_cpu*.yaml)", () => {
  it("is a valid aggregate → post pair", () => {
    const { f } = factory(handlerConfig());
    const load = (name: string) =>
      parseYaml(readFileSync(new URL(`../../../handlers/examples/${name}`, import.meta.url), "utf8")) as {
        topic: string;
        kind: string;
        options: Record<string, unknown>;
      };
    const agg = load("grouped_cpu.yaml");
    const hook = load("grouped_cpu_webhook.yaml");
    expect(() => f.validate(agg.kind, agg.options)).not.toThrow();
    expect(() => f.validate(hook.kind, hook.options)).not.toThrow();
    expect(agg.options.topic).toBe(hook.topic);
  });
});
