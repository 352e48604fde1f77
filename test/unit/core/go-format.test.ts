import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TickdError } from "../../../src/core/errors.js";
import {
  compareGoStrings,
  formatFloat,
  formatGoDuration,
  formatGoFloat,
  formatGoTime,
  formatGoValue,
  formatRFC3339Nano,
  goMap,
  goQuote,
  goSprint,
  goSprintf,
  goSprintln,
  GoDuration,
  GoTime,
  parseGoDuration,
  parseTickDuration,
  stringMap,
} from "../../../src/core/go-format.js";

describe("formatGoFloat (Go %v of float64)", () => {
  it.each([
    [2500000, "2.5e+06"],
    [123456.5, "123456.5"],
    [0.00001, "1e-05"],
    [97.5, "97.5"],
    [10, "10"],
    [1e21, "1e+21"],
    [100000, "100000"],
    [999999, "999999"],
    [1000000, "1e+06"],
    [1234567, "1.234567e+06"],
    [0.0001, "0.0001"],
    [0.00012345, "0.00012345"],
    [0, "0"],
    [-0, "-0"],
    [-2.5, "-2.5"],
    [0.1 + 0.2, "0.30000000000000004"],
    [1e100, "1e+100"],
    [1e-100, "1e-100"],
    [5e-324, "5e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
  ])("%s → %s", (n, want) => {
    expect(formatGoFloat(n)).toBe(want);
  });

  it("round-trips through Number()", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Number(formatGoFloat(x))).toBe(x);
      }),
    );
  });
});

describe("formatFloat with a precision (exact value, ties to even)", () => {
  it.each([
    [0.125, "f", 2, "0.12"],
    [0.375, "f", 2, "0.38"],
    [2.5, "f", 0, "2"],
    [3.5, "f", 0, "4"],
    [1.005, "f", 2, "1.00"],
    [2.675, "f", 2, "2.67"],
    [1e-7, "f", 6, "0.000000"],
    [1e23, "f", 6, "99999999999999991611392.000000"],
    [1234.5678, "e", 6, "1.234568e+03"],
    [123.456, "e", 2, "1.23e+02"],
    [0.5, "e", 0, "5e-01"],
    [1.5, "e", 0, "2e+00"],
    [2.5e-5, "e", 1, "2.5e-05"],
    [123456, "g", 3, "1.23e+05"],
    [0.0001234, "g", 3, "0.000123"],
    [1e20, "g", 10, "1e+20"],
    [1, "g", 3, "1"],
    [0, "e", 2, "0.00e+00"],
  ] as const)("%s %s.%s → %s", (n, fmt, prec, want) => {
    expect(formatFloat(n, fmt, prec)).toBe(want);
  });
});

describe("formatGoValue (%v)", () => {
  it("prints Go values", () => {
    expect(formatGoValue(10n)).toBe("10");
    expect(formatGoValue(-9223372036854775808n)).toBe("-9223372036854775808");
    expect(formatGoValue(true)).toBe("true");
    expect(formatGoValue("s")).toBe("s");
    expect(formatGoValue(null)).toBe("<nil>");
    expect(formatGoValue(undefined)).toBe("<nil>");
    expect(formatGoValue([1n, "a", 2.5e6, null])).toBe("[1 a 2.5e+06 <nil>]");
    expect(formatGoValue([])).toBe("[]");
    expect(
      formatGoValue(
        new Map<unknown, unknown>([
          ["b", 1n],
          ["a", [true]],
        ]),
      ),
    ).toBe("map[a:[true] b:1]");
    expect(
      formatGoValue(
        new Map([
          [10n, "x"],
          [9n, "y"],
        ]),
      ),
    ).toBe("map[9:y 10:x]");
    expect(formatGoValue(stringMap({ host: "serverA", cpu: "cpu0" }))).toBe("map[cpu:cpu0 host:serverA]");
    expect(formatGoValue({ Hostname: "h", ClusterID: "c", Port: 80n })).toBe("{h c 80}");
    expect(formatGoValue(new GoTime(BigInt(31536010e9)))).toBe("1971-01-01 00:00:10 +0000 UTC");
    expect(formatGoValue(new GoDuration(90e9))).toBe("1m30s");
    expect(formatGoValue([new GoDuration(1e6)])).toBe("[1ms]");
    expect(formatGoValue(new Error("boom"))).toBe("boom");
  });
});

