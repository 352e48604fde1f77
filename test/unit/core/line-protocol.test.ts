import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TickdError } from "../../../src/core/errors.js";
import {
  formatPoint,
  formatPoints,
  parseLineProtocol,
  parsePrecision,
  type Precision,
} from "../../../src/core/line-protocol.js";
import type { FieldValue, Point } from "../../../src/core/types.js";

const NOW = 1_700_000_000_123_456_789n; // ns, exact

/** Parses a body that must yield exactly one point and no errors. */
function one(body: string, precision?: Precision): Point {
  const { points, errors } = parseLineProtocol(body, precision ? { precision, now: NOW } : { now: NOW });
  expect(errors).toEqual([]);
  expect(points).toHaveLength(1);
  return points[0]!;
}

/** Parses a body that must be rejected; returns the single error's message. */
function fail(body: string): string {
  const { points, errors } = parseLineProtocol(body, { now: BigInt(NOW) });
  expect(points).toEqual([]);
  expect(errors).toHaveLength(1);
  return errors[0]!.message;
}

function field(body: string, key = "f"): FieldValue | undefined {
  return one(body).fields[key];
}

describe("parsePrecision", () => {
  it("maps empty and missing to nanoseconds and knows every unit", () => {
    expect(parsePrecision(undefined)).toBe("n");
    expect(parsePrecision("")).toBe("n");
    for (const p of ["n", "ns", "u", "ms", "s", "m", "h"]) expect(parsePrecision(p)).toBe(p);
  });
  it("rejects anything else", () => {
    expect(parsePrecision("us")).toBeUndefined();
    expect(parsePrecision("S")).toBeUndefined();
    expect(parsePrecision("toString")).toBeUndefined();
  });
});

describe("parseLineProtocol: structure", () => {
  it("parses measurement, tags, fields and timestamp", () => {
    expect(one("cpu,host=server01,region=us-west usage_idle=92.5,count=3i 1465839830100400200")).toEqual({
      name: "cpu",
      tags: { host: "server01", region: "us-west" },
      fields: { usage_idle: 92.5, count: 3n },
      time: 1465839830100400200n,
    });
  });
  it("allows a point without tags", () => {
    expect(one("weather temperature=82 1465839830100400200")).toEqual({
      name: "weather",
      tags: {},
      fields: { temperature: 82 },
      time: 1465839830100400200n,
    });
  });
  it("keeps unsorted tags as written (a Record has no order that matters)", () => {
    expect(one("m,z=1,a=2 f=1 0").tags).toEqual({ a: "2", z: "1" });
  });
  it("lets the last of duplicate field keys win, as InfluxDB does", () => {
    expect(one("m f=1,g=2,f=3 0").fields).toEqual({ f: 3, g: 2 });
  });
  it("rejects duplicate tag keys, as InfluxDB does", () => {
    expect(fail("m,host=a,host=b f=1")).toBe('duplicate tag key "host"');
  });
  it("accepts several blanks between sections and trailing blanks", () => {
    expect(one("m,t=1   f=1 \t  5  \t").time).toBe(5n);
    expect(one("m f=1\t5").time).toBe(5n);
    expect(one("m f=1   ").time).toBe(NOW);
  });
  it("makes __proto__ an ordinary key instead of touching the prototype", () => {
    const p = one("m,__proto__=x __proto__=1 0");
    expect(Object.getPrototypeOf(p.fields)).toBe(Object.prototype);
    expect(Object.keys(p.tags)).toEqual(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(p.tags, "__proto__")?.value).toBe("x");
    expect(Object.getOwnPropertyDescriptor(p.fields, "__proto__")?.value).toBe(1);
  });
  it("treats tag keys named like Object.prototype members as ordinary keys", () => {
    expect(one("m,toString=a,constructor=b f=1 0").tags).toEqual({ toString: "a", constructor: "b" });
  });
});

