/** Test helpers: compact S-expressions so precedence tests read like the source. */
import { expect } from "vitest";
import { parse, parseExpression, type Expr, type Program } from "../../../grammar/index.js";

export function sexpr(e: Expr): string {
  switch (e.type) {
    case "Int":
      return `${e.value}`;
    case "Float":
      return `${e.value}f`;
    case "Duration":
      return `${e.raw}`;
    case "String":
      return `'${e.value}'`;
    case "Bool":
      return e.value ? "TRUE" : "FALSE";
    case "Regex":
      return `/${e.pattern}/`;
    case "Star":
      return "*";
    case "List":
      return `[${e.items.map(sexpr).join(" ")}]`;
    case "Reference":
      return `"${e.name}"`;
    case "Identifier":
      return e.name;
    case "Lambda":
      return `(lambda ${sexpr(e.body)})`;
    case "Unary":
      return `(${e.op} ${sexpr(e.operand)})`;
    case "Binary":
      return `(${e.op} ${sexpr(e.left)} ${sexpr(e.right)})`;
    case "Call":
      return `(${e.name}(${e.args.map(sexpr).join(" ")}))`;
    case "Chain":
      return [
        e.head.name,
        ...e.links.map((l) => `${sigil(l.type)}${l.name}(${l.args.map(sexpr).join(" ")})`),
      ].join(" ");
  }
}

function sigil(t: "NodeLink" | "PropertyLink" | "UdfLink"): string {
  return t === "NodeLink" ? "|" : t === "PropertyLink" ? "." : "@";
}

/** Parses a script that must be valid. */
export function ok(text: string): Program {
  const r = parse(text, "t.tick");
  expect(r.diagnostics).toEqual([]);
  if (r.ast === undefined) throw new Error("no AST");
  return r.ast;
}

/** Parses an expression that must be valid and returns its S-expression. */
export function expr(text: string): string {
  const r = parseExpression(text);
  expect(r.diagnostics).toEqual([]);
  if (r.expr === undefined) throw new Error("no expression");
  return sexpr(r.expr);
}

/** The value of `var x = <text>` in a valid script. */
export function value(text: string): Expr {
  const st = ok(`var x = ${text}`).statements[0];
  if (st?.type !== "VarDecl") throw new Error("not a var");
  return st.value;
}

/** The expression of the single statement of a valid script. */
export function statementExpr(text: string): Expr {
  const st = ok(text).statements[0];
  if (st?.type !== "ExprStatement") throw new Error("not an expression statement");
  return st.expr;
}
