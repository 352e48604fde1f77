/**
 * Go's printing rules, reproduced byte for byte where Kapacitor users can see them: `fmt`'s
 * `%v`/`Sprintf`/`Sprint`/`Sprintln`, `strconv.FormatFloat`, `strconv.Quote`,
 * `time.Time.String()`, RFC3339Nano, and `time.Duration` `String()`/`ParseDuration`.
 *
 * How JavaScript values stand in for Go values (shared with go-json.ts and template.ts):
 *
 * | JS value                         | Go value                                             |
 * |----------------------------------|------------------------------------------------------|
 * | `undefined`, `null`              | nil (`<nil>`)                                        |
 * | `bigint`                         | int64                                                |
 * | `number`                         | float64                                              |
 * | `string`, `boolean`              | string, bool                                         |
 * | array                            | slice (`[a b]`)                                      |
 * | `Map`, {@link GoMap}             | map (keys printed and encoded in Go's sorted order)  |
 * | other object                     | struct (fields in insertion order: `{a b}`)          |
 * | {@link GoTime}, {@link GoDuration} | time.Time, time.Duration                           |
 * | object with {@link GO_STRING}    | a Stringer (`%v`/`%s`/`%q`/`%x` use its text)        |
 */
import { ErrorCodes, TickdError } from "./errors.js";

/** An object with `[GO_STRING](): string` is a Go Stringer: `%v`, `%s`, `%q`, `%x` print that text. */
export const GO_STRING: unique symbol = Symbol.for("tickd.goString");
/**
 * An object with `[GO_JSON](): unknown` is a json.Marshaler: go-json encodes the returned value
 * in its place (GoTime returns its RFC3339Nano string, GoDuration its ns as an int).
 */
export const GO_JSON: unique symbol = Symbol.for("tickd.goJson");

// ---------------------------------------------------------------------------------------------
// Marker types

/**
 * A Go map over a plain record, without copying it. Go maps differ from structs in three
 * visible ways, and this wrapper opts into all three: JSON and `%v` write the keys sorted, and
 * in templates a missing key reads as the map's zero value instead of failing. `zero` is that
 * value: `undefined` for `map[string]interface{}` (prints `<no value>`, like Kapacitor's
 * `.Fields`), `""` for `map[string]string` (like `.Tags`; see {@link stringMap}).
 */
export class GoMap<V = unknown> {
  readonly entries: Readonly<Record<string, V>>;
  readonly zero: V | undefined;
  constructor(entries: Readonly<Record<string, V>>, zero?: V) {
    this.entries = entries;
    this.zero = zero;
  }
  get(key: string): V | undefined {
    return Object.hasOwn(this.entries, key) ? this.entries[key] : this.zero;
  }
  has(key: string): boolean {
    return Object.hasOwn(this.entries, key);
  }
  get size(): number {
    return Object.keys(this.entries).length;
  }
}

/** A `map[string]interface{}`: sorted keys; a missing key in a template prints `<no value>`. */
export function goMap<V>(entries: Readonly<Record<string, V>>): GoMap<V> {
  return new GoMap(entries);
}

/** A `map[string]string` (Kapacitor's Tags): sorted keys; a missing key in a template is `""`. */
export function stringMap(entries: Readonly<Record<string, string>>): GoMap<string> {
  return new GoMap(entries, "");
}

/**
 * A Go `time.Time` in UTC. `%v` prints `1971-01-01 00:00:10 +0000 UTC`; JSON writes
 * RFC3339Nano. Templates may call the niladic methods below (`{{ .Time.Unix }}`).
 */
export class GoTime {
  /** ns since the Unix epoch, exact. */
  readonly ns: bigint;
  constructor(ns: bigint) {
    this.ns = ns;
  }
  String(): string {
    return formatGoTime(this.ns);
  }
  Unix(): bigint {
    return BigInt(splitNs(this.ns)[0]);
  }
  UnixMilli(): bigint {
    const q = this.ns / 1_000_000n;
    return this.ns < 0n && q * 1_000_000n !== this.ns ? q - 1n : q;
  }
  UnixNano(): bigint {
    return this.ns;
  }
  UTC(): GoTime {
    return this;
  }
  [GO_STRING](): string {
    return formatGoTime(this.ns);
  }
  [GO_JSON](): string {
    return formatRFC3339Nano(this.ns);
  }
  toString(): string {
    return formatGoTime(this.ns);
  }
}

/**
 * A Go `time.Duration`: an int64 kind (compares with ints, `%d` prints the ns) that prints as
 * `1m30s` and encodes to JSON as its ns.
 */