describe("parseLineProtocol: field values", () => {
  it("parses floats, and a bare integer as a float", () => {
    expect(field("m f=1")).toBe(1);
    expect(field("m f=1.5")).toBe(1.5);
    expect(field("m f=-1.5e-3")).toBe(-1.5e-3);
    expect(field("m f=1e+10")).toBe(1e10);
    expect(field("m f=1E5")).toBe(1e5);
    expect(field("m f=.5")).toBe(0.5);
    expect(field("m f=-.5")).toBe(-0.5);
    expect(field("m f=1.")).toBe(1);
    expect(field("m f=007.50")).toBe(7.5);
    expect(Object.is(field("m f=-0"), -0)).toBe(true);
    expect(field("m f=0.1")).toBe(0.1);
  });
  it("gives the correctly rounded float for long and awkward decimals", () => {
    for (const text of [
      "0.1234567890123456789",
      "123456789012345678901234567890",
      "9007199254740993",
      "2.2250738585072014e-308",
      "1.7976931348623157e308",
      "0.000000000000000000000000001",
      "4.35",
      "-98765.4321e-2",
      "5e-324",
    ]) {
      expect(field(`m f=${text}`)).toBe(Number(text));
    }
  });
  it("parses integers (i) and unsigned integers (u) to bigint", () => {
    expect(field("m f=12i")).toBe(12n);
    expect(field("m f=-12i")).toBe(-12n);
    expect(field("m f=0i")).toBe(0n);
    expect(field("m f=007i")).toBe(7n);
    expect(field("m f=12u")).toBe(12n);
    expect(field("m f=123456789012345i")).toBe(123456789012345n);
    expect(field("m f=1234567890123456i")).toBe(1234567890123456n);
  });
  it("accepts the int64 and uint64 boundaries and rejects one past them", () => {
    expect(field("m f=9223372036854775807i")).toBe(9223372036854775807n);
    expect(field("m f=-9223372036854775808i")).toBe(-9223372036854775808n);
    expect(field("m f=18446744073709551615u")).toBe(18446744073709551615n);
    expect(field("m f=0000000000000000000000001i")).toBe(1n);
    expect(fail("m f=9223372036854775808i")).toBe(
      'integer out of range for int64: "9223372036854775808i" for key "f"',
    );
    expect(fail("m f=-9223372036854775809i")).toMatch(/^integer out of range for int64/);
    expect(fail("m f=18446744073709551616u")).toMatch(/^integer out of range for uint64/);
    expect(fail("m f=-1u")).toBe('unsigned integer cannot be negative: "-1u" for key "f"');
  });
  it("parses every boolean spelling InfluxDB accepts", () => {
    for (const t of ["t", "T", "true", "True", "TRUE"]) expect(field(`m f=${t}`)).toBe(true);
    for (const f of ["f", "F", "false", "False", "FALSE"]) expect(field(`m f=${f}`)).toBe(false);
  });
  it("rejects other boolean-looking words", () => {
    for (const b of ["tru", "tRUE", "fals", "falsey", "yes"]) {
      expect(fail(`m f=${b}`)).toMatch(/^invalid (boolean|field value) /);
    }
    expect(fail("m f=tru")).toBe('invalid boolean "tru" for key "f"');
  });
  it("parses strings with escaped quotes and backslashes, commas, spaces and equals signs", () => {
    expect(field('m f="hello, world = 1"')).toBe("hello, world = 1");
    expect(field('m f="say \\"hi\\""')).toBe('say "hi"');
    expect(field('m f="C:\\\\dir"')).toBe("C:\\dir");
    expect(field('m f="a\\nb"')).toBe("a\\nb"); // only \" and \\ are escapes
    expect(field('m f=""')).toBe("");
    expect(field('m f="\\\\"')).toBe("\\");
    expect(field('m f="x\\\\\\""')).toBe('x\\"');
  });
  it("lets a string field value span lines", () => {
    const { points, errors } = parseLineProtocol('m f="line1\nline2",g=1 5\nn v=2 6\n');
    expect(errors).toEqual([]);
    expect(points.map((p) => p.fields)).toEqual([{ f: "line1\nline2", g: 1 }, { v: 2 }]);
  });
  it("rejects malformed values with the reason", () => {
    expect(fail("m x=abc")).toBe('invalid field value "abc" for key "x"');
    expect(fail("m f=1.2.3")).toBe('invalid number "1.2.3" for key "f"');
    expect(fail("m f=1x")).toBe('invalid number "1x" for key "f"');
    expect(fail("m f=-")).toBe('invalid number "-" for key "f"');
    expect(fail("m f=.")).toBe('invalid number "." for key "f"');
    expect(fail("m f=1e")).toBe('invalid number "1e" for key "f"');
    expect(fail("m f=1.5i")).toBe('invalid number "1.5i" for key "f"');
    expect(fail("m f=1e3i")).toBe('invalid number "1e3i" for key "f"');
    expect(fail("m f=1i2")).toBe('invalid number "1i2" for key "f"');
    expect(fail("m f=+1")).toBe('invalid field value "+1" for key "f"');
    expect(fail("m f=NaN")).toBe('invalid field value "NaN" for key "f"');
    expect(fail("m f=Inf")).toBe('invalid field value "Inf" for key "f"');
    expect(fail("m f=1e400")).toBe('float out of range: "1e400" for key "f"');
    expect(fail('m f="abc')).toBe('unterminated string field value for key "f"');
    expect(fail('m f="abc"x')).toBe('unexpected "x" after the string value of field "f"');
  });
});

