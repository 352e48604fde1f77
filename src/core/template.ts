/**
 * The subset of Go's text/template (and html/template's text context) that Kapacitor's ID,
 * message and details templates and handler templates use. A template is parsed once into a
 * tree of closures; `execute` then only walks closures (one execution per alert event).
 *
 * Data model (see go-format.ts for the full table):
 * - A plain object is a Go struct: `.Field` on a missing key is an execution error, as in Go
 *   (`can't evaluate field Nmae in type struct`), so a typo fails the task instead of
 *   printing nothing. `index` and `range` also accept plain objects (Go would refuse them).
 * - A `Map` or {@link GoMap} is a Go map: a missing key reads as the map's zero value —
 *   `undefined` (prints `<no value>`, Kapacitor's `.Fields`) unless the GoMap was built with
 *   `stringMap()` (zero `""`, Kapacitor's `.Tags`). Maps range in sorted key order.
 * - `bigint` is an int, `number` a float64 (`%v` prints `2.5e+06`); the literal `1` is an int
 *   and `1.0` a float, and `eq`/`lt` refuse to compare the two, like Go.
 * - {@link GoTime} prints `1971-01-01 00:00:10 +0000 UTC`, {@link GoDuration} `1m30s`; in JSON
 *   they are an RFC3339Nano string and an int of ns. Functions found on the data (class
 *   methods such as `.Time.Unix`) are called, with arguments if they end the command.
 *
 * Not supported (parse errors): `define`, `template`, `block`. Error positions are
 * `template: NAME:LINE:COL:` with a 1-based column.
 */
import { ErrorCodes, TickdError } from "./errors.js";
import {
  compareGoStrings,
  formatGoValue,
  GoDuration,
  GoMap,
  goSprint,
  goSprintf,
  goSprintln,
  GoTime,
  goTypeName,
  isGoPrint,
  sortedMapEntries,
} from "./go-format.js";
import { takeBuilder } from "./ascii-builder.js";
import { goJson } from "./go-json.js";

/**
 * A template function. Arguments arrive as template values (declare them `unknown`, or as the
 * types you expect — nothing checks them); throwing makes an `error calling NAME` exec error.
 */
export type TemplateFunc = (...args: never[]) => unknown;
type AnyFunc = (...args: unknown[]) => unknown;

export interface TemplateOptions {
  /** Used in error messages, like Go's template name (`id`, `message`, `details`). */
  name?: string;
  /** html/template text-context escaping of every action's output (Kapacitor's details). */
  html?: boolean;
  /** Extra functions; they take precedence over the built-ins, as Go's `Funcs` do. */
  funcs?: Record<string, TemplateFunc>;
  /**
   * Functions whose output is safe inside a JSON string (tickd's `alert_*` helpers): an action
   * that calls one of them and prints inside a string literal of a JSON document (the output
   * so far starts with `{` or `[`) has its output escaped as JSON string content, so
   * `"title":"{{alert_title}}"` stays valid JSON whatever the title holds. Elsewhere (outside
   * strings, or a body that is not JSON) the output is printed as it is.
   */
  jsonStringFuncs?: readonly string[];
}

export interface Template {
  readonly name: string;
  readonly source: string;
  execute(data: unknown): string;
}

/** A template error with its position; `code` is E_TEMPLATE_PARSE or E_TEMPLATE_EXEC. */
export class TemplateError extends TickdError {
  readonly template: string;
  readonly line: number;
  readonly column: number;
  constructor(code: string, template: string, line: number, column: number, message: string) {
    super(code, message);
    this.name = "TemplateError";
    this.template = template;
    this.line = line;
    this.column = column;
  }
}

// ---------------------------------------------------------------------------------------------
// Lexer

type TokKind =
  | "field" // .Name
  | "var" // $ or $name
  | "ident" // function name or keyword
  | "string"
  | "number"
  | "bool"
  | "nil"
  | "dot"
  | "pipe"
  | "lparen"
  | "rparen"
  | "declare"
  | "assign"
  | "comma";

interface Tok {
  k: TokKind;
  text: string;
  pos: number;
  end: number;
  /** Whitespace precedes it; a field directly after an operand (no space) chains onto it. */
  sp: boolean;
  /** Literal value for string/number/bool. */
  val?: unknown;
}

type Item = { t: "text"; text: string; pos: number } | { t: "action"; toks: Tok[]; pos: number; end: number };

const KEYWORDS = new Set([
  "if",
  "else",
  "end",
  "range",
  "with",
  "define",
  "template",
  "block",
  "break",
  "continue",
]);

function isSpaceCode(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

function isAlnum(ch: string): boolean {
  return /^[\p{L}\p{Nd}_]$/u.test(ch);
}

const GO_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
};

class Source {
  private lineStarts: number[] | undefined;
  constructor(
    readonly name: string,
    readonly text: string,
  ) {}

  lineCol(pos: number): [number, number] {
    if (this.lineStarts === undefined) {
      this.lineStarts = [0];
      for (let i = 0; i < this.text.length; i++)
        if (this.text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= pos) lo = mid;
      else hi = mid - 1;
    }
    return [lo + 1, pos - (this.lineStarts[lo] ?? 0) + 1];
  }

  parseError(pos: number, msg: string): TemplateError {
    const [line, col] = this.lineCol(pos);
    return new TemplateError(
      ErrorCodes.TEMPLATE_PARSE,
      this.name,
      line,
      col,
      `template: ${this.name}:${line}:${col}: ${msg}`,
    );
  }

  execError(pos: number, context: string, msg: string): TemplateError {
    const [line, col] = this.lineCol(pos);
    return new TemplateError(
      ErrorCodes.TEMPLATE_EXEC,
      this.name,
      line,
      col,
      `template: ${this.name}:${line}:${col}: executing "${this.name}" at <${context}>: ${msg}`,
    );
  }
}