export class GoDuration {
  /** Nanoseconds. */
  readonly ns: number;
  constructor(ns: number) {
    this.ns = ns;
  }
  String(): string {
    return formatGoDuration(this.ns);
  }
  Nanoseconds(): bigint {
    return BigInt(Math.trunc(this.ns));
  }
  Milliseconds(): bigint {
    return BigInt(Math.trunc(this.ns / 1e6));
  }
  Seconds(): number {
    return this.ns / 1e9;
  }
  Minutes(): number {
    return this.ns / 6e10;
  }
  Hours(): number {
    return this.ns / 3.6e12;
  }
  [GO_STRING](): string {
    return formatGoDuration(this.ns);
  }
  [GO_JSON](): bigint {
    return BigInt(Math.trunc(this.ns));
  }
  toString(): string {
    return formatGoDuration(this.ns);
  }
}

// ---------------------------------------------------------------------------------------------
// Ordering

/**
 * Go's string order (bytewise UTF-8), which is code-point order. JavaScript's `<` compares
 * UTF-16 units and disagrees only when a surrogate (a code point ≥ U+10000) meets U+E000–U+FFFF.
 */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      const xs = x <= 0xdfff;
      const ys = y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
    }
    return x - y;
  }
  return a.length - b.length;
}

function keyRank(k: unknown): number {
  switch (typeof k) {
    case "boolean":
      return 0;
    case "bigint":
      return 1;
    case "number":
      return 2;
    case "string":
      return 3;
    default:
      return 4;
  }
}

/** fmt/text-template map key order: numbers numerically, strings bytewise, false < true. */
export function compareGoKeys(a: unknown, b: unknown): number {
  const ra = keyRank(a);
  const rb = keyRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === "string") return compareGoStrings(a, b as string);
  if (typeof a === "bigint" || typeof a === "number") {
    const bb = b as bigint | number;
    return a < bb ? -1 : a > bb ? 1 : 0;
  }
  if (typeof a === "boolean") return Number(a) - Number(b);
  return 0;
}

/** Entries of a Go map (`GoMap` or `Map`) in Go's sorted key order. */
export function sortedMapEntries(m: GoMap | ReadonlyMap<unknown, unknown>): [unknown, unknown][] {
  const out: [unknown, unknown][] = m instanceof GoMap ? Object.entries(m.entries) : Array.from(m.entries());
  return out.sort((x, y) => compareGoKeys(x[0], y[0]));
}

/** Whether a value is a Go map (a {@link GoMap} or a `Map`) rather than a struct. */
export function isGoMap(v: unknown): v is GoMap | ReadonlyMap<unknown, unknown> {
  return v instanceof GoMap || v instanceof Map;
}

// ---------------------------------------------------------------------------------------------
// Floats (strconv.FormatFloat)

/** A decimal as Go's strconv holds it: value = 0.d × 10^dp; `d` has no leading/trailing zeros. */
interface Digits {
  d: string;
  dp: number;
}

function shortestDigits(abs: number): Digits {
  if (abs === 0) return { d: "", dp: 0 };
  // toExponential() with no argument yields the shortest digits that round-trip, like Ryu.
  const s = abs.toExponential();
  const e = s.indexOf("e");
  const mant = s.charCodeAt(1) === 46 /* . */ ? s[0] + s.slice(2, e) : s.slice(0, e);
  return { d: mant.replace(/0+$/, ""), dp: Number(s.slice(e + 1)) + 1 };
}

const f64 = new DataView(new ArrayBuffer(8));

/** The exact decimal expansion of a double (every double is a finite decimal). */
function exactDigits(abs: number): Digits {
  if (abs === 0) return { d: "", dp: 0 };
  f64.setFloat64(0, abs);
  const hi = f64.getUint32(0);
  const lo = f64.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (bexp === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = bexp - 1075;
  }
  let s: string;
  let dp: number;
  if (e2 >= 0) {
    s = (mant << BigInt(e2)).toString();
    dp = s.length;
  } else {
    const k = -e2;
    s = (mant * 5n ** BigInt(k)).toString();
    dp = s.length - k;
  }
  const t = s.replace(/0+$/, "");
  return { d: t, dp: t === "" ? 0 : dp };
}

/** strconv's decimal.Round(nd): round half to even on exact digits, then trim zeros. */
function roundDigits(x: Digits, nd: number): Digits {
  if (nd < 0 || nd >= x.d.length) return x;
  const c = x.d.charCodeAt(nd);
  const up = c === 53 && nd + 1 === x.d.length ? nd > 0 && (x.d.charCodeAt(nd - 1) - 48) % 2 === 1 : c >= 53;
  if (!up) {
    const d = x.d.slice(0, nd).replace(/0+$/, "");
    return { d, dp: d === "" ? 0 : x.dp };
  }
  for (let i = nd - 1; i >= 0; i--) {
    const ci = x.d.charCodeAt(i);
    if (ci < 57) return { d: x.d.slice(0, i) + String.fromCharCode(ci + 1), dp: x.dp };
  }
  return { d: "1", dp: x.dp + 1 };
}

