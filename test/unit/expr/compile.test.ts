import { describe, expect, it } from "vitest";
import type { Expr } from "../../../grammar/ast.js";
import {
  checkExpression,
  compileExpression,
  didYouMean,
  Duration,
  ExprCompileError,
  Regex,
  compileRegex,
  tryCompileExpression,
  type ExprFunction,
  type Scope,
  type Value,
} from "../../../src/expr/index.js";
import { TickdError } from "../../../src/core/errors.js";
import { compareValues, type CompareOp } from "../../../src/expr/ops.js";
import { ev, evBool, evErr, problems, pt } from "./helpers.js";
import { parseExpr } from "./mini-parse.js";

describe("scope: fields, tags and time (Kapacitor's fillScope)", () => {
  it("reads fields and tags", () => {
    expect(ev('"f"', pt({ f: 1.5 }))).toBe(1.5);
    expect(ev('"host"', pt({}, { host: "a" }))).toBe("a");
  });
  it("refuses a name that is both a field and a tag", () => {
    const e = evErr('"x" > 1.0', pt({ x: 2.5 }, { x: "a" }));
    expect(e.code).toBe("E_EXPR_EVAL");
    expect(e.message).toBe('cannot have field and tags with same name "x"');
    expect(evErr('"x"', pt({ x: 2.5 }, { x: "a" })).message).toBe(
      'cannot have field and tags with same name "x"',
    );
  });
  it('"time" is always the point time', () => {
    expect(ev('unixNano("time")', pt({ time: 5.5 }, {}, 42))).toBe(42n);
  });
  it("reports missing fields with Kapacitor's wording", () => {
    const e = evErr('"usage_idle" < 10.0');
    expect(e).toBeInstanceOf(TickdError);
    expect(e.code).toBe("E_EXPR_MISSING");
    expect(e.message).toBe("no field or tag exists for usage_idle");
    expect(evErr('"x"').message).toBe("no field or tag exists for x");
    expect(evErr('-"x"').message).toBe("no field or tag exists for x");
    expect(evErr('10.0 > "x"').message).toBe("no field or tag exists for x");
    expect(evErr('"x" =~ /a/').message).toBe("no field or tag exists for x");
  });
  it("does not see inherited object keys", () => {
    expect(evErr('"constructor"').message).toBe("no field or tag exists for constructor");
    expect(ev('"constructor"', pt({ constructor: 1.5 }))).toBe(1.5);
    expect(evBool('isPresent("toString")')).toBe(false);
  });
  it("lists the names an expression reads", () => {
    const c = compileExpression(parseExpr('"a" > 1.0 AND hour("time") > 3 OR "b" == \'x\''));
    expect([...c.references].sort()).toEqual(["a", "b", "time"]);
  });
  it("evaluates literal <op> reference in source order", () => {
    const p = pt({ f: 2.5, s: "b" });
    expect(evBool('3.0 > "f"', p)).toBe(true);
    expect(evBool('2.5 >= "f"', p)).toBe(true);
    expect(evBool("'a' < \"s\"", p)).toBe(true);
    expect(evErr("'a' < \"f\"", p).message).toBe("cannot compare string to float");
    expect(evErr("\"f\" < 'a'", p).message).toBe("cannot compare float to string");
  });
});

describe("evalBool / evalValue", () => {
  it("evalBool wants a boolean", () => {
    const c = compileExpression(parseExpr('"f" + 1.0'));
    expect(() => c.evalBool(pt({ f: 1 }))).toThrow("expression must evaluate to a boolean, got float");
    try {
      c.evalBool(pt({ f: 1 }));
    } catch (e) {
      expect((e as TickdError).code).toBe("E_EXPR_TYPE");
    }
    expect(() => compileExpression(parseExpr('"b"')).evalBool(pt({ b: 1n }))).toThrow(
      "expression must evaluate to a boolean, got int",
    );
    expect(compileExpression(parseExpr('"b"')).evalBool(pt({ b: true }))).toBe(true);
  });
  it("expect: 'bool' makes a statically non-boolean lambda a compile problem", () => {
    expect(problems("1 + 2", { expect: "bool" })).toEqual(["expression must evaluate to a boolean, got int"]);
    expect(problems('"x" + 2', { expect: "bool" })).toEqual([]);
    expect(problems('"x" > 2', { expect: "bool" })).toEqual([]);
  });
  it("exposes the static type and constants", () => {
    expect(compileExpression(parseExpr('"x" > 2')).type).toBe("bool");
    expect(compileExpression(parseExpr('"x" + 2')).type).toBe("any");
    expect(compileExpression(parseExpr('sigma("x")')).type).toBe("float");
    const k = compileExpression(parseExpr("10.0 * 2.0 + 1.0"));
    expect(k.constant).toBe(21);
    expect(compileExpression(parseExpr("-10")).constant).toBe(-10n);
    expect(compileExpression(parseExpr('"x"')).constant).toBeUndefined();
  });
  it("accepts a Lambda node", () => {
    const body = parseExpr('"x" > 1.0');
    const lambda: Expr = { type: "Lambda", body, span: body.span };
    expect(compileExpression(lambda).evalBool(pt({ x: 2.0 }))).toBe(true);
  });
});