describe("goSprintf", () => {
  it.each([
    ["%.2f", [97.5], "97.50"],
    ["%5.1f|", [3.14159], "  3.1|"],
    ["%6.2f", [12.345], " 12.35"],
    ["%08.3f", [-3.14159], "-003.142"],
    ["%e", [1234.5678], "1.234568e+03"],
    ["%g", [1e6], "1e+06"],
    ["%v", [2500000], "2.5e+06"],
    ["%+.1f", [2], "+2.0"],
    ["% d", [5n], " 5"],
    ["%d", [42n], "42"],
    ["%5d|%-5d|", [42n, 42n], "   42|42   |"],
    ["%05d", [-42n], "-0042"],
    ["%+d", [5n], "+5"],
    ["%x %X %o %b %#x", [255n, 255n, 8n, 5n, 255n], "ff FF 10 101 0xff"],
    ["%c%c", [72n, 105n], "Hi"],
    ["%q", [97n], "'a'"],
    ["%U", [0x1f600n], "U+1F600"],
    ["%s", ["abc"], "abc"],
    ["%-10s|", ["abc"], "abc       |"],
    ["%10s|", ["abc"], "       abc|"],
    ["%.2s", ["héllo"], "hé"],
    ["%5s|", ["é"], "    é|"],
    ["%q", ['a"b\n'], '"a\\"b\\n"'],
    ["%x", ["hi"], "6869"],
    ["% X", ["hi"], "68 69"],
    ["%t", [true], "true"],
    ["%v %v", [null, undefined], "<nil> <nil>"],
    ["%%", [], "%"],
    ["100%%", [], "100%"],
    ["%d", [1.5], "%!d(float64=1.5)"],
    ["%s", [5n], "%!s(int64=5)"],
    ["%s", [null], "%!s(<nil>)"],
    ["%d", [], "%!d(MISSING)"],
    ["%d", [1n, 2n, "x"], "1%!(EXTRA int64=2, string=x)"],
    ["%", [], "%!(NOVERB)"],
    ["%z", [1n], "%!z(int64=1)"],
    ["%*d", [5n, 1n], "    1"],
    ["%.*f", [1n, 3.14159], "3.1"],
    ["%[2]d %[1]d", [1n, 2n], "2 1"],
    ["%v", [[1n, 2n]], "[1 2]"],
    ["%d", [[1n, 2n]], "[1 2]"],
    ["%q", [["a", "b"]], '["a" "b"]'],
    ["%+v", [{ A: 1n, B: "x" }], "{A:1 B:x}"],
    ["%s", [new GoTime(0n)], "1970-01-01 00:00:00 +0000 UTC"],
    ["%d", [new GoDuration(1500)], "1500"],
    ["%v", [new GoDuration(1500)], "1.5µs"],
    ["%T %T %T", [1n, 1.5, "s"], "int64 float64 string"],
    ["%f", [Infinity], "+Inf"],
    ["%5.1f|", [NaN], "  NaN|"],
  ] as [string, unknown[], string][])("Sprintf(%j, …)", (format, args, want) => {
    expect(goSprintf(format, args)).toBe(want);
  });

  it("Sprint adds spaces only between two non-strings; Sprintln always", () => {
    expect(goSprint([1n, 2n, "a", "b", 3n])).toBe("1 2ab3");
    expect(goSprint([1.5, true])).toBe("1.5 true");
    expect(goSprintln([1n, 2n, "a", "b", 3n])).toBe("1 2 a b 3\n");
  });
});

