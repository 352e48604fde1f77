import { describe, expect, it } from "vitest";
import type { AlertEvent } from "../../../src/core/alert-event.js";
import { decodeEvent, encodeEvent } from "../../../src/oncall/store.js";

function event(value: number | bigint): AlertEvent {
  return {
    topic: "main:cpu:alert2",
    state: {
      id: "cpu:host=a",
      message: "cpu is CRITICAL",
      details: "",
      time: 1_700_000_000_000_000_000n,
      duration: 0,
      level: 3,
    },
    data: {
      name: "cpu",
      tags: { host: "a" },
      fields: { v: value, note: "x" },
      series: [
        {
          name: "cpu",
          tags: { host: "a" },
          columns: ["time", "v"],
          values: [[1_700_000_000_000_000_001n, value]],
        },
      ],
    },
  } as unknown as AlertEvent;
}

describe("on-call event codec", () => {
  it("an event reads back the same, its ns times exact", () => {
    const e = event(95.5);
    const text = encodeEvent(e);
    expect(text).toContain('"time":{"$int":"1700000000000000000"}');
    expect(text).toContain('"values":[[{"$int":"1700000000000000001"},95.5]]');
    expect(decodeEvent(text)).toEqual(e);
  });

  it("int64 values, however deep, are written as {$int} and read back as bigints", () => {
    const e = event(9_007_199_254_740_993n);
    const text = encodeEvent(e);
    expect(text).toContain('"v":{"$int":"9007199254740993"}');
    expect(text).toContain('[{"$int":"1700000000000000001"},{"$int":"9007199254740993"}]');
    expect(decodeEvent(text)).toEqual(e);
  });
});
