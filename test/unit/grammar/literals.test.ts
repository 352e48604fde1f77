import { describe, expect, it } from "vitest";
import { parse } from "../../../grammar/index.js";
import { expr, sexpr, value } from "./helpers.js";

describe("literals", () => {
  it("reads integers, with a leading 0 meaning octal", () => {
    expect(value("10")).toMatchObject({ type: "Int", value: 10n, raw: "10" });
    expect(value("0")).toMatchObject({ type: "Int", value: 0n });
    expect(value("0644")).toMatchObject({ type: "Int", value: 420n, raw: "0644" });
    expect(value("9223372036854775807")).toMatchObject({ type: "Int", value: 9223372036854775807n });
  });

  it("reads floats: any number with a dot", () => {
    expect(value("10.5")).toMatchObject({ type: "Float", value: 10.5, raw: "10.5" });
    expect(value("0.25")).toMatchObject({ type: "Float", value: 0.25 });
    expect(value("5.")).toMatchObject({ type: "Float", value: 5 });
    expect(value(".5")).toMatchObject({ type: "Float", value: 0.5 });
  });

  it("reads every duration unit as nanoseconds", () => {
    const ns = (t: string): number => {
      const v = value(t);
      if (v.type !== "Duration") throw new Error(v.type);
      return v.ns;
    };
    expect(ns("3u")).toBe(3_000);
    expect(ns("3µ")).toBe(3_000);
    expect(ns("100ms")).toBe(100_000_000);
    expect(ns("10s")).toBe(10e9);
    expect(ns("5m")).toBe(300e9);
    expect(ns("2h")).toBe(7200e9);
    expect(ns("1d")).toBe(86400e9);
    expect(ns("1w")).toBe(604800e9);
    expect(value("10s")).toMatchObject({ type: "Duration", raw: "10s" });
  });

  it("reads single-quoted strings, unescaping only \\'", () => {
    expect(value("'cpu'")).toMatchObject({ type: "String", value: "cpu", triple: false });
    expect(value("''")).toMatchObject({ type: "String", value: "" });
    expect(value(String.raw`'team\'s'`)).toMatchObject({ value: "team's" });
    expect(value(String.raw`'a\nb'`)).toMatchObject({ value: String.raw`a\nb` });
  });

  it("reads triple-quoted raw strings across lines", () => {
    expect(value("'''a\n'b'\n\\c'''")).toMatchObject({ type: "String", value: "a\n'b'\n\\c", triple: true });
    expect(value("''''''")).toMatchObject({ type: "String", value: "", triple: true });
  });

  it('reads references, unescaping \\"', () => {
    expect(value('"usage_idle"')).toMatchObject({ type: "Reference", name: "usage_idle" });
    expect(value(String.raw`"a \"b\""`)).toMatchObject({ type: "Reference", name: 'a "b"' });
  });

  it("reads regexes, unescaping \\/ and keeping other escapes", () => {
    expect(value(String.raw`/^web\/[0-9]+\d$/`)).toMatchObject({
      type: "Regex",
      pattern: String.raw`^web/[0-9]+\d$`,
    });
  });

  it("reads TRUE, FALSE, *, lists and lambdas", () => {
    expect(value("TRUE")).toMatchObject({ type: "Bool", value: true });
    expect(value("FALSE")).toMatchObject({ type: "Bool", value: false });
    expect(sexpr(value("['host', region, *]"))).toBe("['host' region *]");
    expect(sexpr(value("[]"))).toBe("[]");
    expect(sexpr(value('lambda: "value" > 90'))).toBe('(lambda (> "value" 90))');
  });

  it("keeps minus out of literals: -5 is a Unary node", () => {
    expect(value("-5")).toMatchObject({ type: "Unary", op: "-", operand: { type: "Int", value: 5n } });
    expect(value("-1.5")).toMatchObject({ type: "Unary", operand: { type: "Float", value: 1.5 } });
  });

  it("tells a regex from a division by the token before the slash", () => {
    expect(expr('"a" / 2')).toBe('(/ "a" 2)');
    expect(expr("x / y / z")).toBe("(/ (/ x y) z)");
    expect(expr("10s / 2")).toBe("(/ 10s 2)");
    expect(expr("(1 + 2) / 3")).toBe("(/ (+ 1 2) 3)");
    expect(expr('"host" =~ /a/')).toBe('(=~ "host" /a/)');
    expect(expr('"host" !~ /a/ AND /b/ == "x"')).toBe('(AND (!~ "host" /a/) (== /b/ "x"))');
    expect(expr("strContains(/x/, 'y')")).toBe("(strContains(/x/ 'y'))");
  });

  it("tells * the literal from * the multiplication by position", () => {
    expect(expr('"a" * 2')).toBe('(* "a" 2)');
    expect(expr("2 * * ")).toBe("(* 2 *)");
    const r = parse('stream |from().groupBy(*) |eval(lambda: "a" * 2)');
    expect(r.diagnostics).toEqual([]);
  });

  it("treats the type names as ordinary names (they are also functions)", () => {
    expect(expr('float("x") + int(2) + string(1)')).toBe('(+ (+ (float("x")) (int(2))) (string(1)))');
  });
});

