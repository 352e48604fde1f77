/**
 * Go's `encoding/json` encoder, byte for byte: alert bodies, API responses and the template
 * `json` function must match what Kapacitor writes.
 *
 * Structs versus maps: a plain object is a Go struct — its keys are written in insertion
 * order, which stands for Go's field declaration order. A `Map` or a {@link GoMap} is a Go
 * map — its keys are written sorted (bytewise, by their string form), as Go sorts map keys.
 *
 * Values: `bigint` is an int64 (written as digits), `number` a float64 (Go's float format:
 * `10`, `0.5`, `1e-7`, `1e+21`; NaN and ±Inf are errors), `undefined` object properties are
 * skipped (elsewhere `undefined` is `null`), `Uint8Array` is base64 like `[]byte`, and an
 * object with `[GO_JSON]()` is encoded as the value that method returns (GoTime → its
 * RFC3339Nano string, GoDuration → its ns). Dates are not special; pass formatted strings.
 */
import { compareGoStrings, GO_JSON, GoMap } from "./go-format.js";
import { takeBuilder, type AsciiBuilder } from "./ascii-builder.js";
import { TickdError } from "./errors.js";

/** Code for values Go's encoder refuses (NaN, ±Inf, functions, cycles). */
export const E_JSON = "E_JSON";

export interface GoJsonOptions {
  /** Per-level indent, as `json.MarshalIndent(v, "", indent)`; Kapacitor's API uses 4 spaces. */
  indent?: string;
  /** Escape `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026` (Go's default). Default true. */
  escapeHTML?: boolean;
}

// Control characters are exactly what these patterns look for.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE_HTML = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/;
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/;
const HEX = "0123456789abcdef";

/** Go's escape of each code unit below 0x80 ("" for none), without and with escapeHTML. */
const ESCAPES: readonly string[] = Array.from({ length: 128 }, (_, c) => asciiEscape(c, false));
const ESCAPES_HTML: readonly string[] = Array.from({ length: 128 }, (_, c) => asciiEscape(c, true));
/** The table of goJsonString's escapes with escapeHTML, for AsciiBuilder.escaped. */
export const GO_JSON_ESCAPES_HTML = ESCAPES_HTML;

function asciiEscape(c: number, html: boolean): string {
  if (c < 0x20) {
    const short = ({ 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t" } as Record<number, string>)[c];
    return short ?? "\\u00" + HEX[c >> 4] + HEX[c & 15];
  }
  if (c === 34) return '\\"';
  if (c === 92) return "\\\\";
  if (html && (c === 60 || c === 62 || c === 38)) return "\\u00" + HEX[c >> 4] + HEX[c & 15];
  return "";
}

/** A JSON string literal the way Go's encodeState.string writes it. */
export function goJsonString(s: string, escapeHTML = true): string {
  if (!(escapeHTML ? NEEDS_ESCAPE_HTML : NEEDS_ESCAPE).test(s)) return '"' + s + '"';
  // ASCII text (every alert's details: HTML-escaped JSON, an escape every few characters):
  // written through a byte buffer, one allocation instead of a slice and two joins per escape.
  const b = takeBuilder();
  if (b.quoted(s, escapeHTML ? ESCAPES_HTML : ESCAPES)) return b.done();
  b.release();
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c < 0x20) {
      switch (c) {
        case 8:
          rep = "\\b";
          break;
        case 12:
          rep = "\\f";
          break;
        case 10:
          rep = "\\n";
          break;
        case 13:
          rep = "\\r";
          break;
        case 9:
          rep = "\\t";
          break;
        default:
          rep = "\\u00" + HEX[c >> 4] + HEX[c & 15];
      }
    } else if (c === 34) rep = '\\"';
    else if (c === 92) rep = "\\\\";
    else if (escapeHTML && (c === 60 || c === 62 || c === 38)) rep = "\\u00" + HEX[c >> 4] + HEX[c & 15];
    else if (c === 0x2028) rep = "\\u2028";
    else if (c === 0x2029) rep = "\\u2029";
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid pair: written as is
        continue;
      }
      rep = "\\ufffd";
    }
    if (rep === undefined) continue;
    out += s.slice(start, i) + rep;
    start = i + 1;
  }
  return out + s.slice(start) + '"';
}

/** encoding/json's float64 format: like JavaScript's, except that -0 stays `-0`. */
export function goJsonFloat(n: number): string {
  if (!Number.isFinite(n)) {
    throw new TickdError(
      E_JSON,
      `json: unsupported value: ${Number.isNaN(n) ? "NaN" : n > 0 ? "+Inf" : "-Inf"}`,
    );
  }
  // Go: 'f' unless abs < 1e-6 || abs >= 1e21, then 'e' with "e-07" shortened to "e-7". That is
  // exactly ECMAScript's Number::toString, shortest digits included.
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  return String(n);
}

/**
 * Writes into an AsciiBuilder while the text is ASCII (one allocation: the result; appending
 * to a string left a rope of pieces per value, ~3 KB per alert's details), and goes on in a
 * string from the first non-ASCII text. Callers end with result() or, on a throw, release().
 */
class Encoder {
  private out = "";
  private b: AsciiBuilder | undefined = takeBuilder();
  private readonly indent: string;
  private readonly html: boolean;
  private readonly escapes: readonly string[];
  /** Objects being encoded (outer first), for the cycle check: as deep as the value. */
  private readonly seen: object[] = [];