describe("goQuote (strconv.Quote)", () => {
  it("escapes like Go", () => {
    expect(goQuote("plain")).toBe('"plain"');
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote("\x07\b\f\n\r\t\v")).toBe('"\\a\\b\\f\\n\\r\\t\\v"');
    expect(goQuote("\x00\x1f\x7f")).toBe('"\\x00\\x1f\\x7f"');
    expect(goQuote("héllo 😀")).toBe('"héllo 😀"');
    expect(goQuote("\u00a0\u200b")).toBe('"\\u00a0\\u200b"');
    expect(goQuote("\ud800")).toBe('"\\ufffd"');
  });
});

describe("times", () => {
  it("formats time.Time.String() in UTC", () => {
    expect(formatGoTime(31536010e9)).toBe("1971-01-01 00:00:10 +0000 UTC");
    expect(formatGoTime(31536010.5e9)).toBe("1971-01-01 00:00:10.5 +0000 UTC");
    expect(formatGoTime(0)).toBe("1970-01-01 00:00:00 +0000 UTC");
    expect(formatGoTime(-1)).toBe("1969-12-31 23:59:59.999999999 +0000 UTC");
    expect(formatGoTime(123)).toBe("1970-01-01 00:00:00.000000123 +0000 UTC");
  });

  it("formats RFC3339Nano without trailing zeros", () => {
    expect(formatRFC3339Nano(31536010e9)).toBe("1971-01-01T00:00:10Z");
    expect(formatRFC3339Nano(31536010.5e9)).toBe("1971-01-01T00:00:10.5Z");
    expect(formatRFC3339Nano(1e6)).toBe("1970-01-01T00:00:00.001Z");
    expect(formatRFC3339Nano(-1.5e9)).toBe("1969-12-31T23:59:58.5Z");
    // Go's zero time, as Kapacitor's task `last-enabled` shows it.
    expect(formatRFC3339Nano(-62135596800e9)).toBe("0001-01-01T00:00:00Z");
    expect(formatRFC3339Nano(Date.UTC(2000, 1, 29, 23, 59, 59) * 1e6)).toBe("2000-02-29T23:59:59Z");
    expect(formatRFC3339Nano(Date.UTC(1900, 2, 1) * 1e6)).toBe("1900-03-01T00:00:00Z");
    expect(formatRFC3339Nano(Date.UTC(10000, 0, 1) * 1e6)).toBe("10000-01-01T00:00:00Z");
  });

  it("splits large ns values exactly (beyond 2^53)", () => {
    // 1709249696123456768 is a double; every one of its digits must survive.
    expect(formatRFC3339Nano(1709249696123456768)).toBe("2024-02-29T23:34:56.123456768Z");
    expect(formatGoTime(1709249696123456768)).toBe("2024-02-29 23:34:56.123456768 +0000 UTC");
  });

  it("matches Date for whole seconds across ±146 years", () => {
    // s * 1e9 is exact for |s| < 4.6e9, so any mismatch is ours.
    fc.assert(
      fc.property(fc.integer({ min: -4.5e9, max: 4.5e9 }), (s) => {
        const want = new Date(s * 1000).toISOString().replace(".000Z", "Z");
        expect(formatRFC3339Nano(s * 1e9)).toBe(want);
      }),
    );
  });
});

describe("formatGoDuration", () => {
  it.each([
    [0, "0s"],
    [1, "1ns"],
    [999, "999ns"],
    [1000, "1µs"],
    [1500, "1.5µs"],
    [1100, "1.1µs"],
    [2.2e6, "2.2ms"],
    [1e8, "100ms"],
    [1.5e9, "1.5s"],
    [2e9, "2s"],
    [60e9, "1m0s"],
    [90e9, "1m30s"],
    [3.6e12, "1h0m0s"],
    [3723e9 + 1, "1h2m3.000000001s"],
    [-5e9, "-5s"],
    [-1500, "-1.5µs"],
  ])("%s → %s", (ns, want) => {
    expect(formatGoDuration(ns)).toBe(want);
  });

  it("handles int64 extremes as bigint", () => {
    expect(formatGoDuration(-(2n ** 63n))).toBe("-2562047h47m16.854775808s");
    expect(formatGoDuration(2n ** 63n - 1n)).toBe("2562047h47m16.854775807s");
  });
});