describe("parseLineProtocol: escaping", () => {
  it("unescapes comma and space in measurements", () => {
    expect(one("cpu\\,load\\ avg f=1 0").name).toBe("cpu,load avg");
  });
  it("unescapes = and \" in measurements, as InfluxDB's Name() does", () => {
    expect(one('a\\=b\\"c f=1 0').name).toBe('a=b"c');
  });
  it("keeps a backslash followed by anything else", () => {
    expect(one("a\\b\\\\c f=1 0").name).toBe("a\\b\\\\c");
    expect(one("m,path=C:\\Windows f=1 0").tags).toEqual({ path: "C:\\Windows" });
  });
  it("treats the character after a run of backslashes as escaped", () => {
    // `\\,` is not a delimiter (InfluxDB checks the previous byte); it unescapes to `\,`.
    expect(one("a\\\\,b f=1 0").name).toBe("a\\,b");
  });
  it("allows unescaped = and quotes in measurements", () => {
    expect(one('a=b"c f=1 0').name).toBe('a=b"c');
  });
  it("unescapes comma, equals sign and space in tag keys and values", () => {
    expect(one("m,tag\\ key\\,x\\=y=val\\ ue\\,1\\=2 f=1 0").tags).toEqual({ "tag key,x=y": "val ue,1=2" });
  });
  it('keeps \\" in tags (InfluxDB does not unescape quotes there)', () => {
    expect(one('m,k\\"=v\\" f=1 0').tags).toEqual({ 'k\\"': 'v\\"' });
  });
  it("allows quotes in tag values", () => {
    expect(one('m,k="v" f=1 0').tags).toEqual({ k: '"v"' });
  });
  it("unescapes comma, equals sign, space and quote in field keys", () => {
    expect(one('m field\\ key\\,x\\=y\\"z=1 0').fields).toEqual({ 'field key,x=y"z': 1 });
    expect(one('m a"b=1 0').fields).toEqual({ 'a"b': 1 });
  });
  it("rejects an unescaped = in a tag value, as InfluxDB does", () => {
    expect(fail("m,k=a=b f=1")).toBe('unescaped "=" in the value of tag "k"');
  });
});

describe("parseLineProtocol: timestamps and precision", () => {
  const cases: [Precision, string, bigint][] = [
    ["n", "1465839830100400200", 1465839830100400200n],
    ["ns", "1465839830100400200", 1465839830100400200n],
    ["u", "1465839830100400", 1465839830100400000n],
    ["ms", "1465839830100", 1465839830100000000n],
    ["s", "1465839830", 1465839830000000000n],
    ["m", "24430663", 24430663n * 60_000_000_000n],
    ["h", "407177", 407177n * 3_600_000_000_000n],
  ];
  for (const [precision, text, ns] of cases) {
    it(`scales precision ${precision}`, () => {
      expect(one(`m f=1 ${text}`, precision).time).toBe(ns);
      expect(one(`m f=1 -${text}`, precision).time).toBe(-ns);
    });
  }
  it("keeps 19-digit nanosecond times exact (int64, DESIGN §9)", () => {
    for (const text of [
      "1732420800123456789",
      "1732420800123456767",
      "1732420800123456640",
      "1732420800999999999",
      "4611686017999999999",
      "4611686018427387904",
      "9223372036854775806",
      "-9223372036854775806",
      "1000000000000000",
      "9007199254740993",
    ]) {
      expect(one(`m f=1 ${text}`).time).toBe(BigInt(text));
    }
  });
  it("accepts zero, negative times and leading zeros", () => {
    expect(one("m f=1 0").time).toBe(0n);
    expect(one("m f=1 -0").time).toBe(0n);
    expect(one("m f=1 -1").time).toBe(-1n);
    expect(one("m f=1 000000000000000000000000042").time).toBe(42n);
  });
  it("uses the injected now when the timestamp is missing, truncated to the precision", () => {
    const now = 1_700_000_123_456_789_000n;
    const at = (precision: Precision) => parseLineProtocol("m f=1", { precision, now }).points[0]!.time;
    expect(at("n")).toBe(now);
    expect(at("s")).toBe(1_700_000_123_000_000_000n);
    expect(at("ms")).toBe(1_700_000_123_456_000_000n);
    expect(at("h")).toBe((now / 3_600_000_000_000n) * 3_600_000_000_000n);
  });
  it("uses the clock when no now is given", () => {
    const before = Date.now() * 1e6;
    const t = parseLineProtocol("m f=1").points[0]!.time;
    expect(t).toBeGreaterThanOrEqual(before - 1e6);
    expect(t).toBeLessThanOrEqual(Date.now() * 1e6 + 1e6);
  });
  it("gives every point of one body the same now", () => {
    const { points } = parseLineProtocol("a f=1\nb f=2\nc f=3 7");
    expect(points[0]!.time).toBe(points[1]!.time);
    expect(points[2]!.time).toBe(7n);
  });
  it("rejects malformed timestamps", () => {
    expect(fail("m f=1 12a")).toBe('invalid timestamp "12a"');
    expect(fail("m f=1 -")).toBe('invalid timestamp "-"');
    expect(fail("m f=1 1.5")).toBe('invalid timestamp "1.5"');
    expect(fail("m f=1 +5")).toBe('invalid timestamp "+5"');
    expect(fail("m f=1 5 6")).toBe('unexpected text after the timestamp: "6"');
  });
  it("rejects timestamps outside int64 nanoseconds", () => {
    expect(fail("m f=1 9223372036854775807")).toBe('timestamp out of range: "9223372036854775807"');
    expect(fail("m f=1 -9223372036854775808")).toMatch(/^timestamp out of range/);
    expect(fail("m f=1 99999999999999999999")).toMatch(/^timestamp out of range/);
    expect(parseLineProtocol("m f=1 9223372036", { precision: "s" }).errors).toEqual([]);
    expect(parseLineProtocol("m f=1 9223372037", { precision: "s" }).errors[0]?.message).toMatch(
      /^timestamp out of range/,
    );
    expect(parseLineProtocol("m f=1 2562048", { precision: "h" }).errors[0]?.message).toMatch(/out of range/);
    expect(parseLineProtocol("m f=1 9223372036854776", { precision: "u" }).errors[0]?.message).toMatch(
      /out of range/,
    );
  });
});

