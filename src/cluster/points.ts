/**
 * Records of `tickd-<name>-points` (DESIGN §11): what HTTP `/write` and InfluxDB
 * subscriptions produce in cluster mode, and what the input side reads back.
 *
 * Key: the series key (measurement and tags, tags sorted by key), so every point of a series
 * lands on one partition and keeps its order there. Value: versioned JSON through the store
 * codec (int64 fields stay bigints, every float and ns time exact):
 *   {"v":1,"db":"telegraf","rp":"autogen","points":[{"name","tags","fields","time"}, …]}
 * Every point carries its time: one without a timestamp was stamped when the write arrived,
 * before it was produced, so a replay of the partition sees the very same points.
 */
import { TickdError } from "../core/errors.js";
import type { Point } from "../core/types.js";
import { decodeJson, encodeJson } from "../store/codec.js";

export const ClusterCodes = {
  /** Producing points (HTTP /write) to the points topic failed. */
  PRODUCE: "E_CLUSTER_PRODUCE",
  /** A record of a cluster topic that cannot be read (bad JSON, unknown version). */
  RECORD: "E_CLUSTER_RECORD",
} as const;

/** Points of one series in one record at most; a bigger write of one series takes several. */
const MAX_POINTS_PER_RECORD = 1000;

export interface PointsRecord {
  readonly db: string;
  readonly rp: string;
  readonly points: readonly Point[];
}

/**
 * The series key: `measurement,k1=v1,k2=v2` with tags sorted by key and line protocol's
 * escapes, so two different series never share a key.
 */
export function seriesKey(p: Pick<Point, "name" | "tags">): string {
  let out = p.name.replace(/[\\, ]/g, (c) => `\\${c}`);
  for (const k of Object.keys(p.tags).sort()) {
    out += `,${escapeTag(k)}=${escapeTag(p.tags[k]!)}`;
  }
  return out;
}

function escapeTag(s: string): string {
  return s.replace(/[\\,= ]/g, (c) => `\\${c}`);
}

/** A write as records for the points topic: one per series (in arrival order), key = series key. */
export function pointsToRecords(
  db: string,
  rp: string,
  points: readonly Point[],
): { key: string; value: string }[] {
  const bySeries = new Map<string, Point[]>();
  for (const p of points) {
    const k = seriesKey(p);
    let list = bySeries.get(k);
    if (list === undefined) bySeries.set(k, (list = []));
    list.push(p);
  }
  const out: { key: string; value: string }[] = [];
  for (const [key, list] of bySeries) {
    for (let i = 0; i < list.length; i += MAX_POINTS_PER_RECORD) {
      const chunk = list.slice(i, i + MAX_POINTS_PER_RECORD);
      out.push({ key, value: encodeJson({ v: 1, db, rp, points: chunk }, "points record") });
    }
  }
  return out;
}

/**
 * Splits records into groups of at most `maxBytes` of keys and values (a record larger than
 * that is a group of its own): kafkajs sends one record batch per partition and request, and
 * a batch over the broker's `message.max.bytes` (1 MB by default) is refused whole.
 */
export function chunkBySize<T extends { key: string; value: string | null }>(
  records: readonly T[],
  maxBytes: number,
): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let size = 0;
  for (const r of records) {
    const n = r.key.length + (r.value?.length ?? 0) + 64;
    if (cur.length > 0 && size + n > maxBytes) {
      out.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(r);
    size += n;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Bytes of records per produce request: well under Kafka's default 1 MB batch limit. */
export const MAX_REQUEST_BYTES = 512 * 1024;

/** Reads a points record back; throws E_CLUSTER_RECORD saying what is wrong. */
export function decodePointsRecord(value: Buffer | string): PointsRecord {
  let doc: unknown;
  try {
    doc = decodeJson(typeof value === "string" ? value : value.toString("utf8"), "points record");
  } catch (e) {
    throw new TickdError(ClusterCodes.RECORD, `points record is not valid JSON`, { cause: e });
  }
  const r = doc as Partial<{ v: unknown; db: unknown; rp: unknown; points: unknown }>;
  if (typeof doc !== "object" || doc === null || r.v !== 1)
    throw new TickdError(ClusterCodes.RECORD, `points record has an unknown version (${String(r.v)})`);
  if (typeof r.db !== "string" || typeof r.rp !== "string" || !Array.isArray(r.points))
    throw new TickdError(ClusterCodes.RECORD, "points record lacks db, rp or points");
  for (const p of r.points as unknown[]) {
    const q = p as Partial<Omit<Point, "time">> & { time?: unknown };
    // Records of a version with float64 times hold a number: read as the nearest integer.
    if (typeof q === "object" && q !== null && typeof q.time === "number" && Number.isFinite(q.time))
      q.time = BigInt(Math.round(q.time));
    if (
      typeof q !== "object" ||
      q === null ||
      typeof q.name !== "string" ||
      typeof q.time !== "bigint" ||
      typeof q.tags !== "object" ||
      typeof q.fields !== "object"
    )
      throw new TickdError(ClusterCodes.RECORD, "points record holds a malformed point");
  }
  return { db: r.db, rp: r.rp, points: r.points as Point[] };
}