function lex(src: Source): Item[] {
  const s = src.text;
  const items: Item[] = [];
  let pos = 0;
  let trimNext = false;
  for (;;) {
    const open = s.indexOf("{{", pos);
    const textEnd = open < 0 ? s.length : open;
    const trimLeft = open >= 0 && s.charCodeAt(open + 2) === 45 && isSpaceCode(s.charCodeAt(open + 3));
    let a = pos;
    let b = textEnd;
    if (trimNext) while (a < b && isSpaceCode(s.charCodeAt(a))) a++;
    if (trimLeft) while (b > a && isSpaceCode(s.charCodeAt(b - 1))) b--;
    if (b > a) items.push({ t: "text", text: s.slice(a, b), pos: a });
    if (open < 0) return items;
    let p = open + (trimLeft ? 4 : 2);
    if (s.startsWith("/*", p)) {
      const close = s.indexOf("*/", p + 2);
      if (close < 0) throw src.parseError(open, "unclosed comment");
      const q = close + 2;
      if (s.startsWith("}}", q)) {
        trimNext = false;
        pos = q + 2;
      } else if (isSpaceCode(s.charCodeAt(q)) && s.startsWith("-}}", q + 1)) {
        trimNext = true;
        pos = q + 4;
      } else throw src.parseError(close, "comment ends before closing delimiter");
      continue;
    }
    const toks: Tok[] = [];
    let sp = trimLeft;
    for (;;) {
      if (p >= s.length) throw src.parseError(open, "unclosed action");
      const c = s.charCodeAt(p);
      if (isSpaceCode(c) && s.startsWith("-}}", p + 1)) {
        trimNext = true;
        p += 4;
        break;
      }
      if (c === 125 && s.charCodeAt(p + 1) === 125) {
        trimNext = false;
        p += 2;
        break;
      }
      if (isSpaceCode(c)) {
        sp = true;
        p++;
        continue;
      }
      const start = p;
      const push = (k: TokKind, end: number, val?: unknown): void => {
        const tok: Tok = { k, text: s.slice(start, end), pos: start, end, sp };
        if (val !== undefined) tok.val = val;
        toks.push(tok);
        p = end;
        sp = false;
      };
      const ch = s[p] ?? "";
      const next = s[p + 1] ?? "";
      if (ch === "|") push("pipe", p + 1);
      else if (ch === "(") push("lparen", p + 1);
      else if (ch === ")") push("rparen", p + 1);
      else if (ch === ",") push("comma", p + 1);
      else if (ch === "=") push("assign", p + 1);
      else if (ch === ":") {
        if (next !== "=") throw src.parseError(p, "expected :=");
        push("declare", p + 2);
      } else if (ch === '"') {
        let q = p + 1;
        for (;;) {
          const cq = s[q];
          if (cq === undefined || cq === "\n") throw src.parseError(p, "unterminated quoted string");
          if (cq === "\\") q += 2;
          else if (cq === '"') break;
          else q++;
        }
        push("string", q + 1, unquote(src, s.slice(p + 1, q), p));
      } else if (ch === "`") {
        const q = s.indexOf("`", p + 1);
        if (q < 0) throw src.parseError(p, "unterminated raw quoted string");
        push("string", q + 1, s.slice(p + 1, q).replace(/\r/g, ""));
      } else if (ch === "'") {
        let q = p + 1;
        for (;;) {
          const cq = s[q];
          if (cq === undefined || cq === "\n") throw src.parseError(p, "unterminated character constant");
          if (cq === "\\") q += 2;
          else if (cq === "'") break;
          else q++;
        }
        const str = unquote(src, s.slice(p + 1, q), p);
        const cps = [...str];
        if (cps.length !== 1) throw src.parseError(p, `malformed character constant: ${s.slice(p, q + 1)}`);
        push("number", q + 1, BigInt(cps[0]?.codePointAt(0) ?? 0));
      } else if (ch === "$") {
        let q = p + 1;
        while (q < s.length && isAlnum(s[q] ?? "")) q++;
        push("var", q);
      } else if (ch === "." && !/[0-9]/.test(next)) {
        if (isAlnum(next)) {
          let q = p + 1;
          while (q < s.length && isAlnum(s[q] ?? "")) q++;
          push("field", q);
        } else push("dot", p + 1);
      } else if (/[0-9.]/.test(ch) || ((ch === "-" || ch === "+") && /[0-9.]/.test(next))) {
        const m =
          /^[+-]?(0[xX][0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|0[oObB][0-9_]+|[0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9_]+)?)i?/.exec(
            s.slice(p),
          );
        const text = m?.[0] ?? "";
        const after = s[p + text.length] ?? "";
        if (text === "" || isAlnum(after) || after === ".") {
          throw src.parseError(p, `bad number syntax: ${JSON.stringify(s.slice(p, p + text.length + 1))}`);
        }
        push("number", p + text.length, parseNumber(src, text, p));
      } else if (isAlnum(ch)) {
        let q = p + 1;
        while (q < s.length && isAlnum(s[q] ?? "")) q++;
        const word = s.slice(p, q);
        if (word === "true" || word === "false") push("bool", q, word === "true");
        else if (word === "nil") push("nil", q);
        else push("ident", q);
      } else {
        const cp = s.codePointAt(p) ?? 0;
        if (cp > 0x20 && cp < 0x7f) {
          const hint = ch === "}" ? ' (a "}}" is missing?)' : "";
          throw src.parseError(p, `unexpected ${JSON.stringify(ch)} in operand${hint}`);
        }
        throw src.parseError(
          p,
          `unrecognized character in action: U+${cp.toString(16).toUpperCase().padStart(4, "0")} ${JSON.stringify(String.fromCodePoint(cp))}`,
        );
      }
    }
    items.push({ t: "action", toks, pos: open, end: p });
    pos = p;
  }
}

/** Go's strconv.Unquote for the body of a "..." or '...' literal. */
function unquote(src: Source, body: string, pos: number): string {
  if (!body.includes("\\")) return body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? "";
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = body[++i] ?? "";
    const simple = GO_ESCAPES[e];
    if (simple !== undefined) out += simple;
    else if (e === '"' || e === "'") out += e;
    else if (e === "x" || e === "u" || e === "U") {
      const n = e === "x" ? 2 : e === "u" ? 4 : 8;
      const h = body.slice(i + 1, i + 1 + n);
      if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h))
        throw src.parseError(pos, `invalid syntax in quoted string`);
      const v = parseInt(h, 16);
      // \x is a byte; as text it can only stand for itself when ASCII.
      out += e === "x" && v > 0x7f ? "\ufffd" : String.fromCodePoint(Math.min(v, 0x10ffff));
      i += n;
    } else if (/[0-7]/.test(e)) {
      const o = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(o)) throw src.parseError(pos, `invalid syntax in quoted string`);
      const v = parseInt(o, 8);
      out += v > 0x7f ? "\ufffd" : String.fromCharCode(v);
      i += 2;
    } else throw src.parseError(pos, `invalid syntax in quoted string`);
  }
  return out;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A number literal: an int (bigint) unless it has a fraction or decimal exponent, like Go's ideal constants. */