describe("parseGoDuration (time.ParseDuration)", () => {
  it.each([
    ["1h30m", 5.4e12],
    ["1.5h", 5.4e12],
    ["300ms", 3e8],
    ["-1.5h", -5.4e12],
    ["2h45m", 9.9e12],
    ["0", 0],
    ["-0", 0],
    ["+5s", 5e9],
    ["1us", 1000],
    ["1µs", 1000],
    ["1μs", 1000],
    ["1ns", 1],
    [".5s", 5e8],
    ["1.s", 1e9],
    ["1h0m0.000000001s", 3.6e12 + 1],
    ["0.1s", 1e8],
    ["1.000000001s", 1e9 + 1],
    ["1.0000000019s", 1e9 + 1],
    ["9223372036854775807ns", Number(9223372036854775807n)],
  ])("%s → %s", (s, want) => {
    expect(parseGoDuration(s)).toBe(want);
  });

  it.each([
    ["", 'time: invalid duration ""'],
    ["1", 'time: missing unit in duration "1"'],
    ["1d", 'time: unknown unit "d" in duration "1d"'],
    [".", 'time: invalid duration "."'],
    ["-", 'time: invalid duration "-"'],
    ["1h-5m", 'time: unknown unit "h-" in duration "1h-5m"'],
    ["s", 'time: invalid duration "s"'],
    ["9223372036854775808ns", 'time: invalid duration "9223372036854775808ns"'],
  ])("%j fails with Go's message", (s, msg) => {
    expect(() => parseGoDuration(s)).toThrowError(msg);
    try {
      parseGoDuration(s);
    } catch (e) {
      expect(e).toBeInstanceOf(TickdError);
      expect((e as TickdError).code).toBe("E_DURATION");
    }
  });

  it("inverts formatGoDuration", () => {
    fc.assert(
      fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(parseGoDuration(formatGoDuration(n))).toBe(n === 0 ? 0 : n);
      }),
    );
  });
});

describe("parseTickDuration", () => {
  it("accepts Go durations plus d, w, u", () => {
    expect(parseTickDuration("1d")).toBe(86400e9);
    expect(parseTickDuration("1w")).toBe(7 * 86400e9);
    expect(parseTickDuration("1w2d")).toBe(9 * 86400e9);
    expect(parseTickDuration("10s")).toBe(10e9);
    expect(parseTickDuration("1h30m")).toBe(5.4e12);
    expect(parseTickDuration("5u")).toBe(5000);
    expect(parseTickDuration(" 1m ")).toBe(60e9);
  });

  it("explains bad input", () => {
    expect(() => parseTickDuration("10")).toThrowError('invalid duration "10": missing unit');
    expect(() => parseTickDuration("10y")).toThrowError('unknown unit "y"');
    expect(() => parseTickDuration("soon")).toThrowError(/E?invalid duration "soon"/);
  });
});

describe("compareGoStrings", () => {
  it("orders by code point like Go's bytewise compare", () => {
    expect(compareGoStrings("a", "b")).toBeLessThan(0);
    expect(compareGoStrings("B", "a")).toBeLessThan(0);
    expect(compareGoStrings("ab", "a")).toBeGreaterThan(0);
    // U+FF5E sorts before U+1F600 in UTF-8, though not in UTF-16.
    expect(compareGoStrings("\uff5e", "😀")).toBeLessThan(0);
    expect(compareGoStrings("😀", "\uff5e")).toBeGreaterThan(0);
    expect(["b", "😀", "\uff5e", "a"].sort(compareGoStrings)).toEqual(["a", "b", "\uff5e", "😀"]);
  });

  it("goMap reads a missing key as undefined", () => {
    const m = goMap({ a: 1n });
    expect(m.get("a")).toBe(1n);
    expect(m.get("b")).toBeUndefined();
    expect(stringMap({}).get("x")).toBe("");
  });
});