function fmtE(neg: boolean, x: Digits, prec: number, ch: string): string {
  let s = neg ? "-" : "";
  s += x.d.length > 0 ? x.d[0] : "0";
  if (prec > 0) {
    s += ".";
    const m = Math.min(x.d.length, prec + 1);
    if (m > 1) s += x.d.slice(1, m);
    for (let i = Math.max(m, 1); i <= prec; i++) s += "0";
  }
  let exp = x.d.length === 0 ? 0 : x.dp - 1;
  s += ch;
  if (exp < 0) {
    s += "-";
    exp = -exp;
  } else s += "+";
  return s + (exp < 10 ? "0" + exp : String(exp));
}

function fmtF(neg: boolean, x: Digits, prec: number): string {
  let s = neg ? "-" : "";
  if (x.dp > 0) {
    const m = Math.min(x.d.length, x.dp);
    s += x.d.slice(0, m);
    for (let i = m; i < x.dp; i++) s += "0";
  } else s += "0";
  if (prec > 0) {
    s += ".";
    for (let i = 0; i < prec; i++) {
      const j = x.dp + i;
      s += j >= 0 && j < x.d.length ? x.d[j] : "0";
    }
  }
  return s;
}

/**
 * `strconv.FormatFloat(v, fmt, prec, 64)` for fmt e, E, f, F, g, G; prec -1 = shortest
 * round-trip digits. Ties round half to even on the exact binary value, as Go does.
 */
export function formatFloat(v: number, fmt: "e" | "E" | "f" | "F" | "g" | "G", prec = -1): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  const neg = v < 0 || Object.is(v, -0);
  const abs = Math.abs(v);
  const shortest = prec < 0;
  let x: Digits;
  if (shortest) {
    x = shortestDigits(abs);
    if (fmt === "e" || fmt === "E") prec = Math.max(x.d.length - 1, 0);
    else if (fmt === "f" || fmt === "F") prec = Math.max(x.d.length - x.dp, 0);
    else prec = x.d.length;
  } else {
    x = exactDigits(abs);
    if (fmt === "e" || fmt === "E") x = roundDigits(x, prec + 1);
    else if (fmt === "f" || fmt === "F") x = roundDigits(x, x.dp + prec);
    else {
      if (prec === 0) prec = 1;
      x = roundDigits(x, prec);
    }
  }
  switch (fmt) {
    case "e":
    case "E":
      return fmtE(neg, x, prec, fmt);
    case "f":
    case "F":
      return fmtF(neg, x, prec);
    default: {
      let eprec = prec;
      if (eprec > x.d.length && x.d.length >= x.dp) eprec = x.d.length;
      // Shortest %g switches to exponent form at 1e6 / below 1e-4, whatever the digit count.
      if (shortest) eprec = 6;
      const exp = x.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > x.d.length) prec = x.d.length;
        return fmtE(neg, x, prec - 1, fmt === "g" ? "e" : "E");
      }
      if (prec > x.dp) prec = x.d.length;
      return fmtF(neg, x, Math.max(prec - x.dp, 0));
    }
  }
}

/** Go's `%v` for a float64: `2.5e+06`, `123456.5`, `1e-05`, `10`, `+Inf`, `NaN`. */
export function formatGoFloat(n: number): string {
  return formatFloat(n, "g", -1);
}

// ---------------------------------------------------------------------------------------------
// Strings (strconv.Quote)

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
export function isGoPrint(cp: number): boolean {
  if (cp < 0x7f) return cp >= 0x20;
  return PRINTABLE.test(String.fromCodePoint(cp));
}

function hex(n: number, width: number, upper = false): string {
  const s = n.toString(16);
  return (upper ? s.toUpperCase() : s).padStart(width, "0");
}

/** `strconv.Quote`: a double-quoted Go string literal. */
export function goQuote(s: string, quote = '"'): string {
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === "\\") {
      out += "\\" + ch;
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdfff) {
      out += "\\ufffd"; // a lone surrogate: invalid text, as Go would see invalid UTF-8
      continue;
    }
    if (isGoPrint(cp)) {
      out += ch;
      continue;
    }
    switch (cp) {
      case 7:
        out += "\\a";
        break;
      case 8:
        out += "\\b";
        break;
      case 12:
        out += "\\f";
        break;
      case 10:
        out += "\\n";
        break;
      case 13:
        out += "\\r";
        break;
      case 9:
        out += "\\t";
        break;
      case 11:
        out += "\\v";
        break;
      default:
        if (cp < 0x20 || cp === 0x7f) out += "\\x" + hex(cp, 2);
        else if (cp < 0x10000) out += "\\u" + hex(cp, 4);
        else out += "\\U" + hex(cp, 8);
    }
  }
  return out + quote;
}

