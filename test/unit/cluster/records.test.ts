/**
 * The record formats of cluster mode's input side: points records (series key, grouping,
 * exact values), the stable notification event id, and the state changelog's keys/values.
 */
import { describe, expect, it } from "vitest";
import {
  alertStateKey,
  decodeChangelog,
  encodeAlertState,
  encodeTopicState,
  keyInput,
  oncallAlertKey,
  topicStateKey,
} from "../../../src/cluster/changelog.js";
import { notificationEventId } from "../../../src/cluster/event-id.js";
import { chunkBySize, decodePointsRecord, pointsToRecords, seriesKey } from "../../../src/cluster/points.js";
import { Level } from "../../../src/core/types.js";

describe("points records", () => {
  it("keys a point by measurement and sorted tags, escaped", () => {
    expect(seriesKey({ name: "cpu", tags: { z: "1", a: "b c" } })).toBe("cpu,a=b\\ c,z=1");
    expect(seriesKey({ name: "cpu", tags: { a: "1", z: "2" } })).toBe(
      seriesKey({ name: "cpu", tags: { z: "2", a: "1" } }),
    );
    // A tag value holding "," or "=" cannot make two series collide.
    expect(seriesKey({ name: "m", tags: { a: "1,b=2" } })).not.toBe(
      seriesKey({ name: "m", tags: { a: "1", b: "2" } }),
    );
  });

  it("groups a write by series in order and reads it back exactly", () => {
    const t = 1_764_900_000_123_456_789n;
    const records = pointsToRecords("db", "rp", [
      { name: "cpu", tags: { host: "a" }, fields: { v: 1.5, n: 7n }, time: t },
      { name: "cpu", tags: { host: "b" }, fields: { v: 2 }, time: t },
      { name: "cpu", tags: { host: "a" }, fields: { v: 3, s: "x" }, time: t + 1_000_000_000n },
    ]);
    expect(records.map((r) => r.key)).toEqual(["cpu,host=a", "cpu,host=b"]);
    const a = decodePointsRecord(Buffer.from(records[0]!.value));
    expect(a.db).toBe("db");
    expect(a.rp).toBe("rp");
    expect(a.points).toEqual([
      { name: "cpu", tags: { host: "a" }, fields: { v: 1.5, n: 7n }, time: t },
      { name: "cpu", tags: { host: "a" }, fields: { v: 3, s: "x" }, time: t + 1_000_000_000n },
    ]);
  });

  it("splits records into requests under a size, in order", () => {
    const rec = (i: number) => ({ key: `k${i}`, value: "x".repeat(100) });
    const records = Array.from({ length: 10 }, (_, i) => rec(i));
    const chunks = chunkBySize(records, 500);
    expect(chunks.flat()).toEqual(records);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks)
      expect(c.reduce((a, r) => a + r.key.length + r.value.length + 64, 0)).toBeLessThanOrEqual(500);
  });

  it("refuses a record of an unknown version or shape", () => {
    expect(() => decodePointsRecord('{"v":2,"db":"d","rp":"r","points":[]}')).toThrow(/unknown version/);
    expect(() => decodePointsRecord('{"v":1,"db":"d","rp":"r","points":[{"name":"x"}]}')).toThrow(
      /malformed point/,
    );
    expect(() => decodePointsRecord("not json")).toThrow(/not valid JSON/);
  });
});

