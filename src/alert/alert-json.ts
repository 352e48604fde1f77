/**
 * Kapacitor's `alert.Data` JSON — the body of post, tcp, log, exec and kafka handlers and of
 * `tickctl test --json`. Byte-compatible with Kapacitor (KAPACITOR-COMPAT.md §2): Go field
 * order, Go float formatting, HTML-safe escaping, RFC3339Nano times, trailing "\n".
 */
import type { AlertEvent, Series } from "../core/alert-event.js";
import { goJson } from "../core/go-json.js";
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
  return goJson(alertData(e, previousLevel)) + "\n";
}
