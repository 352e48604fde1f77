/** Test helpers: points, and compile+evaluate a TICKscript expression in one call. */
import type { Point } from "../../../src/core/types.js";
import type { FieldValue } from "../../../src/core/types.js";
import {
  compileExpression,
  checkExpression,
  type CompileOptions,
  type Value,
} from "../../../src/expr/index.js";
import { TickdError } from "../../../src/core/errors.js";
import { parseExpr } from "./mini-parse.js";

export function pt(
  fields: Record<string, FieldValue> = {},
  tags: Record<string, string> = {},
  time: number | bigint = 0n,
): Point {
  return { name: "cpu", fields, tags, time: BigInt(time) };
}

export const EMPTY = pt();

export function ev(src: string, point: Point = EMPTY, opts: CompileOptions = {}): Value {
  return compileExpression(parseExpr(src), opts).evalValue(point);
}

export function evBool(src: string, point: Point = EMPTY, opts: CompileOptions = {}): boolean {
  return compileExpression(parseExpr(src), opts).evalBool(point);
}

/** The runtime error of evaluating `src` (compiles first; fails the test if it does not throw). */
export function evErr(src: string, point: Point = EMPTY, opts: CompileOptions = {}): TickdError {
  const c = compileExpression(parseExpr(src), opts);
  try {
    c.evalValue(point);
  } catch (e) {
    if (e instanceof TickdError) return e;
    throw e;
  }
  throw new Error(`expected ${src} to fail`);
}

export function problems(src: string, opts: CompileOptions = {}): string[] {
  return checkExpression(parseExpr(src), opts).map((p) => p.message);
}
