/**
 * Kapacitor's operator table (tick/stateful/evaluation_funcs.go), as generic functions over
 * runtime values. The compiler uses them for operands whose type is only known at run time and
 * for constant folding; it emits specialised closures for the common shapes (see compile.ts).
 *
 * | operator | operand types |
 * |---|---|
 * | `< <= > >=` | int/float in any mix (exact comparison), string, duration |
 * | `== !=` | the same, plus bool |
 * | `=~ !~` | string on the left, regex on the right |
 * | `+` | int, float, string, duration (same type on both sides) |
 * | `-` | int, float, duration |
 * | `*` | int, float; duration×int, duration×float (either order) |
 * | `/` | int (truncating), float, duration/duration → int, duration/int, duration/float |
 * | `%` | int only |
 *
 * int64 arithmetic wraps as in Go; an int (or duration) divided by zero is an error.
 */
import type { BinaryOp } from "../../grammar/ast.js";
import { evalError, missingError, typeError } from "./errors.js";
import { Duration, Missing, Regex, typeName, type Value } from "./values.js";

export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=";
export type MathOp = "+" | "-" | "*" | "/" | "%";

export function isCompareOp(op: BinaryOp): op is CompareOp {
  return op === "==" || op === "!=" || op === "<" || op === "<=" || op === ">" || op === ">=";
}

export function isMathOp(op: BinaryOp): op is MathOp {
  return op === "+" || op === "-" || op === "*" || op === "/" || op === "%";
}

/** `a op b` ≡ `b mirror(op) a`. */
export function mirrorOp(op: CompareOp): CompareOp {
  switch (op) {
    case "<":
      return ">";
    case "<=":
      return ">=";
    case ">":
      return "<";
    case ">=":
      return "<=";
    default:
      return op;
  }
}

function pairError(kind: string, op: string, l: Value, r: Value): Error {
  const a = typeName(l);
  const b = typeName(r);
  return typeError(
    a === b
      ? `invalid ${kind} operator ${op} for type ${a}`
      : `invalid ${kind} operator ${op} for types ${a} and ${b}`,
  );
}

function checkMissing(l: Value, r: Value): void {
  if (l instanceof Missing) throw missingError(l.name);
  if (r instanceof Missing) throw missingError(r.name);
}

function ordered(op: CompareOp, c: number): boolean {
  switch (op) {
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
    case "==":
      return c === 0;
    case "!=":
      return c !== 0;
  }
}

function numCompare(op: CompareOp, a: number | bigint, b: number | bigint): boolean {
  // JS compares a bigint with a number exactly (by mathematical value); `==` does too.
  switch (op) {
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    case "==":
      return a == b;
    case "!=":
      return a != b;
  }
}

export function compareValues(op: CompareOp, l: Value, r: Value): boolean {
  const tl = typeof l;
  const tr = typeof r;
  if ((tl === "number" || tl === "bigint") && (tr === "number" || tr === "bigint")) {
    return numCompare(op, l as number | bigint, r as number | bigint);
  }
  if (tl === "string" && tr === "string") {
    const a = l as string;
    const b = r as string;
    return ordered(op, a < b ? -1 : a > b ? 1 : 0);
  }
  if (tl === "boolean" && tr === "boolean" && (op === "==" || op === "!=")) {
    return op === "==" ? l === r : l !== r;
  }
  if (l instanceof Duration && r instanceof Duration) {
    return ordered(op, l.ns < r.ns ? -1 : l.ns > r.ns ? 1 : 0);
  }
  checkMissing(l, r);
  const a = typeName(l);
  const b = typeName(r);
  if (a === b) throw typeError(`invalid comparison operator ${op} for type ${a}`);
  throw typeError(`cannot compare ${a} to ${b}`);
}