// ---------------------------------------------------------------------------------------------
// Time

/**
 * Splits a time into whole Unix seconds and 0..999999999 nanoseconds: exact for a bigint time,
 * floored to an integer for a float64 ns count.
 */
export function splitNs(ns: bigint | number): [number, number] {
  if (typeof ns === "bigint") {
    let r = ns % 1_000_000_000n;
    if (r < 0n) r += 1_000_000_000n;
    return [Number((ns - r) / 1_000_000_000n), Number(r)];
  }
  if (!Number.isFinite(ns)) throw new RangeError(`invalid time: ${ns} ns`);
  const t = Math.floor(ns);
  if (Number.isSafeInteger(t)) {
    let r = t % 1e9;
    if (r < 0) r += 1e9;
    return [(t - r) / 1e9, r];
  }
  return splitNs(BigInt(t));
}

/** Proleptic Gregorian date of a day count since 1970-01-01 (Hinnant's civil_from_days). */
function civil(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/** Go's appendInt(year, 4): at least four digits, a leading '-' for years before 1 BC. */
function fmtYear(y: number): string {
  return y < 0 ? "-" + String(-y).padStart(4, "0") : String(y).padStart(4, "0");
}

function dateTime(ns: bigint | number, sep: string): [string, number] {
  const [secs, nanos] = splitNs(ns);
  const days = Math.floor(secs / 86400);
  const sod = secs - days * 86400;
  const [y, m, d] = civil(days);
  const hh = Math.floor(sod / 3600);
  const mm = Math.floor((sod % 3600) / 60);
  const ss = sod % 60;
  return [`${fmtYear(y)}-${pad2(m)}-${pad2(d)}${sep}${pad2(hh)}:${pad2(mm)}:${pad2(ss)}`, nanos];
}

/** The `.999999999` layout element: nothing for whole seconds, else trailing zeros trimmed. */
function fraction(nanos: number): string {
  if (nanos === 0) return "";
  return "." + String(nanos).padStart(9, "0").replace(/0+$/, "");
}

/** Go's `time.Time.String()` for a UTC time: `1971-01-01 00:00:10.5 +0000 UTC`. */
export function formatGoTime(ns: bigint | number): string {
  const [dt, nanos] = dateTime(ns, " ");
  return dt + fraction(nanos) + " +0000 UTC";
}

/** `time.RFC3339Nano` in UTC: `1971-01-01T00:00:10Z`, `1971-01-01T00:00:10.5Z`. */
export function formatRFC3339Nano(ns: bigint | number): string {
  // One alert's body, details and series all show its time, and a write's points share one:
  // the last answer is kept (a `===` hit for a bigint compares values).
  if (ns === lastRfcNs) return lastRfc;
  const [dt, nanos] = dateTime(ns, "T");
  lastRfc = dt + fraction(nanos) + "Z";
  lastRfcNs = ns;
  return lastRfc;
}
let lastRfcNs: bigint | number | undefined;
let lastRfc = "";

// ---------------------------------------------------------------------------------------------
// Durations

/** Fraction digits of v / 10^prec with trailing zeros (and a bare '.') dropped; Go's fmtFrac. */
function fmtFrac(v: bigint, prec: number): [string, bigint] {
  let s = "";
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print = print || digit !== 0n;
    if (print) s = String(digit) + s;
    v /= 10n;
  }
  return [print ? "." + s : "", v];
}

/** Go's `time.Duration.String()`: `0s`, `1ns`, `1.5µs`, `100ms`, `2s`, `1m30s`, `1h0m0s`, `-5s`. */
export function formatGoDuration(ns: number | bigint): string {
  let d: bigint;
  if (typeof ns === "bigint") d = ns;
  else {
    if (!Number.isFinite(ns)) throw new RangeError(`invalid duration: ${ns} ns`);
    d = BigInt(Math.trunc(ns));
  }
  const neg = d < 0n;
  let u = neg ? -d : d;
  let s: string;
  if (u < 1_000_000_000n) {
    if (u === 0n) return "0s";
    let prec: number;
    let unit: string;
    if (u < 1000n) {
      prec = 0;
      unit = "ns";
    } else if (u < 1_000_000n) {
      prec = 3;
      unit = "µs";
    } else {
      prec = 6;
      unit = "ms";
    }
    const [frac, rest] = fmtFrac(u, prec);
    s = String(rest) + frac + unit;
  } else {
    const [frac, secs] = fmtFrac(u, 9);
    u = secs;
    s = String(u % 60n) + frac + "s";
    u /= 60n;
    if (u > 0n) {
      s = String(u % 60n) + "m" + s;
      u /= 60n;
      if (u > 0n) s = String(u) + "h" + s;
    }
  }
  return neg ? "-" + s : s;
}