describe("parseLineProtocol: tag values that cycle from line to line", () => {
  // Telegraf writes cpu0, cpu1, … cpu-total in turn; the parser guesses the value that came
  // next last time. A wrong or partial guess must read exactly what a scan reads.
  it("reads every value as written when cycles break, values are prefixes of others or escaped", () => {
    const values = [
      "cpu0",
      "cpu1",
      "cpu2",
      "cpu0",
      "cpu1",
      "cpu2", // a cycle, twice
      "cpu1",
      "cpu10",
      "cpu1",
      "cpu0",
      "cpu2", // out of order; a value the guess is a prefix of
      "cpu\\,x",
      "cpu0",
      "cpu1",
      "cpu2",
      "cpu\\ y",
      "cpu2",
      "cpu0",
    ];
    const body = values.map((v, i) => `cpu,cpu=${v},host=h f=1 ${i}`).join("\n");
    const { points, errors } = parseLineProtocol(body);
    expect(errors).toEqual([]);
    expect(points.map((p) => p.tags["cpu"])).toEqual(values.map((v) => v.replace(/\\(.)/g, "$1")));
    expect(points.every((p) => p.tags["host"] === "h")).toBe(true);
  });
  it("still refuses a value that starts like the guessed one", () => {
    const body = ["cpu0", "cpu1", "cpu0", "cpu1=x", "cpu0", "cpu1"]
      .map((v, i) => `cpu,cpu=${v} f=1 ${i}`)
      .join("\n");
    const { points, errors } = parseLineProtocol(body);
    expect(points.map((p) => p.tags["cpu"])).toEqual(["cpu0", "cpu1", "cpu0", "cpu0", "cpu1"]);
    expect(errors.map((e) => [e.line, e.message])).toEqual([[4, 'unescaped "=" in the value of tag "cpu"']]);
  });
});

describe("parseLineProtocol: runs of timestamps in one body", () => {
  // Within a body the parser reuses the previous line's time (same text) or adds the step
  // from it; every time must still be exactly the integer written, and a refused timestamp
  // must stay refused whatever came before it.
  const times = (body: string) => parseLineProtocol(body).points.map((p) => p.time);

  it("gives every line exactly its own time, whatever the steps between them", () => {
    const texts = [
      "1700000000000000000",
      "1700000000000000000", // repeat
      "1700000001000000000", // +1 s
      "1700000002000000000", // +1 s again (the same step)
      "1700000002000000999", // +999 ns, a small step
      "1700000002000002047", // +1048 ns
      "1700000001999999999", // backwards
      "1704194303999999999", // +4194302 s: just inside the step window
      "1708388608999999999", // +4194305 s: outside it
      "1708388608999999998",
      "-1708388608999999998", // sign change
      "-1708388607999999998", // negative, step towards zero
      "-1708388609999999998",
      "-1", // small negatives
      "-3",
      "0",
      "5",
      "999999999",
      "1000000001", // across the nine-digit split
      "4611686018427387904", // above the float64-exact range
      "4611686018427387905",
      "9223372036854775806",
      "9223372036854775805",
      "17",
      "170", // the previous text is a prefix of this one
      "0000000000170", // leading zeros
    ];
    expect(times(texts.map((t) => `m f=1 ${t}`).join("\n"))).toEqual(texts.map((t) => BigInt(t)));
  });

  it("matches BigInt on random walks of nanosecond times", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
        fc.array(fc.oneof(fc.constant(0n), fc.bigInt({ min: -(10n ** 16n), max: 10n ** 16n })), {
          maxLength: 30,
        }),
        (start, steps) => {
          const want: bigint[] = [start];
          for (const d of steps) want.push(want[want.length - 1]! + d);
          const body = want.map((t) => `m f=1 ${t}`).join("\n");
          expect(times(body)).toEqual(want);
        },
      ),
    );
  });

  it("keeps refusing a timestamp that follows an accepted one", () => {
    const { points, errors } = parseLineProtocol(
      "m f=1 1700000000000000000\nm f=1 1700000000000000000x\nm f=1 9223372036854775806\n" +
        "m f=1 9223372036854775807\nm f=1 9223372036854775807\nm f=1 1700000000000000001",
    );
    expect(points.map((p) => p.time)).toEqual([
      1700000000000000000n,
      9223372036854775806n,
      1700000000000000001n,
    ]);
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [2, 'invalid timestamp "1700000000000000000x"'],
      [4, 'timestamp out of range: "9223372036854775807"'],
      [5, 'timestamp out of range: "9223372036854775807"'],
    ]);
  });
});