describe("vars and identifiers", () => {
  it("substitutes vars at compile time", () => {
    const vars = new Map<string, Value | Expr>([
      ["threshold", 80.5],
      ["warnAfter", new Duration(60e9)],
      ["hostRe", compileRegex("^web")],
      ["n", 3n],
    ]);
    expect(evBool('"usage" > threshold', pt({ usage: 90.0 }), { vars })).toBe(true);
    expect(evBool('"host" =~ hostRe', pt({}, { host: "web1" }), { vars })).toBe(true);
    expect(ev("warnAfter * n", pt(), { vars })).toEqual(new Duration(180e9));
    const c = compileExpression(parseExpr("threshold * 2.0"), { vars });
    expect(c.constant).toBe(161);
  });
  it("inlines expression vars (lambda vars)", () => {
    const vars = new Map<string, Value | Expr>([["busy", parseExpr('"usage" > 80.0')]]);
    expect(evBool("busy AND \"host\" == 'a'", pt({ usage: 90.0 }, { host: "a" }), { vars })).toBe(true);
  });
  it("reports unknown identifiers with a hint", () => {
    const ps = checkExpression(parseExpr("usage_idle < 10"));
    expect(ps).toHaveLength(1);
    expect(ps[0]!.message).toBe("unknown identifier usage_idle");
    expect(ps[0]!.hint).toBe('fields and tags are written in double quotes inside a lambda: "usage_idle"');
    expect(ps[0]!.span.start.column).toBe(1);
    const vars = new Map<string, Value>([["threshold", 1.5]]);
    expect(checkExpression(parseExpr('"x" > treshold'), { vars })[0]!.hint).toBe("did you mean threshold?");
  });
  it("resolves identifiers after vars (match expressions: OK…CRITICAL)", () => {
    const identifiers = new Map<string, Value>([
      ["OK", 0n],
      ["INFO", 1n],
      ["WARNING", 2n],
      ["CRITICAL", 3n],
    ]);
    const levelFn: ExprFunction = {
      sigs: [{ args: [], ret: "int" }],
      create: () => (_args, scope) => (scope as EventScope).level,
    };
    interface EventScope extends Scope {
      level: bigint;
    }
    const functions = new Map([["level", levelFn]]);
    const c = compileExpression(parseExpr("\"host\" == 'serverA' AND level() >= WARNING"), {
      identifiers,
      functions,
    });
    const scope: EventScope = { fields: {}, tags: { host: "serverA" }, time: 0n, level: 3n };
    expect(c.evalBool(scope)).toBe(true);
    const info: EventScope = { ...scope, level: 1n };
    expect(c.evalBool(info)).toBe(false);
    expect(c.constant).toBeUndefined();
  });
  it("lets extra functions override built-ins", () => {
    const functions = new Map([
      ["count", { sigs: [{ args: [], ret: "int" }], pure: true, create: () => () => 42n } as ExprFunction],
    ]);
    expect(ev("count()", pt(), { functions })).toBe(42n);
  });
});

