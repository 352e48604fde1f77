/**
 * The alert JSON body's fast writer (fastAlertJsonLine) and the byte-buffer escapes
 * (goJsonString; htmlTemplateEscape in template.test.ts) against the general encoder and plain references: the
 * same bytes for any event, including the ones the fast paths hand over (non-ASCII text,
 * grouped notifications, values of other types).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { alertData, alertJsonLine, fastAlertJsonLine } from "../../../src/alert/alert-json.js";
import type { AlertEvent, Series } from "../../../src/core/alert-event.js";
import { takeBuilder } from "../../../src/core/ascii-builder.js";
import { goJson, goJsonString } from "../../../src/core/go-json.js";
import { Level } from "../../../src/core/types.js";

/** What the body was before the fast writer: the general encoder over alertData. */
const general = (e: AlertEvent, prev: Level): string => goJson(alertData(e, prev)) + "\n";

/** Mostly the characters JSON and HTML escape, plus some outside ASCII. */
const tricky = fc.constantFrom('"', "\\", "<", ">", "&", "\n", "\t", "\u0001", "\u007f", "'", "+", "\0");
const asciiText = fc
  .array(fc.oneof(fc.string({ unit: "grapheme-ascii", maxLength: 6 }), tricky), { maxLength: 8 })
  .map((a) => a.join(""));
const anyText = fc.oneof(
  asciiText,
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.constantFrom("é", "\u2028", "\ud800", "😀"),
);

const level = fc.constantFrom(Level.OK, Level.INFO, Level.WARNING, Level.CRITICAL);
const nsTime = fc.bigInt({ min: -(10n ** 18n), max: 4n * 10n ** 18n });

function series(text: fc.Arbitrary<string>): fc.Arbitrary<Series> {
  const value = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer().map((n) => n),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    text,
    fc.boolean(),
    fc.constant(null),
  );
  return fc
    .record({
      name: fc.oneof(fc.constant(""), text),
      tags: fc.dictionary(text, text, { maxKeys: 4 }),
      columns: fc.array(text, { maxLength: 4 }),
      rows: fc.array(fc.tuple(nsTime, fc.array(value, { maxLength: 4 })), { maxLength: 3 }),
    })
    .map(({ name, tags, columns, rows }) => ({
      name,
      tags,
      columns,
      values: rows.map(([t, vs]) => [t, ...vs]),
    }));
}

function event(text: fc.Arbitrary<string>): fc.Arbitrary<AlertEvent> {
  return fc
    .record({
      id: text,
      message: text,
      details: text,
      time: nsTime,
      duration: fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.double({ min: 0, max: 1e20, noNaN: true })),
      level,
      series: fc.array(series(text), { maxLength: 3 }),
      recoverable: fc.boolean(),
    })
    .map((r) => ({
      topic: "main:t:alert2",
      state: {
        id: r.id,
        message: r.message,
        details: r.details,
        time: r.time,
        duration: r.duration,
        level: r.level,
      },
      data: {
        name: "cpu",
        taskName: "t",
        category: "",
        group: "nil",
        tags: {},
        fields: {},
        series: r.series,
        recoverable: r.recoverable,
      },
    }));
}

describe("alert JSON body", () => {
  it("the fast writer writes the general encoder's bytes for ASCII events", () => {
    fc.assert(
      fc.property(event(asciiText), level, (e, prev) => {
        const fast = fastAlertJsonLine(e, prev);
        expect(fast).toBeDefined();
        expect(fast).toBe(general(e, prev));
      }),
      { numRuns: 400 },
    );
  });

  it("alertJsonLine equals the general encoder for any event (the fast writer hands over what it cannot write)", () => {
    fc.assert(
      fc.property(event(anyText), level, (e, prev) => {
        expect(alertJsonLine(e, prev)).toBe(general(e, prev));
      }),
      { numRuns: 400 },
    );
  });

  it("hands non-ASCII text and grouped notifications to the general encoder", () => {
    const e = fc.sample(event(asciiText), { numRuns: 1, seed: 7 })[0]!;
    expect(fastAlertJsonLine({ ...e, state: { ...e.state, message: "café" } }, Level.OK)).toBeUndefined();
    const grouped: AlertEvent = {
      ...e,
      alerts: [{ id: "a", message: "m", time: 0n, level: Level.CRITICAL, previousLevel: Level.OK, tags: {} }],
    };
    expect(fastAlertJsonLine(grouped, Level.OK)).toBeUndefined();
    expect(alertJsonLine(grouped, Level.OK)).toBe(general(grouped, Level.OK));
  });

  it("throws what the general encoder throws (a NaN field)", () => {
    const e = fc.sample(event(asciiText), { numRuns: 1, seed: 3 })[0]!;
    const bad: AlertEvent = {
      ...e,
      data: { ...e.data, series: [{ name: "cpu", tags: {}, columns: ["time", "v"], values: [[0n, NaN]] }] },
    };
    expect(() => alertJsonLine(bad, Level.OK)).toThrow("json: unsupported value: NaN");
  });
});

describe("byte-buffer escapes", () => {
  const hex = (c: string): string => "\\u00" + c.charCodeAt(0).toString(16).padStart(2, "0");

  it("goJsonString of ASCII text is JSON.stringify with Go's HTML escapes", () => {
    fc.assert(
      fc.property(asciiText, (s) => {
        expect(goJsonString(s)).toBe(JSON.stringify(s).replace(/[<>&]/g, hex));
        expect(goJsonString(s, false)).toBe(JSON.stringify(s));
      }),
    );
  });

  it("a builder in use is not handed out again", () => {
    const a = takeBuilder();
    const b = takeBuilder();
    expect(b).not.toBe(a);
    a.text("outer");
    b.text("inner");
    expect(b.done()).toBe("inner");
    expect(a.done()).toBe("outer");
  });
});

describe("goJson through the byte buffer", () => {
  const hex = (c: string): string => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
  /**
   * Go's encoding of plain JSON values is JSON.stringify's, plus escapes of < > & and of the
   * line and paragraph separators (JSON.stringify writes those raw; they are only in strings).
   */
  const reference = (v: unknown, html: boolean): string =>
    JSON.stringify(v).replace(html ? /[<>&\u2028\u2029]/g : /[\u2028\u2029]/g, hex);
  const text = fc.oneof(asciiText, fc.string({ unit: "grapheme", maxLength: 8 }), anyText.filter(wellFormed));
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      text,
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(text, tie("value"), { maxKeys: 4 }),
    ),
  })).value;

  it("writes what the plain reference writes, ASCII or not, with and without escapeHTML", () => {
    fc.assert(
      fc.property(json, (v) => {
        expect(goJson(v)).toBe(reference(v, true));
        expect(goJson(v, { escapeHTML: false })).toBe(reference(v, false));
        expect(goJson(v, { indent: "  " })).toBe(
          JSON.stringify(v, null, "  ").replace(/[<>&\u2028\u2029]/g, hex),
        );
      }),
      { numRuns: 500 },
    );
  });

  it("leaves the shared buffer free after a throw", () => {
    expect(() => goJson({ a: "x", b: [1, NaN] })).toThrow("json: unsupported value: NaN");
    const b = takeBuilder();
    const again = takeBuilder();
    // The shared builder was free: the first take got it, the second a fresh one.
    expect(again).not.toBe(b);
    b.release();
    again.release();
    expect(takeBuilder()).toBe(b);
    b.release();
  });
});

/** No lone surrogate (Go writes those as \ufffd, JSON.stringify as their escape). */
function wellFormed(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}
