/**
 * Wording for checker messages: TICKscript text for an expression (to show the fix, e.g.
 * `.crit(lambda: "value" > 90)`), what an argument type looks like ("a duration such as 10s")
 * and what was actually written ("the string '10s'").
 */
import type { BinaryOp, Expr, Span } from "../../grammar/ast.js";
import { joinAlternatives } from "../../grammar/diagnostic.js";
import type { ArgType, ArgValue } from "./task-graph.js";
import { formatDuration } from "../expr/index.js";

const PRECEDENCE: Record<BinaryOp, number> = {
  OR: 1,
  AND: 2,
  "==": 3,
  "!=": 3,
  "=~": 3,
  "!~": 3,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
  "%": 6,
};

export function quoteString(s: string): string {
  return `'${s.replace(/'/g, "\\'")}'`;
}

/** TICKscript source for an expression (normalised spacing, minimal parentheses). */
export function formatExpr(e: Expr): string {
  switch (e.type) {
    case "Int":
    case "Float":
    case "Duration":
      return e.raw;
    case "String":
      return e.triple ? `'''${e.value}'''` : quoteString(e.value);
    case "Bool":
      return e.value ? "TRUE" : "FALSE";
    case "Regex":
      return `/${e.pattern.replace(/\//g, "\\/")}/`;
    case "Star":
      return "*";
    case "List":
      return `[${e.items.map(formatExpr).join(", ")}]`;
    case "Reference":
      return `"${e.name.replace(/"/g, '\\"')}"`;
    case "Identifier":
      return e.name;
    case "Lambda":
      return `lambda: ${formatExpr(e.body)}`;
    case "Unary": {
      const inner = formatExpr(e.operand);
      return e.operand.type === "Binary" ? `${e.op}(${inner})` : `${e.op}${inner}`;
    }
    case "Binary": {
      const prec = PRECEDENCE[e.op];
      const left =
        e.left.type === "Binary" && PRECEDENCE[e.left.op] < prec
          ? `(${formatExpr(e.left)})`
          : formatExpr(e.left);
      const right =
        e.right.type === "Binary" && PRECEDENCE[e.right.op] <= prec
          ? `(${formatExpr(e.right)})`
          : formatExpr(e.right);
      return `${left} ${e.op} ${right}`;
    }
    case "Call":
      return `${e.name}(${e.args.map(formatExpr).join(", ")})`;
    case "Chain":
      return (
        e.head.name +
        e.links
          .map(
            (l) =>
              `${l.type === "NodeLink" ? "|" : l.type === "UdfLink" ? "@" : "."}${l.name}(${l.args.map(formatExpr).join(", ")})`,
          )
          .join("")
      );
  }
}

const EXPECTED: Record<ArgType, string> = {
  string: "a string such as 'cpu'",
  int: "an integer such as 10",
  float: "a float such as 0.5",
  bool: "TRUE or FALSE",
  duration: "a duration such as 10s",
  regex: "a regex such as /^web/",
  lambda: 'a lambda such as lambda: "value" > 90',
  star: "*",
  list: "a list such as ['a', 'b']",
  node: "a node (a var holding a chain such as stream |from())",
  time: "time(10s)",
};

/** "a duration such as 10s", or "a string such as 'cpu' or *" for a union. */
export function describeExpected(types: readonly ArgType[]): string {
  return joinAlternatives(types.map((t) => EXPECTED[t]));
}

/** Short plural for "takes floats" style hints. */
export function typePlural(t: ArgType): string {
  return (
    { string: "strings", int: "integers", float: "floats", duration: "durations" }[t as string] ?? `${t}s`
  );
}

/** A written argument as a user reads it: "the string '10s'", "the integer 25". */
export type Described = ArgValue | { type: "reference"; name: string; span: Span };

export function describeGot(v: Described, nodeName?: (id: number) => string): string {
  switch (v.type) {
    case "int":
      return `the integer ${v.value}`;
    case "float":
      return `the float ${formatFloat(v.value)}`;
    case "bool":
      return v.value ? "TRUE" : "FALSE";
    case "string":
      return `the string ${quoteString(v.value)}`;
    case "duration":
      return `the duration ${formatDuration(v.ns)}`;
    case "regex":
      return `the regex /${v.pattern.replace(/\//g, "\\/")}/`;
    case "lambda":
      return "a lambda";
    case "star":
      return "*";
    case "list":
      return "a list";
    case "node":
      return `the node ${nodeName?.(v.id) ?? String(v.id)}`;
    case "time":
      return v.offset === undefined
        ? `time(${formatDuration(v.ns)})`
        : `time(${formatDuration(v.ns)}, ${formatDuration(v.offset)})`;
    case "reference":
      return `the field reference "${v.name}"`;
  }
}

/** A float as TICKscript writes it: always with a dot (25 → 25.0). */
export function formatFloat(n: number): string {
  const s = String(n);
  return /[.eE]|Infinity|NaN/.test(s) ? s : `${s}.0`;
}