function parseNumber(src: Source, text: string, pos: number): bigint | number {
  if (text.endsWith("i")) throw src.parseError(pos, `complex numbers are not supported: ${text}`);
  const t = text.replace(/_/g, "");
  const neg = t[0] === "-";
  const body = t[0] === "-" || t[0] === "+" ? t.slice(1) : t;
  const isHex = /^0[xX]/.test(body);
  if ((isHex && /[.pP]/.test(body)) || (!isHex && /[.eE]/.test(body))) {
    if (isHex) throw src.parseError(pos, `hexadecimal floating-point literals are not supported: ${text}`);
    const v = Number(body);
    if (Number.isNaN(v)) throw src.parseError(pos, `bad number syntax: ${text}`);
    return neg ? -v : v;
  }
  let lit = body;
  if (/^0[0-7]+$/.test(body)) lit = "0o" + body.slice(1);
  else if (/^0[0-9]+$/.test(body)) throw src.parseError(pos, `bad number syntax: ${text}`);
  let v: bigint;
  try {
    v = BigInt(lit);
  } catch {
    throw src.parseError(pos, `bad number syntax: ${text}`);
  }
  if (neg) v = -v;
  if (v < INT64_MIN || v > INT64_MAX) return Number(v);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Execution model

interface State {
  out: string;
  vars: unknown[];
}

/** Marks "no value piped in" for a command (Go's missingVal). */
const NONE: unique symbol = Symbol("none");
type Piped = unknown;

type Run = (s: State, dot: unknown) => void;
type Ev = (s: State, dot: unknown) => unknown;
type Cmd = (s: State, dot: unknown, final: Piped) => unknown;

const BREAK = Symbol("break");
const CONTINUE = Symbol("continue");

/** Go's isTrue: false, 0, nil and empty strings/slices/maps are false; structs are true. */
export function goTruth(v: unknown): boolean {
  switch (typeof v) {
    case "undefined":
      return false;
    case "boolean":
      return v;
    case "number":
      return v !== 0;
    case "bigint":
      return v !== 0n;
    case "string":
      return v.length > 0;
    case "object":
      if (v === null) return false;
      if (Array.isArray(v)) return v.length > 0;
      if (v instanceof Map) return v.size > 0;
      if (v instanceof GoMap) return v.size > 0;
      if (v instanceof GoDuration) return v.ns !== 0;
      return true;
    default:
      return true;
  }
}

/** A failure inside a function or field access; the call site adds the position. */
class CallError extends Error {}

// ---------------------------------------------------------------------------------------------
// Builtins

type Kind = "bool" | "int" | "float" | "string" | "invalid" | "other";

function basicKind(v: unknown): [Kind, unknown] {
  switch (typeof v) {
    case "undefined":
      return ["invalid", v];
    case "boolean":
      return ["bool", v];
    case "bigint":
      return ["int", v];
    case "number":
      return ["float", v];
    case "string":
      return ["string", v];
    default:
      if (v === null) return ["invalid", v];
      if (v instanceof GoDuration) return ["int", BigInt(Math.trunc(v.ns))];
      return ["other", v];
  }
}

function eqPair(a: unknown, b: unknown): boolean {
  const [ka, va] = basicKind(a);
  const [kb, vb] = basicKind(b);
  if (ka !== kb) {
    if (ka !== "invalid" && kb !== "invalid") throw new CallError("incompatible types for comparison");
    return false;
  }
  switch (ka) {
    case "invalid":
      return true;
    case "other":
      if (Array.isArray(va) || va instanceof Map || va instanceof GoMap || typeof va === "function") {
        throw new CallError(`non-comparable type ${formatGoValue(va)}: ${goTypeName(va)}`);
      }
      if (va instanceof GoTime && vb instanceof GoTime) return va.ns === vb.ns;
      return va === vb;
    default:
      return va === vb;
  }
}

function builtinEq(args: unknown[]): boolean {
  if (args.length < 2) throw new CallError("missing argument for comparison");
  for (let i = 1; i < args.length; i++) if (eqPair(args[0], args[i])) return true;
  return false;
}

function builtinLt(a: unknown, b: unknown): boolean {
  const [ka, va] = basicKind(a);
  const [kb, vb] = basicKind(b);
  if (ka === "invalid" || ka === "other" || kb === "invalid" || kb === "other") {
    throw new CallError("invalid type for comparison");
  }
  if (ka !== kb) throw new CallError("incompatible types for comparison");
  if (ka === "bool") throw new CallError("invalid type for comparison");
  if (ka === "string") return compareGoStrings(va as string, vb as string) < 0;
  return (va as number) < (vb as number);
}

function builtinLe(a: unknown, b: unknown): boolean {
  return builtinLt(a, b) || eqPair(a, b);
}

function toInt(v: unknown, what: string): number {
  if (typeof v === "bigint") return Number(v);
  if (v instanceof GoDuration) return Math.trunc(v.ns);
  if (v === undefined || v === null) throw new CallError(`cannot index ${what} with nil`);
  throw new CallError(`cannot index ${what} with type ${goTypeName(v)}`);
}

function indexOne(item: unknown, key: unknown): unknown {
  if (item === undefined || item === null) throw new CallError("index of nil pointer");
  if (Array.isArray(item)) {
    const i = toInt(key, "slice/array");
    if (i < 0 || i >= item.length) throw new CallError(`index out of range: ${i}`);
    return item[i];
  }
  if (typeof item === "string") {
    const bytes = Buffer.from(item, "utf8");
    const i = toInt(key, "slice/array");
    if (i < 0 || i >= bytes.length) throw new CallError(`index out of range: ${i}`);
    return BigInt(bytes[i] ?? 0);
  }
  if (item instanceof GoMap) {
    if (typeof key !== "string") throw new CallError(`value has type ${goTypeName(key)}; should be string`);
    return item.get(key);
  }
  if (item instanceof Map) return item.has(key) ? item.get(key) : undefined;
  if (typeof item === "object" && !(item instanceof GoTime) && !(item instanceof GoDuration)) {
    if (typeof key !== "string") throw new CallError(`value has type ${goTypeName(key)}; should be string`);
    return Object.hasOwn(item, key) ? (item as Record<string, unknown>)[key] : undefined;
  }
  throw new CallError(`can't index item of type ${goTypeName(item)}`);
}

function builtinIndex(args: unknown[]): unknown {
  let item = args[0];
  if (item === undefined || item === null) throw new CallError("index of untyped nil");
  for (let i = 1; i < args.length; i++) item = indexOne(item, args[i]);
  return item;
}

function builtinSlice(args: unknown[]): unknown {
  const item = args[0];
  if (item === undefined || item === null) throw new CallError("slice of untyped nil");
  const idx = args.slice(1).map((a) => toInt(a, "slice/array"));
  if (typeof item === "string") {
    if (idx.length > 2) throw new CallError(`cannot 3-index slice a string`);
    const bytes = Buffer.from(item, "utf8");
    const lo = idx[0] ?? 0;
    const hi = idx[1] ?? bytes.length;
    if (lo < 0 || hi < lo || hi > bytes.length)
      throw new CallError(`index out of range: ${hi < lo ? lo : hi}`);
    return bytes.subarray(lo, hi).toString("utf8");
  }
  if (Array.isArray(item)) {
    if (idx.length > 3) throw new CallError(`too many slice indexes: ${idx.length}`);
    const lo = idx[0] ?? 0;
    const hi = idx[1] ?? item.length;
    if (lo < 0 || hi < lo || hi > item.length)
      throw new CallError(`index out of range: ${hi < lo ? lo : hi}`);
    return item.slice(lo, hi);
  }
  throw new CallError(`can't slice item of type ${goTypeName(item)}`);
}

function builtinLen(v: unknown): bigint {
  if (v === undefined || v === null) throw new CallError("len of nil pointer");
  if (typeof v === "string") return BigInt(Buffer.byteLength(v, "utf8"));
  if (Array.isArray(v)) return BigInt(v.length);
  if (v instanceof Map || v instanceof GoMap) return BigInt(v.size);
  throw new CallError(`len of type ${goTypeName(v)}`);
}

/** text/template's evalArgs: one string as is, else Sprint with nil shown as `<no value>`. */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === "string") return args[0];
  return goSprint(args.map((a) => (a === undefined || a === null ? "<no value>" : a)));
}

