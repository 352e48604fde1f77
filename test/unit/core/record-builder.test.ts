import { describe, expect, it } from "vitest";
import { RecordBuilder } from "../../../src/core/record-builder.js";
import { parseLineProtocol } from "../../../src/core/line-protocol.js";

function build<V>(b: RecordBuilder<V>, entries: [string, V][]): Record<string, V> {
  entries.forEach(([k, v], i) => {
    b.keys[i] = k;
    b.values[i] = v;
  });
  return b.build(entries.length);
}

describe("RecordBuilder", () => {
  it("builds the same objects whether or not a key list repeats", () => {
    const b = new RecordBuilder<number>();
    for (let i = 0; i < 4; i++) {
      expect(
        build(b, [
          ["a", i],
          ["b c", i + 1],
          ['q"\\', i + 2],
        ]),
      ).toEqual({ a: i, "b c": i + 1, 'q"\\': i + 2 });
      expect(build(b, [["a", 9]])).toEqual({ a: 9 });
    }
    // Repeats of one list, then a shorter and a longer one with the same prefix.
    expect(
      build(b, [
        ["x", 1],
        ["y", 2],
      ]),
    ).toEqual({ x: 1, y: 2 });
    expect(
      build(b, [
        ["x", 3],
        ["y", 4],
      ]),
    ).toEqual({ x: 3, y: 4 });
    expect(build(b, [["x", 5]])).toEqual({ x: 5 });
    expect(
      build(b, [
        ["x", 6],
        ["y", 7],
        ["z", 8],
      ]),
    ).toEqual({ x: 6, y: 7, z: 8 });
    expect(
      Object.keys(
        build(b, [
          ["x", 3],
          ["y", 4],
        ]),
      ),
    ).toEqual(["x", "y"]);
  });

  it("keeps __proto__ an own property and lets a later duplicate win, on every repeat", () => {
    const b = new RecordBuilder<number>();
    for (let i = 0; i < 3; i++) {
      const o = build(b, [
        ["__proto__", 1],
        ["k", 2],
      ]);
      expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
      expect(Object.hasOwn(o, "__proto__")).toBe(true);
      expect(Object.keys(o)).toEqual(["__proto__", "k"]);
      expect(
        build(b, [
          ["d", 1],
          ["d", 2],
        ]),
      ).toEqual({ d: 2 });
    }
  });

  it("finds duplicates among few and many keys", () => {
    const b = new RecordBuilder<string>();
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    for (let round = 0; round < 2; round++) {
      keys.forEach((k, i) => {
        if (i > 0) expect(b.has(k, i)).toBe(false);
        expect(b.has(keys[Math.floor(i / 2)]!, i)).toBe(i > 0);
        b.keys[i] = k;
      });
    }
    // A new record reusing the arrays: keys of the previous record are not "seen".
    b.keys[0] = "z";
    for (let i = 1; i < 20; i++) {
      expect(b.has(`k${i}`, i)).toBe(false);
      b.keys[i] = `k${i}`;
    }
  });
});

describe("line protocol with repeating key lists", () => {
  it("parses every line of a repetitive body the same as that line alone", () => {
    const lines = [
      "m,host=a,__proto__=x f=1,__proto__=2i 1",
      "m,host=a,__proto__=x f=1,__proto__=2i 2",
      "m,host=b,__proto__=y f=2,__proto__=3i 3",
      "m,host=b f=3,f=4 4",
      "m,host=b f=3,f=4 5",
      "m,host=b,host=c f=1 6",
      "m,host=b,host=c f=1 7",
      "m,a=1,b=2 x=1,y=2 8",
      "m,a=1,b=2 x=1,y=2 9",
      "m,a=1,b=2 x=1 10",
    ];
    const whole = parseLineProtocol(lines.join("\n"));
    const one = lines.map((l) => parseLineProtocol(l));
    expect(whole.points).toEqual(one.flatMap((r) => r.points));
    expect(whole.errors.map((e) => e.message)).toEqual(one.flatMap((r) => r.errors.map((e) => e.message)));
    expect(whole.errors.map((e) => e.line)).toEqual([6, 7]);
    for (const p of whole.points) expect(Object.getPrototypeOf(p.tags)).toBe(Object.prototype);
  });
});
