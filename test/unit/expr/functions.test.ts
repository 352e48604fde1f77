import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compileExpression, Duration, Time } from "../../../src/expr/index.js";
import { ev, evBool, evErr, problems, pt } from "./helpers.js";
import { parseExpr } from "./mini-parse.js";

describe("casts", () => {
  it("bool()", () => {
    expect(ev("bool('true')")).toBe(true);
    expect(ev("bool('T')")).toBe(true);
    expect(ev("bool('0')")).toBe(false);
    expect(ev("bool(0)")).toBe(false);
    expect(ev("bool(1.0)")).toBe(true);
    expect(problems("bool('yes')")).toEqual(['cannot convert string "yes" to bool']);
    expect(problems("bool(2)")).toEqual(["cannot convert 2 to bool"]);
    expect(problems("bool(1s)")[0]).toMatch(
      /^cannot call bool with \(duration\); expected \(bool\) or \(string\)/,
    );
  });
  it("int()", () => {
    expect(ev("int('12')")).toBe(12n);
    expect(ev("int('-9223372036854775808')")).toBe(-9223372036854775808n);
    expect(ev("int(2.9)")).toBe(2n);
    expect(ev("int(-2.9)")).toBe(-2n);
    expect(ev("int(TRUE)")).toBe(1n);
    expect(ev("int(1s)")).toBe(1_000_000_000n);
    expect(problems("int('1.5')")).toEqual(['cannot convert string "1.5" to int: invalid syntax']);
    expect(problems("int('9223372036854775808')")).toEqual([
      'cannot convert string "9223372036854775808" to int: value out of range',
    ]);
  });
  it("float()", () => {
    expect(ev("float(3)")).toBe(3);
    expect(ev("float('1e3')")).toBe(1000);
    expect(ev("float('-.5')")).toBe(-0.5);
    expect(ev("float(FALSE)")).toBe(0);
    expect(ev('float("i") / 2.0', pt({ i: 3n }))).toBe(1.5);
    expect(problems("float('abc')")).toEqual(['cannot convert string "abc" to float: invalid syntax']);
    expect(problems("float(1s)")[0]).toMatch(/^cannot call float with \(duration\)/);
  });
  it("string() formats floats as Go's FormatFloat(f, 'f', -1)", () => {
    expect(ev("string(2500000.0)")).toBe("2500000");
    expect(ev("string(0.00001)")).toBe("0.00001");
    expect(ev("string(1.5)")).toBe("1.5");
    expect(ev("string(10.0)")).toBe("10");
    expect(ev("string(5)")).toBe("5");
    expect(ev("string(TRUE)")).toBe("true");
    expect(ev("string(90s)")).toBe("90s");
    expect(ev("string(1h)")).toBe("1h");
    expect(ev("string(2d)")).toBe("2d");
    expect(ev("string(1500ms)")).toBe("1500ms");
    expect(ev("string('x')")).toBe("x");
  });
  it("duration()", () => {
    expect(ev("duration(5, 1s)")).toEqual(new Duration(5e9));
    expect(ev("duration(1.5, 1s)")).toEqual(new Duration(1.5e9));
    expect(ev("duration('1h30m')")).toEqual(new Duration(5400e9));
    expect(ev("duration('-10ms')")).toEqual(new Duration(-1e7));
    expect(ev("duration(10s)")).toEqual(new Duration(10e9));
    expect(ev('duration("n", 1m)', pt({ n: 2n }))).toEqual(new Duration(120e9));
    expect(problems("duration('x')")).toEqual(['invalid duration string "x"']);
    expect(problems("duration(5)")[0]).toMatch(/^cannot call duration with \(int\)/);
    expect(evErr('duration("n")', pt({ n: 2n })).message).toBe(
      "duration expects a unit argument for int and float values, e.g. duration(5, 1s)",
    );
  });
});

