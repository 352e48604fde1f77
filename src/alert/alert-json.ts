/**
 * Kapacitor's `alert.Data` JSON — the body of post, tcp, log, exec and kafka handlers and of
 * `tickctl test --json`. Byte-compatible with Kapacitor (KAPACITOR-COMPAT.md §2): Go field
 * order, Go float formatting, HTML-safe escaping, RFC3339Nano times, trailing "\n".
 */
import type { AlertEvent, Series } from "../core/alert-event.js";
import { takeBuilder, type AsciiBuilder } from "../core/ascii-builder.js";
import { GO_JSON_ESCAPES_HTML, goJson, goJsonFloat } from "../core/go-json.js";
import { formatRFC3339Nano } from "../core/go-format.js";
import { levelName, type Level } from "../core/types.js";

/** The alert.Data object in Go's declaration order (plain objects keep insertion order). */
export function alertData(e: AlertEvent, previousLevel: Level): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: e.state.id,
    message: e.state.message,
    details: e.state.details,
    time: formatRFC3339Nano(e.state.time),
    duration: BigInt(Math.round(e.state.duration)),
    level: levelName(e.state.level),
    data: { series: e.data.series.map(seriesJson) },
    previousLevel: levelName(previousLevel),
    recoverable: e.data.recoverable,
  };
  // tickd's grouped notifications (aggregate with group-by) list their alerts after
  // Kapacitor's keys; every other event stays byte-compatible.
  if (e.alerts !== undefined) {
    out.alerts = e.alerts.map((a) => {
      const keys = Object.keys(a.tags).sort();
      return {
        id: a.id,
        message: a.message,
        time: formatRFC3339Nano(a.time),
        level: levelName(a.level),
        previousLevel: levelName(a.previousLevel),
        tags: new Map(keys.map((k) => [k, a.tags[k]])),
      };
    });
  }
  return out;
}

/** models.Row with Go's `omitempty` on every key. */
export function seriesJson(s: Series): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (s.name !== "") out.name = s.name;
  const tagKeys = Object.keys(s.tags);
  if (tagKeys.length > 0) out.tags = new Map(tagKeys.sort().map((k) => [k, s.tags[k]]));
  if (s.columns.length > 0) out.columns = s.columns;
  if (s.values.length > 0) {
    out.values = s.values.map((row) => row.map((v, i) => (i === 0 ? formatRFC3339Nano(v as bigint) : v)));
  }
  return out;
}

/** One JSON line, as Go's json.Encoder writes it. */
export function alertJsonLine(e: AlertEvent, previousLevel: Level): string {
  return fastAlertJsonLine(e, previousLevel) ?? goJson(alertData(e, previousLevel)) + "\n";
}

/**
 * {@link alertJsonLine} written straight into a byte buffer, for the events nearly every alert
 * is: ASCII text, field values of the four field types. Building {@link alertData}'s objects
 * (a Map per series' tags, a copy of every row) and encoding them left ~10 KB of garbage per
 * notification on the dispatch bench's main thread; this leaves the body string alone.
 * Undefined for anything else (non-ASCII text, grouped notifications, unexpected value types):
 * the general encoder writes those. A test holds the two to the same bytes.
 */
export function fastAlertJsonLine(e: AlertEvent, previousLevel: Level): string | undefined {
  if (e.alerts !== undefined) return undefined;
  const b = takeBuilder();
  try {
    const st = e.state;
    if (!(b.text('{"id":') && str(b, st.id) && b.text(',"message":') && str(b, st.message))) return undefined;
    if (!(
      b.text(',"details":') &&
      str(b, st.details) &&
      b.text(',"time":') &&
      str(b, formatRFC3339Nano(st.time))
    ))
      return undefined;
    const d = Math.round(st.duration);
    // As BigInt(d) prints it: a double past 2^53 has digits String() would round.
    b.text(',"duration":');
    b.text(Number.isSafeInteger(d) ? String(d) : BigInt(d).toString());
    b.text(',"level":"');
    b.text(levelName(st.level));
    b.text('","data":{"series":[');
    const series = e.data.series;
    for (let i = 0; i < series.length; i++) {
      if (i > 0) b.byte(44);
      if (!seriesInto(b, series[i]!)) return undefined;
    }
    b.text(']},"previousLevel":"');
    b.text(levelName(previousLevel));
    b.text('","recoverable":');
    const r = e.data.recoverable;
    if (typeof r !== "boolean") return undefined;
    b.text(r ? "true}\n" : "false}\n");
    return b.done();
  } catch {
    // Whatever the general encoder makes of it (its own error, in its own order).
    return undefined;
  } finally {
    // done() released it already on success; a second release is harmless.
    if (b.busy) b.release();
  }
}

/** seriesJson's object (Go's `omitempty` on every key), written; false: the general path. */
function seriesInto(b: AsciiBuilder, s: Series): boolean {
  b.byte(123);
  let sep = false;
  if (s.name !== "") {
    if (!(b.text('"name":') && str(b, s.name))) return false;
    sep = true;
  }
  const tagKeys = Object.keys(s.tags);
  if (tagKeys.length > 0) {
    // ASCII keys (anything else fails below): JavaScript's sort is Go's bytewise map order.
    if (tagKeys.length > 1) tagKeys.sort();
    b.text(sep ? ',"tags":{' : '"tags":{');
    for (let i = 0; i < tagKeys.length; i++) {
      const k = tagKeys[i]!;
      if (i > 0) b.byte(44);
      if (!(str(b, k) && b.text(":") && value(b, s.tags[k]))) return false;
    }
    b.byte(125);
    sep = true;
  }
  if (s.columns.length > 0) {
    b.text(sep ? ',"columns":[' : '"columns":[');
    for (let i = 0; i < s.columns.length; i++) {
      if (i > 0) b.byte(44);
      if (!value(b, s.columns[i])) return false;
    }
    b.byte(93);
    sep = true;
  }
  if (s.values.length > 0) {
    b.text(sep ? ',"values":[' : '"values":[');
    for (let r = 0; r < s.values.length; r++) {
      const row = s.values[r]!;
      b.text(r > 0 ? ",[" : "[");
      for (let i = 0; i < row.length; i++) {
        if (i > 0) b.byte(44);
        const v = row[i];
        if (!(i === 0 ? str(b, formatRFC3339Nano(v as bigint)) : value(b, v))) return false;
      }
      b.byte(93);
    }
    b.byte(93);
  }
  b.byte(125);
  return true;
}

/** A JSON string as goJsonString writes it (HTML-safe); false for non-ASCII or a non-string. */
function str(b: AsciiBuilder, s: unknown): boolean {
  return typeof s === "string" && b.quoted(s, GO_JSON_ESCAPES_HTML);
}

/** A field value (or null) as the general encoder writes it; false for anything else. */
function value(b: AsciiBuilder, v: unknown): boolean {
  switch (typeof v) {
    case "string":
      return str(b, v);
    case "number":
      return b.text(goJsonFloat(v));
    case "bigint":
      return b.text(v.toString());
    case "boolean":
      return b.text(v ? "true" : "false");
    case "undefined":
      return b.text("null");
    default:
      return v === null && b.text("null");
  }
}
