import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Level } from "../../../src/core/types.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { SECOND, sampleEvent, T0, useTempDir } from "./helpers.js";

const tmp = useTempDir();
const dbPath = (): string => join(tmp.dir(), "tickd.db");
const open = (): Store => tmp.track(openStore(dbPath()));

describe("topicEvents repository (persist-topics)", () => {
  it("stores non-OK states and overwrites them on the next event", () => {
    const s = open();
    s.topicEvents.put(sampleEvent("cpu", "serverA", { level: Level.WARNING }));
    const crit = sampleEvent("cpu", "serverA", {
      level: Level.CRITICAL,
      message: "worse",
      time: BigInt(T0 + 10 * SECOND),
    });
    s.topicEvents.put(crit);
    expect(s.topicEvents.get("cpu", "serverA")).toEqual(crit);
    expect(s.topicEvents.listTopic("cpu")).toEqual([crit]);
  });

  it("an OK event deletes the stored entry (put of OK, or delete)", () => {
    const s = open();
    s.topicEvents.put(sampleEvent("cpu", "a"));
    s.topicEvents.put(sampleEvent("cpu", "b"));
    s.topicEvents.put(sampleEvent("cpu", "a", { level: Level.OK }));
    expect(s.topicEvents.get("cpu", "a")).toBeUndefined();
    expect(s.topicEvents.delete("cpu", "b")).toBe(true);
    expect(s.topicEvents.delete("cpu", "b")).toBe(false);
    expect(s.topicEvents.listTopic("cpu")).toEqual([]);
    // An OK for an event never stored is a no-op, not an error.
    s.topicEvents.put(sampleEvent("cpu", "never", { level: Level.OK }));
    expect(s.topicEvents.listAll()).toEqual([]);
  });

  it("lists one topic by event id, or all by topic then id, and deletes a topic", () => {
    const s = open();
    const evs = [
      sampleEvent("mem", "z"),
      sampleEvent("cpu", "b", { level: Level.INFO }),
      sampleEvent("cpu", "a", { level: Level.WARNING }),
      sampleEvent("main:cpu_alert:alert2", "x"),
    ];
    for (const e of evs) s.topicEvents.put(e);
    expect(s.topicEvents.listTopic("cpu").map((e) => e.eventId)).toEqual(["a", "b"]);
    expect(s.topicEvents.listAll().map((e) => `${e.topic}/${e.eventId}`)).toEqual([
      "cpu/a",
      "cpu/b",
      "main:cpu_alert:alert2/x",
      "mem/z",
    ]);
    expect(s.topicEvents.deleteTopic("cpu")).toBe(2);
    expect(s.topicEvents.listAll().map((e) => e.topic)).toEqual(["main:cpu_alert:alert2", "mem"]);
    expect(s.topicEvents.listTopic("nope")).toEqual([]);
  });

  it("survives a reopen with exact ns time and duration", () => {
    const a = openStore(dbPath());
    const e = sampleEvent("cpu", "serverA", {
      time: 1_732_420_800_123_456_768n,
      duration: 3 * 86_400 * SECOND + 256,
      details: "line 1\nline 2 ✓",
    });
    a.topicEvents.put(e);
    a.close();
    const got = open().topicEvents.get("cpu", "serverA")!;
    expect(got).toEqual(e);
    expect(got.time).toBe(1_732_420_800_123_456_768n);
    expect(got.level).toBe(Level.CRITICAL);
  });
});
