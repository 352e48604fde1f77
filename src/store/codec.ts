/**
 * How engine values become SQLite values and back, exactly.
 *
 * Times (exact int64 ns, `bigint` — see src/core/types.ts) are stored in INTEGER columns as
 * they are (timeToDb / timeFromDb); a REAL a version with float64 times wrote reads back
 * rounded to an integer. Durations (ns, float64 `number`) are stored in INTEGER columns too. Every float64 at or above 2^53 is a whole number, so a present-day timestamp such
 * as 1_732_420_800_123_456_768 is an exact int64: it is bound as a `bigint` (no affinity
 * guesswork) and read back with `safeIntegers` as a `bigint`, and `Number()` of that bigint is
 * the very float it came from. A value that is not an int64 (a fraction, beyond ±2^63) is
 * bound as a REAL, which SQLite keeps as the same 8-byte double. NaN and ±Infinity are refused:
 * SQLite would turn NaN into NULL.
 *
 * JSON columns (task vars, handler options, kv values) use plain JSON with two tagged forms,
 * so ints stay ints and floats stay floats:
 * - a `bigint` is `{"$int64": "<decimal digits>"}`;
 * - a float JSON cannot spell (NaN, ±Infinity, -0) is `{"$float": "NaN" | "Infinity" | "-Infinity" | "-0"}`.
 * An object key that itself starts with `$` is written with one more `$` in front, so the
 * tags can never be confused with user data. Only plain objects, arrays, strings, numbers,
 * booleans and null are accepted; anything else (Map, Date, function) is an error rather than
 * the silent loss JSON.stringify would cause.
 */
import { TickdError } from "../core/errors.js";
import { StoreErrorCodes } from "./errors.js";

const INT64_MIN = -(2 ** 63);
const INT64_LIMIT = 2 ** 63;
// Made once: V8 computes `2n ** 63n` anew at every call (about 40 ns each, several per alert).
const TIME_MIN = -(2n ** 63n);
const TIME_LIMIT = 2n ** 63n;

/** ns `number` → the value to bind. */
export function nsToDb(ns: number, what: string): bigint | number {
  if (!Number.isFinite(ns)) {
    throw new TickdError(StoreErrorCodes.VALUE, `${what} must be a finite number of nanoseconds, got ${ns}`);
  }
  if (Number.isInteger(ns) && ns >= INT64_MIN && ns < INT64_LIMIT) return BigInt(ns);
  return ns;
}

/** A column read with safeIntegers (bigint for INTEGER, number for REAL) → ns `number`. */
export function nsFromDb(v: unknown, what: string): number {
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number") return v;
  throw new TickdError(StoreErrorCodes.CORRUPT, `stored ${what} is not a number (${typeof v})`);
}

/** A time → the value to bind (int64 checked). */
export function timeToDb(t: bigint, what: string): bigint {
  if (t < TIME_MIN || t >= TIME_LIMIT) {
    throw new TickdError(StoreErrorCodes.VALUE, `${what} ${t} ns is outside int64`);
  }
  return t;
}

/** A time column read with safeIntegers → the exact time. */
export function timeFromDb(v: unknown, what: string): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isFinite(v)) return BigInt(Math.round(v));
  throw new TickdError(StoreErrorCodes.CORRUPT, `stored ${what} is not a time (${typeof v})`);
}

/** A small INTEGER column (level, flag) read with safeIntegers. */
export function intFromDb(v: unknown, what: string): number {
  if (typeof v === "bigint" || typeof v === "number") return Number(v);
  throw new TickdError(StoreErrorCodes.CORRUPT, `stored ${what} is not an integer (${typeof v})`);
}

export function textFromDb(v: unknown, what: string): string {
  if (typeof v === "string") return v;
  throw new TickdError(StoreErrorCodes.CORRUPT, `stored ${what} is not text (${typeof v})`);
}

/** A TEXT column holding an encodeJson'd object (handler options, connector config). */
export function objectFromDb(v: unknown, what: string): Record<string, unknown> {
  const value = decodeJson(textFromDb(v, what), what);
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new TickdError(StoreErrorCodes.CORRUPT, `stored ${what} is not an object`);
  return value as Record<string, unknown>;
}

const INT64_TAG = "$int64";
const FLOAT_TAG = "$float";

/** Serialises a JSON-like value, keeping bigints and every float exact (see the header). */
export function encodeJson(value: unknown, what: string): string {
  return JSON.stringify(toStorable(value, what));
}

/** The inverse of encodeJson. */
export function decodeJson(text: string, what: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new TickdError(StoreErrorCodes.CORRUPT, `stored ${what} is not valid JSON`, { cause: e });
  }
  return fromStorable(parsed);
}

function toStorable(v: unknown, what: string): unknown {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "bigint":
      return { [INT64_TAG]: v.toString() };
    case "number":
      if (Number.isFinite(v) && !Object.is(v, -0)) return v;
      return { [FLOAT_TAG]: Object.is(v, -0) ? "-0" : String(v) };
    case "undefined":
      // As JSON: an undefined property is left out (exactOptionalPropertyTypes), in a list it is null.
      return undefined;
    case "object": {
      if (v === null) return null;
      if (Array.isArray(v)) return v.map((item) => toStorable(item, what) ?? null);
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        const name = (v as { constructor?: { name?: string } }).constructor?.name ?? "object";
        throw new TickdError(
          StoreErrorCodes.VALUE,
          `cannot store a ${name} in ${what}: use plain JSON values`,
        );
      }
      const entries: [string, unknown][] = [];
      for (const [k, item] of Object.entries(v)) {
        const s = toStorable(item, what);
        if (s !== undefined) entries.push([k.startsWith("$") ? "$" + k : k, s]);
      }
      return Object.fromEntries(entries);
    }
    default:
      throw new TickdError(StoreErrorCodes.VALUE, `cannot store a ${typeof v} in ${what}`);
  }
}

function fromStorable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromStorable);
  if (typeof v !== "object" || v === null) return v;
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const tagged = (v as Record<string, unknown>)[keys[0]!];
    if (keys[0] === INT64_TAG && typeof tagged === "string" && /^-?\d+$/.test(tagged)) return BigInt(tagged);
    if (keys[0] === FLOAT_TAG && typeof tagged === "string") return tagged === "-0" ? -0 : Number(tagged);
  }
  // Object.fromEntries defines own properties, so a "__proto__" key stays a plain key.
  return Object.fromEntries(
    Object.entries(v).map(([k, item]) => [k.startsWith("$$") ? k.slice(1) : k, fromStorable(item)]),
  );
}