const GO_UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n, // U+00B5 micro sign
  μs: 1000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const TICK_UNITS: Record<string, bigint> = {
  ...GO_UNITS,
  u: 1000n,
  µ: 1000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};

const MAX_U63 = 1n << 63n;
const MAX_I64_DIV10 = (MAX_U63 - 1n) / 10n;

type DurationFail = "invalid" | "missing unit" | { unknownUnit: string };

function parseDurationWith(s: string, units: Record<string, bigint>): number | DurationFail {
  let i = 0;
  let neg = false;
  if (s[0] === "-" || s[0] === "+") {
    neg = s[0] === "-";
    i = 1;
  }
  if (s.slice(i) === "0") return 0;
  if (i === s.length) return "invalid";
  let total = 0n;
  while (i < s.length) {
    const c0 = s.charCodeAt(i);
    if (!(c0 === 46 || (c0 >= 48 && c0 <= 57))) return "invalid";
    // integer part
    const intStart = i;
    let v = 0n;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v >= MAX_U63) return "invalid";
      i++;
    }
    const pre = i !== intStart;
    // fraction: digits past int64 precision are dropped, as Go's leadingFraction does
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[i] === ".") {
      i++;
      const fracStart = i;
      let overflow = false;
      while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
        if (!overflow) {
          if (f > MAX_I64_DIV10) overflow = true;
          else {
            f = f * 10n + BigInt(s.charCodeAt(i) - 48);
            scale *= 10;
          }
        }
        i++;
      }
      post = i !== fracStart;
    }
    if (!pre && !post) return "invalid";
    const unitStart = i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 46 || (c >= 48 && c <= 57)) break;
      i++;
    }
    if (i === unitStart) return "missing unit";
    const u = s.slice(unitStart, i);
    const unit = units[u];
    if (unit === undefined) return { unknownUnit: u };
    if (v > MAX_U63 / unit) return "invalid";
    v *= unit;
    if (f > 0n) {
      // float64 on purpose, as Go does: exact to the ns for fractions of an hour.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX_U63) return "invalid";
    }
    total += v;
    if (total > MAX_U63) return "invalid";
  }
  if (neg) return -Number(total);
  if (total > MAX_U63 - 1n) return "invalid";
  return Number(total);
}

/**
 * Go's `time.ParseDuration`: `300ms`, `-1.5h`, `2h45m`; units ns us µs ms s m h. Errors carry
 * Go's own wording (`time: unknown unit "d" in duration "1d"`) with code E_DURATION.
 */
export function parseGoDuration(s: string): number {
  const r = parseDurationWith(s, GO_UNITS);
  if (typeof r === "number") return r;
  const q = goQuote(s);
  let msg: string;
  if (r === "invalid") msg = `time: invalid duration ${q}`;
  else if (r === "missing unit") msg = `time: missing unit in duration ${q}`;
  else msg = `time: unknown unit ${goQuote(r.unknownUnit)} in duration ${q}`;
  throw new TickdError(ErrorCodes.DURATION, msg);
}

/**
 * Durations in config and handler files: everything {@link parseGoDuration} accepts plus the
 * Kapacitor/InfluxQL units `d` (24h), `w` (7d), `u` and `µ` (microseconds), e.g. `1d`, `1w2d`.
 */
export function parseTickDuration(s: string): number {
  const r = parseDurationWith(s.trim(), TICK_UNITS);
  if (typeof r === "number") return r;
  const q = goQuote(s);
  let msg: string;
  if (r === "invalid") msg = `invalid duration ${q}: expected a number and a unit, like 10s, 1.5h or 1d`;
  else if (r === "missing unit") msg = `invalid duration ${q}: missing unit (ns, us, ms, s, m, h, d or w)`;
  else msg = `invalid duration ${q}: unknown unit ${goQuote(r.unknownUnit)} (ns, us, ms, s, m, h, d or w)`;
  throw new TickdError(ErrorCodes.DURATION, msg);
}

// ---------------------------------------------------------------------------------------------
// fmt