describe("compile problems", () => {
  it("unknown function, with did-you-mean and the name's span", () => {
    const [p] = checkExpression(parseExpr('1 + sigmaa("x")'));
    expect(p!.message).toBe("unknown function sigmaa()");
    expect(p!.hint).toBe("did you mean sigma()?");
    expect(p!.code).toBe("E_TICK_CHECK");
    expect(p!.span.start.column).toBe(5);
    expect(p!.span.end.column).toBe(11);
    expect(checkExpression(parseExpr('ispresent("x")'))[0]!.hint).toBe("did you mean isPresent()?");
    expect(checkExpression(parseExpr("zzzzzz()"))[0]!.hint).toBeUndefined();
  });
  it("wrong argument count", () => {
    expect(problems("abs(1.0, 2.0)")).toEqual(["abs() expects 1 argument, got 2"]);
    expect(problems("count(1)")).toEqual(["count() expects no arguments, got 1"]);
    expect(problems("duration()")).toEqual(["duration() expects 1 or 2 arguments, got 0"]);
    expect(problems("strReplace('a')")).toEqual(["strReplace() expects 4 arguments, got 1"]);
  });
  it("a regex that does not compile", () => {
    const [p] = checkExpression(parseExpr('"host" =~ /a(?=b)/'));
    expect(p!.message).toBe("invalid regex /a(?=b)/: invalid or unsupported Perl syntax: (?=b");
    expect(p!.span.start.column).toBe(11);
  });
  it("literal type errors point at the operator", () => {
    const [p] = checkExpression(parseExpr("'a' + 1"));
    expect(p!.message).toBe("invalid math operator + for types string and int");
    expect(p!.code).toBe("E_EXPR_TYPE");
    expect(p!.span.start.column).toBe(5);
  });
  it("statically typed function results are checked too", () => {
    expect(problems('sigma("x") + 1')).toEqual(["invalid math operator + for types float and int"]);
    expect(problems('count() > 1.5 AND strLength("s") + 1.0 > 2.0')).toEqual([
      "invalid math operator + for types int and float",
    ]);
  });
  it("collects every problem", () => {
    const { compiled, problems: ps } = tryCompileExpression(parseExpr("nope() + 'a' + 1 OR x"));
    expect(compiled).toBeUndefined();
    expect(ps.map((p) => p.message)).toEqual(["unknown function nope()", "unknown identifier x"]);
  });
  it("compileExpression throws ExprCompileError with all problems", () => {
    try {
      compileExpression(parseExpr("'a' + 1"));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ExprCompileError);
      expect((e as ExprCompileError).problems).toHaveLength(1);
      expect((e as ExprCompileError).message).toBe(
        "invalid math operator + for types string and int (line 1, column 5)",
      );
    }
  });
  it("lists and stars are not lambda values", () => {
    const star: Expr = { type: "Star", span: parseExpr("1").span };
    expect(checkExpression(star).map((p) => p.message)).toEqual(["* cannot be used in a lambda expression"]);
  });
});

describe("didYouMean", () => {
  it("suggests close names only", () => {
    expect(didYouMean("strlength", ["strLength", "strIndex"])).toBe("strLength");
    expect(didYouMean("hostt", ["host", "cpu"])).toBe("host");
    expect(didYouMean("xyz", ["host", "cpu"])).toBeUndefined();
  });
});

describe("fast paths agree with the generic operator", () => {
  const values: Value[] = [5.5, 5n, 6n, -1, "5", true];
  const ops: CompareOp[] = ["<", "<=", ">", ">=", "==", "!="];
  const outcome = (f: () => unknown): unknown => {
    try {
      return f();
    } catch (e) {
      return (e as Error).message;
    }
  };
  it.each(ops)('"v" %s literal, and the literal on the left', (op) => {
    for (const v of values) {
      const p = typeof v === "string" ? pt({}, { v }) : pt({ v: v as number | bigint | boolean });
      for (const [lit, k] of [
        ["5.5", 5.5],
        ["5", 5n],
        ["'5'", "5"],
        ["TRUE", true],
      ] as [string, Value][]) {
        expect(outcome(() => ev(`"v" ${op} ${lit}`, p))).toEqual(outcome(() => compareValues(op, v, k)));
        expect(outcome(() => ev(`${lit} ${op} "v"`, p))).toEqual(outcome(() => compareValues(op, k, v)));
      }
    }
  });
  it("regex against a regex var", () => {
    const vars = new Map<string, Value>([["re", new Regex("^a", /^a/)]]);
    expect(evBool('"h" =~ re', pt({}, { h: "ab" }), { vars })).toBe(true);
  });
});
