/**
 * Batch recordings (Kapacitor's `record batch` / `record query -type batch`): the queries a
 * batch task's `|query()` nodes would have run over a past time range, and the file format
 * the batches they returned are kept in.
 *
 * Queries: for each `|query()` node (its index in graph order is its `source`), ticks fall at
 * `start + every`, `start + 2·every`, … up to `stop` (with `.align()`, counted from `start`
 * truncated to `every`), and each tick runs the query the live node would run at that tick
 * (`[tick − offset − period, tick − offset)`).
 *
 * File (`<id>.brpl`): one JSON object per line, `{"source":n,"batch":{…}}` with the batch's
 * name, time (ns), group, tags, dims and points; an integer field value is written as
 * `{"int":"<digits>"}` so it comes back an integer. (Kapacitor's own .brpl is a zip archive
 * of the same batches; tickd's file is not meant to be exchanged with Kapacitor.)
 */
import { TickdError } from "../../core/errors.js";
import { addNs, durationNs, goTruncate } from "../../core/time.js";
import type { FieldValue, Point } from "../../core/types.js";
import type { InfluxSeries } from "../../engine/context.js";
import type { BatchMsg } from "../../engine/messages.js";
import {
  buildQuery,
  groupsByTime,
  querySpecOf,
  splitSelect,
  seriesToBatches,
} from "../../engine/nodes/query-node.js";
import { has, str } from "../../engine/props.js";
import type { TaskGraph } from "../../pipeline/task-graph.js";

export interface RecordedQuery {
  source: number;
  cluster: string | undefined;
  query: string;
  stop: bigint;
  groupedByTime: boolean;
  byName: boolean;
}

/** The queries of a batch task over [startNs, stopNs], in source then time order. */
export function batchQueries(graph: TaskGraph, startNs: bigint, stopNs: bigint): RecordedQuery[] {
  const out: RecordedQuery[] = [];
  const sources = graph.nodes.filter((n) => n.kind === "query" || n.kind === "queryFlux");
  sources.forEach((n, source) => {
    if (n.kind === "queryFlux")
      throw new TickdError(
        "E_RECORDING",
        `${n.name}: |queryFlux() tasks cannot be recorded; record a |query() task`,
      );
    const spec = querySpecOf(n);
    const parts = splitSelect(spec.query);
    if (spec.every <= 0)
      throw new TickdError("E_RECORDING", `${n.name}: .every() must be more than 0 to record`);
    const every = durationNs(spec.every);
    let tick = spec.align ? goTruncate(startNs, every) : startNs;
    for (tick += every; tick <= stopNs; tick += every) {
      const stop = addNs(tick, -spec.offset);
      out.push({
        source,
        cluster: str(n, "cluster"),
        query: buildQuery(spec, addNs(stop, -spec.period), stop, parts),
        stop,
        groupedByTime: groupsByTime(spec),
        byName: has(n, "groupByMeasurement"),
      });
    }
  });
  return out;
}

/** The batches of one recorded query's answer. */
export function batchesOf(
  q: Pick<RecordedQuery, "stop" | "groupedByTime" | "byName">,
  series: InfluxSeries[],
) {
  return seriesToBatches(series, q);
}

function encodeValue(v: FieldValue): unknown {
  return typeof v === "bigint" ? { int: v.toString() } : v;
}

/** A recorded time: a string of digits (exact), or a number as earlier recordings wrote it. */
function recordedTime(v: unknown, where: string): bigint {
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  if (typeof v === "number" && Number.isFinite(v)) return BigInt(Math.round(v));
  throw new TickdError("E_RECORDING", `${where}: unreadable time ${JSON.stringify(v)}`);
}

function decodeValue(v: unknown, where: string): FieldValue {
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  if (v !== null && typeof v === "object" && typeof (v as { int?: unknown }).int === "string")
    return BigInt((v as { int: string }).int);
  throw new TickdError("E_RECORDING", `${where}: unreadable field value ${JSON.stringify(v)}`);
}

function encodePoint(p: Point): unknown {
  return {
    name: p.name,
    // A string of digits: a JSON number past 2^53 would lose the exact nanoseconds.
    time: String(p.time),
    tags: p.tags,
    fields: Object.fromEntries(Object.entries(p.fields).map(([k, v]) => [k, encodeValue(v)])),
  };
}

/** One `.brpl` line (with its newline). */
export function brplLine(source: number, b: BatchMsg): string {
  return (
    JSON.stringify({
      source,
      batch: {
        name: b.name,
        time: String(b.time),
        group: b.group,
        tags: b.tags,
        dims: b.dims,
        points: b.points.map(encodePoint),
      },
    }) + "\n"
  );
}

/** The batches of a `.brpl` file, in recorded order; `label` names the file in errors. */
export function parseBrpl(text: string, label: string): { source: number; batch: BatchMsg }[] {
  const out: { source: number; batch: BatchMsg }[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${label}:${i + 1}`;
    let o: {
      source: number;
      batch: Omit<BatchMsg, "points" | "time"> & { time: unknown; points: Record<string, unknown>[] };
    };
    try {
      o = JSON.parse(line) as typeof o;
    } catch (e) {
      throw new TickdError("E_RECORDING", `${where}: not JSON: ${(e as Error).message}`);
    }
    const points: Point[] = o.batch.points.map((p) => ({
      name: p.name as string,
      time: recordedTime(p.time, where),
      tags: p.tags as Record<string, string>,
      fields: Object.fromEntries(
        Object.entries(p.fields as Record<string, unknown>).map(([k, v]) => [k, decodeValue(v, where)]),
      ),
    }));
    out.push({ source: o.source, batch: { ...o.batch, time: recordedTime(o.batch.time, where), points } });
  });
  return out;
}

/** A batch moved by `shift` ns (a replay without recording-time). */
export function shiftBatch(b: BatchMsg, shift: bigint): BatchMsg {
  if (shift === 0n) return b;
  return { ...b, time: b.time + shift, points: b.points.map((p) => ({ ...p, time: p.time + shift })) };
}

/**
 * The database and retention policy of a query recorded as a stream (`FROM "db"."rp"."m"`):
 * its points are replayed as writes to them.
 */
export function queryDbrp(query: string): { db: string; rp: string } {
  const ident = String.raw`(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_][\w]*))`;
  const m = new RegExp(String.raw`\bFROM\s+${ident}\.${ident}?\.`, "i").exec(query);
  if (m === null)
    throw new TickdError(
      "E_RECORDING",
      'a stream query recording needs a fully qualified measurement: FROM "db"."rp"."measurement"',
    );
  return { db: m[1] ?? m[2] ?? "", rp: m[3] ?? m[4] ?? "" };
}
