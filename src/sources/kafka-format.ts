/**
 * Kafka message → points, for `[[kafka-input]] format`.
 *
 * `line-protocol`: the message value is InfluxDB line protocol, one or many lines (ns
 * precision). Bad lines are reported and skipped; the good lines of the message are kept.
 *
 * `json`: the value is one point object or an array of them:
 *
 *   {"measurement": "cpu", "tags": {"host": "a"}, "fields": {"v": 1.5}, "time": 1700000000000000000}
 *
 * - `measurement` (or `name`): non-empty string, required.
 * - `tags`: optional object of string values.
 * - `fields`: required, non-empty object; a JSON number is a float field, `true`/`false` a
 *   boolean, a string a string field. An integer field is written as an object `{"int": "42"}`
 *   or `{"int": 42}` (int64, as line protocol's `42i`), since JSON numbers cannot tell 42 from 42.0.
 * - `time`: optional; an integer number of ns since the epoch, a string of digits (ns, for
 *   values beyond 2^53), or an RFC3339 string (`2023-11-14T22:13:20.5Z`, offsets allowed).
 *   Absent: the time the message was decoded.
 * A bad object is reported and skipped; the other objects of the array are kept. A value that
 * is not JSON at all is a bad message.
 */
import type { FieldValue, Fields, Point, Tags } from "../core/types.js";
import { parseLineProtocol, type FieldFilter } from "../core/line-protocol.js";
import { parseRFC3339Nano } from "../core/time.js";

const UTF8 = new TextDecoder();

export type KafkaInputFormat = "line-protocol" | "json";

export interface DecodeResult {
  points: Point[];
  /** One message per rejected line / object ("line 3: …", "item 2: …"). */
  errors: string[];
  /** True when nothing of the message could be read (not JSON, or empty of points and full of errors). */
  bad: boolean;
}

/**
 * Decodes one message value (UTF-8 bytes as they come from Kafka, or text). `now` (ns)
 * stamps points without a time. `fields`: line protocol decodes only these (JSON is decoded
 * whole). Never throws.
 */
export function decodeMessage(
  format: KafkaInputFormat,
  value: string | Uint8Array,
  now: bigint,
  fields?: FieldFilter,
): DecodeResult {
  if (format === "line-protocol") return decodeLineProtocol(value, now, fields);
  return decodeJson(typeof value === "string" ? value : UTF8.decode(value), now);
}

function decodeLineProtocol(value: string | Uint8Array, now: bigint, fields?: FieldFilter): DecodeResult {
  const r = parseLineProtocol(
    value,
    fields === undefined ? { precision: "n", now } : { precision: "n", now, fields },
  );
  const errors = r.errors.length === 0 ? [] : r.errors.map((e) => `line ${e.line}: ${e.message}`);
  return { points: r.points, errors, bad: r.points.length === 0 && errors.length > 0 };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function decodeJson(value: string, now: bigint): DecodeResult {
  let doc: unknown;
  try {
    doc = JSON.parse(value);
  } catch (e) {
    return { points: [], errors: [`invalid JSON: ${(e as Error).message}`], bad: true };
  }
  const items = Array.isArray(doc) ? doc : [doc];
  const points: Point[] = [];
  const errors: string[] = [];
  items.forEach((item, i) => {
    try {
      points.push(jsonPoint(item, now));
    } catch (e) {
      errors.push(Array.isArray(doc) ? `item ${i}: ${(e as Error).message}` : (e as Error).message);
    }
  });
  return { points, errors, bad: points.length === 0 && errors.length > 0 };
}

/** One JSON object → Point; throws an Error naming the bad key. */
export function jsonPoint(item: unknown, now: bigint): Point {
  if (!isObject(item)) throw new Error("expected an object with measurement, tags, fields and time");
  const name = item.measurement ?? item.name;
  if (typeof name !== "string" || name === "") throw new Error(`"measurement": expected a non-empty string`);
  const tags: Tags = {};
  if (item.tags !== undefined && item.tags !== null) {
    if (!isObject(item.tags)) throw new Error(`"tags": expected an object of strings`);
    for (const [k, v] of Object.entries(item.tags)) {
      if (typeof v !== "string") throw new Error(`"tags.${k}": expected a string`);
      tags[k] = v;
    }
  }
  if (!isObject(item.fields)) throw new Error(`"fields": expected an object`);
  const fields: Fields = {};
  for (const [k, v] of Object.entries(item.fields)) fields[k] = jsonField(k, v);
  if (Object.keys(fields).length === 0) throw new Error(`"fields": at least one field is required`);
  const time = item.time === undefined || item.time === null ? now : jsonTime(item.time);
  return { name, tags, fields, time };
}

function jsonField(key: string, v: unknown): FieldValue {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`"fields.${key}": not a finite number`);
    return v;
  }
  if (typeof v === "boolean" || typeof v === "string") return v;
  if (isObject(v) && Object.keys(v).length === 1 && "int" in v) {
    const raw = v.int;
    if (
      (typeof raw === "number" && Number.isSafeInteger(raw)) ||
      (typeof raw === "string" && /^-?\d+$/.test(raw))
    ) {
      const n = BigInt(raw);
      if (n >= -(2n ** 63n) && n < 2n ** 63n) return n;
    }
    throw new Error(`"fields.${key}.int": expected an int64 (number or string of digits)`);
  }
  throw new Error(`"fields.${key}": expected a number, boolean, string or {"int": n}`);
}

/** `time`: ns number, string of digits (ns) or RFC3339(Nano). */
export function jsonTime(v: unknown): bigint {
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new Error(`"time": expected integer nanoseconds`);
    return BigInt(v);
  }
  if (typeof v === "string") {
    if (/^-?\d+$/.test(v)) return BigInt(v);
    const t = parseRFC3339Nano(v);
    if (t !== undefined) return t;
  }
  throw new Error(`"time": expected ns since the epoch or an RFC3339 time, got ${JSON.stringify(v)}`);
}

/** RFC3339 with up to 9 fraction digits → ns since the epoch; undefined when malformed. */
export const parseRfc3339Ns = parseRFC3339Nano;
