/**
 * Built-in functions of lambda expressions (Kapacitor's tick/stateful/functions.go).
 *
 * Each function declares its signatures; the compiler checks arity and the argument types it
 * can know statically, and checks the rest at run time. `create()` is called once per compiled
 * expression and per function name — as in Kapacitor, where every expression gets its own
 * function table — so stateful functions (sigma, count, spread) keep one state per expression,
 * shared by all groups and by every call of that name inside the expression.
 *
 * Strings follow Go: lengths and indexes count UTF-8 bytes. Math functions take floats only.
 */
import { msOfTime, nowNs } from "../core/time.js";
import { evalError, typeError } from "./errors.js";
import { goReplaceAll } from "./regex.js";
import type { Scope } from "./scope.js";
import {
  Duration,
  Regex,
  Time,
  formatDuration,
  formatFloatFixed,
  parseDuration,
  typeName,
  type TypeName,
  type Value,
} from "./values.js";

/** A value type known at compile time, or "any" when only run time knows it. */
export type StaticType = Exclude<TypeName, "missing"> | "any";

export interface Signature {
  readonly args: readonly StaticType[];
  readonly ret: StaticType;
}

/**
 * Calls the function. `args` never holds a Missing value (except for functions with
 * `acceptsMissing`); the array is reused between calls, so copy it to keep it.
 */
export type FunctionImpl = (args: readonly Value[], scope: Scope) => Value;

export interface ExprFunction {
  /** Accepted argument lists. With one signature, arguments are type-checked for the function. */
  readonly sigs: readonly Signature[];
  /** True when the result depends only on the arguments: a call with literal arguments is folded at compile time. */
  readonly pure?: boolean;
  /** True for functions with state (reset by `CompiledExpr.reset()`). */
  readonly stateful?: boolean;
  /** Receives Missing arguments instead of failing (isPresent). */
  readonly acceptsMissing?: boolean;
  /** How to write the accepted arguments in messages, e.g. "(bool, T, T)". */
  readonly describe?: string;
  /** Makes the implementation; called once per compiled expression. */
  create(): FunctionImpl;
}

/** `cannot call abs with (int); expected (float)`. */
export function badArgs(name: string, fn: ExprFunction, types: readonly string[]): Error {
  return typeError(`cannot call ${name} with (${types.join(", ")}); expected ${describeSigs(fn)}`);
}

export function describeSigs(fn: ExprFunction): string {
  return fn.describe ?? fn.sigs.map((s) => `(${s.args.join(", ")})`).join(" or ");
}

function argTypes(args: readonly Value[]): string[] {
  return args.map(typeName);
}

const F: StaticType = "float";
const I: StaticType = "int";
const S: StaticType = "string";
const B: StaticType = "bool";
const D: StaticType = "duration";
const T: StaticType = "time";

function sig(ret: StaticType, ...args: StaticType[]): Signature {
  return { args, ret };
}

function pure(sigs: Signature[], impl: FunctionImpl, extra: Partial<ExprFunction> = {}): ExprFunction {
  return { sigs, pure: true, create: () => impl, ...extra };
}

// ---------------------------------------------------------------- conversions

const GO_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const GO_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function parseGoInt(s: string): bigint {
  if (!/^[+-]?\d+$/.test(s)) throw evalError(`cannot convert string "${s}" to int: invalid syntax`);
  const v = BigInt(s);
  if (v < INT64_MIN || v > INT64_MAX)
    throw evalError(`cannot convert string "${s}" to int: value out of range`);
  return v;
}

function parseGoFloat(s: string): number {
  const t = s.replace(/^[+-]/, "").toLowerCase();
  if (t === "inf" || t === "infinity") return s.startsWith("-") ? -Infinity : Infinity;
  if (t === "nan") return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s))
    throw evalError(`cannot convert string "${s}" to float: invalid syntax`);
  const v = Number(s);
  if (!Number.isFinite(v)) throw evalError(`cannot convert string "${s}" to float: value out of range`);
  return v;
}

