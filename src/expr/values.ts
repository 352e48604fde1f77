/**
 * Runtime values of lambda expressions.
 *
 * The four field types stay plain JS primitives so a Point's fields and tags are used as they
 * are, with no boxing per evaluation: float64 = `number`, int64 = `bigint`, `string`,
 * `boolean`. The three types a Point never holds are small classes, so `typeof` plus one
 * `instanceof` tells every type apart and a duration can never be mistaken for a float:
 * `Duration` (ns), `Time` (ns since the epoch, from `"time"` and `now()`) and `Regex` (a
 * compiled JS RegExp with the original Go pattern). An absent field or tag is a `Missing`
 * value carrying the reference name, created once per reference node at compile time.
 */

export class Duration {
  constructor(readonly ns: number) {}
  toString(): string {
    return formatDuration(this.ns);
  }
}

export class Time {
  /** ns since the epoch, exact. */
  constructor(readonly ns: bigint) {}
}

export class Regex {
  /** `pattern` is the Go RE2 source; `re` its JS translation (never global/sticky, so `test` is stateless). */
  constructor(
    readonly pattern: string,
    readonly re: RegExp,
  ) {}
  toString(): string {
    return `/${this.pattern}/`;
  }
}

export class Missing {
  constructor(readonly name: string) {}
}

export type Value = number | bigint | string | boolean | Duration | Time | Regex | Missing;

export type TypeName = "int" | "float" | "string" | "bool" | "duration" | "time" | "regex" | "missing";

/** The type name used in every message ("int", "float", "string", "bool", "duration", "time", "regex", "missing"). */
export function typeName(v: Value): TypeName {
  switch (typeof v) {
    case "number":
      return "float";
    case "bigint":
      return "int";
    case "string":
      return "string";
    case "boolean":
      return "bool";
    default:
      if (v instanceof Duration) return "duration";
      if (v instanceof Time) return "time";
      if (v instanceof Regex) return "regex";
      return "missing";
  }
}

const NS_PER_US = 1e3;
const NS_PER_MS = 1e6;
const NS_PER_S = 1e9;
const NS_PER_M = 60e9;
const NS_PER_H = 3600e9;
const NS_PER_D = 86400e9;
const NS_PER_W = 7 * 86400e9;

/** InfluxQL's duration text (Kapacitor's `string(duration)`): the largest unit that divides exactly. */
export function formatDuration(ns: number): string {
  if (ns === 0) return "0s";
  const units: [number, string][] = [
    [NS_PER_W, "w"],
    [NS_PER_D, "d"],
    [NS_PER_H, "h"],
    [NS_PER_M, "m"],
    [NS_PER_S, "s"],
    [NS_PER_MS, "ms"],
    [NS_PER_US, "u"],
  ];
  for (const [size, suffix] of units) {
    if (ns % size === 0) return `${ns / size}${suffix}`;
  }
  return `${ns}ns`;
}

/**
 * InfluxQL's duration syntax, as Kapacitor's `duration('…')` accepts it: an optional `-`, then
 * one or more `<digits><unit>` parts (`ns u µ ms s m h d w`), e.g. `1h30m`. Returns undefined
 * when the text is not a duration.
 */
export function parseDuration(s: string): number | undefined {
  if (s.length < 2) return undefined;
  let i = 0;
  let neg = false;
  if (s[0] === "-") {
    neg = true;
    i = 1;
  }
  let total = 0;
  while (i < s.length) {
    const start = i;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i >= s.length || i === start) return undefined;
    const n = Number(s.slice(start, i));
    const c = s[i];
    let size: number;
    if (c === "n" && s[i + 1] === "s") {
      size = 1;
      i++;
    } else if (c === "m" && s[i + 1] === "s") {
      size = NS_PER_MS;
      i++;
    } else if (c === "u" || c === "µ") size = NS_PER_US;
    else if (c === "s") size = NS_PER_S;
    else if (c === "m") size = NS_PER_M;
    else if (c === "h") size = NS_PER_H;
    else if (c === "d") size = NS_PER_D;
    else if (c === "w") size = NS_PER_W;
    else return undefined;
    total += n * size;
    i++;
  }
  if (total > Number.MAX_SAFE_INTEGER * 1024) return undefined;
  return neg ? -total : total;
}

/**
 * Go's `strconv.FormatFloat(f, 'f', -1, 64)` (Kapacitor's `string(float)`): the shortest digits
 * that round-trip, never in exponent form (2.5e6 → "2500000", 1e-5 → "0.00001").
 */
export function formatFloatFixed(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const plain = String(f);
  if (!plain.includes("e")) return plain;
  const sign = f < 0 ? "-" : "";
  const [mant = "", expText = "0"] = Math.abs(f).toExponential().split("e");
  const digits = mant.replace(".", "");
  const exp = Number(expText);
  if (exp >= 0) {
    return (
      sign +
      (exp + 1 >= digits.length
        ? digits + "0".repeat(exp + 1 - digits.length)
        : `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`)
    );
  }
  return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
}
