/** Compiles checked lambda bodies for nodes: one compiled expression per lambda per node. */
import type { Expr } from "../../grammar/ast.js";
import { compileExpression, type CompiledExpr, type Scope } from "../expr/index.js";

export function compileBool(expr: Expr): CompiledExpr {
  return compileExpression(expr, { expect: "bool" });
}

/** ANDs several lambdas (repeated `.where()`), evaluating left to right. */
export function compileAll(exprs: readonly Expr[]): ((s: Scope) => boolean) | undefined {
  if (exprs.length === 0) return undefined;
  const compiled = exprs.map(compileBool);
  if (compiled.length === 1) {
    const c = compiled[0]!;
    return (s) => c.evalBool(s);
  }
  return (s) => compiled.every((c) => c.evalBool(s));
}
