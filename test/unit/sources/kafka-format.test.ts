import { describe, expect, it } from "vitest";
import { decodeMessage, jsonTime, parseRfc3339Ns } from "../../../src/sources/kafka-format.js";

const NOW = 1_700_000_000_000_000_000n;

describe("kafka-input line-protocol messages", () => {
  it("reads one or many lines per message", () => {
    const r = decodeMessage("line-protocol", "cpu,host=a v=1 1000000000\ncpu,host=b v=2i 2000000000\n", NOW);
    expect(r.errors).toEqual([]);
    expect(r.bad).toBe(false);
    expect(r.points).toEqual([
      { name: "cpu", tags: { host: "a" }, fields: { v: 1 }, time: 1_000_000_000n },
      { name: "cpu", tags: { host: "b" }, fields: { v: 2n }, time: 2_000_000_000n },
    ]);
  });

  it("keeps the good lines when some are bad", () => {
    const r = decodeMessage("line-protocol", "cpu v=1 1\nnot a point\ncpu v=3 3", NOW);
    expect(r.points.map((p) => p.fields.v)).toEqual([1, 3]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^line 2: /);
    expect(r.bad).toBe(false);
  });

  it("reads message bytes as UTF-8, for both formats", () => {
    const lp = decodeMessage("line-protocol", Buffer.from("cpu,host=héllo v=1 1\n"), NOW);
    expect(lp.points).toEqual([{ name: "cpu", tags: { host: "héllo" }, fields: { v: 1 }, time: 1n }]);
    const js = decodeMessage(
      "json",
      Buffer.from(`{"name":"cpu","tags":{"host":"日本"},"fields":{"v":2}}`),
      NOW,
    );
    expect(js.points).toEqual([{ name: "cpu", tags: { host: "日本" }, fields: { v: 2 }, time: NOW }]);
  });

  it("marks a message with nothing readable as bad, and stamps points without a time", () => {
    expect(decodeMessage("line-protocol", "garbage", NOW).bad).toBe(true);
    expect(decodeMessage("line-protocol", "cpu v=1", NOW).points[0]?.time).toBe(NOW);
  });
});

describe("kafka-input json messages", () => {
  it("maps measurement|name, tags, fields and time", () => {
    const r = decodeMessage(
      "json",
      JSON.stringify({
        measurement: "cpu",
        tags: { host: "a" },
        fields: { v: 1.5, up: true, s: "x", n: { int: 42 } },
        time: 5,
      }),
      NOW,
    );
    expect(r.errors).toEqual([]);
    expect(r.points).toEqual([
      { name: "cpu", tags: { host: "a" }, fields: { v: 1.5, up: true, s: "x", n: 42n }, time: 5n },
    ]);
    const named = decodeMessage("json", `{"name":"mem","fields":{"used":3}}`, NOW);
    expect(named.points).toEqual([{ name: "mem", tags: {}, fields: { used: 3 }, time: NOW }]);
  });

  it("accepts an array and keeps the good objects", () => {
    const r = decodeMessage(
      "json",
      JSON.stringify([
        { measurement: "cpu", fields: { v: 1 }, time: "2023-11-14T22:13:20Z" },
        { measurement: "cpu", fields: {} },
        { fields: { v: 1 } },
        { measurement: "cpu", tags: { host: 1 }, fields: { v: 1 } },
        { measurement: "cpu", fields: { v: 2 }, time: "1700000000000000001" },
      ]),
      NOW,
    );
    expect(r.points.map((p) => p.time)).toEqual([1_700_000_000_000_000_000n, 1_700_000_000_000_000_001n]);
    expect(r.errors).toEqual([
      `item 1: "fields": at least one field is required`,
      `item 2: "measurement": expected a non-empty string`,
      `item 3: "tags.host": expected a string`,
    ]);
    expect(r.bad).toBe(false);
  });

  it("reports invalid JSON and bad values as a bad message", () => {
    expect(decodeMessage("json", "{nope", NOW)).toMatchObject({ bad: true, points: [] });
    expect(decodeMessage("json", `{"measurement":"m","fields":{"v":[1]}}`, NOW).errors[0]).toMatch(
      /fields\.v/,
    );
    expect(decodeMessage("json", `{"measurement":"m","fields":{"v":{"int":"1.5"}}}`, NOW).bad).toBe(true);
    expect(
      decodeMessage("json", `{"measurement":"m","fields":{"v":1},"time":"yesterday"}`, NOW).errors[0],
    ).toMatch(/"time"/);
    expect(decodeMessage("json", `42`, NOW).bad).toBe(true);
  });

  it("parses RFC3339 with fractions and offsets", () => {
    expect(parseRfc3339Ns("1970-01-01T00:00:01.5Z")).toBe(1_500_000_000n);
    expect(parseRfc3339Ns("1970-01-01T01:00:00+01:00")).toBe(0n);
    expect(parseRfc3339Ns("1970-01-01T00:00:00.000000123Z")).toBe(123n);
    expect(parseRfc3339Ns("2023-02-30T00:00:00Z")).toBeUndefined();
    expect(parseRfc3339Ns("2023-01-01")).toBeUndefined();
    expect(jsonTime(7)).toBe(7n);
    expect(() => jsonTime(1.5)).toThrow(/integer/);
  });
});