function floatToInt(f: number): bigint {
  if (!Number.isFinite(f)) throw evalError(`cannot convert ${formatFloatFixed(f)} to int`);
  return BigInt.asIntN(64, BigInt(Math.trunc(f)));
}

const boolFn: ExprFunction = pure([sig(B, B), sig(B, S), sig(B, I), sig(B, F)], (args) => {
  const a = args[0]!;
  switch (typeof a) {
    case "boolean":
      return a;
    case "string":
      if (GO_TRUE.has(a)) return true;
      if (GO_FALSE.has(a)) return false;
      throw evalError(`cannot convert string "${a}" to bool`);
    case "bigint":
    case "number":
      if (a == 0) return false;
      if (a == 1) return true;
      throw evalError(`cannot convert ${String(a)} to bool`);
    default:
      throw badArgs("bool", boolFn, argTypes(args));
  }
});

const intFn: ExprFunction = pure([sig(I, I), sig(I, F), sig(I, S), sig(I, B), sig(I, D)], (args) => {
  const a = args[0]!;
  switch (typeof a) {
    case "bigint":
      return a;
    case "number":
      return floatToInt(a);
    case "string":
      return parseGoInt(a);
    case "boolean":
      return a ? 1n : 0n;
    default:
      if (a instanceof Duration) return BigInt(a.ns);
      throw badArgs("int", intFn, argTypes(args));
  }
});

const floatFn: ExprFunction = pure([sig(F, I), sig(F, F), sig(F, S), sig(F, B)], (args) => {
  const a = args[0]!;
  switch (typeof a) {
    case "bigint":
      return Number(a);
    case "number":
      return a;
    case "string":
      return parseGoFloat(a);
    case "boolean":
      return a ? 1 : 0;
    default:
      throw badArgs("float", floatFn, argTypes(args));
  }
});

const stringFn: ExprFunction = pure([sig(S, I), sig(S, F), sig(S, B), sig(S, D), sig(S, S)], (args) => {
  const a = args[0]!;
  switch (typeof a) {
    case "bigint":
      return a.toString();
    case "number":
      return formatFloatFixed(a);
    case "boolean":
      return a ? "true" : "false";
    case "string":
      return a;
    default:
      if (a instanceof Duration) return formatDuration(a.ns);
      throw badArgs("string", stringFn, argTypes(args));
  }
});

// Kapacitor accepts duration('10s') and also ignores a unit given with a string.
const durationFn: ExprFunction = pure(
  [sig(D, D), sig(D, I, D), sig(D, F, D), sig(D, S), sig(D, S, D)],
  (args) => {
    const a = args[0]!;
    const unit = args[1];
    if (a instanceof Duration && args.length === 1) return a;
    if (typeof a === "string") {
      if (unit !== undefined && !(unit instanceof Duration))
        throw badArgs("duration", durationFn, argTypes(args));
      const ns = parseDuration(a);
      if (ns === undefined) throw evalError(`invalid duration string "${a}"`);
      return new Duration(ns);
    }
    if (typeof a === "bigint" || typeof a === "number") {
      if (unit === undefined)
        throw evalError("duration expects a unit argument for int and float values, e.g. duration(5, 1s)");
      if (!(unit instanceof Duration)) throw evalError(`invalid duration unit type: ${typeName(unit)}`);
      return new Duration(typeof a === "bigint" ? Number(a) * unit.ns : Math.trunc(a * unit.ns));
    }
    throw badArgs("duration", durationFn, argTypes(args));
  },
);

// ---------------------------------------------------------------- math (floats only)

function math1(f: (x: number) => number): ExprFunction {
  return pure([sig(F, F)], (args) => f(args[0] as number));
}