/** The Go type name fmt shows in `%T` and in `%!d(string=x)` error strings. */
export function goTypeName(v: unknown): string {
  if (v === undefined || v === null) return "<nil>";
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "bigint":
      return "int64";
    case "number":
      return "float64";
    case "string":
      return "string";
    case "function":
      return "func()";
    case "object":
      break;
    default:
      return typeof v;
  }
  if (v instanceof GoTime) return "time.Time";
  if (v instanceof GoDuration) return "time.Duration";
  if (Array.isArray(v)) return "[]interface {}";
  if (v instanceof GoMap) return v.zero === "" ? "map[string]string" : "map[string]interface {}";
  if (v instanceof Map) return "map[string]interface {}";
  if (v instanceof Error) return "*errors.errorString";
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return "struct";
  const ctor = (v as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === "string" && ctor.name !== "" ? ctor.name : "struct";
}

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  plusV: boolean;
  sharpV: boolean;
  /** -1 when absent. */
  wid: number;
  /** -1 when absent. */
  prec: number;
}

const NO_FLAGS: Flags = {
  plus: false,
  minus: false,
  sharp: false,
  space: false,
  zero: false,
  plusV: false,
  sharpV: false,
  wid: -1,
  prec: -1,
};

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff || i === 0 || s.charCodeAt(i - 1) < 0xd800 || s.charCodeAt(i - 1) > 0xdbff)
      n++;
  }
  return n;
}

function pad(s: string, f: Flags): string {
  if (f.wid < 0) return s;
  const n = runeCount(s);
  if (f.wid <= n) return s;
  if (f.minus) return s + " ".repeat(f.wid - n);
  return (f.zero ? "0" : " ").repeat(f.wid - n) + s;
}

function truncateRunes(s: string, f: Flags): string {
  if (f.prec < 0) return s;
  let out = "";
  let n = 0;
  for (const ch of s) {
    if (n++ >= f.prec) break;
    out += ch;
  }
  return out;
}

function badVerb(verb: string, v: unknown): string {
  if (v === undefined || v === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${printArg(v, "v", NO_FLAGS, 0)})`;
}

function fmtBool(b: boolean, verb: string, f: Flags): string {
  if (verb === "t" || verb === "v") return pad(b ? "true" : "false", f);
  return badVerb(verb, b);
}

function utf8Hex(bytes: Uint8Array, f: Flags, upper: boolean): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    if (f.space && i > 0) out += " ";
    if (f.sharp && (f.space || i === 0)) out += upper ? "0X" : "0x";
    out += hex(bytes[i] ?? 0, 2, upper);
  }
  return out;
}

function fmtString(s: string, verb: string, f: Flags): string {
  switch (verb) {
    case "v":
      if (f.sharpV) return pad(goQuote(s), f);
      return pad(truncateRunes(s, f), f);
    case "s":
      return pad(truncateRunes(s, f), f);
    case "q": {
      const t = truncateRunes(s, f);
      // strconv.CanBackquote: no backquote and no control characters other than tab.
      // eslint-disable-next-line no-control-regex
      if (f.sharp && !t.includes("`") && !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(t))
        return pad("`" + t + "`", f);
      return pad(goQuote(t), f);
    }
    case "x":
    case "X": {
      const bytes = Buffer.from(s, "utf8");
      const limit = f.prec >= 0 ? Math.min(f.prec, bytes.length) : bytes.length;
      return pad(utf8Hex(bytes.subarray(0, limit), f, verb === "X"), f);
    }
    default:
      return badVerb(verb, s);
  }
}

function fmtInteger(n: bigint, base: number, verb: string, f: Flags): string {
  const neg = n < 0n;
  let digits = (neg ? -n : n).toString(base);
  if (verb === "X") digits = digits.toUpperCase();
  let prec = 0;
  if (f.prec >= 0) {
    prec = f.prec;
    if (prec === 0 && n === 0n) return f.wid > 0 ? " ".repeat(f.wid) : "";
  } else if (f.zero && !f.minus && f.wid >= 0) {
    prec = f.wid;
    if (neg || f.plus || f.space) prec--;
  }
  if (digits.length < prec) digits = "0".repeat(prec - digits.length) + digits;
  if (f.sharp) {
    if (base === 2) digits = "0b" + digits;
    else if (base === 8 && digits[0] !== "0") digits = "0" + digits;
    else if (base === 16) digits = (verb === "X" ? "0X" : "0x") + digits;
  }
  if (verb === "O") digits = "0o" + digits;
  if (neg) digits = "-" + digits;
  else if (f.plus) digits = "+" + digits;
  else if (f.space) digits = " " + digits;
  return pad(digits, { ...f, zero: false });
}