describe("math (float arguments only)", () => {
  it("computes", () => {
    expect(ev("abs(-2.5)")).toBe(2.5);
    expect(ev("sqrt(16.0)")).toBe(4);
    expect(ev("pow(2.0, 10.0)")).toBe(1024);
    expect(ev("log(exp(1.0))")).toBe(1);
    expect(ev("min(1.0, 2.0)")).toBe(1);
    expect(ev("max(1.0, 2.0)")).toBe(2);
    expect(ev("mod(7.5, 2.0)")).toBe(1.5);
    expect(ev("trunc(-2.7)")).toBe(-2);
    expect(ev("floor(-2.5)")).toBe(-3);
    expect(ev("ceil(2.1)")).toBe(3);
    expect(ev("pow10(3)")).toBe(1000);
    expect(ev("logb(8.0)")).toBe(3);
    expect(ev("logb(0.1)")).toBe(-4);
    expect(ev("atan2(1.0, 1.0)")).toBeCloseTo(Math.PI / 4, 15);
    expect(ev("hypot(3.0, 4.0)")).toBe(5);
    expect(ev("cos(0.0)")).toBe(1);
  });
  it("follows Go's special cases", () => {
    expect(ev('pow(1.0, "nan")', pt({ nan: NaN }))).toBe(1);
    expect(ev('max("nan", "inf")', pt({ nan: NaN, inf: Infinity }))).toBe(Infinity);
    expect(ev('min("nan", "inf")', pt({ nan: NaN, inf: -Infinity }))).toBe(-Infinity);
  });
  it("rejects ints, statically and at run time", () => {
    expect(problems("abs(-2)")).toEqual(["cannot call abs with (int); expected (float)"]);
    const e = evErr('abs("i")', pt({ i: 3n }));
    expect(e.code).toBe("E_EXPR_TYPE");
    expect(e.message).toBe("cannot call abs with (int); expected (float)");
  });
  it("refuses Go functions JS cannot reproduce", () => {
    expect(problems("erf(1.0)")).toEqual(["function erf() is not supported by tickd"]);
  });
});