describe("parseLineProtocol: lines", () => {
  it("tolerates CRLF line ends", () => {
    const { points, errors } = parseLineProtocol("a f=1 1\r\nb,t=x g=2i\r\nc h=true 3\r\n", { now: 9n });
    expect(errors).toEqual([]);
    expect(points).toEqual([
      { name: "a", tags: {}, fields: { f: 1 }, time: 1n },
      { name: "b", tags: { t: "x" }, fields: { g: 2n }, time: 9n },
      { name: "c", tags: {}, fields: { h: true }, time: 3n },
    ]);
  });
  it("skips blank lines, whitespace-only lines and comments; allows leading whitespace", () => {
    const body = "\n\n# a comment\n   \t\n  # indented comment\n\t  m f=1 1\r\n\r\n#\nn f=2 2";
    const { points, errors } = parseLineProtocol(body);
    expect(errors).toEqual([]);
    expect(points.map((p) => p.name)).toEqual(["m", "n"]);
  });
  it("returns nothing for an empty body", () => {
    expect(parseLineProtocol("")).toEqual({ points: [], errors: [] });
    expect(parseLineProtocol("\n\n")).toEqual({ points: [], errors: [] });
  });
  it("reports bad lines with line numbers and still returns the good ones", () => {
    const body = [
      "good1 f=1 1", //     1
      "bad1", //            2
      "", //                3
      "# comment", //       4
      "good2,h=a f=2 2", // 5
      "bad2 f=abc 3", //    6
      'str f="two', //      7
      'lines" 4', //        8
      "good3 f=3 5", //     9
      'bad3 f="x', //       10
      "good4 f=4 6", //     11
    ].join("\n");
    const { points, errors } = parseLineProtocol(body);
    expect(points.map((p) => [p.name, p.time])).toEqual([
      ["good1", 1n],
      ["good2", 2n],
      ["str", 4n],
      ["good3", 5n],
      ["good4", 6n],
    ]);
    expect(errors).toEqual([
      { line: 2, column: 5, message: "missing fields", text: "bad1" },
      { line: 6, column: 8, message: 'invalid field value "abc" for key "f"', text: "bad2 f=abc 3" },
      { line: 10, column: 8, message: 'unterminated string field value for key "f"', text: 'bad3 f="x' },
    ]);
  });
  it("finds the end of a rejected line that holds a multi-line string", () => {
    const { points, errors } = parseLineProtocol('m,k=a=b f="x\ny" 1\nok f=1 2');
    expect(errors.map((e) => [e.line, e.message])).toEqual([[1, 'unescaped "=" in the value of tag "k"']]);
    expect(points.map((p) => p.name)).toEqual(["ok"]);
  });
  it("counts columns from the start of the raw line, leading blanks included", () => {
    const { errors } = parseLineProtocol("ok f=1\n  m f=zz");
    expect(errors).toEqual([
      { line: 2, column: 7, message: 'invalid field value "zz" for key "f"', text: "  m f=zz" },
    ]);
  });
  it("truncates the text of a long bad line to 200 characters and drops the \\r", () => {
    const long = "m f=" + "x".repeat(500);
    const { errors } = parseLineProtocol(`${long}\r\nn f=\r\n`);
    expect(errors[0]!.text).toBe(long.slice(0, 200));
    expect(errors[1]).toEqual({
      line: 2,
      column: 5,
      message: 'missing field value for key "f"',
      text: "n f=",
    });
  });
  it("names each structural problem", () => {
    expect(fail("cpu")).toBe("missing fields");
    expect(fail("cpu ")).toBe("missing fields");
    expect(fail("cpu,host=a")).toBe("missing fields");
    expect(fail(",host=a f=1")).toBe("missing measurement");
    expect(fail("cpu, f=1")).toBe("missing tag key");
    expect(fail("cpu,=a f=1")).toBe("missing tag key");
    expect(fail("cpu,host f=1")).toBe('missing tag value for key "host"');
    expect(fail("cpu,host= f=1")).toBe('missing tag value for key "host"');
    expect(fail("cpu,host=a, f=1")).toBe("missing tag key");
    expect(fail("cpu =1")).toBe("missing field key");
    expect(fail("cpu f=1,")).toBe("missing field key");
    expect(fail("cpu f=1,=2")).toBe("missing field key");
    expect(fail("cpu f")).toBe('missing "=" after field key "f"');
    expect(fail("cpu f g=1")).toBe('missing "=" after field key "f"');
    expect(fail("cpu f=")).toBe('missing field value for key "f"');
    expect(fail("cpu f=,g=1")).toBe('missing field value for key "f"');
    expect(fail("cpu f= 1")).toBe('missing field value for key "f"');
  });
});

