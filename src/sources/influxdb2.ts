/**
 * InfluxDB 2.x through `@influxdata/influxdb-client`: Flux queries (`POST /api/v2/query`, a
 * JSON body `{query, type:"flux", now?}`, `Authorization: Token …`, annotated CSV back) for
 * `|queryFlux()` batch tasks, and v2 writes (`POST /api/v2/write?org&bucket&precision`, line
 * protocol) for write-back.
 *
 * A Flux answer becomes series: one per table and tag set, named after `_measurement`, tags =
 * the group-key columns other than `_start`, `_stop`, `_field`, `_measurement`, `result` and
 * `table`; each `_time` is one point whose fields are `_field` = `_value` (and any other
 * non-group column, for pivoted data).
 */
import { InfluxDB, type FluxTableMetaData, type WritePrecisionType } from "@influxdata/influxdb-client";
import { TickdError } from "../core/errors.js";
import { formatPoint, type Precision } from "../core/line-protocol.js";
import type { FieldValue, Fields, Point, Tags } from "../core/types.js";
import type { InfluxSeries } from "../engine/context.js";
import { formatRFC3339Nano } from "../core/go-format.js";
import { parseRFC3339Nano } from "../core/time.js";

export interface Influx2Options {
  url: string;
  token: string;
  /** ms; 0 or undefined: the library's default. */
  timeoutMs?: number;
}

export interface Influx2Client {
  /** Runs Flux as `org` (a name or an ID) with `now()` = `now` (ns) when given. */
  queryFlux(flux: string, opts: { org: string; now?: bigint }): Promise<InfluxSeries[]>;
  write(org: string, bucket: string, points: readonly Point[], precision?: Precision): Promise<void>;
}

const NOT_TAGS = new Set(["_start", "_stop", "_field", "_measurement", "_value", "_time", "result", "table"]);

/** RFC 3339 with up to nanoseconds → ns since the epoch, exact (core/time.ts). */
export const parseRfc3339 = parseRFC3339Nano;

/** ns → RFC 3339 with nanoseconds (Flux's `now`). */
export function formatRfc3339(ns: bigint): string {
  return formatRFC3339Nano(ns);
}

function value(v: unknown): FieldValue | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "bigint") return v;
  return String(v);
}

/** Flux rows (as `tableMeta.toObject` gives them, plus their metadata) → series. */
export class FluxSeriesCollector {
  private readonly series = new Map<string, { s: InfluxSeries; byTime: Map<bigint, Point> }>();

  add(row: Record<string, unknown>, meta: FluxTableMetaData): void {
    const tags: Tags = {};
    for (const c of meta.columns)
      if (c.group && !NOT_TAGS.has(c.label)) {
        const v = row[c.label];
        if (v !== null && v !== undefined) tags[c.label] = String(v);
      }
    const name = typeof row["_measurement"] === "string" ? row["_measurement"] : "";
    const key = `${String(row["table"] ?? "")}\u0000${name}\u0000${JSON.stringify(Object.entries(tags).sort())}`;
    let entry = this.series.get(key);
    if (entry === undefined) {
      entry = { s: { name, tags, points: [] }, byTime: new Map() };
      this.series.set(key, entry);
    }
    const timeText = row["_time"] ?? row["_stop"];
    const time = typeof timeText === "string" ? parseRfc3339(timeText) : undefined;
    if (time === undefined)
      throw new TickdError("E_INFLUXDB", `Flux row without a valid _time: ${JSON.stringify(row)}`);
    let p = entry.byTime.get(time);
    if (p === undefined) {
      p = { name, tags, fields: {} as Fields, time };
      entry.byTime.set(time, p);
      entry.s.points.push(p);
    }
    const field = row["_field"];
    const v = value(row["_value"]);
    if (typeof field === "string" && v !== undefined) p.fields[field] = v;
    for (const c of meta.columns) {
      if (c.group || NOT_TAGS.has(c.label) || c.label.startsWith("_")) continue;
      const cv = value(row[c.label]);
      if (cv !== undefined) p.fields[c.label] = cv;
    }
  }

  result(): InfluxSeries[] {
    const out: InfluxSeries[] = [];
    for (const { s } of this.series.values()) {
      s.points = s.points.filter((p) => Object.keys(p.fields).length > 0);
      out.push(s);
    }
    return out;
  }
}

const V2_PRECISION: Readonly<Record<Precision, WritePrecisionType>> = {
  n: "ns",
  ns: "ns",
  u: "us",
  ms: "ms",
  s: "s",
  // v2 has no minute/hour precision: such writes go in seconds.
  m: "s",
  h: "s",
};

export function createInflux2Client(o: Influx2Options): Influx2Client {
  const db = new InfluxDB({
    url: o.url,
    token: o.token,
    ...(o.timeoutMs !== undefined && o.timeoutMs > 0 ? { timeout: o.timeoutMs } : {}),
  });
  return {
    async queryFlux(flux, q) {
      const now = q.now;
      const api = db.getQueryApi(now === undefined ? q.org : { org: q.org, now: () => formatRfc3339(now) });
      const collector = new FluxSeriesCollector();
      try {
        await api.collectRows(flux, (values, meta) => {
          collector.add(meta.toObject(values), meta);
          return undefined;
        });
      } catch (e) {
        if (e instanceof TickdError) throw e;
        throw new TickdError("E_INFLUXDB", `Flux query failed: ${(e as Error).message}`, { cause: e });
      }
      return collector.result();
    },
    async write(org, bucket, points, precision = "ns") {
      if (points.length === 0) return;
      const p = V2_PRECISION[precision];
      const lp: Precision = p === "us" ? "u" : p;
      const api = db.getWriteApi(org, bucket, p, {
        batchSize: points.length + 1,
        flushInterval: 0,
        maxRetries: 0,
        // Failures reach the caller through close(); don't let the library log them too.
        writeFailed: () => undefined,
      });
      api.writeRecords(points.map((pt) => formatPoint(pt, lp)));
      try {
        await api.close();
      } catch (e) {
        throw new TickdError("E_INFLUXDB", `InfluxDB 2.x write failed: ${(e as Error).message}`, {
          cause: e,
        });
      }
    },
  };
}
