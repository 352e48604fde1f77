import { describe, expect, it } from "vitest";
import { Duration, Time, typeName, type TypeName } from "../../../src/expr/index.js";
import { ev, evBool, evErr, problems, pt } from "./helpers.js";

type T = "int" | "float" | "string" | "bool" | "duration";
const TYPES: T[] = ["int", "float", "string", "bool", "duration"];

/** The same values as literals (folded at compile time) and as run-time values read from a point. */
const LITERAL: Record<T, string> = { int: "7", float: "2.5", string: "'s'", bool: "TRUE", duration: "7s" };
const DYNAMIC: Record<T, string> = {
  int: '"i"',
  float: '"f"',
  string: '"s"',
  bool: '"b"',
  duration: 'duration("i", 1s)',
};
const POINT = pt({ i: 7n, f: 2.5, b: true }, { s: "s" });
/** OR short-circuits on a true left side, so its matrix reads a false bool. */
const POINT_OR = pt({ i: 7n, f: 2.5, b: false }, { s: "s" });

const NUM: [T, T][] = [
  ["int", "int"],
  ["int", "float"],
  ["float", "int"],
  ["float", "float"],
];
/** Allowed operand pairs and result types, from Kapacitor's evaluation_funcs.go. */
const ALLOWED: Record<string, [T, T, TypeName][]> = {
  "<": [
    ...NUM.map(([a, b]): [T, T, TypeName] => [a, b, "bool"]),
    ["string", "string", "bool"],
    ["duration", "duration", "bool"],
  ],
  "==": [
    ...NUM.map(([a, b]): [T, T, TypeName] => [a, b, "bool"]),
    ["string", "string", "bool"],
    ["duration", "duration", "bool"],
    ["bool", "bool", "bool"],
  ],
  "+": [
    ["int", "int", "int"],
    ["float", "float", "float"],
    ["string", "string", "string"],
    ["duration", "duration", "duration"],
  ],
  "-": [
    ["int", "int", "int"],
    ["float", "float", "float"],
    ["duration", "duration", "duration"],
  ],
  "*": [
    ["int", "int", "int"],
    ["float", "float", "float"],
    ["duration", "int", "duration"],
    ["int", "duration", "duration"],
    ["duration", "float", "duration"],
    ["float", "duration", "duration"],
  ],
  "/": [
    ["int", "int", "int"],
    ["float", "float", "float"],
    ["duration", "duration", "int"],
    ["duration", "int", "duration"],
    ["duration", "float", "duration"],
  ],
  "%": [["int", "int", "int"]],
  AND: [["bool", "bool", "bool"]],
};
for (const op of ["<=", ">", ">="]) ALLOWED[op] = ALLOWED["<"]!;
ALLOWED["!="] = ALLOWED["=="]!;
ALLOWED.OR = ALLOWED.AND!;

const CASES: [string, T, T, TypeName | undefined][] = [];
for (const op of Object.keys(ALLOWED)) {
  for (const a of TYPES) {
    for (const b of TYPES) {
      const hit = ALLOWED[op]!.find(([x, y]) => x === a && y === b);
      CASES.push([op, a, b, hit?.[2]]);
    }
  }
}

function rejection(op: string, a: T, b: T): RegExp {
  if (op === "AND" || op === "OR") return new RegExp(`^invalid logical operator ${op} for type (${a}|${b})$`);
  const math = ["+", "-", "*", "/", "%"].includes(op);
  const esc = op.replace(/[*+/]/g, "\\$&");
  if (math)
    return new RegExp(
      a === b
        ? `^invalid math operator ${esc} for type ${a}$`
        : `^invalid math operator ${esc} for types ${a} and ${b}$`,
    );
  return a === b
    ? new RegExp(`^invalid comparison operator ${op} for type ${a}$`)
    : new RegExp(`^cannot compare ${a} to ${b}$`);
}