describe("strings (Go byte semantics)", () => {
  it("search", () => {
    expect(ev("strContains('abc', 'b')")).toBe(true);
    expect(ev("strContainsAny('abc', 'xyc')")).toBe(true);
    expect(ev("strContainsAny('abc', '')")).toBe(false);
    expect(ev("strCount('cheese', 'e')")).toBe(3n);
    expect(ev("strCount('five', '')")).toBe(5n);
    expect(ev("strHasPrefix('serverA', 'server')")).toBe(true);
    expect(ev("strHasSuffix('serverA', 'B')")).toBe(false);
    expect(ev("strIndex('chicken', 'ken')")).toBe(4n);
    expect(ev("strIndex('chicken', 'dmr')")).toBe(-1n);
    expect(ev("strIndex('héllo', 'l')")).toBe(3n);
    expect(ev("strIndexAny('golang', 'ny')")).toBe(4n);
    expect(ev("strLastIndex('go gopher', 'go')")).toBe(3n);
    expect(ev("strLastIndexAny('go gopher', 'go')")).toBe(4n);
    expect(ev("strLength('héllo')")).toBe(6n);
  });
  it("transform", () => {
    expect(ev("strReplace('oink oink oink', 'k', 'ky', 2)")).toBe("oinky oinky oink");
    expect(ev("strReplace('oink oink oink', 'oink', 'moo', -1)")).toBe("moo moo moo");
    expect(ev("strReplace('ab', '', '-', -1)")).toBe("-a-b-");
    expect(ev("strSubstring('abcdef', 1, 3)")).toBe("bc");
    expect(ev("strToLower('ABC')")).toBe("abc");
    expect(ev("strToUpper('straße')")).toBe("STRAßE");
    expect(ev("strTrim('xxabcxx', 'x')")).toBe("abc");
    expect(ev("strTrimLeft('xxabcxx', 'x')")).toBe("abcxx");
    expect(ev("strTrimRight('xxabcxx', 'x')")).toBe("xxabc");
    expect(ev("strTrimPrefix('serverA', 'server')")).toBe("A");
    expect(ev("strTrimSuffix('a.example.com', '.example.com')")).toBe("a");
    expect(ev('strTrimSpace("s")', pt({ s: "\t a b \n\u00a0" }))).toBe("a b");
    expect(ev('strTrimSpace("s")', pt({ s: "\ufeffx" }))).toBe("\ufeffx");
  });
  it("strSubstring keeps Kapacitor's index checks", () => {
    expect(problems("strSubstring('abc', 0, 3)")).toEqual([
      "stop index too large for string in strSubstring: 3",
    ]);
    expect(problems("strSubstring('abc', -1, 1)")).toEqual(["found negative index for strSubstring: -1"]);
    expect(problems("strSubstring('abc', 2, 1)")).toEqual([
      "start index 2 is after stop index 1 in strSubstring",
    ]);
  });
  it("checks argument types", () => {
    expect(problems("strReplace('a', 'b', 'c', 1.0)")).toEqual([
      "cannot call strReplace with (string, string, string, float); expected (string, string, string, int)",
    ]);
    expect(problems("strLength(1)")).toEqual(["cannot call strLength with (int); expected (string)"]);
  });
  it("regexReplace expands Go templates", () => {
    expect(ev("regexReplace(/a(x*)b/, '-ab-axxb-', 'T')")).toBe("-T-T-");
    expect(ev("regexReplace(/a(x*)b/, '-ab-axxb-', '$1')")).toBe("--xx-");
    expect(ev("regexReplace(/a(x*)b/, '-ab-axxb-', '$1W')")).toBe("---");
    expect(ev("regexReplace(/a(x*)b/, '-ab-axxb-', '${1}W')")).toBe("-W-xxW-");
    expect(ev("regexReplace(/a(?P<x>x*)b/, '-axb-', '[$x]')")).toBe("-[x]-");
    expect(ev("regexReplace(/b/, 'abc', '$$')")).toBe("a$c");
    expect(
      ev("regexReplace(/^(\\w+)\\.example\\.com$/, \"host\", '$1')", pt({}, { host: "web1.example.com" })),
    ).toBe("web1");
  });
  it("humanBytes uses SI units like go-humanize", () => {
    expect(ev("humanBytes(82854982)")).toBe("83 MB");
    expect(ev("humanBytes(1500)")).toBe("1.5 kB");
    expect(ev("humanBytes(5)")).toBe("5 B");
    expect(ev("humanBytes(1000.0)")).toBe("1.0 kB");
    expect(ev("humanBytes(82500000)")).toBe("82 MB");
  });
});

describe("control", () => {
  it("if() needs a bool and two values of one type", () => {
    expect(ev("if(TRUE, 1, 2)")).toBe(1n);
    expect(ev("if(\"b\", 'x', 'y')", pt({ b: false }))).toBe("y");
    expect(problems("if(TRUE, 1, 'a')")).toEqual([
      "cannot call if with (bool, int, string); expected (bool, T, T) where T is any one type",
    ]);
    expect(evErr('if(TRUE, "a", "b")', pt({ a: 1n, b: 1.5 })).message).toBe(
      "if needs its second and third arguments to have the same type, got int and float",
    );
    expect(evErr('if("c", 1, 2)', pt({ c: 1.5 })).message).toBe(
      "the first argument to if must be a bool, got float",
    );
  });
  it("isPresent() guards missing fields", () => {
    const p = pt({ f: 1.5 }, { host: "a" });
    expect(evBool('isPresent("f")', p)).toBe(true);
    expect(evBool('isPresent("host")', p)).toBe(true);
    expect(evBool('isPresent("x")', p)).toBe(false);
    expect(evBool('isPresent("x") AND "x" > 1.0', p)).toBe(false);
    expect(evBool('!isPresent("x") OR "x" > 1.0', p)).toBe(true);
  });
});

