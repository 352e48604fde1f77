import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TickdError } from "../../../src/core/errors.js";
import { goMap, GoDuration, GoTime, stringMap } from "../../../src/core/go-format.js";
import { goJson, goJsonFloat, goJsonLine, goJsonString } from "../../../src/core/go-json.js";

describe("goJson: structs and maps", () => {
  it("writes plain objects in insertion order and maps sorted", () => {
    const v = {
      z: 1n,
      a: [1n, "x", true, null],
      m: new Map<string, unknown>([
        ["zeta", 1n],
        ["alpha", 2n],
      ]),
      g: goMap({ b: 1n, a: 2n }),
    };
    expect(goJson(v)).toBe('{"z":1,"a":[1,"x",true,null],"m":{"alpha":2,"zeta":1},"g":{"a":2,"b":1}}');
  });

  it("skips undefined properties but writes undefined elements as null", () => {
    expect(goJson({ a: undefined, b: 1n, c: [undefined] })).toBe('{"b":1,"c":[null]}');
    expect(goJson(undefined)).toBe("null");
  });

  it("sorts map keys bytewise and integer keys by their text", () => {
    expect(
      goJson(
        new Map([
          ["b", 1n],
          ["B", 2n],
          ["😀", 3n],
          ["\uff5e", 4n],
        ]),
      ),
    ).toBe('{"B":2,"b":1,"\uff5e":4,"😀":3}');
    expect(
      goJson(
        new Map([
          [10n, "a"],
          [9n, "b"],
          [1n, "c"],
        ]),
      ),
    ).toBe('{"1":"c","10":"a","9":"b"}');
  });

  it("encodes GoTime as RFC3339Nano and GoDuration as ns", () => {
    expect(goJson({ Time: new GoTime(BigInt(31536010e9)), Duration: new GoDuration(2e9) })).toBe(
      '{"Time":"1971-01-01T00:00:10Z","Duration":2000000000}',
    );
  });

  it("encodes Uint8Array as base64 like []byte", () => {
    expect(goJson(new Uint8Array([104, 105]))).toBe('"aGk="');
  });

  it("writes the §2 post body byte for byte", () => {
    const body = {
      id: "kapacitor/cpu/serverA",
      message: "kapacitor/cpu/serverA is CRITICAL",
      details: "details",
      time: "1971-01-01T00:00:10Z",
      duration: 0n,
      level: "CRITICAL",
      data: {
        series: [
          {
            name: "cpu",
            tags: stringMap({ host: "serverA" }),
            columns: ["time", "count"],
            values: [["1971-01-01T00:00:10Z", 10n]],
          },
        ],
      },
      previousLevel: "OK",
      recoverable: true,
    };
    expect(goJsonLine(body)).toBe(
      '{"id":"kapacitor/cpu/serverA","message":"kapacitor/cpu/serverA is CRITICAL","details":"details","time":"1971-01-01T00:00:10Z","duration":0,"level":"CRITICAL","data":{"series":[{"name":"cpu","tags":{"host":"serverA"},"columns":["time","count"],"values":[["1971-01-01T00:00:10Z",10]]}]},"previousLevel":"OK","recoverable":true}\n',
    );
  });
});

describe("goJson: numbers", () => {
  it.each([
    [10, "10"],
    [10.5, "10.5"],
    [0.1, "0.1"],
    [2500000, "2500000"],
    [1e20, "100000000000000000000"],
    [1e21, "1e+21"],
    [1.5e300, "1.5e+300"],
    [0.000001, "0.000001"],
    [1e-7, "1e-7"],
    [1.5e-10, "1.5e-10"],
    [-0, "-0"],
    [0, "0"],
    [-2.5, "-2.5"],
  ])("float64 %s → %s", (n, want) => {
    expect(goJsonFloat(n)).toBe(want);
    expect(goJson(n)).toBe(want);
  });

  it("writes bigint as int64 digits", () => {
    expect(goJson(9007199254740993n)).toBe("9007199254740993");
    expect(goJson(-9223372036854775808n)).toBe("-9223372036854775808");
  });

  it.each([
    [NaN, "json: unsupported value: NaN"],
    [Infinity, "json: unsupported value: +Inf"],
    [-Infinity, "json: unsupported value: -Inf"],
  ])("refuses %s like Go", (n, msg) => {
    expect(() => goJson({ v: n })).toThrowError(msg);
    expect(() => goJson(n)).toThrowError(TickdError);
  });

  it("refuses functions, Dates and cycles", () => {
    expect(() => goJson({ f: () => 1 })).toThrowError("json: unsupported type: func()");
    expect(() => goJson(new Date(0))).toThrowError(/unsupported type: Date/);
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => goJson(a)).toThrowError(/cycle/);
    // The same object twice (not a cycle) is fine.
    const shared = { x: 1n };
    expect(goJson([shared, shared])).toBe('[{"x":1},{"x":1}]');
  });
});

describe("goJson: strings", () => {
  it("escapes like encoding/json", () => {
    expect(goJsonString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goJsonString("\n\r\t\b\f")).toBe('"\\n\\r\\t\\b\\f"');
    expect(goJsonString("\u0000\u0001\u001f\u007f")).toBe('"\\u0000\\u0001\\u001f\u007f"');
    expect(goJsonString("<a href='x'>&</a>")).toBe("\"\\u003ca href='x'\\u003e\\u0026\\u003c/a\\u003e\"");
    expect(goJsonString("<&>", false)).toBe('"<&>"');
    expect(goJsonString("\u2028\u2029")).toBe('"\\u2028\\u2029"');
    expect(goJsonString("é😀+/")).toBe('"é😀+/"');
    expect(goJsonString("a\ud800b\udc00")).toBe('"a\\ufffdb\\ufffd"');
    expect(goJson({ "<k>": 1n })).toBe('{"\\u003ck\\u003e":1}');
  });
});

describe("goJson: indent (json.MarshalIndent)", () => {
  it("indents with the given string and keeps empty containers compact", () => {
    const v = { a: [1n, 2n], b: {}, c: [], d: { x: 1n }, e: new Map() };
    expect(goJson(v, { indent: "    " })).toBe(
      [
        "{",
        '    "a": [',
        "        1,",
        "        2",
        "    ],",
        '    "b": {},',
        '    "c": [],',
        '    "d": {',
        '        "x": 1',
        "    },",
        '    "e": {}',
        "}",
      ].join("\n"),
    );
    expect(goJsonLine([], { indent: "  " })).toBe("[]\n");
  });
});

describe("goJson properties", () => {
  it("re-parses to the same value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(goJson(v))).toEqual(v);
        expect(JSON.parse(goJson(v, { indent: "\t" }))).toEqual(v);
      }),
    );
  });

  it("re-parses full-Unicode strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }), (s, t) => {
        expect(JSON.parse(goJson(s))).toBe(s);
        expect(JSON.parse(goJson(t, { escapeHTML: false }))).toBe(t);
      }),
    );
    // fast-check's grapheme strings are slow to make: 6.4 s once on a loaded machine.
  }, 30_000);

  it("matches JSON.stringify for ASCII objects without HTML characters", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string().filter((k) => !/[<>&]/.test(k)),
          fc.oneof(
            fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
            fc.boolean(),
            fc.string().filter((x) => !/[<>&]/.test(x)),
          ),
        ),
        (o) => {
          expect(goJson(o)).toBe(JSON.stringify(o));
        },
      ),
    );
  });
});