describe("parseLineProtocol: identifiers repeated across lines", () => {
  it("does not mistake a longer or escaped identifier for one seen on an earlier line", () => {
    const body = [
      "m,host=a,dc=x f=1,g=2 1",
      "mm,host=ab,dc=x f=1,g=2 2",
      "m,host=ab,dc=xy fx=1,g=2 3",
      "m,host=a\\ b,dc\\ 2=x f\\ x=1,g=2 4",
      "m\\ x,host=a f=1 5",
      "m,dc=x,host=a g=2,f=1 6",
      "m,host=a,host=b f=1 7",
      "m,host=a f=1,f=2 8",
      "m\\,x f=1 9",
      "m,x=1 f=1 10",
    ].join("\n");
    const { points, errors } = parseLineProtocol(body);
    expect(errors).toEqual([
      { line: 7, column: 10, message: 'duplicate tag key "host"', text: "m,host=a,host=b f=1 7" },
    ]);
    expect(points).toEqual([
      { name: "m", tags: { host: "a", dc: "x" }, fields: { f: 1, g: 2 }, time: 1n },
      { name: "mm", tags: { host: "ab", dc: "x" }, fields: { f: 1, g: 2 }, time: 2n },
      { name: "m", tags: { host: "ab", dc: "xy" }, fields: { fx: 1, g: 2 }, time: 3n },
      { name: "m", tags: { host: "a b", "dc 2": "x" }, fields: { "f x": 1, g: 2 }, time: 4n },
      { name: "m x", tags: { host: "a" }, fields: { f: 1 }, time: 5n },
      { name: "m", tags: { dc: "x", host: "a" }, fields: { g: 2, f: 1 }, time: 6n },
      { name: "m", tags: { host: "a" }, fields: { f: 2 }, time: 8n },
      { name: "m,x", tags: {}, fields: { f: 1 }, time: 9n },
      { name: "m", tags: { x: "1" }, fields: { f: 1 }, time: 10n },
    ]);
  });
  it("handles more measurements than it remembers", () => {
    const body = Array.from({ length: 3000 }, (_, i) => `m${i % 1500},t=v${i} f=${i} ${i}`).join("\n");
    const { points, errors } = parseLineProtocol(body);
    expect(errors).toEqual([]);
    expect(points[2999]).toEqual({ name: "m1499", tags: { t: "v2999" }, fields: { f: 2999 }, time: 2999n });
  });
});

describe("parseLineProtocol: examples in the style of the InfluxDB line protocol reference", () => {
  it("parses a full-featured line", () => {
    const p = one(
      'weather,location=us-midwest,season=summer temperature=82,humidity=71i,raining=false,note="warm" 1465839830100400200',
    );
    expect(p).toEqual({
      name: "weather",
      tags: { location: "us-midwest", season: "summer" },
      fields: { temperature: 82, humidity: 71n, raining: false, note: "warm" },
      time: 1465839830100400200n,
    });
  });
  it("parses escaped special characters in every part", () => {
    const p = one(
      '"weather\\ report",location\\=city=San\\ Francisco\\,\\ CA temp\\=high=82.1,"quoted"="He said \\"hot\\""',
    );
    expect(p.name).toBe('"weather report"');
    expect(p.tags).toEqual({ "location=city": "San Francisco, CA" });
    expect(p.fields).toEqual({ "temp=high": 82.1, '"quoted"': 'He said "hot"' });
  });
  it("parses a batch with mixed precision-less points", () => {
    const { points, errors } = parseLineProtocol(
      "mem,host=h1 used=1024i,free=2048i\nmem,host=h2 used=512i\ndisk,path=/var used_percent=41.5\n",
      { now: 10n ** 18n },
    );
    expect(errors).toEqual([]);
    expect(points.map((p) => [p.tags["host"] ?? p.tags["path"], p.time])).toEqual([
      ["h1", 10n ** 18n],
      ["h2", 10n ** 18n],
      ["/var", 10n ** 18n],
    ]);
  });
});