describe("notification event id", () => {
  const parts = {
    handler: "tick:post0",
    topic: "main:cpu:alert2",
    alertId: "cpu:a",
    level: Level.CRITICAL,
    time: 1_764_900_000_000_000_000n,
    n: 0,
  };

  it("is the same for the same parts (a replay on another instance) and UUID-shaped", () => {
    const id = notificationEventId(parts);
    expect(notificationEventId({ ...parts })).toBe(id);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("differs when any part differs", () => {
    const id = notificationEventId(parts);
    const others = [
      { handler: "h2" },
      { topic: "t2" },
      { alertId: "cpu:b" },
      { level: Level.OK },
      { time: parts.time + 1_000_000_000n },
      { n: 1 },
    ].map((o) => notificationEventId({ ...parts, ...o }));
    expect(new Set([id, ...others]).size).toBe(7);
  });
});

describe("state changelog", () => {
  const input = { topic: "tickd-x-points", partition: 3 };

  it("round-trips an alert group's state and its tombstone", () => {
    const state = {
      level: Level.CRITICAL,
      prev: Level.OK,
      firstTriggered: 1_764_900_000_123_456_789n,
      lastTriggered: 1_764_900_010_000_000_000n,
      flapping: false,
      history: [Level.OK, Level.CRITICAL],
    };
    const key = alertStateKey(input, "cpu", "alert2", "host=a");
    expect(JSON.parse(key)).toEqual(["a", "tickd-x-points", 3, "cpu", "alert2", "host=a"]);
    expect(keyInput(key)).toEqual(input);
    expect(decodeChangelog(key, encodeAlertState("cpu:a", state))).toEqual({
      kind: "alert",
      input,
      task: "cpu",
      node: "alert2",
      group: "host=a",
      value: { eventId: "cpu:a", state },
    });
    expect(decodeChangelog(key, null)).toMatchObject({ kind: "alert", value: undefined });
  });

  it("round-trips a topic event state and its tombstone", () => {
    const state = {
      id: "cpu:a",
      message: "cpu:a is CRITICAL",
      details: "",
      time: 1_764_900_000_000_000_000n,
      duration: 0,
      level: Level.CRITICAL,
    };
    const key = topicStateKey(input, "main:cpu:alert2", "cpu:a");
    expect(decodeChangelog(key, encodeTopicState(state))).toEqual({
      kind: "topic",
      input,
      topic: "main:cpu:alert2",
      eventId: "cpu:a",
      value: state,
    });
    expect(decodeChangelog(key, null)).toMatchObject({ kind: "topic", value: undefined });
  });

  it("reads records a version with float64 times wrote: their times become bigints", () => {
    // As such a version wrote them: times are plain JSON numbers (a rolling upgrade, or the
    // changelog read back after every instance was upgraded).
    const alert = decodeChangelog(
      alertStateKey(input, "cpu", "alert2", "host=a"),
      JSON.stringify({
        v: 1,
        eventId: "cpu:a",
        state: {
          level: 3,
          prev: 0,
          firstTriggered: 1_764_900_000_123_456_800,
          lastTriggered: 1_764_900_010_000_000_000,
          flapping: false,
        },
      }),
    );
    expect(alert.kind === "alert" && alert.value?.state).toMatchObject({
      firstTriggered: 1_764_900_000_123_456_768n,
      lastTriggered: 1_764_900_010_000_000_000n,
    });
    const topic = decodeChangelog(
      topicStateKey(input, "main:cpu:alert2", "cpu:a"),
      JSON.stringify({
        v: 1,
        state: {
          id: "cpu:a",
          message: "m",
          details: "",
          time: 1_764_900_000_000_000_000,
          duration: 0,
          level: 3,
        },
      }),
    );
    expect(topic.kind === "topic" && topic.value?.time).toBe(1_764_900_000_000_000_000n);
    const oncall = decodeChangelog(
      oncallAlertKey(input, "ops", "cpu:a"),
      JSON.stringify({
        v: 1,
        alert: {
          topic: "ops",
          id: "cpu:a",
          labels: { alertname: "cpu" },
          event: {
            topic: "ops",
            state: {
              id: "cpu:a",
              message: "m",
              details: "",
              time: 1_764_900_000_000_000_000,
              duration: 0,
              level: 3,
            },
            data: {
              name: "cpu",
              taskName: "t",
              category: "",
              group: "",
              tags: {},
              fields: {},
              series: [],
              recoverable: true,
            },
          },
        },
      }),
    );
    expect(oncall.kind === "oncall" && oncall.value?.event.state.time).toBe(1_764_900_000_000_000_000n);
  });

  it("refuses unknown kinds and versions", () => {
    expect(() => decodeChangelog('["x","t",0,"a"]', null)).toThrow(/unknown kind/);
    expect(() => decodeChangelog(topicStateKey(input, "t", "e"), '{"v":9,"state":{}}')).toThrow(
      /unknown version/,
    );
    expect(() => decodeChangelog("nope", null)).toThrow(/not JSON/);
  });
});