describe("operators", () => {
  it("parses every binary operator", () => {
    for (const op of ["==", "!=", "=~", "!~", "<", "<=", ">", ">=", "+", "-", "*", "/", "%"]) {
      expect(expr(`a ${op} b`)).toBe(`(${op} a b)`);
    }
    expect(expr("a AND b")).toBe("(AND a b)");
    expect(expr("a OR b")).toBe("(OR a b)");
  });

  it("parses unary - and !, binding tightest", () => {
    expect(expr('!"a"')).toBe('(! "a")');
    expect(expr("-a * b")).toBe("(* (- a) b)");
    expect(expr("!a == b")).toBe("(== (! a) b)");
    expect(expr("--a")).toBe("(- (- a))");
    expect(expr("a - -b")).toBe("(- a (- b))");
  });

  it("orders precedence OR < AND < equality < relational < additive < multiplicative", () => {
    expect(expr("a OR b AND c")).toBe("(OR a (AND b c))");
    expect(expr("a AND b == c")).toBe("(AND a (== b c))");
    expect(expr("a == b < c")).toBe("(== a (< b c))");
    expect(expr("a < b + c")).toBe("(< a (+ b c))");
    expect(expr("a + b * c")).toBe("(+ a (* b c))");
    expect(expr("a * b + c * d")).toBe("(+ (* a b) (* c d))");
    expect(expr('"a" > 1 AND "b" < 2 OR "c" =~ /x/')).toBe('(OR (AND (> "a" 1) (< "b" 2)) (=~ "c" /x/))');
  });

  it("is left-associative at every level", () => {
    expect(expr("a OR b OR c")).toBe("(OR (OR a b) c)");
    expect(expr("a AND b AND c")).toBe("(AND (AND a b) c)");
    expect(expr("a == b != c")).toBe("(!= (== a b) c)");
    expect(expr("a < b <= c")).toBe("(<= (< a b) c)");
    expect(expr("a - b + c")).toBe("(+ (- a b) c)");
    expect(expr("a / b * c % d")).toBe("(% (* (/ a b) c) d)");
  });

  it("lets parentheses override precedence", () => {
    expect(expr("(a OR b) AND c")).toBe("(AND (OR a b) c)");
    expect(expr("a * (b + c)")).toBe("(* a (+ b c))");
    expect(expr("((a))")).toBe("a");
  });

  it("parses function calls with any number of arguments", () => {
    expect(expr("now()")).toBe("(now())");
    expect(expr('sigma("value") > 3.5')).toBe('(> (sigma("value")) 3.5f)');
    expect(expr("if(a > 1, 'x', 'y')")).toBe("(if((> a 1) 'x' 'y'))");
    expect(expr("strReplace(\"a\", 'b', 'c', -1)")).toBe("(strReplace(\"a\" 'b' 'c' (- 1)))");
  });

  it("records the operator span separately from the node span", () => {
    const r = parse('var x = lambda: "a"  >=  1');
    const st = r.ast?.statements[0];
    if (st?.type !== "VarDecl" || st.value.type !== "Lambda" || st.value.body.type !== "Binary")
      throw new Error();
    expect(st.value.body.opSpan).toEqual({
      start: { line: 1, column: 22, offset: 21 },
      end: { line: 1, column: 24, offset: 23 },
    });
    expect(st.value.body.span.start.column).toBe(17);
    expect(st.value.body.span.end.column).toBe(27);
  });
});