const HTML_TEXT: Record<string, string> = {
  '"': "&#34;",
  "'": "&#39;",
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  "\0": "\ufffd",
};

/** text/template's `html` (template.HTMLEscapeString). */
export function htmlEscapeString(s: string): string {
  return s.replace(/["'&<>\0]/g, (c) => HTML_TEXT[c] ?? c);
}

const HTML_CONTEXT: Record<string, string> = { ...HTML_TEXT, "+": "&#43;" };

const HTML_CONTEXT_ANY = /["'&<>+\0]/;

/** The HTML_CONTEXT replacement of each character code below 128 ("" for none). */
const HTML_CONTEXT_BY_CODE: readonly string[] = Array.from(
  { length: 128 },
  (_, c) => HTML_CONTEXT[String.fromCharCode(c)] ?? "",
);

/**
 * html/template's escaper for the HTML text context: also `+` → `&#43;`. A plain loop: this
 * runs over every alert's `{{ json . }}` details, which are full of quotes.
 */
export function htmlTemplateEscape(s: string): string {
  if (!HTML_CONTEXT_ANY.test(s)) return s;
  // ASCII text (the JSON details, a quote every few characters): through a byte buffer, whose
  // only allocation is the result (replaceAll left ~5 KB of rope per alert's details).
  const b = takeBuilder();
  if (b.escaped(s, HTML_CONTEXT_BY_CODE)) return b.done();
  b.release();
  let out = "";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const r = c < 128 ? HTML_CONTEXT_BY_CODE[c]! : "";
    if (r !== "") {
      out += s.slice(from, i) + r;
      from = i + 1;
    }
  }
  return from === 0 ? s : out + s.slice(from);
}

/** text/template's `js` (template.JSEscapeString). */
export function jsEscapeString(s: string): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case "\\":
        out += "\\\\";
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case "<":
        out += "\\u003C";
        continue;
      case ">":
        out += "\\u003E";
        continue;
      case "&":
        out += "\\u0026";
        continue;
      case "=":
        out += "\\u003D";
        continue;
    }
    if (cp < 0x20) out += "\\u00" + cp.toString(16).toUpperCase().padStart(2, "0");
    else if (cp < 0x80 || isGoPrint(cp)) out += ch;
    else out += "\\u" + cp.toString(16).toUpperCase().padStart(4, "0");
  }
  return out;
}