function fmtInt(n: bigint, verb: string, f: Flags): string {
  switch (verb) {
    case "v":
    case "d":
      return fmtInteger(n, 10, verb, f);
    case "b":
      return fmtInteger(n, 2, verb, f);
    case "o":
    case "O":
      return fmtInteger(n, 8, verb, f);
    case "x":
    case "X":
      return fmtInteger(n, 16, verb, f);
    case "c":
      return pad(runeString(n), f);
    case "q":
      return pad(goQuote(runeString(n), "'"), f);
    case "U": {
      let s = "U+" + hex(Number(n), 4, true);
      if (f.sharp && n >= 0n && n <= 0x10ffffn && isGoPrint(Number(n))) s += " '" + runeString(n) + "'";
      return pad(s, f);
    }
    default:
      return badVerb(verb, n);
  }
}

function runeString(n: bigint): string {
  const cp = Number(n);
  if (n < 0n || n > 0x10ffffn || (cp >= 0xd800 && cp <= 0xdfff)) return "\ufffd";
  return String.fromCodePoint(cp);
}

function fmtFloatVerb(v: number, verb: string, f: Flags): string {
  let fmt: "e" | "E" | "f" | "F" | "g" | "G";
  let prec: number;
  switch (verb) {
    case "v":
      fmt = "g";
      prec = -1;
      break;
    case "g":
    case "G":
      fmt = verb;
      prec = -1;
      break;
    case "e":
    case "E":
    case "f":
    case "F":
      fmt = verb;
      prec = 6;
      break;
    default:
      return badVerb(verb, v);
  }
  if (f.prec >= 0) prec = f.prec;
  let num = formatFloat(v, fmt, prec);
  if (num[0] !== "-" && num[0] !== "+") num = "+" + num;
  if (f.space && num[0] === "+" && !f.plus) num = " " + num.slice(1);
  if (num[1] === "I" || num[1] === "N") {
    if (num[1] === "N" && !f.space && !f.plus) num = num.slice(1);
    return pad(num, { ...f, zero: false });
  }
  if (f.sharp && verb !== "v" && !num.includes(".")) {
    // %#g / %#e / %#f always keep a decimal point.
    const e = num.search(/[eE]/);
    num = e < 0 ? num + "." : num.slice(0, e) + "." + num.slice(e);
  }
  if (f.plus || num[0] !== "+") {
    if (f.zero && !f.minus && f.wid > num.length)
      return num[0] + "0".repeat(f.wid - num.length) + num.slice(1);
    return pad(num, f);
  }
  return pad(num.slice(1), f);
}

function isStringerVerb(verb: string): boolean {
  return verb === "v" || verb === "s" || verb === "x" || verb === "X" || verb === "q";
}

function printArg(v: unknown, verb: string, f: Flags, depth: number): string {
  if (v === undefined || v === null) {
    if (verb === "v" || verb === "T") return pad("<nil>", f);
    return badVerb(verb, v);
  }
  if (verb === "T") return pad(goTypeName(v), f);
  switch (typeof v) {
    case "boolean":
      return fmtBool(v, verb, f);
    case "bigint":
      return fmtInt(v, verb, f);
    case "number":
      return fmtFloatVerb(v, verb, f);
    case "string":
      return fmtString(v, verb, f);
    case "function":
      return verb === "v" || verb === "p" ? pad("func()", f) : badVerb(verb, v);
    case "object":
      break;
    default:
      return pad(String(v), f);
  }
  if (v instanceof GoDuration && !isStringerVerb(verb)) return fmtInt(BigInt(Math.trunc(v.ns)), verb, f);
  if (isStringerVerb(verb) && !f.sharpV) {
    const str = (v as { [GO_STRING]?: unknown })[GO_STRING];
    if (typeof str === "function") return fmtString(String(str.call(v)), verb, f);
    if (v instanceof Error) return fmtString(v.message, verb, f);
  }
  if (depth > 100) return "<cycle>";
  if (Array.isArray(v)) {
    let s = "[";
    for (let i = 0; i < v.length; i++) {
      if (i > 0) s += " ";
      s += printArg(v[i], verb, f, depth + 1);
    }
    return s + "]";
  }
  if (v instanceof GoMap || v instanceof Map) {
    let s = "map[";
    let first = true;
    for (const [k, val] of sortedMapEntries(v)) {
      if (!first) s += " ";
      first = false;
      s += printArg(k, verb, f, depth + 1) + ":" + printArg(val, verb, f, depth + 1);
    }
    return s + "]";
  }
  // A struct: field values in declaration (insertion) order; %+v adds the names.
  let s = "{";
  let first = true;
  for (const [k, val] of Object.entries(v)) {
    if (!first) s += " ";
    first = false;
    if (f.plusV) s += k + ":";
    s += printArg(val, verb, f, depth + 1);
  }
  return s + "}";
}