describe("operator × type matrix (run-time values)", () => {
  it.each(CASES)("%s on %s and %s", (op, a, b, result) => {
    const src = `${DYNAMIC[a]} ${op} ${DYNAMIC[b]}`;
    const point = op === "OR" ? POINT_OR : POINT;
    if (result === undefined) {
      // duration("i", 1s) has a type known at compile time: those pairs are compile problems.
      const ps = problems(src);
      if (a === "duration" || b === "duration") {
        if (ps.length > 0) {
          expect(ps[0]).toMatch(rejection(op, a, b));
          return;
        }
      }
      const e = evErr(src, point);
      expect(e.code).toBe("E_EXPR_TYPE");
      expect(e.message).toMatch(rejection(op, a, b));
    } else {
      expect(typeName(ev(src, point))).toBe(result);
    }
  });
});

describe("operator × type matrix (literals are checked at compile time)", () => {
  it.each(CASES)("%s on %s and %s", (op, a, b, result) => {
    const src = `${LITERAL[a]} ${op} ${LITERAL[b]}`;
    if (result === undefined) {
      const ps = problems(src);
      expect(ps).toHaveLength(1);
      expect(ps[0]).toMatch(rejection(op, a, b));
    } else {
      expect(problems(src)).toEqual([]);
      expect(typeName(ev(src))).toBe(result);
    }
  });
});

describe("regex operators", () => {
  const p = pt({ n: 1.5 }, { host: "serverA" });
  it("match strings against regexes", () => {
    expect(evBool('"host" =~ /^server[A-C]$/', p)).toBe(true);
    expect(evBool('"host" !~ /^server[A-C]$/', p)).toBe(false);
    expect(evBool("'abc' =~ /b/")).toBe(true);
    expect(evBool('"host" =~ /^b/', p)).toBe(false);
  });
  it("reject other types", () => {
    expect(evErr('"n" =~ /1/', p).message).toBe(
      "invalid regex operator =~ for types float and regex: the left side must be a string and the right side a regex",
    );
    expect(problems("'a' =~ 'a'")[0]).toMatch(/^invalid regex operator =~ for types string and string/);
    expect(problems("/a/ !~ 'a'")[0]).toMatch(/^invalid regex operator !~ for types regex and string/);
  });
});

describe("values", () => {
  it("int arithmetic truncates like Go and wraps at 64 bits", () => {
    expect(ev("-7 / 2")).toBe(-3n);
    expect(ev("7 % -3")).toBe(1n);
    expect(ev("-7 % 3")).toBe(-1n);
    expect(ev("9223372036854775807 + 1")).toBe(-9223372036854775808n);
    expect(ev("3037000500 * 3037000500")).toBe(-9223372036709301616n);
    expect(ev('"i" - 1', pt({ i: -9223372036854775808n }))).toBe(9223372036854775807n);
    expect(ev('-"i"', pt({ i: -9223372036854775808n }))).toBe(-9223372036854775808n);
  });
  it("int division by zero is an error", () => {
    expect(problems("1 / 0")).toEqual(["integer divide by zero"]);
    const e = evErr('"i" % 0', pt({ i: 5n }));
    expect(e.code).toBe("E_EXPR_EVAL");
    expect(e.message).toBe("integer divide by zero");
  });
  it("float arithmetic follows IEEE", () => {
    expect(ev("10.0 * 2.0")).toBe(20);
    expect(ev('"f" / 0.0', pt({ f: 1.5 }))).toBe(Infinity);
    expect(ev('"f" - 0.5', pt({ f: 1.5 }))).toBe(1);
  });
  it("never mixes int and float in arithmetic", () => {
    expect(problems("1 + 2.0")).toEqual(["invalid math operator + for types int and float"]);
    expect(evErr('"i" * 2.0', pt({ i: 3n })).message).toBe("invalid math operator * for types int and float");
  });
  it("compares int and float exactly", () => {
    expect(evBool('"i" > 6.5', pt({ i: 7n }))).toBe(true);
    expect(evBool('"i" == 7.0', pt({ i: 7n }))).toBe(true);
    expect(evBool('6.5 < "i"', pt({ i: 7n }))).toBe(true);
    expect(evBool('"i" == 9007199254740992.0', pt({ i: 9007199254740993n }))).toBe(false);
    expect(evBool('"f" <= 3', pt({ f: 3 }))).toBe(true);
  });
  it("compares strings by code unit and bools for equality only", () => {
    expect(evBool("'abc' < 'abd'")).toBe(true);
    expect(evBool("'b' >= 'a'")).toBe(true);
    expect(evBool('"b" == TRUE', pt({ b: true }))).toBe(true);
    expect(evBool('"b" != TRUE', pt({ b: true }))).toBe(false);
    expect(evErr('"b" < TRUE', pt({ b: true })).message).toBe("invalid comparison operator < for type bool");
  });
  it("concatenates strings", () => {
    expect(ev("'a' + 'b'")).toBe("ab");
    expect(ev("\"host\" + '-x'", pt({}, { host: "h" }))).toBe("h-x");
  });
  it("does duration arithmetic", () => {
    expect(ev("1s + 500ms")).toEqual(new Duration(1.5e9));
    expect(ev("1m - 30s")).toEqual(new Duration(30e9));
    expect(ev("2 * 1s")).toEqual(new Duration(2e9));
    expect(ev("1s * 1.5")).toEqual(new Duration(1.5e9));
    expect(ev("1m / 1s")).toBe(60n);
    expect(ev("90s / 1m")).toBe(1n);
    expect(ev("1s / 2")).toEqual(new Duration(5e8));
    expect(ev("1s / 4.0")).toEqual(new Duration(2.5e8));
    expect(ev("-1s")).toEqual(new Duration(-1e9));
    expect(evBool("1m > 30s")).toBe(true);
    expect(evBool("60s == 1m")).toBe(true);
    expect(problems("1s / 0")).toEqual(["integer divide by zero"]);
    expect(problems("1s + 1")).toEqual(["invalid math operator + for types duration and int"]);
    expect(problems("1s % 2")).toEqual(["invalid math operator % for types duration and int"]);
  });
  it("time values are not comparable (as in Kapacitor)", () => {
    expect(ev('"time"', pt({}, {}, 5))).toEqual(new Time(5n));
    expect(problems('"time" > now()')).toEqual(["invalid comparison operator > for type time"]);
  });
});