/** text/template's `urlquery` (url.QueryEscape). */
export function urlQueryEscape(s: string): string {
  let out = "";
  for (const b of Buffer.from(s, "utf8")) {
    if (
      (b >= 48 && b <= 57) ||
      (b >= 65 && b <= 90) ||
      (b >= 97 && b <= 122) ||
      b === 45 ||
      b === 46 ||
      b === 95 ||
      b === 126
    ) {
      out += String.fromCharCode(b);
    } else if (b === 32) out += "+";
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Kapacitor's `json`: json.Encoder output (compact, HTML-safe) with its trailing "\n". */
function builtinJson(v: unknown): string {
  try {
    return goJson(v) + "\n";
  } catch {
    return ""; // Kapacitor ignores the encoder's error; Encode writes nothing then.
  }
}

function builtinJsonCompact(v: unknown): string {
  try {
    return goJson(v);
  } catch {
    return "";
  }
}

interface Builtin {
  min: number;
  max: number;
  fn: (args: unknown[]) => unknown;
}

const BUILTINS: Record<string, Builtin> = {
  // and/or are compiled lazily (Parser.andOr); these entries only declare them.
  and: { min: 1, max: Infinity, fn: (a) => a.find((v) => !goTruth(v)) ?? a[a.length - 1] },
  or: { min: 1, max: Infinity, fn: (a) => a.find((v) => goTruth(v)) ?? a[a.length - 1] },
  not: { min: 1, max: 1, fn: (a) => !goTruth(a[0]) },
  len: { min: 1, max: 1, fn: (a) => builtinLen(a[0]) },
  index: { min: 1, max: Infinity, fn: builtinIndex },
  slice: { min: 1, max: Infinity, fn: builtinSlice },
  print: { min: 0, max: Infinity, fn: goSprint },
  println: { min: 0, max: Infinity, fn: goSprintln },
  printf: {
    min: 1,
    max: Infinity,
    fn: (a) => {
      const f = a[0];
      if (typeof f !== "string")
        throw new CallError(`wrong type for value; expected string; got ${goTypeName(f)}`);
      return goSprintf(f, a.slice(1));
    },
  },
  html: { min: 0, max: Infinity, fn: (a) => htmlEscapeString(evalArgs(a)) },
  js: { min: 0, max: Infinity, fn: (a) => jsEscapeString(evalArgs(a)) },
  urlquery: { min: 0, max: Infinity, fn: (a) => urlQueryEscape(evalArgs(a)) },
  eq: { min: 1, max: Infinity, fn: builtinEq },
  ne: { min: 2, max: 2, fn: (a) => !builtinEq(a) },
  lt: { min: 2, max: 2, fn: (a) => builtinLt(a[0], a[1]) },
  le: { min: 2, max: 2, fn: (a) => builtinLe(a[0], a[1]) },
  gt: { min: 2, max: 2, fn: (a) => !builtinLe(a[0], a[1]) },
  ge: { min: 2, max: 2, fn: (a) => !builtinLt(a[0], a[1]) },
  json: { min: 1, max: 1, fn: (a) => builtinJson(a[0]) },
  jsonCompact: { min: 1, max: 1, fn: (a) => builtinJsonCompact(a[0]) },
};

// ---------------------------------------------------------------------------------------------
// Field access

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A field or method of a class instance, but nothing inherited from Object.prototype. */
function hasClassMember(recv: object, name: string): boolean {
  if (!(name in recv)) return false;
  if (Object.hasOwn(recv, name) || !(name in Object.prototype)) return true;
  return (recv as Record<string, unknown>)[name] !== (Object.prototype as Record<string, unknown>)[name];
}

/** `.name` on a receiver; calls methods (with `args` when the field ends the command). */
function getField(recv: unknown, name: string, args: unknown[] | null): unknown {
  if (recv === undefined || recv === null) {
    // Go: a missing map entry or nil interface evaluates to "no value" down the chain.
    if (args !== null) throw new CallError(`nil pointer evaluating ${goTypeName(recv)}.${name}`);
    return undefined;
  }
  let value: unknown;
  if (recv instanceof GoMap) value = recv.get(name);
  else if (recv instanceof Map) value = recv.has(name) ? recv.get(name) : undefined;
  else if (typeof recv === "object" && !Array.isArray(recv)) {
    if (isPlainObject(recv) ? Object.hasOwn(recv, name) : hasClassMember(recv, name)) {
      value = (recv as Record<string, unknown>)[name];
    } else throw new CallError(`can't evaluate field ${name} in type ${goTypeName(recv)}`);
  } else throw new CallError(`can't evaluate field ${name} in type ${goTypeName(recv)}`);
  if (typeof value === "function") {
    try {
      return (value as AnyFunc).apply(recv, args ?? []);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      throw new CallError(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (args !== null) throw new CallError(`${name} is not a method but has arguments`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Parser: items → closures

interface VarSlot {
  name: string;
  slot: number;
}

interface ListResult {
  run: Run;
  stop: "end" | "else" | "eof";
  /** Tokens after `else` (e.g. `if .X`), for else-if/else-with chains. */
  elseToks: Tok[];
  stopPos: number;
}

const EMPTY_RUN: Run = () => {};

function seq(runs: Run[]): Run {
  if (runs.length === 0) return EMPTY_RUN;
  if (runs.length === 1) return runs[0] as Run;
  return (s, dot) => {
    for (let i = 0; i < runs.length; i++) (runs[i] as Run)(s, dot);
  };
}

function printText(v: unknown): string {
  if (v === undefined || v === null) return "<no value>";
  return typeof v === "string" ? v : formatGoValue(v);
}

function printHtml(v: unknown): string {
  // html/template's stringify drops untyped nil instead of printing `<nil>`/`<no value>`.
  if (v === undefined || v === null) return "";
  return htmlTemplateEscape(typeof v === "string" ? v : formatGoValue(v));
}

/**
 * True when `out` is the start of a JSON document (first non-space `{` or `[`) that ends inside
 * a string literal. Scans from the start: bodies are small and only helper actions ask.
 */
function insideJsonString(out: string): boolean {
  let i = 0;
  while (i < out.length && isSpaceCode(out.charCodeAt(i))) i++;
  const first = out[i];
  if (first !== "{" && first !== "[") return false;
  let inString = false;
  for (; i < out.length; i++) {
    const c = out.charCodeAt(i);
    if (!inString) {
      if (c === 34) inString = true;
    } else if (c === 92)
      i++; // a backslash escapes the next character
    else if (c === 34) inString = false;
  }
  return inString;
}

/** `s` as the inside of a JSON string literal (JSON.stringify without the quotes). */
function jsonStringContent(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

class TokStream {
  i = 0;
  constructor(
    readonly toks: Tok[],
    readonly endPos: number,
  ) {}
  peek(off = 0): Tok | undefined {
    return this.toks[this.i + off];
  }
  next(): Tok | undefined {
    return this.toks[this.i++];
  }
  get pos(): number {
    return this.peek()?.pos ?? this.endPos;
  }
}

interface Operand {
  /** What kind of term starts the operand. */
  kind: "func" | "field" | "var" | "dot" | "literal" | "nil" | "paren";
  /** For kind func: the function name. */
  name: string;
  /** Evaluates the operand as an argument (functions called with no args, methods niladic). */
  ev: Ev;
  /** Builds the command when this operand heads it (functions/fields take args and the piped value). */
  head?: (args: Ev[], ctx: string, pos: number) => Cmd;
  pos: number;
  end: number;
}

class Parser {
  private readonly items: Item[];
  private idx = 0;
  private vars: VarSlot[] = [{ name: "$", slot: 0 }];
  slots = 1;
  private rangeDepth = 0;
  constructor(
    private readonly src: Source,
    private readonly html: boolean,
    private readonly funcs: Record<string, TemplateFunc>,
    private readonly jsonStringFuncs: ReadonlySet<string> = new Set(),
  ) {
    this.items = lex(src);
  }

  parseTop(): Run {
    const r = this.parseList();
    if (r.stop === "end") throw this.src.parseError(r.stopPos, "unexpected {{end}}");
    if (r.stop === "else") throw this.src.parseError(r.stopPos, "unexpected {{else}}");
    return r.run;
  }

  private parseList(): ListResult {
    const runs: Run[] = [];
    while (this.idx < this.items.length) {
      const item = this.items[this.idx++] as Item;
      if (item.t === "text") {
        const text = item.text;
        runs.push((s) => {
          s.out += text;
        });
        continue;
      }
      const ts = new TokStream(item.toks, item.end - 2);
      const first = ts.peek();
      if (first === undefined) throw this.src.parseError(item.pos, "missing value for command");
      if (first.k === "ident" && KEYWORDS.has(first.text)) {
        ts.next();
        switch (first.text) {
          case "end":
            this.expectEnd(ts, "end");
            return { run: seq(runs), stop: "end", elseToks: [], stopPos: item.pos };
          case "else":
            return { run: seq(runs), stop: "else", elseToks: item.toks.slice(1), stopPos: item.pos };
          case "if":
          case "with":
          case "range":
            runs.push(this.parseControl(first.text, ts, item.pos));
            continue;
          case "break":
          case "continue": {
            if (this.rangeDepth === 0)
              throw this.src.parseError(first.pos, `{{${first.text}}} outside {{range}}`);
            this.expectEnd(ts, first.text);
            const sig = first.text === "break" ? BREAK : CONTINUE;
            runs.push(() => {
              throw sig;
            });
            continue;
          }
          default:
            throw this.src.parseError(first.pos, `{{${first.text}}} is not supported by tickd templates`);
        }
      }
      runs.push(this.parseAction(ts));
    }
    return { run: seq(runs), stop: "eof", elseToks: [], stopPos: this.src.text.length };
  }

  private expectEnd(ts: TokStream, what: string): void {
    const t = ts.peek();
    if (t !== undefined) throw this.src.parseError(t.pos, `unexpected ${JSON.stringify(t.text)} in ${what}`);
  }

  /** `{{ pipeline }}`: prints unless it only declares or assigns variables. */
  private parseAction(ts: TokStream): Run {
    const p = this.parsePipeline(ts, "command", false);
    const t = ts.peek();
    if (t !== undefined) throw this.src.parseError(t.pos, `unexpected ${JSON.stringify(t.text)} in command`);
    const ev = p.ev;
    if (p.decl) return (s, dot) => void ev(s, dot);
    if (ts.toks.some((t) => t.k === "ident" && this.jsonStringFuncs.has(t.text)))
      return (s, dot) => {
        const v = this.html ? printHtml(ev(s, dot)) : printText(ev(s, dot));
        s.out += insideJsonString(s.out) ? jsonStringContent(v) : v;
      };
    if (this.html)
      return (s, dot) => {
        s.out += printHtml(ev(s, dot));
      };
    return (s, dot) => {
      s.out += printText(ev(s, dot));
    };
  }

  private parseControl(kw: string, ts: TokStream, pos: number): Run {
    const mark = this.vars.length;
    const p = this.parsePipeline(ts, kw, kw === "range");
    const extra = ts.peek();
    if (extra !== undefined)
      throw this.src.parseError(extra.pos, `unexpected ${JSON.stringify(extra.text)} in ${kw}`);
    if (kw === "range") this.rangeDepth++;
    const body = this.parseList();
    if (kw === "range") this.rangeDepth--;
    let elseRun: Run | null = null;
    if (body.stop === "eof")
      throw this.src.parseError(
        this.src.text.length,
        `unexpected EOF (missing {{end}} for {{${kw}}} at ${this.posText(pos)})`,
      );
    if (body.stop === "else") {
      const et = body.elseToks;
      const head = et[0];
      if (head !== undefined) {
        if (
          head.k === "ident" &&
          (head.text === "if" || head.text === "with") &&
          kw !== "range" &&
          head.text === kw
        ) {
          // {{else if …}} / {{else with …}}: a nested control that shares this {{end}}.
          const ets = new TokStream(et, body.stopPos);
          ets.next();
          elseRun = this.parseControl(head.text, ets, body.stopPos);
        } else throw this.src.parseError(head.pos, `unexpected ${JSON.stringify(head.text)} in else`);
      } else {
        const alt = this.parseList();
        if (alt.stop === "else") throw this.src.parseError(alt.stopPos, `expected end; found {{else}}`);
        if (alt.stop === "eof")
          throw this.src.parseError(
            this.src.text.length,
            `unexpected EOF (missing {{end}} for {{${kw}}} at ${this.posText(pos)})`,
          );
        elseRun = alt.run;
      }
    }
    this.vars.length = mark;
    const thenRun = body.run;
    const ev = p.ev;
    if (kw === "if") {
      return (s, dot) => {
        if (goTruth(ev(s, dot))) thenRun(s, dot);
        else if (elseRun !== null) elseRun(s, dot);
      };
    }
    if (kw === "with") {
      return (s, dot) => {
        const v = ev(s, dot);
        if (goTruth(v)) thenRun(s, v);
        else if (elseRun !== null) elseRun(s, dot);
      };
    }
    return this.rangeRun(p, thenRun, elseRun, pos);
  }

  private posText(pos: number): string {
    const [l, c] = this.src.lineCol(pos);
    return `${l}:${c}`;
  }

  private rangeRun(p: Pipeline, body: Run, elseRun: Run | null, pos: number): Run {
    const ev = p.ev;
    const [k, v] = p.rangeSlots;
    const src = this.src;
    const ctx = p.text;
    const iter = (s: State, key: unknown, val: unknown): boolean => {
      if (v !== undefined) {
        s.vars[k as number] = key;
        s.vars[v] = val;
      } else if (k !== undefined) s.vars[k] = val;
      try {
        body(s, val);
      } catch (e) {
        if (e === BREAK) return false;
        if (e !== CONTINUE) throw e;
      }
      return true;
    };
    return (s, dot) => {
      const coll = ev(s, dot);
      let n = 0;
      if (Array.isArray(coll)) {
        for (let i = 0; i < coll.length; i++) {
          n++;
          if (!iter(s, BigInt(i), coll[i])) break;
        }
      } else if (coll instanceof Map || coll instanceof GoMap) {
        for (const [key, val] of sortedMapEntries(coll)) {
          n++;
          if (!iter(s, key, val)) break;
        }
      } else if (typeof coll === "bigint" || coll instanceof GoDuration) {
        if (v !== undefined)
          throw src.execError(
            pos,
            ctx,
            `can't use ${formatGoValue(coll)} to iterate over more than one variable`,
          );
        const count = typeof coll === "bigint" ? coll : BigInt(Math.trunc(coll.ns));
        for (let i = 0n; i < count; i++) {
          n++;
          if (!iter(s, i, i)) break;
        }
      } else if (coll === undefined || coll === null) {
        // nothing to iterate
      } else if (typeof coll === "object" && isPlainObject(coll)) {
        const keys = Object.keys(coll).sort(compareGoStrings);
        for (const key of keys) {
          n++;
          if (!iter(s, key, (coll as Record<string, unknown>)[key])) break;
        }
      } else throw src.execError(pos, ctx, `range can't iterate over ${formatGoValue(coll)}`);
      if (n === 0 && elseRun !== null) elseRun(s, dot);
    };
  }

  /** A pipeline with optional `$x :=` / `$x =` (and `$i, $v :=` in range). */
  private parsePipeline(ts: TokStream, context: string, isRange: boolean): Pipeline {
    let declNames: Tok[] = [];
    let assign = false;
    const t0 = ts.peek();
    const t1 = ts.peek(1);
    if (t0?.k === "var" && (t1?.k === "declare" || t1?.k === "assign")) {
      declNames = [t0];
      assign = t1.k === "assign";
      ts.i += 2;
    } else if (isRange && t0?.k === "var" && t1?.k === "comma") {
      const t2 = ts.peek(2);
      const t3 = ts.peek(3);
      if (t2?.k !== "var" || (t3?.k !== "declare" && t3?.k !== "assign")) {
        throw this.src.parseError(t1.pos, "range can only initialize variables");
      }
      declNames = [t0, t2];
      assign = t3.k === "assign";
      ts.i += 4;
    }
    const cmds: Cmd[] = [];
    const cmdStart = ts.pos;
    for (;;) {
      const cmdPos = ts.pos;
      const operands: Operand[] = [];
      for (;;) {
        const t = ts.peek();
        if (t === undefined || t.k === "pipe" || t.k === "rparen") break;
        operands.push(this.parseOperand(ts));
      }
      if (operands.length === 0) {
        throw this.src.parseError(
          cmdPos,
          cmds.length === 0 && declNames.length === 0
            ? `missing value for ${context}`
            : "missing value for command",
        );
      }
      cmds.push(this.buildCommand(operands, cmds.length));
      if (ts.peek()?.k === "pipe") {
        ts.next();
        continue;
      }
      break;
    }
    const endTok = ts.toks[ts.i - 1];
    const text = this.src.text.slice(cmdStart, endTok?.end ?? cmdStart);
    // Declarations take effect after the pipeline (its own operands see the previous $x).
    const slots: number[] = declNames.map((tok) => {
      if (assign) {
        const found = this.lookupVar(tok);
        return found;
      }
      const slot = this.slots++;
      this.vars.push({ name: tok.text, slot });
      return slot;
    });
    let ev: Ev;
    if (cmds.length === 1) {
      const c = cmds[0] as Cmd;
      ev = (s, dot) => c(s, dot, NONE);
    } else {
      ev = (s, dot) => {
        let v: unknown = NONE;
        for (let i = 0; i < cmds.length; i++) v = (cmds[i] as Cmd)(s, dot, v);
        return v;
      };
    }
    if (!isRange && slots.length === 1) {
      const slot = slots[0] as number;
      const inner = ev;
      ev = (s, dot) => {
        const v = inner(s, dot);
        s.vars[slot] = v;
        return v;
      };
    }
    return { ev, decl: slots.length > 0, rangeSlots: isRange ? slots : [], text };
  }

  private lookupVar(tok: Tok): number {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as VarSlot;
      if (v.name === tok.text) return v.slot;
    }
    throw this.src.parseError(tok.pos, `undefined variable "${tok.text}"`);
  }

  private parseOperand(ts: TokStream): Operand {
    const t = ts.next() as Tok;
    const src = this.src;
    let op: Operand;
    switch (t.k) {
      case "ident": {
        if (KEYWORDS.has(t.text))
          throw src.parseError(t.pos, `unexpected ${JSON.stringify(t.text)} in operand`);
        op = this.funcOperand(t);
        break;
      }
      case "field": {
        const names = [t.text.slice(1)];
        let end = t.end;
        while (ts.peek()?.k === "field" && ts.peek()?.sp === false) {
          const f = ts.next() as Tok;
          names.push(f.text.slice(1));
          end = f.end;
        }
        return this.chainOperand("field", null, names, t.pos, end);
      }
      case "var": {
        const slot = this.lookupVar(t);
        const recv: Ev = (s) => s.vars[slot];
        op = { kind: "var", name: t.text, ev: recv, pos: t.pos, end: t.end };
        break;
      }
      case "dot":
        op = { kind: "dot", name: ".", ev: (_s, dot) => dot, pos: t.pos, end: t.end };
        break;
      case "string":
      case "number":
      case "bool": {
        const val = t.val;
        op = { kind: "literal", name: t.text, ev: () => val, pos: t.pos, end: t.end };
        break;
      }
      case "nil":
        op = { kind: "nil", name: "nil", ev: () => undefined, pos: t.pos, end: t.end };
        break;
      case "lparen": {
        const inner = this.parsePipeline(ts, "parenthesized pipeline", false);
        const close = ts.next();
        if (close?.k !== "rparen") throw src.parseError(close?.pos ?? ts.endPos, "unclosed left paren");
        op = { kind: "paren", name: "(", ev: inner.ev, pos: t.pos, end: close.end };
        break;
      }
      default:
        throw src.parseError(t.pos, `unexpected ${JSON.stringify(t.text)} in operand`);
    }
    // A field directly after an operand (no space) chains onto it: $x.A, (pipe).B.
    if (ts.peek()?.k === "field" && ts.peek()?.sp === false) {
      if (op.kind === "func" || op.kind === "literal" || op.kind === "nil" || op.kind === "dot") {
        throw src.parseError(
          (ts.peek() as Tok).pos,
          `unexpected ${JSON.stringify((ts.peek() as Tok).text)} in operand`,
        );
      }
      const names: string[] = [];
      let end = op.end;
      while (ts.peek()?.k === "field" && ts.peek()?.sp === false) {
        const f = ts.next() as Tok;
        names.push(f.text.slice(1));
        end = f.end;
      }
      return this.chainOperand(op.kind, op.ev, names, op.pos, end);
    }
    return op;
  }

  private chainOperand(
    kind: Operand["kind"],
    recv: Ev | null,
    names: string[],
    pos: number,
    end: number,
  ): Operand {
    const src = this.src;
    const text = this.src.text.slice(pos, end);
    const last = names.length - 1;
    const lastName = names[last] as string;
    const walk = (s: State, dot: unknown): unknown => {
      let r = recv === null ? dot : recv(s, dot);
      for (let i = 0; i < last; i++) r = getField(r, names[i] as string, null);
      return r;
    };
    const guard = <T>(ctx: string, f: () => T): T => {
      try {
        return f();
      } catch (e) {
        if (e instanceof CallError) throw src.execError(pos, ctx, e.message);
        throw e;
      }
    };
    const ev: Ev = (s, dot) => guard(text, () => getField(walk(s, dot), lastName, null));
    const head = (args: Ev[], ctx: string): Cmd => {
      if (args.length === 0) {
        return (s, dot, final) =>
          guard(ctx, () => getField(walk(s, dot), lastName, final === NONE ? null : [final]));
      }
      return (s, dot, final) =>
        guard(ctx, () => {
          const r = walk(s, dot);
          const argv = args.map((a) => a(s, dot));
          if (final !== NONE) argv.push(final);
          return getField(r, lastName, argv);
        });
    };
    return { kind, name: text, ev, head, pos, end };
  }

  private funcOperand(t: Tok): Operand {
    const name = t.text;
    const src = this.src;
    const custom = Object.hasOwn(this.funcs, name) ? (this.funcs[name] as AnyFunc | undefined) : undefined;
    const builtin = Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : undefined;
    if (custom === undefined && builtin === undefined)
      throw src.parseError(t.pos, `function "${name}" not defined`);
    const call = (argv: unknown[], pos: number, ctx: string): unknown => {
      if (custom !== undefined) {
        try {
          return custom(...argv);
        } catch (e) {
          if (e instanceof TemplateError) throw e;
          throw src.execError(
            pos,
            ctx,
            `error calling ${name}: ${e instanceof Error ? e.message : String(e)}`,
          );
        }
      }
      const b = builtin as Builtin;
      if (argv.length < b.min || argv.length > b.max) {
        const want = b.min === b.max ? String(b.min) : `at least ${b.min}`;
        throw src.execError(pos, ctx, `wrong number of args for ${name}: want ${want} got ${argv.length}`);
      }
      try {
        return b.fn(argv);
      } catch (e) {
        if (e instanceof CallError) throw src.execError(pos, ctx, `error calling ${name}: ${e.message}`);
        throw e;
      }
    };
    const head = (args: Ev[], ctx: string, pos: number): Cmd => {
      if (custom === undefined && (name === "and" || name === "or")) return this.andOr(name, args, ctx, pos);
      return (s, dot, final) => {
        const argv = new Array<unknown>(args.length);
        for (let i = 0; i < args.length; i++) argv[i] = (args[i] as Ev)(s, dot);
        if (final !== NONE) argv.push(final);
        return call(argv, pos, ctx);
      };
    };
    let bare: Cmd | undefined;
    const ev: Ev = (s, dot) => (bare ??= head([], name, t.pos))(s, dot, NONE);
    return { kind: "func", name, ev, head, pos: t.pos, end: t.end };
  }

  /** `and`/`or` evaluate lazily and return the deciding operand, as Go 1.18+ does. */
  private andOr(name: string, args: Ev[], ctx: string, pos: number): Cmd {
    const isAnd = name === "and";
    const src = this.src;
    return (s, dot, final) => {
      const n = args.length + (final === NONE ? 0 : 1);
      if (n === 0) throw src.execError(pos, ctx, `wrong number of args for ${name}: want at least 1 got 0`);
      let v: unknown;
      for (let i = 0; i < n; i++) {
        v = i < args.length ? (args[i] as Ev)(s, dot) : final;
        if (goTruth(v) !== isAnd) return v;
      }
      return v;
    };
  }

  private buildCommand(operands: Operand[], stage: number): Cmd {
    const first = operands[0] as Operand;
    const last = operands[operands.length - 1] as Operand;
    const ctx = this.src.text.slice(first.pos, last.end);
    const args = operands.slice(1).map((o) => o.ev);
    if (first.head !== undefined) return first.head(args, ctx, first.pos);
    if (first.kind === "nil") throw this.src.parseError(first.pos, "nil is not a command");
    if (operands.length > 1)
      throw this.src.parseError(first.pos, `can't give argument to non-function ${first.name}`);
    if (stage > 0)
      throw this.src.parseError(first.pos, `non executable command in pipeline stage ${stage + 1}`);
    const ev = first.ev;
    return (s, dot) => ev(s, dot);
  }
}

interface Pipeline {
  ev: Ev;
  /** Declares or assigns a variable: such an action prints nothing. */
  decl: boolean;
  /** range's per-iteration variables ([$v] or [$k, $v]). */
  rangeSlots: number[];
  text: string;
}

class CompiledTemplate implements Template {
  constructor(
    readonly name: string,
    readonly source: string,
    private readonly run: Run,
    private readonly slots: number,
  ) {}

  execute(data: unknown): string {
    const vars = new Array<unknown>(this.slots);
    vars[0] = data;
    const s: State = { out: "", vars };
    try {
      this.run(s, data);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new TemplateError(
        ErrorCodes.TEMPLATE_EXEC,
        this.name,
        0,
        0,
        `template: ${this.name}: executing "${this.name}": ${msg}`,
      );
    }
    return s.out;
  }
}

/**
 * Parses a Go text/template once. Throws TemplateError (E_TEMPLATE_PARSE) with
 * `template: NAME:LINE:COL: message`; `execute` throws E_TEMPLATE_EXEC errors shaped like
 * Go's `template: NAME:LINE:COL: executing "NAME" at <.Field>: message`.
 */
export function compileTemplate(text: string, opts?: TemplateOptions): Template {
  const name = opts?.name ?? "template";
  const src = new Source(name, text);
  const parser = new Parser(
    src,
    opts?.html ?? false,
    opts?.funcs ?? {},
    new Set(opts?.jsonStringFuncs ?? []),
  );
  const run = parser.parseTop();
  return new CompiledTemplate(name, text, run, parser.slots);
}
