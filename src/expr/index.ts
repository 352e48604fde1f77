/**
 * Lambda expressions: compile a TICKscript expression once into closures, evaluate it per point.
 *
 * ```ts
 * const where = compileExpression(lambdaAst, { vars, expect: "bool" });
 * if (where.evalBool(point)) …           // a Point is a Scope; nothing is allocated per call
 * const problems = checkExpression(ast);  // [{ code, message, span, hint? }] for the checker
 * ```
 *
 * Values (see values.ts): float = number, int = bigint, string, boolean, and the classes
 * Duration (ns), Time (ns since the epoch; `"time"`, `now()`), Regex (Go pattern + JS RegExp)
 * and Missing (an absent field or tag; any operation on it is an E_EXPR_MISSING error except
 * `isPresent`). `typeName(v)` names them as messages do.
 *
 * Errors: compile problems are data (`checkExpression`, `tryCompileExpression`) or an
 * ExprCompileError (`compileExpression`), each with the span of the culprit. Evaluation errors
 * are TickdError with code E_EXPR_MISSING (`no field or tag exists for x`), E_EXPR_TYPE
 * (`invalid math operator + for types int and float`, `cannot compare string to float`,
 * `expression must evaluate to a boolean, got float`) or E_EXPR_EVAL (integer divide by zero,
 * a field and a tag with the same name, a failing conversion).
 *
 * Options: `vars` replace identifiers at compile time (values, or expressions such as a lambda
 * var); `identifiers` resolve other bare names (OK…CRITICAL in match expressions); `functions`
 * add or override functions (level(), changed() … in match expressions) — an extra function
 * receives the scope object passed to evalBool, so callers can pass a richer object than a
 * Point; `expect: "bool"` makes a statically non-boolean expression a compile problem.
 *
 * Stateful functions (sigma, count, spread) keep one state per compiled expression and function
 * name, shared by all groups (KAPACITOR-COMPAT.md §1); `reset()` clears it.
 */
export {
  compileExpression,
  tryCompileExpression,
  checkExpression,
  didYouMean,
  type CompiledExpr,
  type CompileOptions,
  type VarValue,
} from "./compile.js";
export { ExprCompileError, type ExprProblem } from "./errors.js";
export {
  BUILTINS,
  UNSUPPORTED_FUNCTIONS,
  type ExprFunction,
  type FunctionImpl,
  type Signature,
  type StaticType,
} from "./functions.js";
export { compileRegex, translateRegex, goReplaceAll, type RegexTranslation } from "./regex.js";
export { lookup, type Scope } from "./scope.js";
export {
  Duration,
  Missing,
  Regex,
  Time,
  typeName,
  formatDuration,
  formatFloatFixed,
  parseDuration,
  type TypeName,
  type Value,
} from "./values.js";
