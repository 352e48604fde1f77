import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AlertEvent } from "../../../src/core/alert-event.js";
import { Level } from "../../../src/core/types.js";
import { alertLabels } from "../../../src/oncall/labels.js";
import { OnCallService } from "../../../src/oncall/service.js";
import {
  decodeEvent,
  encodeEvent,
  encodeEventGeneral,
  onCallPersistence,
} from "../../../src/oncall/store.js";
import { openStore } from "../../../src/store/index.js";

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

describe("on-call event codec: the fast encoder", () => {
  const text = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.string({ unit: "binary", maxLength: 12 }),
    fc.constantFrom(
      "",
      "é",
      "\u2028",
      "\ud800",
      "😀",
      '"\\\n\t\u0001',
      "__proto__",
      "$int",
      "toJSON",
      "0",
      "10",
    ),
  );
  const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, 1e21, 5e-324));
  const value = fc.oneof(number, int64, text, fc.boolean(), fc.constant(null));
  // Anything a stored event might hold (extra keys too), nested: what JSON can say plus bigints.
  const anyData = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: "small" }, value, tie("array"), tie("object"), fc.constant(undefined)),
    array: fc.array(tie("node"), { maxLength: 4 }),
    object: fc.dictionary(text, tie("node"), { maxKeys: 4 }),
  })).node;
  const group = fc.record({
    id: text,
    message: text,
    time: int64,
    level: fc.integer({ min: 0, max: 3 }),
    previousLevel: fc.integer({ min: 0, max: 3 }),
    tags: fc.dictionary(text, text, { maxKeys: 3 }),
  });
  const alertEvent = fc.record(
    {
      topic: text,
      state: fc.record(
        {
          id: text,
          message: text,
          details: text,
          time: int64,
          duration: number,
          level: fc.integer({ min: 0, max: 3 }),
        },
        { requiredKeys: ["id", "time"] },
      ),
      data: fc.record(
        {
          name: text,
          taskName: text,
          category: text,
          group: text,
          tags: fc.dictionary(text, text, { maxKeys: 4 }),
          fields: fc.dictionary(text, value, { maxKeys: 4 }),
          series: fc.array(
            fc.record({
              name: text,
              tags: fc.dictionary(text, text, { maxKeys: 3 }),
              columns: fc.array(text, { maxLength: 4 }),
              values: fc.array(fc.tuple(int64, value, value), { maxLength: 3 }),
            }),
            { maxLength: 2 },
          ),
          recoverable: fc.boolean(),
          extra: anyData,
        },
        { requiredKeys: [] },
      ),
      noExternal: fc.boolean(),
      acknowledged: fc.boolean(),
      alerts: fc.array(group, { maxLength: 3 }),
      odd: anyData,
    },
    { requiredKeys: ["state", "data"] },
  ) as unknown as fc.Arbitrary<AlertEvent>;

  it("writes the bytes of JSON.stringify with the bigint replacer, for any event", () => {
    fc.assert(
      fc.property(alertEvent, (e) => {
        expect(encodeEvent(e)).toBe(encodeEventGeneral(e));
      }),
      { numRuns: 2000 },
    );
  });

  it("an own __proto__ key holding a bigint stays a key", () => {
    const e = JSON.parse(
      '{"state":{"id":"a"},"data":{"tags":{"__proto__":"x"},"fields":{"__proto__":1}}}',
    ) as {
      data: { fields: Record<string, unknown> };
    };
    Object.defineProperty(e.data.fields, "__proto__", { value: 7n, enumerable: true });
    const a = e as unknown as AlertEvent;
    expect(encodeEvent(a)).toBe(encodeEventGeneral(a));
    expect(encodeEvent(a)).toContain('"fields":{"__proto__":{"$int":"7"}}');
  });

  it("what is not plain data (a toJSON, a class, a Map, a deep graph) is written as before", () => {
    class Point {
      constructor(readonly t = 5n) {}
    }
    let deep: unknown = { t: 1n };
    for (let i = 0; i < 100; i++) deep = { deep };
    const odd: unknown[] = [
      new Date(0),
      { toJSON: () => ({ t: 3n }) },
      new Point(),
      new Map([["a", 1]]),
      Object.assign([1n], { toJSON: () => [2n] }),
      [1n, new Uint8Array([1, 2])],
      Object.assign(Object.create(null) as object, { t: 2n }),
      () => 1,
      Symbol("s"),
      deep,
    ];
    for (const extra of odd) {
      const e = { ...event(1n), data: { ...event(1n).data, extra, list: [extra] } } as unknown as AlertEvent;
      expect(encodeEvent(e)).toBe(encodeEventGeneral(e));
    }
  });

  it("a cyclic event throws as before", () => {
    const e = event(1n) as unknown as { data: Record<string, unknown> };
    e.data.self = e;
    expect(() => encodeEvent(e as unknown as AlertEvent)).toThrow(TypeError);
  });
});

describe("on-call alert rows", () => {
  it("hold the labels and the event as the general encoders write them, new and changed", () => {
    const store = openStore(":memory:");
    try {
      const oncall = new OnCallService({
        persistence: onCallPersistence(store.db),
        logger: { log: () => undefined },
        notify: () => [],
      });
      oncall.open();
      const row = () =>
        store.db.prepare("SELECT labels, event FROM oncall_alerts").get() as {
          labels: string;
          event: string;
        };
      const e = { ...event(95.5), data: { ...event(95.5).data, taskName: "cpu" } } as AlertEvent;
      for (const level of [Level.CRITICAL, Level.WARNING]) {
        const at = { ...e, state: { ...e.state, level } };
        oncall.begin("main:cpu:alert2", at, Level.OK);
        expect(row()).toEqual({
          labels: JSON.stringify(alertLabels("main:cpu:alert2", at)),
          event: encodeEventGeneral(at),
        });
      }
    } finally {
      store.close();
    }
  });
});