function math2(f: (x: number, y: number) => number): ExprFunction {
  return pure([sig(F, F, F)], (args) => f(args[0] as number, args[1] as number));
}

const f64 = new DataView(new ArrayBuffer(8));

/** Go's math.Logb: the binary exponent of x. */
function logb(x: number): number {
  if (x === 0) return -Infinity;
  if (!Number.isFinite(x)) return Number.isNaN(x) ? NaN : Infinity;
  f64.setFloat64(0, Math.abs(x));
  const exp = (f64.getUint16(0) >> 4) & 0x7ff;
  if (exp !== 0) return exp - 1023;
  // Subnormal: normalise by 2^64.
  f64.setFloat64(0, Math.abs(x) * 2 ** 64);
  return ((f64.getUint16(0) >> 4) & 0x7ff) - 1023 - 64;
}

function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return x ** y;
}

function goMax(x: number, y: number): number {
  if (x === Infinity || y === Infinity) return Infinity;
  return Math.max(x, y);
}

function goMin(x: number, y: number): number {
  if (x === -Infinity || y === -Infinity) return -Infinity;
  return Math.min(x, y);
}

/** Math functions Go has and JavaScript does not; tickd refuses them at compile time rather than answer differently. */
export const UNSUPPORTED_FUNCTIONS: ReadonlySet<string> = new Set([
  "erf",
  "erfc",
  "gamma",
  "j0",
  "j1",
  "jn",
  "y0",
  "y1",
  "yn",
]);

// ---------------------------------------------------------------- strings (Go byte semantics)

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function byteLen(s: string): number {
  return isAscii(s) ? s.length : Buffer.byteLength(s, "utf8");
}

/** Byte offset of the UTF-16 index `i` in `s`. */
function byteIndex(s: string, i: number): number {
  return i < 0 || isAscii(s) ? i : Buffer.byteLength(s.slice(0, i), "utf8");
}

function codePoints(s: string): Set<string> {
  return new Set(Array.from(s));
}

function indexAny(s: string, chars: string, last: boolean): number {
  if (chars === "") return -1;
  const set = codePoints(chars);
  let found = -1;
  let i = 0;
  for (const ch of s) {
    if (set.has(ch)) {
      found = i;
      if (!last) break;
    }
    i += ch.length;
  }
  return byteIndex(s, found);
}