  constructor(opts: GoJsonOptions | undefined) {
    this.indent = opts?.indent ?? "";
    this.html = opts?.escapeHTML ?? true;
    this.escapes = this.html ? ESCAPES_HTML : ESCAPES;
  }

  result(): string {
    const b = this.b;
    if (b === undefined) return this.out;
    this.b = undefined;
    return b.done();
  }

  release(): void {
    this.b?.release();
    this.b = undefined;
  }

  /** From here on, a string. */
  private unbuffer(): void {
    this.out = this.b!.done();
    this.b = undefined;
  }

  private put(s: string): void {
    const b = this.b;
    if (b !== undefined) {
      const mark = b.n;
      if (b.text(s)) return;
      b.n = mark;
      this.unbuffer();
    }
    this.out += s;
  }

  private putString(s: string): void {
    const b = this.b;
    if (b !== undefined) {
      const mark = b.n;
      if (b.quoted(s, this.escapes)) return;
      b.n = mark;
      this.unbuffer();
    }
    this.out += goJsonString(s, this.html);
  }

  private newline(depth: number): void {
    if (this.indent !== "") this.put("\n" + this.indent.repeat(depth));
  }

  encode(v: unknown, depth: number): void {
    switch (typeof v) {
      case "string":
        this.putString(v);
        return;
      case "number":
        this.put(goJsonFloat(v));
        return;
      case "bigint":
        this.put(v.toString());
        return;
      case "boolean":
        this.put(v ? "true" : "false");
        return;
      case "undefined":
        this.put("null");
        return;
      case "object":
        break;
      default:
        throw new TickdError(
          E_JSON,
          `json: unsupported type: ${typeof v === "function" ? "func()" : typeof v}`,
        );
    }
    if (v === null) {
      this.put("null");
      return;
    }
    const marshal = (v as { [GO_JSON]?: unknown })[GO_JSON];
    if (typeof marshal === "function") {
      this.encode(marshal.call(v), depth);
      return;
    }
    if (v instanceof Uint8Array) {
      this.put('"' + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") + '"');
      return;
    }
    if (v instanceof Date) {
      throw new TickdError(E_JSON, "json: unsupported type: Date (pass a formatted string or a GoTime)");
    }
    if (this.seen.includes(v)) throw new TickdError(E_JSON, "json: unsupported value: encountered a cycle");
    this.seen.push(v);
    if (Array.isArray(v)) this.array(v, depth);
    else if (v instanceof Map) this.map(mapEntries(v), depth);
    else if (v instanceof GoMap) this.map(Object.entries(v.entries), depth);
    else this.struct(v as Record<string, unknown>, depth);
    this.seen.pop();
  }

  private array(a: readonly unknown[], depth: number): void {
    if (a.length === 0) {
      this.put("[]");
      return;
    }
    this.put("[");
    for (let i = 0; i < a.length; i++) {
      if (i > 0) this.put(",");
      this.newline(depth + 1);
      this.encode(a[i], depth + 1);
    }
    this.newline(depth);
    this.put("]");
  }

  private struct(o: Record<string, unknown>, depth: number): void {
    let first = true;
    this.put("{");
    for (const k of Object.keys(o)) {
      const val = o[k];
      if (val === undefined) continue;
      if (!first) this.put(",");
      first = false;
      this.newline(depth + 1);
      this.putString(k);
      this.put(this.indent !== "" ? ": " : ":");
      this.encode(val, depth + 1);
    }
    if (!first) this.newline(depth);
    this.put("}");
  }

  private map(entries: [string, unknown][], depth: number): void {
    entries.sort((a, b) => compareGoStrings(a[0], b[0]));
    this.put("{");
    for (let i = 0; i < entries.length; i++) {
      const [k, val] = entries[i] as [string, unknown];
      if (i > 0) this.put(",");
      this.newline(depth + 1);
      this.putString(k);
      this.put(this.indent !== "" ? ": " : ":");
      this.encode(val, depth + 1);
    }
    if (entries.length > 0) this.newline(depth);
    this.put("}");
  }
}

/** Go encodes map keys by their string form: strings as is, integers in decimal. */
function mapEntries(m: ReadonlyMap<unknown, unknown>): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of m) {
    if (typeof k === "string") out.push([k, v]);
    else if (typeof k === "bigint" || (typeof k === "number" && Number.isInteger(k)))
      out.push([String(k), v]);
    else throw new TickdError(E_JSON, `json: unsupported type: map key ${typeof k}`);
  }
  return out;
}

/**
 * `json.Marshal(v)` (or `json.MarshalIndent(v, "", indent)`): no trailing newline. Throws a
 * TickdError (code {@link E_JSON}) where Go returns an error.
 */
export function goJson(value: unknown, opts?: GoJsonOptions): string {
  const e = new Encoder(opts);
  try {
    e.encode(value, 0);
  } catch (err) {
    e.release();
    throw err;
  }
  return e.result();
}

/** `json.NewEncoder(w).Encode(v)`: the same bytes followed by "\n". */
export function goJsonLine(value: unknown, opts?: GoJsonOptions): string {
  return goJson(value, opts) + "\n";
}