describe("time functions (local time zone)", () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.TZ;
    process.env.TZ = "America/New_York";
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
  // 1971-01-01T00:00:10Z is Thursday 1970-12-31 19:00:10 in New York.
  const p = pt({}, {}, 31_536_010e9);
  it("read the point time in the process time zone", () => {
    expect(ev('minute("time")', p)).toBe(0n);
    expect(ev('hour("time")', p)).toBe(19n);
    expect(ev('weekday("time")', p)).toBe(4n);
    expect(ev('day("time")', p)).toBe(31n);
    expect(ev('month("time")', p)).toBe(12n);
    expect(ev('year("time")', p)).toBe(1970n);
    expect(ev('unixNano("time")', p)).toBe(31_536_010_000_000_000n);
  });
  it("now() is the wall clock and is never folded", () => {
    const c = compileExpression(parseExpr("unixNano(now())"));
    const v = c.evalValue(p) as bigint;
    expect(Math.abs(Number(v) / 1e6 - Date.now())).toBeLessThan(5000);
    expect(c.constant).toBeUndefined();
    expect(ev("now()")).toBeInstanceOf(Time);
  });
  it("want a time", () => {
    expect(problems("hour(1.0)")).toEqual(["cannot call hour with (float); expected (time)"]);
    expect(evErr('hour("f")', pt({ f: 1.5 })).message).toBe("cannot call hour with (float); expected (time)");
  });
});

describe("stateful functions", () => {
  function run(src: string, values: number[]): unknown[] {
    const c = compileExpression(parseExpr(src));
    return values.map((v) => c.evalValue(pt({ v })));
  }
  it("sigma: |x − running mean| / sample stddev, current value included, 0 until n ≥ 2", () => {
    const xs = [1, 2, 3, 4, 100];
    const out = run('sigma("v")', xs) as number[];
    expect(out[0]).toBe(0);
    for (let n = 2; n <= xs.length; n++) {
      const seen = xs.slice(0, n);
      const mean = seen.reduce((a, b) => a + b, 0) / n;
      const sd = Math.sqrt(seen.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
      expect(out[n - 1]).toBeCloseTo(Math.abs(xs[n - 1]! - mean) / sd, 12);
    }
    expect(run('sigma("v")', [5, 5, 5])).toEqual([0, 0, 0]);
  });
  it("count: one more per evaluation", () => {
    expect(run("count()", [0, 0, 0])).toEqual([1n, 2n, 3n]);
  });
  it("spread: max − min so far", () => {
    expect(run('spread("v")', [5, 3, 8, 4])).toEqual([0, 2, 5, 5]);
  });
  it("only advance when evaluated (short-circuit)", () => {
    const c = compileExpression(parseExpr('"go" AND count() > 0'));
    c.evalBool(pt({ go: false }));
    c.evalBool(pt({ go: false }));
    expect(c.evalValue(pt({ go: true }))).toBe(true);
    const k = compileExpression(parseExpr("count()"));
    expect(k.evalValue(pt())).toBe(1n);
  });
  it("keep one state per expression and name, as Kapacitor's per-expression function table", () => {
    const a = compileExpression(parseExpr("count()"));
    const b = compileExpression(parseExpr("count()"));
    a.evalValue(pt());
    a.evalValue(pt());
    expect(b.evalValue(pt())).toBe(1n);
    const twice = compileExpression(parseExpr("count() + count()"));
    expect(twice.evalValue(pt())).toBe(3n);
    expect(twice.stateful).toBe(true);
  });
  it("reset() forgets the state", () => {
    const c = compileExpression(parseExpr('sigma("v") + spread("v") + float(count())'));
    c.evalValue(pt({ v: 1 }));
    c.evalValue(pt({ v: 9 }));
    c.reset();
    expect(c.evalValue(pt({ v: 4 }))).toBe(1);
  });
  it("want floats", () => {
    expect(evErr('sigma("v")', pt({ v: 1n })).message).toBe("cannot call sigma with (int); expected (float)");
    expect(problems("spread(1)")).toEqual(["cannot call spread with (int); expected (float)"]);
  });
  it("rand() is a float in [0, 1)", () => {
    const v = ev("rand()") as number;
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThan(1);
  });
});

describe("missing arguments", () => {
  it("are errors naming the field", () => {
    const e = evErr('abs("nope")');
    expect(e.code).toBe("E_EXPR_MISSING");
    expect(e.message).toBe("no field or tag exists for nope");
  });
});