function countSub(s: string, sub: string): number {
  if (sub === "") return Array.from(s).length + 1;
  let n = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

/** Go's strings.Replace. */
function goReplace(s: string, old: string, repl: string, n: number): string {
  if (old === repl || n === 0) return s;
  const limit = n < 0 ? Infinity : n;
  if (old === "") {
    const cps = Array.from(s);
    let out = "";
    let done = 0;
    for (let i = 0; i <= cps.length; i++) {
      if (done < limit) {
        out += repl;
        done++;
      }
      if (i < cps.length) out += cps[i];
    }
    return out;
  }
  if (n < 0) return s.split(old).join(repl);
  let out = "";
  let from = 0;
  let done = 0;
  while (done < limit) {
    const idx = s.indexOf(old, from);
    if (idx < 0) break;
    out += s.slice(from, idx) + repl;
    from = idx + old.length;
    done++;
  }
  return out + s.slice(from);
}

function trimSet(s: string, cutset: string, left: boolean, right: boolean): string {
  if (s === "" || cutset === "") return s;
  const set = codePoints(cutset);
  const cps = Array.from(s);
  let a = 0;
  let b = cps.length;
  if (left) while (a < b && set.has(cps[a]!)) a++;
  if (right) while (b > a && set.has(cps[b - 1]!)) b--;
  return cps.slice(a, b).join("");
}

// unicode.IsSpace; JS's trim() would also strip U+FEFF, Go's TrimSpace does not.
const GO_SPACE_LEFT = /^[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+/;
const GO_SPACE_RIGHT = /[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+$/;

/** Go maps case one rune at a time (simple case mapping): 'ß' stays 'ß' in upper case. */
function mapCase(s: string, upper: boolean): string {
  if (isAscii(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = "";
  for (const ch of s) {
    const m = upper ? ch.toUpperCase() : ch.toLowerCase();
    out += Array.from(m).length === 1 ? m : ch;
  }
  return out;
}

function str1(f: (s: string) => Value, ret: StaticType): ExprFunction {
  return pure([sig(ret, S)], (args) => f(args[0] as string));
}

function str2(f: (a: string, b: string) => Value, ret: StaticType): ExprFunction {
  return pure([sig(ret, S, S)], (args) => f(args[0] as string, args[1] as string));
}

function strSubstring(s: string, start: bigint, stop: bigint): string {
  if (start < 0n) throw evalError(`found negative index for strSubstring: ${start}`);
  if (stop < 0n) throw evalError(`found negative index for strSubstring: ${stop}`);
  // Kapacitor refuses stop == len(s) too.
  if (stop >= BigInt(byteLen(s))) throw evalError(`stop index too large for string in strSubstring: ${stop}`);
  if (start > stop) throw evalError(`start index ${start} is after stop index ${stop} in strSubstring`);
  if (isAscii(s)) return s.slice(Number(start), Number(stop));
  return Buffer.from(s, "utf8").subarray(Number(start), Number(stop)).toString("utf8");
}

// ---------------------------------------------------------------- humanBytes (go-humanize Bytes, SI units)

const BYTE_SIZES = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];

/** `%.Nf` with Go's rounding (half to even on the exact binary value). */
function goFixed(v: number, digits: number): string {
  const text = v.toFixed(digits);
  const scaled = v * 10 ** digits;
  if (Number.isInteger(scaled * 2) && !Number.isInteger(scaled)) {
    const down = Math.floor(scaled);
    const even = down % 2 === 0 ? down : down + 1;
    return (even / 10 ** digits).toFixed(digits);
  }
  return text;
}

export function humanBytes(n: bigint): string {
  if (n < 10n) return `${n} B`;
  const f = Number(n);
  const e = Math.floor(Math.log(f) / Math.log(1000));
  const suffix = BYTE_SIZES[e] ?? "EB";
  const val = Math.floor((f / 1000 ** e) * 10 + 0.5) / 10;
  return `${goFixed(val, val < 10 ? 1 : 0)} ${suffix}`;
}

const humanBytesFn: ExprFunction = pure([sig(S, F), sig(S, I)], (args) => {
  const a = args[0]!;
  if (typeof a === "bigint") return humanBytes(BigInt.asUintN(64, a));
  if (typeof a === "number")
    return humanBytes(Number.isFinite(a) ? BigInt.asUintN(64, BigInt(Math.trunc(a))) : 0n);
  throw badArgs("humanBytes", humanBytesFn, argTypes(args));
});

// ---------------------------------------------------------------- time (local time zone, as Kapacitor)

function timeFn(f: (d: Date) => number): ExprFunction {
  return pure([sig(I, T)], (args) => BigInt(f(new Date(msOfTime((args[0] as Time).ns)))));
}

// ---------------------------------------------------------------- control

const IF_TYPES: StaticType[] = ["float", "int", "string", "bool", "regex", "time", "duration"];

const ifFn: ExprFunction = pure(
  IF_TYPES.map((t) => sig(t, B, t, t)),
  (args) => {
    const c = args[0]!;
    const a = args[1]!;
    const b = args[2]!;
    if (typeof c !== "boolean")
      throw typeError(`the first argument to if must be a bool, got ${typeName(c)}`);
    const ta = typeName(a);
    const tb = typeName(b);
    if (ta !== tb)
      throw typeError(`if needs its second and third arguments to have the same type, got ${ta} and ${tb}`);
    return c ? a : b;
  },
  { describe: "(bool, T, T) where T is any one type" },
);

// ---------------------------------------------------------------- stateful

/**
 * A stateful function's implementation: its state can be saved and loaded, so a group's
 * `count()` or `sigma()` continues on another tickd after a failover (cluster mode).
 */
export interface StatefulImpl extends FunctionImpl {
  save(): unknown;
  /** Throws when `s` is not what `save` of this function returns. */
  load(s: unknown): void;
}

function numbers(s: unknown, n: number, what: string): number[] {
  if (!Array.isArray(s) || s.length !== n || !s.every((x) => typeof x === "number"))
    throw new Error(`saved ${what} state is not ${n} numbers`);
  return s as number[];
}

const sigmaFn: ExprFunction = {
  sigs: [sig(F, F)],
  stateful: true,
  create(): StatefulImpl {
    // Welford's running mean and sample variance; the current value is included first.
    let n = 0;
    let mean = 0;
    let m2 = 0;
    const fn: FunctionImpl = (args) => {
      const x = args[0] as number;
      n++;
      const delta = x - mean;
      mean += delta / n;
      m2 += delta * (x - mean);
      const variance = m2 / (n - 1);
      if (n < 2 || variance === 0) return 0;
      return Math.abs(x - mean) / Math.sqrt(variance);
    };
    return Object.assign(fn, {
      save: () => [n, mean, m2],
      load: (s: unknown) => void ([n, mean, m2] = numbers(s, 3, "sigma") as [number, number, number]),
    });
  },
};

const countFn: ExprFunction = {
  sigs: [sig(I)],
  stateful: true,
  create(): StatefulImpl {
    let n = 0n;
    return Object.assign(() => ++n, {
      save: () => n,
      load: (s: unknown) => {
        if (typeof s !== "bigint") throw new Error("saved count state is not an int");
        n = s;
      },
    });
  },
};

const spreadFn: ExprFunction = {
  sigs: [sig(F, F)],
  stateful: true,
  create(): StatefulImpl {
    let min = Infinity;
    let max = -Infinity;
    const fn: FunctionImpl = (args) => {
      const x = args[0] as number;
      if (x < min) min = x;
      if (x > max) max = x;
      return max - min;
    };
    return Object.assign(fn, {
      save: () => [min, max],
      load: (s: unknown) => void ([min, max] = numbers(s, 2, "spread") as [number, number]),
    });
  },
};

const randFn: ExprFunction = { sigs: [sig(F)], create: () => () => Math.random() };

const nowFn: ExprFunction = { sigs: [sig(T)], create: () => () => new Time(nowNs()) };

const isPresentFn: ExprFunction = pure([sig(B, "any")], (args) => typeName(args[0]!) !== "missing", {
  acceptsMissing: true,
});

// ---------------------------------------------------------------- the table

export const BUILTINS: ReadonlyMap<string, ExprFunction> = new Map<string, ExprFunction>([
  ["bool", boolFn],
  ["int", intFn],
  ["float", floatFn],
  ["string", stringFn],
  ["duration", durationFn],

  ["abs", math1(Math.abs)],
  ["acos", math1(Math.acos)],
  ["acosh", math1(Math.acosh)],
  ["asin", math1(Math.asin)],
  ["asinh", math1(Math.asinh)],
  ["atan", math1(Math.atan)],
  ["atan2", math2(Math.atan2)],
  ["atanh", math1(Math.atanh)],
  ["cbrt", math1(Math.cbrt)],
  ["ceil", math1(Math.ceil)],
  ["cos", math1(Math.cos)],
  ["cosh", math1(Math.cosh)],
  ["exp", math1(Math.exp)],
  ["exp2", math1((x) => 2 ** x)],
  ["expm1", math1(Math.expm1)],
  ["floor", math1(Math.floor)],
  [
    "hypot",
    math2((x, y) =>
      x === Infinity || x === -Infinity || y === Infinity || y === -Infinity ? Infinity : Math.hypot(x, y),
    ),
  ],
  ["log", math1(Math.log)],
  ["log10", math1(Math.log10)],
  ["log1p", math1(Math.log1p)],
  ["log2", math1(Math.log2)],
  ["logb", math1(logb)],
  ["max", math2(goMax)],
  ["min", math2(goMin)],
  ["mod", math2((x, y) => x % y)],
  ["pow", math2(goPow)],
  ["pow10", pure([sig(F, I)], (args) => Number(`1e${args[0] as bigint}`))],
  ["sin", math1(Math.sin)],
  ["sinh", math1(Math.sinh)],
  ["sqrt", math1(Math.sqrt)],
  ["tan", math1(Math.tan)],
  ["tanh", math1(Math.tanh)],
  ["trunc", math1(Math.trunc)],

  ["strContains", str2((s, sub) => s.includes(sub), B)],
  ["strContainsAny", str2((s, chars) => indexAny(s, chars, false) >= 0, B)],
  ["strCount", str2((s, sub) => BigInt(countSub(s, sub)), I)],
  ["strHasPrefix", str2((s, p) => s.startsWith(p), B)],
  ["strHasSuffix", str2((s, p) => s.endsWith(p), B)],
  ["strIndex", str2((s, sub) => BigInt(byteIndex(s, s.indexOf(sub))), I)],
  ["strIndexAny", str2((s, chars) => BigInt(indexAny(s, chars, false)), I)],
  ["strLastIndex", str2((s, sub) => BigInt(byteIndex(s, s.lastIndexOf(sub))), I)],
  ["strLastIndexAny", str2((s, chars) => BigInt(indexAny(s, chars, true)), I)],
  ["strLength", str1((s) => BigInt(byteLen(s)), I)],
  [
    "strReplace",
    pure([sig(S, S, S, S, I)], (args) =>
      goReplace(args[0] as string, args[1] as string, args[2] as string, Number(args[3] as bigint)),
    ),
  ],
  [
    "strSubstring",
    pure([sig(S, S, I, I)], (args) => strSubstring(args[0] as string, args[1] as bigint, args[2] as bigint)),
  ],
  ["strToLower", str1((s) => mapCase(s, false), S)],
  ["strToUpper", str1((s) => mapCase(s, true), S)],
  ["strTrim", str2((s, c) => trimSet(s, c, true, true), S)],
  ["strTrimLeft", str2((s, c) => trimSet(s, c, true, false), S)],
  ["strTrimPrefix", str2((s, p) => (p !== "" && s.startsWith(p) ? s.slice(p.length) : s), S)],
  ["strTrimRight", str2((s, c) => trimSet(s, c, false, true), S)],
  ["strTrimSpace", str1((s) => s.replace(GO_SPACE_LEFT, "").replace(GO_SPACE_RIGHT, ""), S)],
  ["strTrimSuffix", str2((s, p) => (p !== "" && s.endsWith(p) ? s.slice(0, s.length - p.length) : s), S)],

  [
    "regexReplace",
    pure([sig(S, "regex", S, S)], (args) =>
      goReplaceAll((args[0] as Regex).re, args[1] as string, args[2] as string),
    ),
  ],

  ["isPresent", isPresentFn],

  ["unixNano", pure([sig(I, T)], (args) => (args[0] as Time).ns)],
  ["minute", timeFn((d) => d.getMinutes())],
  ["hour", timeFn((d) => d.getHours())],
  ["weekday", timeFn((d) => d.getDay())],
  ["day", timeFn((d) => d.getDate())],
  ["month", timeFn((d) => d.getMonth() + 1)],
  ["year", timeFn((d) => d.getFullYear())],
  ["now", nowFn],

  ["humanBytes", humanBytesFn],

  ["if", ifFn],

  ["sigma", sigmaFn],
  ["count", countFn],
  ["spread", spreadFn],
  ["rand", randFn],
]);