describe("formatPoint", () => {
  const base: Point = { name: "cpu", tags: {}, fields: { v: 1 }, time: 0n };
  it("writes canonical line protocol with sorted tags", () => {
    expect(
      formatPoint({
        name: "cpu",
        tags: { region: "us", host: "a" },
        fields: { usage: 1.5, n: 3n, ok: true, s: "x" },
        time: 1465839830000000000n,
      }),
    ).toBe('cpu,host=a,region=us usage=1.5,n=3i,ok=true,s="x" 1465839830000000000');
  });
  it("writes integral floats without i and bigints with i", () => {
    expect(formatPoint({ ...base, fields: { a: 1, b: 1n, c: -0, d: 1e21, e: 1.5e-7 } })).toBe(
      "cpu a=1,b=1i,c=-0,d=1e+21,e=1.5e-7 0",
    );
  });
  it("writes bigints beyond int64 as unsigned", () => {
    expect(formatPoint({ ...base, fields: { a: 18446744073709551615n, b: -9223372036854775808n } })).toBe(
      "cpu a=18446744073709551615u,b=-9223372036854775808i 0",
    );
  });
  it("escapes every part", () => {
    const p: Point = {
      name: 'c,p u="=',
      tags: { "k,e y=": 'v,a l=u"e' },
      fields: { 'f,i e=l"d': 'str "q" \\ end' },
      time: 1n,
    };
    const text = formatPoint(p);
    expect(text).toBe('c\\,p\\ u="=,k\\,e\\ y\\==v\\,a\\ l\\=u"e f\\,i\\ e\\=l\\"d="str \\"q\\" \\\\ end" 1');
    expect(one(text)).toEqual(p);
  });
  it("escapes a quote or equals sign that follows a backslash so the backslash survives", () => {
    const p: Point = { name: 'a\\=b\\"c', tags: { k: "x\\=y" }, fields: { 'q\\"': 1 }, time: 0n };
    expect(formatPoint(p)).toBe('a\\\\=b\\\\"c,k=x\\\\=y q\\\\"=1 0');
    expect(one(formatPoint(p))).toEqual(p);
  });
  it("leaves out tags with an empty value, as InfluxDB does", () => {
    expect(formatPoint({ ...base, tags: { a: "", b: "x" } })).toBe("cpu,b=x v=1 0");
  });
  it("writes nanoseconds beyond 2^53 exactly (int64, DESIGN §9)", () => {
    const t = 1465839830100400200n;
    expect(formatPoint({ ...base, time: t })).toBe("cpu v=1 1465839830100400200");
    expect(one(formatPoint({ ...base, time: t })).time).toBe(t);
    expect(formatPoint({ ...base, time: 1732420800123456000n })).toBe("cpu v=1 1732420800123456000");
  });
  it("scales and truncates the time to the precision", () => {
    const t = 1465839830100400200n;
    expect(formatPoint({ ...base, time: 1465839830100400n }, "n")).toBe("cpu v=1 1465839830100400");
    expect(formatPoint({ ...base, time: 1465839830100400n }, "ns")).toBe("cpu v=1 1465839830100400");
    expect(formatPoint({ ...base, time: t }, "u")).toBe("cpu v=1 1465839830100400");
    expect(formatPoint({ ...base, time: t }, "ms")).toBe("cpu v=1 1465839830100");
    expect(formatPoint({ ...base, time: t }, "s")).toBe("cpu v=1 1465839830");
    expect(formatPoint({ ...base, time: t }, "m")).toBe("cpu v=1 24430663");
    expect(formatPoint({ ...base, time: t }, "h")).toBe("cpu v=1 407177");
    expect(formatPoint({ ...base, time: -1_500_000_000n }, "s")).toBe("cpu v=1 -1");
  });
  it("writes back a time parsed at a coarse precision as the same number", () => {
    // 1732420800123 ms is not exact in float64 ns; it must not come back as ...122.
    for (const [text, precision] of [
      ["1732420800123", "ms"],
      ["1732420800123457", "u"],
      ["-1732420800123", "ms"],
    ] as const) {
      const p = parseLineProtocol(`m f=1 ${text}`, { precision }).points[0]!;
      expect(formatPoint(p, precision)).toBe(`m f=1 ${text}`);
    }
  });
  it("refuses what line protocol cannot express", () => {
    const bad: Point[] = [
      { ...base, fields: {} },
      { ...base, name: "" },
      { ...base, name: "#cpu" },
      { ...base, name: "\tcpu" },
      { ...base, name: "cpu\\" },
      { ...base, name: "c\npu" },
      { ...base, tags: { "": "x" } },
      { ...base, tags: { k: "v\\" } },
      { ...base, tags: { k: "a\nb" } },
      { ...base, fields: { "": 1 } },
      { ...base, fields: { "\tf": 1 } },
      { ...base, fields: { v: NaN } },
      { ...base, fields: { v: Infinity } },
      { ...base, fields: { v: 2n ** 64n } },
      { ...base, fields: { v: -(2n ** 63n) - 1n } },
      { ...base, fields: { v: undefined as unknown as number } },
      { ...base, time: 2n ** 63n },
      { ...base, time: -(2n ** 63n) - 1n },
    ];
    for (const p of bad) {
      expect(
        () => formatPoint(p),
        JSON.stringify(p, (_k, v: unknown) => String(v)),
      ).toThrow(TickdError);
    }
    try {
      formatPoint({ ...base, tags: { k: "v\\" } });
    } catch (e) {
      expect((e as TickdError).code).toBe("E_LINE_PROTOCOL");
      expect((e as TickdError).message).toMatch(/tag value "v\\\\" ends with a backslash/);
    }
  });
});

describe("formatPoints", () => {
  it("writes each point's own time when neighbours share or differ in time and precision", () => {
    const p = (time: bigint): Point => ({ name: "a", tags: {}, fields: { v: 1 }, time });
    const t = 1_700_000_000_123_456_789n;
    expect(formatPoints([p(t), p(t), p(t + 1n), p(t)])).toBe(
      `a v=1 ${t}\na v=1 ${t}\na v=1 ${t + 1n}\na v=1 ${t}\n`,
    );
    expect(formatPoints([p(t)], "s")).toBe("a v=1 1700000000\n");
    expect(formatPoints([p(t)], "ms")).toBe("a v=1 1700000000123\n");
    expect(formatPoints([p(t)])).toBe(`a v=1 ${t}\n`);
    expect(() => formatPoints([p(2n ** 63n)])).toThrow(/outside the int64 nanosecond range/);
    expect(() => formatPoints([p(2n ** 63n)])).toThrow(/outside the int64 nanosecond range/);
  });
  it("joins with newlines and ends with one", () => {
    const p: Point = { name: "a", tags: {}, fields: { v: 1 }, time: BigInt(1e9) };
    expect(formatPoints([p, { ...p, name: "b" }], "s")).toBe("a v=1 1\nb v=1 1\n");
    expect(formatPoints([])).toBe("");
  });
});