/** Go's `%v` of a value: floats as {@link formatGoFloat}, nil as `<nil>`, `[a b]`, `map[k:v]`, `{a b}`. */
export function formatGoValue(v: unknown): string {
  switch (typeof v) {
    case "string":
      return v;
    case "number":
      return formatGoFloat(v);
    case "bigint":
      return v.toString();
    case "boolean":
      return v ? "true" : "false";
    default:
      return printArg(v, "v", NO_FLAGS, 0);
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** An int argument for `*` width or precision, as Go's intFromArg accepts it. */
function intArg(v: unknown): number | undefined {
  if (typeof v === "bigint") return Number(v);
  if (v instanceof GoDuration) return Math.trunc(v.ns);
  return undefined;
}

/**
 * Go's `fmt.Sprintf`. Verbs: v (with + and #), T, t, d b o O x X c q U, e E f F g G, s q x X,
 * and `%%`; flags `+ - # space 0`, width and precision (also `*`), explicit indexes `%[n]d`.
 * Errors print inline as Go does: `%!d(string=x)`, `%!d(MISSING)`, `%!(EXTRA int64=1)`.
 */
export function goSprintf(format: string, args: readonly unknown[]): string {
  let out = "";
  let argNum = 0;
  let reordered = false;
  const end = format.length;
  let i = 0;
  while (i < end) {
    const lasti = i;
    while (i < end && format.charCodeAt(i) !== 37 /* % */) i++;
    if (i > lasti) out += format.slice(lasti, i);
    if (i >= end) break;
    i++; // skip %
    const f: Flags = { ...NO_FLAGS };
    // flags
    for (; i < end; i++) {
      const c = format[i];
      if (c === "#") f.sharp = true;
      else if (c === "0") f.zero = !f.minus;
      else if (c === "+") f.plus = true;
      else if (c === "-") {
        f.minus = true;
        f.zero = false;
      } else if (c === " ") f.space = true;
      else break;
    }
    let goodArgNum = true;
    const argIndex = (): void => {
      if (format[i] !== "[") return;
      reordered = true;
      const close = format.indexOf("]", i);
      const n = close < 0 ? NaN : Number(format.slice(i + 1, close));
      if (!Number.isInteger(n) || n < 1 || n > args.length || close < 0) {
        goodArgNum = false;
        i = close < 0 ? end : close + 1;
        return;
      }
      argNum = n - 1;
      i = close + 1;
    };
    argIndex();
    // width
    if (format[i] === "*") {
      i++;
      const w = argNum < args.length ? intArg(args[argNum]) : undefined;
      argNum++;
      if (w === undefined) out += "%!(BADWIDTH)";
      else {
        f.wid = Math.abs(w);
        if (w < 0) {
          f.minus = true;
          f.zero = false;
        }
      }
    } else {
      const ws = i;
      while (i < end && isDigit(format.charCodeAt(i))) i++;
      if (i > ws) f.wid = Number(format.slice(ws, i));
    }
    // precision
    if (format[i] === ".") {
      i++;
      argIndex();
      if (format[i] === "*") {
        i++;
        const p = argNum < args.length ? intArg(args[argNum]) : undefined;
        argNum++;
        if (p === undefined || p < 0) out += "%!(BADPREC)";
        else f.prec = p;
      } else {
        const ps = i;
        while (i < end && isDigit(format.charCodeAt(i))) i++;
        f.prec = i > ps ? Number(format.slice(ps, i)) : 0;
      }
    }
    argIndex();
    if (i >= end) {
      out += "%!(NOVERB)";
      break;
    }
    const cp = format.codePointAt(i) ?? 0;
    const verb = String.fromCodePoint(cp);
    i += verb.length;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (!goodArgNum) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    if (verb === "v") {
      if (f.sharp) {
        f.sharp = false;
        f.sharpV = true;
      }
      if (f.plus) {
        f.plus = false;
        f.plusV = true;
      }
    }
    out += printArg(args[argNum++], verb === "w" ? "v" : verb, f, 0);
  }
  if (!reordered && argNum < args.length) {
    out += "%!(EXTRA ";
    for (let k = argNum; k < args.length; k++) {
      if (k > argNum) out += ", ";
      const a = args[k];
      out += a === undefined || a === null ? "<nil>" : goTypeName(a) + "=" + printArg(a, "v", NO_FLAGS, 0);
    }
    out += ")";
  }
  return out;
}

/** Go's `fmt.Sprint`: `%v` of each operand, with a space between two operands when neither is a string. */
export function goSprint(args: readonly unknown[]): string {
  let out = "";
  let prevString = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const isString = typeof a === "string";
    if (i > 0 && !isString && !prevString) out += " ";
    out += formatGoValue(a);
    prevString = isString;
  }
  return out;
}

/** Go's `fmt.Sprintln`: operands separated by spaces, then "\n". */
export function goSprintln(args: readonly unknown[]): string {
  return args.map(formatGoValue).join(" ") + "\n";
}