export function regexMatch(op: "=~" | "!~", l: Value, r: Value): boolean {
  if (typeof l === "string" && r instanceof Regex) return r.re.test(l) === (op === "=~");
  checkMissing(l, r);
  throw typeError(
    `invalid regex operator ${op} for types ${typeName(l)} and ${typeName(r)}: the left side must be a string and the right side a regex`,
  );
}

const I64 = 64;

function divZero(): Error {
  return evalError("integer divide by zero");
}

export function mathValues(op: MathOp, l: Value, r: Value): Value {
  const tl = typeof l;
  const tr = typeof r;
  if (tl === "number" && tr === "number") {
    const a = l as number;
    const b = r as number;
    switch (op) {
      case "+":
        return a + b;
      case "-":
        return a - b;
      case "*":
        return a * b;
      case "/":
        return a / b;
      default:
        throw pairError("math", op, l, r);
    }
  }
  if (tl === "bigint" && tr === "bigint") {
    const a = l as bigint;
    const b = r as bigint;
    switch (op) {
      case "+":
        return BigInt.asIntN(I64, a + b);
      case "-":
        return BigInt.asIntN(I64, a - b);
      case "*":
        return BigInt.asIntN(I64, a * b);
      case "/":
        if (b === 0n) throw divZero();
        return BigInt.asIntN(I64, a / b);
      case "%":
        if (b === 0n) throw divZero();
        return a % b;
    }
  }
  if (tl === "string" && tr === "string" && op === "+") return (l as string) + (r as string);
  if (l instanceof Duration) {
    if (r instanceof Duration) {
      if (op === "+") return new Duration(l.ns + r.ns);
      if (op === "-") return new Duration(l.ns - r.ns);
      if (op === "/") {
        if (r.ns === 0) throw divZero();
        return BigInt(l.ns) / BigInt(r.ns);
      }
    } else if (tr === "bigint") {
      if (op === "*") return new Duration(l.ns * Number(r));
      if (op === "/") {
        if (r === 0n) throw divZero();
        return new Duration(Math.trunc(l.ns / Number(r)));
      }
    } else if (tr === "number") {
      if (op === "*") return new Duration(Math.trunc(l.ns * (r as number)));
      if (op === "/") {
        if (r === 0) throw evalError("duration divided by zero");
        return new Duration(Math.trunc(l.ns / (r as number)));
      }
    }
  } else if (r instanceof Duration && op === "*") {
    if (tl === "bigint") return new Duration(Number(l) * r.ns);
    if (tl === "number") return new Duration(Math.trunc((l as number) * r.ns));
  }
  checkMissing(l, r);
  throw pairError("math", op, l, r);
}

export function negate(v: Value): Value {
  if (typeof v === "number") return -v;
  if (typeof v === "bigint") return BigInt.asIntN(I64, -v);
  if (v instanceof Duration) return new Duration(-v.ns);
  if (v instanceof Missing) throw missingError(v.name);
  throw typeError(`invalid unary operator - for type ${typeName(v)}`);
}

export function not(v: Value): boolean {
  if (typeof v === "boolean") return !v;
  if (v instanceof Missing) throw missingError(v.name);
  throw typeError(`invalid unary operator ! for type ${typeName(v)}`);
}

/** Checks one operand of AND/OR. */
export function logicalOperand(op: "AND" | "OR", v: Value): boolean {
  if (typeof v === "boolean") return v;
  if (v instanceof Missing) throw missingError(v.name);
  throw typeError(`invalid logical operator ${op} for type ${typeName(v)}`);
}

/** Any binary operator except AND/OR (which short-circuit and are compiled separately). */
export function binaryValues(op: BinaryOp, l: Value, r: Value): Value {
  if (isCompareOp(op)) return compareValues(op, l, r);
  if (isMathOp(op)) return mathValues(op, l, r);
  if (op === "=~" || op === "!~") return regexMatch(op, l, r);
  const a = logicalOperand(op, l);
  if (op === "AND" ? !a : a) return a;
  return logicalOperand(op, r);
}