// --- round trip -------------------------------------------------------------------------------

const unit = fc.constantFrom(
  ..."abcZ09_-./:",
  ",",
  "=",
  " ",
  '"',
  "\\",
  "#",
  "\t",
  "\r",
  "é",
  "ß",
  "\u{1F600}",
);
const ident = fc.string({ unit, minLength: 1, maxLength: 10 }).filter((s) => !s.endsWith("\\"));
const measurement = ident.filter((s) => !s.startsWith("#") && !s.startsWith("\t"));
const fieldValue: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer().map((n) => n / 8),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.boolean(),
  fc.string({ unit: fc.oneof(unit, fc.constantFrom("\n", "\r\n")), maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 8 }),
);
const INT64_NS_MAX = 2n ** 63n - 2n;
const nsTime = fc.oneof(
  fc.bigInt({ min: -INT64_NS_MAX, max: INT64_NS_MAX }),
  fc.bigInt({ min: 1_000_000_000_000_000_000n, max: 2_000_000_000_000_000_000n }),
  fc.integer().map(BigInt),
);
const point = (time: fc.Arbitrary<bigint>): fc.Arbitrary<Point> =>
  fc.record({
    name: measurement,
    tags: fc
      .uniqueArray(fc.tuple(ident, ident), { selector: (t) => t[0], maxLength: 4 })
      .map((e) => Object.fromEntries(e)),
    fields: fc
      .uniqueArray(fc.tuple(ident, fieldValue), { selector: (t) => t[0], minLength: 1, maxLength: 5 })
      .filter((e) => !e[0]![0].startsWith("\t"))
      .map((e) => Object.fromEntries(e)),
    time: time.filter((t) => t > -(2n ** 63n) && t < 2n ** 63n),
  });

describe("round trip", () => {
  it("parse(formatPoint(p)) equals p", () => {
    fc.assert(
      fc.property(point(nsTime), (p) => {
        const text = formatPoint(p);
        const { points, errors } = parseLineProtocol(text);
        expect(errors).toEqual([]);
        expect(points).toEqual([p]);
      }),
      { numRuns: 2000 },
    );
  });
  it("parse(formatPoints(ps)) equals ps, CRLF or not", () => {
    fc.assert(
      fc.property(fc.array(point(nsTime), { maxLength: 6 }), fc.boolean(), (ps, crlf) => {
        let text = formatPoints(ps);
        // Only line ends are rewritten; newlines inside string values stay as they are.
        if (crlf) text = ps.map((p) => formatPoint(p) + "\r\n").join("");
        const { points, errors } = parseLineProtocol(text);
        expect(errors).toEqual([]);
        expect(points).toEqual(ps);
      }),
      { numRuns: 500 },
    );
  });
  it("round-trips bodies whose identifiers share prefixes (exercises the identifier cache)", () => {
    const tiny = fc.constantFrom("a", "ab", "a b", "a,b", "a=b", "b", 'a"', "a\\b", "a\\,");
    const tinyPoint: fc.Arbitrary<Point> = fc.record({
      name: fc.constantFrom("m", "mm", "m x", "m,x", "m\\x"),
      tags: fc
        .uniqueArray(fc.tuple(tiny, tiny), { selector: (t) => t[0], maxLength: 3 })
        .map((e) => Object.fromEntries(e)),
      fields: fc
        .uniqueArray(fc.tuple(tiny, fc.oneof(fc.integer(), fc.constantFrom("a", "a b"))), {
          selector: (t) => t[0],
          minLength: 1,
          maxLength: 3,
        })
        .map((e) => Object.fromEntries(e)),
      time: fc.integer().map(BigInt),
    });
    fc.assert(
      fc.property(fc.array(tinyPoint, { maxLength: 20 }), (ps) => {
        const { points, errors } = parseLineProtocol(formatPoints(ps));
        expect(errors).toEqual([]);
        expect(points).toEqual(ps);
      }),
      { numRuns: 1000 },
    );
  });
  it("round-trips the time at every precision", () => {
    // Up to 2^62 ns the float spacing (512 ns) is below every unit, so each value in the
    // unit maps to its own float. Above it, neighbouring microseconds can share a float.
    const units: [Precision, bigint][] = [
      ["u", 2n ** 62n / 1000n],
      ["ms", 9223372036854n],
      ["s", 9223372036n],
      ["m", 153722867n],
      ["h", 2562047n],
    ];
    for (const [precision, max] of units) {
      fc.assert(
        fc.property(fc.bigInt({ min: -max, max }), (k) => {
          const body = `m f=1 ${k}`;
          const p = parseLineProtocol(body, { precision }).points[0]!;
          expect(formatPoint(p, precision)).toBe(body);
        }),
        { numRuns: 300 },
      );
    }
  });
});
