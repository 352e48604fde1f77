/**
 * Errors of lambda expressions. Compile problems are collected as data (the pipeline checker
 * turns them into Diagnostics with file/line/col); evaluation errors are thrown as TickdError
 * with a stable code, and only created when an error really happens.
 */
import type { Span } from "../../grammar/ast.js";
import { ErrorCodes, TickdError } from "../core/errors.js";
import { typeName, type Value } from "./values.js";

/** One problem found while compiling an expression. `code` is E_TICK_CHECK or E_EXPR_TYPE. */
export interface ExprProblem {
  code: string;
  message: string;
  span: Span;
  hint?: string;
}

/** Thrown by `compileExpression` when the expression has problems; all of them are in `problems`. */
export class ExprCompileError extends TickdError {
  readonly problems: readonly ExprProblem[];
  constructor(problems: readonly ExprProblem[]) {
    const first = problems[0];
    const where = first ? ` (line ${first.span.start.line}, column ${first.span.start.column})` : "";
    super(first?.code ?? ErrorCodes.TICK_CHECK, `${first?.message ?? "invalid expression"}${where}`);
    this.name = "ExprCompileError";
    this.problems = problems;
  }
}

export function missingError(name: string): TickdError {
  return new TickdError(ErrorCodes.EXPR_MISSING, `no field or tag exists for ${name}`);
}

export function typeError(message: string): TickdError {
  return new TickdError(ErrorCodes.EXPR_TYPE, message);
}

export function evalError(message: string): TickdError {
  return new TickdError(ErrorCodes.EXPR_EVAL, message);
}

export function notBoolError(v: Value): TickdError {
  return typeError(`expression must evaluate to a boolean, got ${typeName(v)}`);
}