describe("unary operators", () => {
  const p = pt({ f: 2.5, i: 3n, b: false, s: "x" });
  it("negate ints, floats and durations; ! negates bools", () => {
    expect(ev('-"f"', p)).toBe(-2.5);
    expect(ev('-"i"', p)).toBe(-3n);
    expect(ev("-10")).toBe(-10n);
    expect(ev("--10")).toBe(10n);
    expect(ev('!"b"', p)).toBe(true);
    expect(ev("!TRUE")).toBe(false);
  });
  it("reject other types", () => {
    expect(evErr('-"s"', p).message).toBe("invalid unary operator - for type string");
    expect(evErr('!"i"', p).message).toBe("invalid unary operator ! for type int");
    expect(problems("-'a'")).toEqual(["invalid unary operator - for type string"]);
    expect(problems("!1.0")).toEqual(["invalid unary operator ! for type float"]);
  });
});

describe("AND / OR", () => {
  it("short-circuit", () => {
    expect(evBool('FALSE AND "nope" > 1')).toBe(false);
    expect(evBool('TRUE OR "nope" > 1')).toBe(true);
    expect(evBool('"b" OR "nope"', pt({ b: true }))).toBe(true);
  });
  it("evaluate the right side otherwise", () => {
    expect(evErr('TRUE AND "nope" > 1').message).toBe("no field or tag exists for nope");
    expect(evBool("TRUE AND FALSE")).toBe(false);
    expect(evBool("FALSE OR TRUE")).toBe(true);
  });
  it("require bools", () => {
    expect(evErr('"f" AND TRUE', pt({ f: 1.5 })).message).toBe("invalid logical operator AND for type float");
    expect(evErr('FALSE OR "s"', pt({ s: "x" })).message).toBe("invalid logical operator OR for type string");
    expect(problems("1 OR TRUE")).toEqual(["invalid logical operator OR for type int"]);
  });
});

describe("precedence (mini parser until grammar/ lands)", () => {
  it("follows TICKscript's table", () => {
    expect(ev("1 + 2 * 3")).toBe(7n);
    expect(ev("(1 + 2) * 3")).toBe(9n);
    expect(ev("10 - 4 - 3")).toBe(3n);
    expect(evBool("TRUE OR FALSE AND FALSE")).toBe(true);
    expect(evBool("1 < 2 == TRUE")).toBe(true);
    expect(ev("-2 * 3")).toBe(-6n);
  });
});
