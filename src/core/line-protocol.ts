/**
 * InfluxDB 1.x line protocol: a hand-written parser (hot path: every write goes through it)
 * and the matching serializer.
 *
 *   measurement[,tagKey=tagValue...] fieldKey=fieldValue[,fieldKey=fieldValue...] [timestamp]
 *
 * Compatibility notes (behaviour of InfluxDB 1.x `models/points.go`, which Kapacitor uses):
 * - A backslash makes the *next* character a non-delimiter, and so does a run of backslashes
 *   (InfluxDB checks "is the previous byte a backslash"). Unescaping afterwards turns `\c`
 *   into `c` only for the escapable characters of that part; any other `\x` stays as is.
 *   Measurement and field keys unescape `, = "` and space; tag keys and values `, =` and space.
 * - String field values are double-quoted, unescape `\"` and `\\`, and may contain raw
 *   newlines: a line ends at a newline outside a quoted string.
 * - Duplicate field keys: the last one wins. Duplicate tag keys are an error, as in InfluxDB.
 * - An unescaped `=` inside a tag value is an error, as in InfluxDB.
 * - `NaN`/`Inf` are not accepted; a float that overflows is an error; `u` (unsigned) values
 *   are accepted (InfluxDB OSS 1.x rejects them unless enabled).
 * Differences, all on the lenient side: `\r\n` line ends are accepted, tabs count as
 * whitespace between sections, and a `#` comment always ends at the next newline (InfluxDB
 * lets a quote inside a comment swallow the following lines).
 *
 * Decoding on demand (ParseOptions.fields): a caller that knows which fields its readers use
 * (the task manager does, per measurement) gets points holding only those; the other values
 * are not converted — no Number/BigInt, no string slice, no object property. They are still
 * checked, so a body is refused exactly as an eager parse refuses it: the same lines, the same
 * messages and columns. How: `skipValue` accepts, without converting, only the common shapes
 * whose conversion cannot fail (a float with at most 308 integer digits and no exponent, an
 * integer of at most 15 digits, a terminated string, a boolean spelling); anything else goes
 * through the eager decoder, whose value is dropped and whose error is the one reported.
 * Unread digits are skipped four bytes at a time.
 *
 * Repeats: a line of a Telegraf-style body mostly repeats bytes of earlier lines of the same
 * measurement: its whole tag section (one of the series cycled through every gather) and
 * its field keys. Those are checked against remembered bytes (Known) word by word, and the
 * tags object of a repeated tag section is the earlier line's, shared. Remembered bytes are
 * backslash-free and include the delimiter after them, so a match is exactly what a scan
 * would have found; test/unit/core/line-protocol.repeat.test.ts checks that a body parses
 * as its lines parse alone.
 *
 * Time: exact int64 nanoseconds since the epoch as a bigint (types.ts). The digits are read as
 * two float64 integers (the last nine digits apart), so building the bigint takes one
 * allocation when the time is a float64 integer too (whole seconds, any multiple of 256 ns)
 * and three otherwise; consecutive lines with the same timestamp (a Telegraf gather) share one
 * bigint.
 */
import { isAscii } from "node:buffer";

import { ErrorCodes, TickdError } from "./errors.js";
import { RecordBuilder } from "./record-builder.js";
import { nowNs } from "./time.js";
import type { FieldValue, Fields, Point, Tags } from "./types.js";

export type Precision = "n" | "ns" | "u" | "ms" | "s" | "m" | "h";

export interface LineProtocolError {
  /** 1-based line on which the rejected point starts. */
  line: number;
  /** 1-based offset of the problem from the start of that line. */
  column: number;
  message: string;
  /** The offending line, truncated to 200 characters. */
  text: string;
}

export interface ParseOptions {
  precision?: Precision;
  /** Time given to points without a timestamp, ns since the epoch; defaults to the clock. */
  now?: bigint;
  /**
   * Which field values to decode, per measurement; absent: all of them. Fields left out are
   * validated as strictly as decoded ones (see the header) but are not in the points.
   */
  fields?: FieldFilter;
}

/** The fields some reader of the points uses, per measurement (see ParseOptions.fields). */
export interface FieldFilter {
  /** The field keys wanted from points of `measurement`; undefined means every field. */
  fieldsFor(measurement: string): ReadonlySet<string> | undefined;
}

export interface ParseResult {
  points: Point[];
  errors: LineProtocolError[];
}

const PRECISION_NS: Readonly<Record<Precision, number>> = {
  n: 1,
  ns: 1,
  u: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/**
 * The largest timestamp magnitude accepted per precision: floor((2^63 - 2) / ns per unit),
 * InfluxDB's MaxNanoTime. The `n` and `u` bounds are above 2^53 and only used via BigInt.
 */
const MAX_TS_BIG: Readonly<Record<Precision, bigint>> = {
  n: 9223372036854775806n,
  ns: 9223372036854775806n,
  u: 9223372036854775n,
  ms: 9223372036854n,
  s: 9223372036n,
  m: 153722867n,
  h: 2562047n,
};

/** Query-string precision → Precision; undefined or "" means nanoseconds; unknown → undefined. */
export function parsePrecision(s: string | undefined): Precision | undefined {
  if (s === undefined || s === "") return "n";
  return Object.hasOwn(PRECISION_NS, s) ? (s as Precision) : undefined;
}

const C_TAB = 9;
const C_NL = 10;
const C_CR = 13;
const C_SPACE = 32;
const C_QUOTE = 34;
const C_HASH = 35;
const C_COMMA = 44;
const C_MINUS = 45;
const C_DOT = 46;
const C_0 = 48;
const C_9 = 57;
const C_EQ = 61;
const C_BACKSLASH = 92;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const TWO_POW_53 = 2 ** 53;
/** Above this many seconds, seconds × 1e9 is no longer exact in float64 (year 2116). */
const EXACT_SPLIT_SECONDS = Math.floor(TWO_POW_53 / 5 ** 9);
/** 10^0 … 10^22: every one is exact in float64, which makes `mantissa / 10^k` correctly rounded. */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
const MAX_ERROR_TEXT = 200;
/** 0n … 1023n, shared: counters that sit at zero or a small count need no allocation. */
const SMALL_INTS: readonly bigint[] = Array.from({ length: 1024 }, (_, k) => BigInt(k));

/** Which escape sequences an identifier unescapes (InfluxDB: escape.Unescape vs unescapeTag). */
const enum Kind {
  /** Measurement and field keys: `\,` `\ ` `\=` `\"`. */
  Name,
  /** Tag keys and values: `\,` `\ ` `\=`. */
  Tag,
}

/** Read past the end of the body: equal to no character. */
const EOF = -1;

/**
 * An identifier seen before in this body: its raw bytes are those at `at`, `len` long, and
 * `text` is what they decode to. Matching a line's bytes against an earlier occurrence in
 * the same buffer is far cheaper than decoding and interning a new string. Only
 * backslash-free text is remembered, so a match cannot hide an escape or a delimiter: the
 * scan would have stopped at the same place.
 */
interface Seen {
  at: number;
  len: number;
  text: string;
}

/**
 * The identifiers last seen at each position for one measurement (Telegraf-style bodies
 * repeat them line after line). Lives in one parse call; bounded by MAX_SHAPES measurements.
 */
interface Shape {
  /** The raw measurement; undefined for a line-local shape that is never matched. */
  name: Seen | undefined;
  tagKeys: Seen[];
  tagValues: Seen[];
  /**
   * Per field position, the key last seen there and the one before it (a measurement
   * written in two kinds of lines, as Telegraf's system is, alternates them); see FieldSig.
   */
  fieldSigs: FieldSig[];
  fieldSigsBefore: FieldSig[];
  /** Per position, a few tag values and field keys seen there (Telegraf cycles through cpu0…cpu7). */
  tagValuePools: Seen[][];
  fieldKeyPools: Seen[][];
  /**
   * Per tag position, the pool index to try when the value differs from the last line's:
   * the one after the last match, since Telegraf cycles through its values (cpu0, cpu1, …)
   * in the order the pool first saw them.
   */
  tagValueNext: number[];
  /**
   * Tag sections (from the comma after the measurement to the space before the fields) seen
   * in this body, in the order first seen, with the tags they parsed to; see Head.
   */
  heads: Head[];
  /** The index in heads of the last line's tag section. */
  headLast: number;
  /** The fields decoded for this measurement; undefined: all. */
  want: ReadonlySet<string> | undefined;
  tags: RecordBuilder<string>;
  fields: RecordBuilder<FieldValue>;
}

const MAX_SHAPES = 1024;

/**
 * Backslash-free bytes [at, at + len) of this body that later lines are likely to repeat,
 * with what they parsed to: a field key and its `=` (FieldSig: text, wanted) or a whole tag
 * section and the space after it (Head: tags). `words` holds the bytes as little-endian
 * 32-bit words, the last one read at len - 4 (overlapping the one before when len is not a
 * multiple of four), so a later line is checked with one read and compare per word and no
 * byte loop. One layout for both, so the check sees one object shape.
 */
interface Known {
  at: number;
  len: number;
  words: Int32Array;
  /** FieldSig: the field key. */
  text: string;
  /** FieldSig: whether the field is decoded (ParseOptions.fields). */
  wanted: boolean;
  /** Head: the tags of the section. */
  tags: Tags | undefined;
}

function known(
  dv: DataView,
  at: number,
  len: number,
  text: string,
  wanted: boolean,
  tags: Tags | undefined,
): Known {
  const count = len < 4 ? 0 : (len + 3) >> 2;
  const words = new Int32Array(count);
  for (let k = 0; k < count - 1; k++) words[k] = dv.getInt32(at + 4 * k, true);
  if (count > 0) words[count - 1] = dv.getInt32(at + len - 4, true);
  return { at, len, words, text, wanted, tags };
}

/** A field key and its `=` as last seen at one position of a measurement. */
type FieldSig = Known;

/**
 * A whole tag section seen before in this body (its comma first, the space after it
 * included) and the tags object it parsed to. A line whose bytes repeat those parses to the
 * same tags, so it gets the same object: one comparison instead of a key and a value per
 * tag, and no object per point. Points are never mutated once parsed (the engine already
 * hands one point to every task and child that reads it), so points of one series sharing
 * their tags object is safe.
 */
type Head = Known;

/**
 * Tag sections remembered per measurement and body. Telegraf cycles through its series
 * (cpu0 … cpu-total of each host) in the same order every gather, so the next line's tag
 * section is the one after the last line's in first-seen order; past this many series the
 * rest take the per-tag path.
 */
const MAX_HEADS = 256;

/** The comma or space that ends a measurement or tag value. */
function isTagEnd(c: number): boolean {
  return c === C_COMMA || c === C_SPACE;
}

function newShape(name: Seen | undefined, want: ReadonlySet<string> | undefined): Shape {
  const builders = name === undefined ? newBuilders() : buildersFor(name.text);
  return {
    name,
    tagKeys: [],
    tagValues: [],
    fieldSigs: [],
    fieldSigsBefore: [],
    tagValuePools: [],
    fieldKeyPools: [],
    tagValueNext: [],
    heads: [],
    headLast: 0,
    want,
    ...builders,
  };
}

interface Builders {
  tags: RecordBuilder<string>;
  fields: RecordBuilder<FieldValue>;
}

function newBuilders(): Builders {
  return { tags: new RecordBuilder(), fields: new RecordBuilder() };
}

/**
 * Record builders per measurement, kept across parse calls: a Kafka message or HTTP body
 * often holds a single line, and the key list it repeats is the previous call's. Safe to
 * share because a parse runs to completion without calling out (no re-entrancy).
 */
const BUILDERS = new Map<string, Builders>();

function buildersFor(measurement: string): Builders {
  let b = BUILDERS.get(measurement);
  if (b === undefined) {
    if (BUILDERS.size >= MAX_SHAPES) BUILDERS.clear();
    b = newBuilders();
    BUILDERS.set(measurement, b);
  }
  return b;
}

/**
 * True when the bytes at `at` repeat `seen` and a delimiter can follow them in the body.
 * Compares four bytes at a time (DataView reads are unaligned-safe and inlined).
 */
function repeats(b: Uint8Array, dv: DataView, at: number, seen: Seen, n: number): boolean {
  const len = seen.len;
  if (at + len >= n) return false;
  const from = seen.at;
  let j = 0;
  for (; j + 4 <= len; j += 4) if (dv.getInt32(at + j) !== dv.getInt32(from + j)) return false;
  for (; j < len; j++) if (b[at + j] !== b[from + j]) return false;
  return true;
}

/** Records the identifier at position `index`, reusing the slot (no allocation once warm). */
function remember(list: Seen[], index: number, at: number, len: number, text: string): void {
  const slot = list[index];
  if (slot === undefined) list[index] = { at, len, text };
  else {
    slot.at = at;
    slot.len = len;
    slot.text = text;
  }
}

/** Identifiers kept per position in a pool (see Shape); a new one replaces the oldest. */
const POOL_SIZE = 16;

/**
 * Where the pool holds an earlier occurrence of bytes [at, at + len) (-1: nowhere); its text
 * saves decoding and allocating a string that is already at hand.
 */
function recall(pool: Seen[] | undefined, b: Uint8Array, dv: DataView, at: number, len: number): number {
  if (pool === undefined) return -1;
  for (let k = 0; k < pool.length; k++) {
    const seen = pool[k]!;
    if (seen.len !== len) continue;
    const from = seen.at;
    let j = 0;
    for (; j + 4 <= len; j += 4) if (dv.getInt32(at + j) !== dv.getInt32(from + j)) break;
    if (j + 4 <= len) continue;
    for (; j < len; j++) if (b[at + j] !== b[from + j]) break;
    if (j === len) return k;
  }
  return -1;
}

/**
 * Adds an identifier to the pool at `pools[index]`, replacing the oldest when full; returns
 * its index in the pool.
 */
function pool(pools: Seen[][], index: number, at: number, len: number, text: string): number {
  let p = pools[index];
  if (p === undefined) pools[index] = p = [];
  if (p.length < POOL_SIZE) return p.push({ at, len, text }) - 1;
  p.copyWithin(0, 1);
  p[POOL_SIZE - 1] = { at, len, text };
  return POOL_SIZE - 1;
}

/** Thrown inside the parser only; caught per line and turned into a LineProtocolError. */
class LineError {
  constructor(
    readonly pos: number,
    readonly message: string,
    /** Whether the error happened in the field section (matters for finding the line end). */
    readonly inFields: boolean,
  ) {}
}

/**
 * Parses a write body; bad lines come back as errors, good lines as points, in order.
 * Give the body as bytes when it arrives as bytes (an HTTP body, a Kafka message): the
 * parser works on UTF-8 bytes and decoding first would only add a copy.
 */
export function parseLineProtocol(body: string | Uint8Array, opts: ParseOptions = {}): ParseResult {
  return new Parser(body, opts).run();
}

/**
 * One instance per call: all mutable state lives here, so concurrent or nested calls never
 * share anything. The scan reads bytes (a typed-array read is much cheaper than
 * charCodeAt); `s` holds one character per byte so that identifiers of an ASCII body are
 * cheap slices of it, and a body with other characters decodes each identifier from UTF-8.
 * Positions are byte offsets; error columns are converted to characters.
 */
class Parser {
  private readonly b: Buffer;
  private readonly dv: DataView;
  /** The body when it came as an ASCII string: its slices are the cheapest identifiers. */
  private readonly s: string | undefined;
  private readonly ascii: boolean;
  private readonly n: number;
  private readonly precision: Precision;
  private readonly mult: number;
  /** MAX_TS_BIG as a number: exact for every precision whose bound is below 2^53. */
  private readonly maxTs: number;
  private readonly multBig: bigint;
  private readonly nowOpt: bigint | undefined;
  private readonly filter: FieldFilter | undefined;
  private defaultTime: bigint | undefined;
  /**
   * The timestamp parsed last: where its text is (lastAt, lastLen: a repeat of those bytes is
   * the same time), its digits (leading digits, last nine, sign) and its time. A new time is
   * made by adding the step from the previous one (a bigint addition, ~20 ns) rather than
   * converting a float64 above 2^31 (BigInt(), ~150 ns): steps repeat (every 10 s, every
   * second), so lastStep keeps the bigint of the previous step.
   */
  private lastAt = -1;
  private lastLen = 0;
  private lastHi = -1;
  private lastLo = -1;
  private lastNeg = false;
  private lastTime = 0n;
  private lastStep = 0;
  private lastStepBig = 0n;
  /** Whether the identifier tagEnd or fieldKey scanned last holds a backslash. */
  private escaped = false;
  /** Index just past the line terminator of the record parsed last. */
  private next = 0;
  /** Identifiers seen per measurement in this body; see Shape. */
  private readonly shapes = new Map<string, Shape>();
  private lastShape: Shape | undefined;
  /** The first few measurements of the body, matched by bytes before any decoding. */
  private readonly shapeList: Shape[] = [];
  /** Line numbers are counted lazily, only when an error needs one. */
  private countedPos = 0;
  private countedLine = 1;

  constructor(body: string | Uint8Array, opts: ParseOptions) {
    if (typeof body === "string") {
      this.b = Buffer.from(body, "utf8");
      // Every character outside ASCII takes two or more bytes.
      this.ascii = this.b.length === body.length;
      this.s = this.ascii ? body : undefined;
    } else {
      this.b = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      this.ascii = isAscii(this.b);
      // No string of the whole body: that is a large allocation (page faults on every call)
      // for the few identifiers that are new and the few values converted from text.
      this.s = undefined;
    }
    this.n = this.b.length;
    this.dv = new DataView(this.b.buffer, this.b.byteOffset, this.n);
    this.precision = opts.precision ?? "n";
    this.mult = PRECISION_NS[this.precision];
    this.maxTs = Number(MAX_TS_BIG[this.precision]);
    this.multBig = BigInt(this.mult);
    this.nowOpt = opts.now;
    this.filter = opts.fields;
  }

  /** The text of bytes [from, to). */
  private text(from: number, to: number): string {
    if (this.s !== undefined) return this.s.slice(from, to);
    return this.ascii ? latin1(this.b, from, to) : this.b.toString("utf8", from, to);
  }

  /** The text of ASCII bytes [from, to) (digits of a number or a timestamp). */
  private digits(from: number, to: number): string {
    return this.s !== undefined ? this.s.slice(from, to) : latin1(this.b, from, to);
  }

  run(): ParseResult {
    const b = this.b;
    const n = this.n;
    // The result object is made before the loop, not at the return: a body large enough to be
    // compiled mid-loop (OSR) would otherwise reach a literal with no type feedback at its end
    // and deoptimize there on every call.
    const result: ParseResult = { points: [], errors: [] };
    const points: Point[] = result.points;
    const errors: LineProtocolError[] = result.errors;
    let pos = 0;
    while (pos < n) {
      const lineStart = pos;
      let i = pos;
      let c = b[i] ?? EOF;
      while (c === C_SPACE || c === C_TAB) c = b[++i] ?? EOF;
      if (i >= n) break;
      if (c === C_NL) {
        pos = i + 1;
        continue;
      }
      if (c === C_CR && (i + 1 >= n || b[i + 1] === C_NL)) {
        pos = i + 2;
        continue;
      }
      if (c === C_HASH) {
        const nl = b.indexOf(C_NL, i);
        pos = nl < 0 ? n : nl + 1;
        continue;
      }
      try {
        points.push(this.record(i));
        pos = this.next;
      } catch (e) {
        if (!(e instanceof LineError)) throw e;
        const end = this.lineEndAfterError(e.pos, e.inFields);
        errors.push(this.makeError(lineStart, end, e));
        pos = end < n ? end + 1 : n;
      }
    }
    return result;
  }

  /** Parses one record starting at i (first non-blank character); sets this.next. */
  private record(start: number): Point {
    const b = this.b;
    const dv = this.dv;
    const n = this.n;
    let i = start;
    let c = 0;

    // Measurement: up to an unescaped comma (tags follow) or space (fields follow).
    const last = this.lastShape;
    let shape: Shape | undefined;
    let name: string;
    if (
      last?.name !== undefined &&
      repeats(b, dv, start, last.name, n) &&
      isTagEnd(b[start + last.name.len] ?? EOF)
    ) {
      shape = last;
      name = last.name.text;
      i = start + last.name.len;
      c = b[i] ?? EOF;
    } else if ((shape = this.knownShape(start)) !== undefined) {
      name = shape.name!.text;
      this.lastShape = shape;
      i = start + shape.name!.len;
      c = b[i] ?? EOF;
    } else {
      i = this.tagEnd(start, undefined);
      c = b[i] ?? EOF;
      if (i === start) throw new LineError(i, "missing measurement", false);
      if (this.escaped) {
        name = unescapeIdent(this.text(start, i), Kind.Name);
        // Raw text differs from the name: used for this line only.
        shape = newShape(undefined, this.filter?.fieldsFor(name));
      } else {
        name = this.text(start, i);
        const known = this.shapes.get(name);
        if (known !== undefined) shape = known;
        else {
          shape = newShape({ at: start, len: i - start, text: name }, this.filter?.fieldsFor(name));
          if (this.shapes.size < MAX_SHAPES) {
            this.shapes.set(name, shape);
            if (this.shapeList.length < POOL_SIZE) this.shapeList.push(shape);
          }
        }
        this.lastShape = shape;
      }
    }

    let tags: Tags;
    const head = c === C_COMMA ? this.repeatedHead(shape, i) : undefined;
    if (head !== undefined) {
      tags = head.tags!;
      i += head.len - 1;
    } else {
      tags = this.tagSection(shape, i);
      i = this.next;
    }

    // i is at the space after the tags (or the measurement); more blanks may follow.
    c = b[i] ?? EOF;
    do c = b[++i] ?? EOF;
    while (c === C_SPACE || c === C_TAB);

    const fb = shape.fields;
    const want = shape.want;
    const sigs = shape.fieldSigs;
    const before = shape.fieldSigsBefore;
    let nfields = 0;
    let nkept = 0;
    for (;;) {
      const ks = i;
      let key: string;
      let wanted: boolean;
      let sig = sigs[nfields];
      if (sig !== undefined && this.matches(ks, sig)) {
        key = sig.text;
        wanted = sig.wanted;
        i = ks + sig.len;
      } else if ((sig = before[nfields]) !== undefined && this.matches(ks, sig)) {
        key = sig.text;
        wanted = sig.wanted;
        i = ks + sig.len;
        before[nfields] = sigs[nfields]!;
        sigs[nfields] = sig;
      } else {
        key = this.fieldKey(ks, nfields, shape);
        wanted = want === undefined || want.has(key);
        i = this.next + 1;
        // An escaped key is not remembered: its bytes are not its text.
        if (!this.escaped) {
          const last = sigs[nfields];
          if (last !== undefined) before[nfields] = last;
          sigs[nfields] = known(dv, ks, i - ks, key, wanted, undefined);
        }
      }
      if (wanted) {
        fb.keys[nkept] = key;
        fb.values[nkept] = this.value(i, key);
        nkept++;
      } else this.skipValue(i, key);
      i = this.next;
      nfields++;
      c = b[i] ?? EOF;
      if (c === C_COMMA) {
        c = b[++i] ?? EOF;
        continue;
      }
      break;
    }

    const fields: Fields = fb.build(nkept);

    // After the last field: blanks, then an optional timestamp, then the end of the line.
    while (c === C_SPACE || c === C_TAB) c = b[++i] ?? EOF;
    let time: bigint;
    if (this.isEol(i)) {
      time = this.now();
    } else {
      time = this.timestamp(i);
      i = this.next;
      c = b[i] ?? EOF;
      while (c === C_SPACE || c === C_TAB) c = b[++i] ?? EOF;
      if (!this.isEol(i)) {
        throw new LineError(
          i,
          `unexpected text after the timestamp: ${quote(this.text(i, this.tokenEnd(i)))}`,
          true,
        );
      }
    }
    this.next = this.afterEol(i);
    return { name, tags, fields, time };
  }

  /**
   * The tags of the section at i (the comma or space after the measurement), scanned tag by
   * tag; sets this.next to the space after it and remembers it as a Head of the shape.
   */
  private tagSection(shape: Shape, start: number): Tags {
    const b = this.b;
    const dv = this.dv;
    const n = this.n;
    let i = start;
    let c = b[i] ?? EOF;
    const tb = shape.tags;
    let ntags = 0;
    while (c === C_COMMA) {
      const ks = ++i;
      let key: string;
      const seenKey = shape.tagKeys[ntags];
      if (seenKey !== undefined && repeats(b, dv, ks, seenKey, n) && b[ks + seenKey.len] === C_EQ) {
        key = seenKey.text;
        i = ks + seenKey.len;
      } else {
        key = this.tagKey(ks, shape, ntags);
        i = this.next;
      }
      const vs = ++i;
      let value: string;
      const seenValue = shape.tagValues[ntags];
      let guess: Seen | undefined;
      let pooled: Seen[] | undefined;
      if (
        seenValue !== undefined &&
        repeats(b, dv, vs, seenValue, n) &&
        isTagEnd(b[vs + seenValue.len] ?? EOF)
      ) {
        value = seenValue.text;
        i = vs + seenValue.len;
      } else if (
        (pooled = shape.tagValuePools[ntags]) !== undefined &&
        (guess = pooled[(shape.tagValueNext[ntags] ?? 0) % pooled.length]) !== undefined &&
        repeats(b, dv, vs, guess, n) &&
        isTagEnd(b[vs + guess.len] ?? EOF)
      ) {
        // The value that followed last time (Shape.tagValueNext); pool entries are backslash-free
        // text of this body, so a repeat followed by a delimiter is what a scan would find.
        value = guess.text;
        i = vs + guess.len;
        shape.tagValueNext[ntags] = ((shape.tagValueNext[ntags] ?? 0) % pooled.length) + 1;
        remember(shape.tagValues, ntags, vs, guess.len, value);
      } else {
        value = this.tagValue(vs, key, shape, ntags);
        i = this.next;
      }
      c = b[i] ?? EOF;
      if (ntags > 0 && tb.has(key, ntags)) {
        throw new LineError(ks, `duplicate tag key ${quote(key)}`, false);
      }
      tb.keys[ntags] = key;
      tb.values[ntags] = value;
      ntags++;
    }
    if (ntags === 0) {
      this.next = i;
      return {};
    }
    const tags = tb.build(ntags);
    this.next = i;
    const heads = shape.heads;
    if (shape.name !== undefined && heads.length < MAX_HEADS) {
      let k = start;
      while (k < i && b[k] !== C_BACKSLASH) k++;
      if (k === i) shape.headLast = heads.push(known(this.dv, start, i + 1 - start, "", false, tags)) - 1;
    }
    return tags;
  }

  /**
   * The Head of `shape` that the tag section at i repeats: the last line's, or the one first
   * seen after it (Telegraf's cycle); undefined when neither.
   */
  private repeatedHead(shape: Shape, i: number): Head | undefined {
    const heads = shape.heads;
    const count = heads.length;
    if (count === 0) return undefined;
    const k = shape.headLast;
    let h = heads[k]!;
    if (this.matches(i, h)) return h;
    const next = k + 1 < count ? k + 1 : 0;
    h = heads[next]!;
    if (this.matches(i, h)) {
      shape.headLast = next;
      return h;
    }
    return undefined;
  }

  /** A shape of shapeList whose measurement the bytes at `start` repeat, followed by a delimiter. */
  private knownShape(start: number): Shape | undefined {
    const list = this.shapeList;
    for (let k = 0; k < list.length; k++) {
      const shape = list[k]!;
      const seen = shape.name!;
      if (repeats(this.b, this.dv, start, seen, this.n) && isTagEnd(this.b[start + seen.len] ?? EOF))
        return shape;
    }
    return undefined;
  }

  /** The field value at i (just after the `=`) of field `key`; sets this.next after it. */
  private value(i: number, key: string): FieldValue {
    const c = this.b[i] ?? EOF;
    if ((c >= C_0 && c <= C_9) || c === C_MINUS || c === C_DOT) return this.number(i, key);
    if (c === C_QUOTE) return this.string(i, key);
    if (c === 116 /* t */ || c === 102 /* f */ || c === 84 /* T */ || c === 70 /* F */) {
      const e = this.tokenEnd(i);
      const bool = parseBool(this.b, i, e);
      if (bool === undefined) {
        throw new LineError(i, `invalid boolean ${quote(this.text(i, e))} for key ${quote(key)}`, true);
      }
      this.next = e;
      return bool;
    }
    if (c === C_COMMA || c === C_SPACE || c === C_TAB || this.isEol(i)) {
      throw new LineError(i, `missing field value for key ${quote(key)}`, true);
    }
    throw new LineError(
      i,
      `invalid field value ${quote(this.text(i, this.tokenEnd(i)))} for key ${quote(key)}`,
      true,
    );
  }

  /**
   * Checks the value at i as `value` would, without converting it; sets this.next after it.
   * Accepts on its own only shapes `value` accepts and cannot fail to convert; everything
   * else (rare values, every error) is handed to `value`, so the errors are its errors.
   */
  private skipValue(start: number, key: string): void {
    const b = this.b;
    let i = start;
    let c = b[i] ?? EOF;
    if ((c >= C_0 && c <= C_9) || c === C_MINUS || c === C_DOT) {
      const neg = c === C_MINUS;
      if (neg) c = b[++i] ?? EOF;
      const intStart = i;
      i = this.digitRun(i);
      c = b[i] ?? EOF;
      const intDigits = i - intStart;
      if (c === C_DOT) {
        const fracStart = ++i;
        i = this.digitRun(i);
        c = b[i] ?? EOF;
        // A float without exponent overflows only past 308 integer digits.
        if (intDigits + (i - fracStart) > 0 && intDigits <= 308 && this.isValueEnd(i, c)) {
          this.next = i;
          return;
        }
      } else if (intDigits > 0) {
        if (this.isValueEnd(i, c)) {
          if (intDigits <= 308) {
            this.next = i;
            return;
          }
        } else if ((c === 105 /* i */ || (c === 117 /* u */ && !neg)) && intDigits <= 15) {
          // At most 15 digits: within int64 and uint64 whatever they are.
          c = b[++i] ?? EOF;
          if (this.isValueEnd(i, c)) {
            this.next = i;
            return;
          }
        }
      }
    } else if (c === C_QUOTE) {
      const n = this.n;
      i++;
      while (i < n) {
        const d = b[i];
        if (d === C_QUOTE) break;
        i += d === C_BACKSLASH ? 2 : 1;
      }
      if (i < n && this.isValueEnd(i + 1, b[i + 1] ?? EOF)) {
        this.next = i + 1;
        return;
      }
    } else if (c === 116 /* t */ || c === 102 /* f */ || c === 84 /* T */ || c === 70 /* F */) {
      const e = this.tokenEnd(i);
      if (parseBool(this.b, i, e) !== undefined) {
        this.next = e;
        return;
      }
    }
    this.value(start, key);
  }

  /**
   * The index of the first non-digit at or after i. Four bytes at a time while they are all
   * digits: a byte is a digit when its high nibble is 3 and adding 6 leaves it so (no byte
   * carries into the next unless it already failed the first test).
   */
  private digitRun(i: number): number {
    const b = this.b;
    const dv = this.dv;
    const last = this.n - 4;
    while (i <= last) {
      const x = dv.getInt32(i, true);
      if (((x & 0xf0f0f0f0) ^ 0x30303030) | (((x + 0x06060606) & 0xf0f0f0f0) ^ 0x30303030)) break;
      i += 4;
    }
    let c = b[i] ?? EOF;
    while (c >= C_0 && c <= C_9) c = b[++i] ?? EOF;
    return i;
  }

  /** Scans a tag key at ks up to its `=`; sets this.next to the `=`. */
  private tagKey(ks: number, shape: Shape, index: number): string {
    const b = this.b;
    const n = this.n;
    let i = ks;
    let c = b[i] ?? EOF;
    if (i >= n || c === C_SPACE || c === C_COMMA || c === C_EQ || c === C_NL) {
      throw new LineError(i, "missing tag key", false);
    }
    let esc = false;
    for (;;) {
      if (i >= n) throw new LineError(i, `missing tag value for key ${quote(this.text(ks, i))}`, false);
      c = b[i] ?? EOF;
      if (c === C_EQ) break;
      if (c === C_BACKSLASH) {
        esc = true;
        i = this.skipEscape(i);
        continue;
      }
      if (c === C_SPACE || c === C_COMMA || c === C_NL) {
        throw new LineError(i, `missing tag value for key ${quote(this.text(ks, i))}`, false);
      }
      i++;
    }
    this.next = i;
    if (esc) return unescapeIdent(this.text(ks, i), Kind.Tag);
    const key = this.text(ks, i);
    remember(shape.tagKeys, index, ks, i - ks, key);
    return key;
  }

  /** Scans a tag value at vs up to the comma or space after it; sets this.next there. */
  private tagValue(vs: number, key: string, shape: Shape, index: number): string {
    const b = this.b;
    const n = this.n;
    const c = b[vs] ?? EOF;
    if (vs >= n || c === C_SPACE || c === C_COMMA || c === C_NL) {
      throw new LineError(vs, `missing tag value for key ${quote(key)}`, false);
    }
    const i = this.tagEnd(vs, key);
    this.next = i;
    if (this.escaped) return unescapeIdent(this.text(vs, i), Kind.Tag);
    const known = shape.tagValuePools[index];
    let k = recall(known, b, this.dv, vs, i - vs);
    let value: string;
    if (k >= 0) value = known![k]!.text;
    else {
      value = this.text(vs, i);
      k = pool(shape.tagValuePools, index, vs, i - vs, value);
    }
    shape.tagValueNext[index] = k + 1;
    remember(shape.tagValues, index, vs, i - vs, value);
    return value;
  }

  /**
   * The end of a measurement (tag undefined) or of the value of `tag` starting at i: the
   * unescaped comma or space after it. Sets this.escaped to whether it holds a backslash.
   * An unescaped `=` is an error in a tag value only.
   */
  private tagEnd(i: number, tag: string | undefined): number {
    const b = this.b;
    const n = this.n;
    let esc = false;
    for (;;) {
      if (i >= n) throw new LineError(i, "missing fields", false);
      const c = b[i] ?? EOF;
      if (c === C_COMMA || c === C_SPACE) break;
      if (c === C_BACKSLASH) {
        esc = true;
        i = this.skipEscape(i);
        continue;
      }
      if (c === C_EQ && tag !== undefined) {
        throw new LineError(i, `unescaped "=" in the value of tag ${quote(tag)}`, false);
      }
      if (c === C_NL) throw new LineError(i, "missing fields", false);
      i++;
    }
    this.escaped = esc;
    return i;
  }

  /** Scans a field key at ks up to its `=`; sets this.next to the `=` and this.escaped. */
  private fieldKey(ks: number, index: number, shape: Shape): string {
    const b = this.b;
    const n = this.n;
    let i = ks;
    let c = b[i] ?? EOF;
    if (this.isEol(i)) throw new LineError(i, index === 0 ? "missing fields" : "missing field key", true);
    if (c === C_EQ || c === C_COMMA || c === C_SPACE) throw new LineError(i, "missing field key", true);
    let esc = false;
    for (;;) {
      if (c === C_EQ) break;
      if (c === C_BACKSLASH) {
        esc = true;
        i = this.skipEscape(i);
        c = b[i] ?? EOF;
        continue;
      }
      if (c === C_SPACE || c === C_COMMA || c === C_NL || i >= n) {
        throw new LineError(i, `missing "=" after field key ${quote(this.text(ks, i))}`, true);
      }
      c = b[++i] ?? EOF;
    }
    this.next = i;
    this.escaped = esc;
    if (esc) return unescapeIdent(this.text(ks, i), Kind.Name);
    const known = shape.fieldKeyPools[index];
    const k = recall(known, b, this.dv, ks, i - ks);
    let key: string;
    if (k >= 0) key = known![k]!.text;
    else {
      key = this.text(ks, i);
      pool(shape.fieldKeyPools, index, ks, i - ks, key);
    }
    return key;
  }

  /**
   * i is at a backslash. Skips the run of backslashes and the character they escape, which is
   * never a delimiter — except a newline, which always ends the line outside strings. A
   * multi-byte character after the backslash needs no care: none of its bytes is a delimiter.
   */
  private skipEscape(i: number): number {
    const b = this.b;
    do i++;
    while (b[i] === C_BACKSLASH);
    return i < this.n && b[i] !== C_NL ? i + 1 : i;
  }

  /** True at the end of the body, a newline, or a `\r` that ends the line. */
  private isEol(i: number): boolean {
    if (i >= this.n) return true;
    const c = this.b[i];
    return c === C_NL || (c === C_CR && (i + 1 >= this.n || this.b[i + 1] === C_NL));
  }

  /** The index after the line terminator at i (isEol(i) must hold). */
  private afterEol(i: number): number {
    if (i >= this.n) return this.n;
    return this.b[i] === C_NL ? i + 1 : Math.min(i + 2, this.n);
  }

  /** End of a bare token (number, boolean, timestamp) for error messages and booleans. */
  private tokenEnd(i: number): number {
    const b = this.b;
    for (;;) {
      const c = b[i] ?? EOF;
      if (c === C_COMMA || c === C_SPACE || c === C_TAB || this.isEol(i)) return i;
      i++;
    }
  }

  /** A float, `123i` (int64) or `123u` (uint64) starting at i; sets this.next. */
  private number(start: number, key: string): FieldValue {
    const b = this.b;
    let i = start;
    let c = b[i] ?? EOF;
    const neg = c === C_MINUS;
    if (neg) c = b[++i] ?? EOF;
    // Mantissa digits accumulate (exactly while below 2^53).
    let m = 0;
    const intStart = i;
    while (c >= C_0 && c <= C_9) {
      m = m * 10 + (c - C_0);
      c = b[++i] ?? EOF;
    }
    let digits = i - intStart;
    let fracDigits = -1;
    if (c === C_DOT) {
      fracDigits = 0;
      c = b[++i] ?? EOF;
      while (c >= C_0 && c <= C_9) {
        m = m * 10 + (c - C_0);
        fracDigits++;
        c = b[++i] ?? EOF;
      }
      digits += fracDigits;
    }
    let exp = false;
    if (digits > 0 && (c === 101 /* e */ || c === 69) /* E */) {
      exp = true;
      c = b[++i] ?? EOF;
      if (c === 43 /* + */ || c === C_MINUS) c = b[++i] ?? EOF;
      const es = i;
      while (c >= C_0 && c <= C_9) c = b[++i] ?? EOF;
      if (i === es) digits = 0; // "1e" or "1e+": invalid
    }
    if (c === 105 /* i */ || c === 117 /* u */) {
      const unsigned = c === 117;
      const end = i;
      c = b[++i] ?? EOF;
      if (digits === 0 || fracDigits >= 0 || exp || !this.isValueEnd(i, c)) {
        throw this.badNumber(start, key);
      }
      this.next = i;
      if (unsigned && neg) {
        throw new LineError(
          start,
          `unsigned integer cannot be negative: ${quote(this.text(start, i))} for key ${quote(key)}`,
          true,
        );
      }
      let sig = end - intStart; // significant digits: leading zeros do not count
      for (let z = intStart; z < end && b[z] === C_0; z++) sig--;
      if (sig <= 15) {
        if (m < SMALL_INTS.length && !neg) return SMALL_INTS[m]!;
        return BigInt(neg ? -m : m);
      }
      const big = sig <= 20 ? BigInt(this.digits(start, end)) : UINT64_MAX + 1n; // never BigInt a huge text
      if (unsigned ? big > UINT64_MAX : big < INT64_MIN || big > INT64_MAX) {
        const type = unsigned ? "uint64" : "int64";
        throw new LineError(
          start,
          `integer out of range for ${type}: ${quote(this.text(start, i))} for key ${quote(key)}`,
          true,
        );
      }
      // Unsigned values become plain bigints: the uint-ness is not kept (Point has one
      // integer type), so a small `12u` is written back as `12i`.
      return big;
    }
    if (digits === 0 || !this.isValueEnd(i, c)) throw this.badNumber(start, key);
    this.next = i;
    if (!exp && m < TWO_POW_53 && fracDigits <= 22) {
      // m and 10^k are exact, so one division gives the correctly rounded float, the same
      // value Number() would give for the text.
      const v = fracDigits > 0 ? m / (POW10[fracDigits] as number) : m;
      return neg ? -v : v;
    }
    const v = Number(this.digits(start, i));
    if (!Number.isFinite(v)) {
      throw new LineError(
        start,
        `float out of range: ${quote(this.text(start, i))} for key ${quote(key)}`,
        true,
      );
    }
    return v;
  }

  private isValueEnd(i: number, c: number): boolean {
    return c === C_COMMA || c === C_SPACE || c === C_TAB || this.isEol(i);
  }

  private badNumber(start: number, key: string): LineError {
    return new LineError(
      start,
      `invalid number ${quote(this.text(start, this.tokenEnd(start)))} for key ${quote(key)}`,
      true,
    );
  }

  /** A quoted string starting at the quote at i; sets this.next after the closing quote. */
  private string(start: number, key: string): string {
    const b = this.b;
    const n = this.n;
    let i = start + 1;
    let esc = false;
    for (;;) {
      if (i >= n) throw new LineError(start, `unterminated string field value for key ${quote(key)}`, true);
      const c = b[i];
      if (c === C_QUOTE) break;
      if (c === C_BACKSLASH) {
        esc = true;
        i += 2;
      } else i++;
    }
    const raw = this.text(start + 1, i);
    i++;
    if (!this.isValueEnd(i, b[i] ?? EOF)) {
      throw new LineError(
        i,
        `unexpected ${quote(this.text(i, i + charLength(b[i] ?? 0)))} after the string value of field ${quote(key)}`,
        true,
      );
    }
    this.next = i;
    return esc ? unescapeString(raw) : raw;
  }

  /** An integer timestamp at i in this.precision; returns ns and sets this.next. */
  private timestamp(start: number): bigint {
    const b = this.b;
    const len = this.lastLen;
    if (len > 0 && this.sameBytes(start, this.lastAt, len)) {
      const after = b[start + len] ?? EOF;
      if (after === C_SPACE || after === C_TAB || this.isEol(start + len)) {
        this.next = start + len;
        return this.lastTime;
      }
    }
    let i = start;
    let c = b[i] ?? EOF;
    const neg = c === C_MINUS;
    if (neg) c = b[++i] ?? EOF;
    while (c === C_0) c = b[++i] ?? EOF;
    const sigStart = i;
    while (c >= C_0 && c <= C_9) c = b[++i] ?? EOF;
    const end = i;
    if (end === start + (neg ? 1 : 0) || !(c === C_SPACE || c === C_TAB || this.isEol(i))) {
      throw new LineError(start, `invalid timestamp ${quote(this.text(start, this.tokenEnd(start)))}`, true);
    }
    this.next = end;
    if (end - sigStart > 19) throw this.timeRange(start, end);
    // hi: the digits before the last nine (< 10^10), lo: the last nine; both exact.
    const mid = end - 9 > sigStart ? end - 9 : sigStart;
    let hi = 0;
    for (let k = sigStart; k < mid; k++) hi = hi * 10 + ((b[k] ?? C_0) - C_0);
    let lo = 0;
    for (let k = mid; k < end; k++) lo = lo * 10 + ((b[k] ?? C_0) - C_0);
    if (lo === this.lastLo && hi === this.lastHi && neg === this.lastNeg) {
      this.lastAt = start;
      this.lastLen = end - start;
      return this.lastTime;
    }
    let t: bigint;
    if (this.mult === 1) {
      // hi × 1e9 is exact below EXACT_SPLIT_SECONDS; the sum is exact when it reads back.
      const whole = hi * 1e9;
      const f = whole + lo;
      const dh = hi - this.lastHi;
      if (
        hi < EXACT_SPLIT_SECONDS &&
        this.lastHi >= 0 &&
        neg === this.lastNeg &&
        dh < 2 ** 22 &&
        dh > -(2 ** 22)
      ) {
        // In range (as below) and near the previous time: the step is an exact float64 integer.
        const step = dh * 1e9 + (lo - this.lastLo);
        let big: bigint;
        if (step === this.lastStep) big = this.lastStepBig;
        else {
          big = step >= 0 && step < SMALL_INTS.length ? SMALL_INTS[step]! : BigInt(step);
          this.lastStep = step;
          this.lastStepBig = big;
        }
        t = neg ? this.lastTime - big : this.lastTime + big;
        this.lastAt = start;
        this.lastLen = end - start;
        this.lastHi = hi;
        this.lastLo = lo;
        return (this.lastTime = t);
      }
      if (hi < EXACT_SPLIT_SECONDS && f - whole === lo) t = BigInt(f);
      else {
        t = BigInt(hi) * 1_000_000_000n + BigInt(lo);
        if (t > MAX_TS_BIG.n) throw this.timeRange(start, end);
      }
    } else {
      const v = hi * 1e9 + lo;
      if (end - sigStart <= 15) {
        if (v > this.maxTs) throw this.timeRange(start, end);
        const f = v * this.mult;
        t = f <= Number.MAX_SAFE_INTEGER ? BigInt(f) : BigInt(v) * this.multBig;
      } else {
        const big = BigInt(hi) * 1_000_000_000n + BigInt(lo);
        if (big > MAX_TS_BIG[this.precision]) throw this.timeRange(start, end);
        t = big * this.multBig;
      }
    }
    if (neg) t = -t;
    this.lastAt = start;
    this.lastLen = end - start;
    this.lastHi = hi;
    this.lastLo = lo;
    this.lastNeg = neg;
    this.lastTime = t;
    return t;
  }

  /** True when the bytes at i are those of sig (a field key and its `=`). */
  private matches(i: number, sig: FieldSig): boolean {
    const len = sig.len;
    if (i + len > this.n) return false;
    const words = sig.words;
    const count = words.length;
    if (count === 0) {
      const b = this.b;
      for (let j = 0; j < len; j++) if (b[i + j] !== b[sig.at + j]) return false;
      return true;
    }
    const dv = this.dv;
    for (let k = 0; k < count - 1; k++) if (dv.getInt32(i + 4 * k, true) !== words[k]) return false;
    return dv.getInt32(i + len - 4, true) === words[count - 1];
  }

  /** True when the len bytes at a equal those at b (four at a time). */
  private sameBytes(a: number, from: number, len: number): boolean {
    if (a + len > this.n) return false;
    const b = this.b;
    const dv = this.dv;
    let j = 0;
    for (; j + 4 <= len; j += 4) if (dv.getInt32(a + j) !== dv.getInt32(from + j)) return false;
    for (; j < len; j++) if (b[a + j] !== b[from + j]) return false;
    return true;
  }

  private timeRange(start: number, end: number): LineError {
    return new LineError(start, `timestamp out of range: ${quote(this.text(start, end))}`, true);
  }

  /** The time for points without a timestamp, truncated to the precision as InfluxDB does. */
  private now(): bigint {
    if (this.defaultTime === undefined) {
      const now = this.nowOpt ?? nowNs();
      this.defaultTime = this.mult === 1 ? now : (now / this.multBig) * this.multBig;
    }
    return this.defaultTime;
  }

  /**
   * Where the rejected line ends: the first newline after pos that is not inside a quoted
   * field value. An unterminated quote ends at the first newline after it, so one stray
   * quote costs one line, not the rest of the body.
   */
  private lineEndAfterError(pos: number, inFields: boolean): number {
    const b = this.b;
    const n = this.n;
    let i = pos;
    let valueStart = false;
    while (i < n) {
      const c = b[i];
      if (c === C_NL) return i;
      if (c === C_BACKSLASH) {
        if (b[i + 1] === C_NL) return i + 1;
        i += 2;
        valueStart = false;
        continue;
      }
      if (!inFields) {
        if (c === C_SPACE) inFields = true;
        i++;
        continue;
      }
      if (c === C_QUOTE && valueStart) {
        let j = i + 1;
        while (j < n) {
          const d = b[j];
          if (d === C_QUOTE) break;
          j += d === C_BACKSLASH ? 2 : 1;
        }
        if (j >= n) {
          const nl = b.indexOf(C_NL, i);
          return nl < 0 ? n : nl;
        }
        i = j + 1;
        valueStart = false;
        continue;
      }
      valueStart = c === C_EQ;
      i++;
    }
    return n;
  }

  private makeError(lineStart: number, lineEnd: number, e: LineError): LineProtocolError {
    const b = this.b;
    let i = this.countedPos;
    let line = this.countedLine;
    for (;;) {
      const nl = b.indexOf(C_NL, i);
      if (nl < 0 || nl >= lineStart) break;
      line++;
      i = nl + 1;
    }
    this.countedPos = lineStart;
    this.countedLine = line;
    let end = lineEnd;
    if (end > lineStart && b[end - 1] === C_CR) end--;
    // Columns and the excerpt count characters; a character takes at most four bytes.
    return {
      line,
      column: (this.ascii ? e.pos - lineStart : this.text(lineStart, e.pos).length) + 1,
      message: e.message,
      text: this.text(lineStart, Math.min(end, lineStart + 4 * MAX_ERROR_TEXT)).slice(0, MAX_ERROR_TEXT),
    };
  }
}

/** Bytes in the UTF-8 sequence that starts with byte c (1 for a stray continuation byte). */
function charLength(c: number): number {
  if (c >= 0xf0) return 4;
  if (c >= 0xe0) return 3;
  if (c >= 0xc0) return 2;
  return 1;
}

/** t, true, True, TRUE, f, false, False, FALSE (the caller checked b[i] is t/T/f/F). */
function parseBool(b: Uint8Array, i: number, e: number): boolean | undefined {
  switch (e - i) {
    case 1: {
      const c = b[i];
      return c === 116 || c === 84 ? true : false;
    }
    case 4:
      return spells(b, i, "true") || spells(b, i, "True") || spells(b, i, "TRUE") ? true : undefined;
    case 5:
      return spells(b, i, "false") || spells(b, i, "False") || spells(b, i, "FALSE") ? false : undefined;
    default:
      return undefined;
  }
}

/** True when the bytes at i are the ASCII word w. */
function spells(b: Uint8Array, i: number, w: string): boolean {
  for (let k = 0; k < w.length; k++) if (b[i + k] !== w.charCodeAt(k)) return false;
  return true;
}

/**
 * Bytes [from, to) of an ASCII buffer as a string. Buffer's own latin1Slice (what
 * toString("latin1", …) ends in) skips the argument handling of toString, which shows for
 * the short identifiers decoded here.
 */
type Latin1Buffer = Buffer & { latin1Slice?: (from: number, to: number) => string };
const HAS_LATIN1_SLICE = typeof (Buffer.prototype as Latin1Buffer).latin1Slice === "function";

function latin1(b: Latin1Buffer, from: number, to: number): string {
  return HAS_LATIN1_SLICE ? b.latin1Slice!(from, to) : b.toString("latin1", from, to);
}

function quote(s: string): string {
  return JSON.stringify(s.length > 64 ? s.slice(0, 64) + "…" : s);
}

function isIdentEscape(c: number, kind: Kind): boolean {
  return c === C_COMMA || c === C_SPACE || c === C_EQ || (c === C_QUOTE && kind === Kind.Name);
}

/** `\c` → `c` for the escapable characters of `kind`; any other backslash stays. */
function unescapeIdent(raw: string, kind: Kind): string {
  let out = "";
  let from = 0;
  let i = raw.indexOf("\\");
  while (i >= 0 && i + 1 < raw.length) {
    if (isIdentEscape(raw.charCodeAt(i + 1), kind)) {
      out += raw.slice(from, i);
      from = i + 1;
      i += 2;
    } else i++;
    i = raw.indexOf("\\", i);
  }
  return from === 0 ? raw : out + raw.slice(from);
}

/** String field values: `\\` → `\`, `\"` → `"`; any other backslash stays. */
function unescapeString(raw: string): string {
  let out = "";
  let from = 0;
  let i = raw.indexOf("\\");
  while (i >= 0 && i + 1 < raw.length) {
    const c = raw.charCodeAt(i + 1);
    if (c === C_BACKSLASH || c === C_QUOTE) {
      out += raw.slice(from, i);
      from = i + 1;
      i += 2;
    } else i++;
    i = raw.indexOf("\\", i);
  }
  return from === 0 ? raw : out + raw.slice(from);
}

// ---------------------------------------------------------------------------------------------
// Serializer

/** Which part of the line an identifier is written to; decides its escaping. */
const enum Part {
  Measurement,
  TagKey,
  TagValue,
  FieldKey,
}

const PART_NAMES = ["measurement", "tag key", "tag value", "field key"] as const;

/**
 * One point in InfluxDB's canonical form: tags sorted by key, fields in their own order,
 * time as an integer in `precision` (truncated toward zero, as InfluxDB does).
 * Throws E_LINE_PROTOCOL for what line protocol cannot express: no fields, an empty
 * measurement or key, a newline or trailing backslash in an identifier, NaN/±Infinity,
 * an integer outside int64/uint64, a time outside int64 nanoseconds.
 * Tags with an empty value are left out, as InfluxDB does.
 */
export function formatPoint(p: Point, precision: Precision = "n"): string {
  if (p.name.length > 0) {
    const c0 = p.name.charCodeAt(0);
    if (c0 === C_HASH || c0 === C_TAB) {
      throw formatError(`measurement ${quote(p.name)} cannot start with ${quote(p.name.charAt(0))}`);
    }
  }
  let out = escapeIdent(p.name, Part.Measurement);
  const tagKeys = Object.keys(p.tags);
  // Canonical order is by bytes; UTF-16 order differs from it only for characters above
  // U+FFFF against U+E000–U+FFFF, which no real tag key mixes.
  if (tagKeys.length > 1) tagKeys.sort();
  for (const k of tagKeys) {
    const v = p.tags[k];
    if (v === undefined || v === "") continue;
    out += "," + escapeIdent(k, Part.TagKey) + "=" + escapeIdent(v, Part.TagValue);
  }
  let sep = " ";
  for (const k of Object.keys(p.fields)) {
    if (sep === " " && k.charCodeAt(0) === C_TAB) {
      throw formatError(`the first field key ${quote(k)} cannot start with a tab`);
    }
    out += sep + escapeIdent(k, Part.FieldKey) + "=" + formatFieldValue(k, p.fields[k]);
    sep = ",";
  }
  if (sep === " ") throw formatError(`point ${quote(p.name)} has no fields`);
  return out + " " + formatTime(p.time, precision);
}

/** Points joined by newlines, with a trailing newline ("" for none). */
export function formatPoints(ps: readonly Point[], precision: Precision = "n"): string {
  let out = "";
  for (const p of ps) out += formatPoint(p, precision) + "\n";
  return out;
}

function formatError(message: string): TickdError {
  return new TickdError(ErrorCodes.LINE_PROTOCOL, `cannot write line protocol: ${message}`);
}

function formatFieldValue(key: string, v: FieldValue | undefined): string {
  switch (typeof v) {
    case "number":
      if (!Number.isFinite(v))
        throw formatError(`field ${quote(key)} is ${v}, which line protocol cannot carry`);
      return Object.is(v, -0) ? "-0" : String(v); // shortest round-trip form; "1" stays a float
    case "bigint":
      if (v >= INT64_MIN && v <= INT64_MAX) return v + "i";
      if (v > INT64_MAX && v <= UINT64_MAX) return v + "u";
      throw formatError(`field ${quote(key)} = ${v} is outside int64 and uint64`);
    case "string":
      return '"' + escapeString(v) + '"';
    case "boolean":
      return v ? "true" : "false";
    default:
      throw formatError(`field ${quote(key)} has no line-protocol type (${typeof v})`);
  }
}

/**
 * The time formatted last and its text: the points of one write (a Telegraf gather, a batch)
 * mostly share their time, and comparing two bigints costs far less than printing one.
 */
let lastTime: bigint | undefined;
let lastTimePrecision: Precision = "n";
let lastTimeText = "";

function formatTime(t: bigint, precision: Precision): string {
  if (t === lastTime && precision === lastTimePrecision) return lastTimeText;
  if (t < INT64_MIN || t > INT64_MAX) throw formatError(`time ${t} is outside the int64 nanosecond range`);
  const mult = PRECISION_NS[precision];
  // Integer division truncates toward zero, as Go's does.
  const text = mult === 1 ? String(t) : String(t / BigInt(mult));
  lastTime = t;
  lastTimePrecision = precision;
  lastTimeText = text;
  return text;
}

/**
 * Delimiters of `part` are always escaped; the other characters the parser unescapes are
 * escaped only after a backslash, where `\c` would otherwise be read as an escape.
 * Backslashes themselves are written as is: the parser keeps a backslash that precedes
 * anything other than an escapable character.
 */
function escapeIdent(s: string, part: Part): string {
  const n = s.length;
  if (n === 0) throw formatError(`empty ${PART_NAMES[part]}`);
  let needs = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === C_COMMA || c === C_SPACE || c === C_EQ || c === C_QUOTE || c === C_BACKSLASH || c === C_NL) {
      needs = true;
      break;
    }
  }
  if (!needs) return s;
  if (s.charCodeAt(n - 1) === C_BACKSLASH) {
    throw formatError(
      `${PART_NAMES[part]} ${quote(s)} ends with a backslash, which would escape the delimiter`,
    );
  }
  if (s.includes("\n")) throw formatError(`${PART_NAMES[part]} ${quote(s)} contains a newline`);
  const kind = part === Part.Measurement || part === Part.FieldKey ? Kind.Name : Kind.Tag;
  let out = "";
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (isDelimiter(c, part) || (prev === C_BACKSLASH && isIdentEscape(c, kind))) out += "\\";
    out += s.charAt(i);
    prev = c;
  }
  return out;
}

function isDelimiter(c: number, part: Part): boolean {
  if (c === C_COMMA || c === C_SPACE) return true;
  if (part === Part.Measurement) return false;
  return c === C_EQ || (c === C_QUOTE && part === Part.FieldKey);
}

function escapeString(s: string): string {
  let from = 0;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === C_QUOTE || c === C_BACKSLASH) {
      out += s.slice(from, i) + "\\";
      from = i;
    }
  }
  return from === 0 && out === "" ? s : out + s.slice(from);
}
