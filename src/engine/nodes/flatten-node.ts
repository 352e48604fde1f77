/**
 * `|flatten().on(tags…).delimiter(s).tolerance(d).dropOriginalFieldName()` (Kapacitor's
 * flatten.go, pipeline/flatten.go): merges the points of a group that share a time into one,
 * naming each field after the point's `on` tag values, joined by the delimiter (default "."),
 * then the field name: `m,port=80 bytes=1` and `m,port=443 bytes=2` on('port') → `80.bytes=1,
 * 443.bytes=2`. With dropOriginalFieldName the field name is left off (`80`, `443`).
 *
 * - Times are rounded to the nearest multiple of the tolerance (halfway up, as Go's Round).
 * - Stream: a group's points are buffered while their rounded time is the same; the merged
 *   point (the group's tags only) goes out when a point with another time arrives.
 * - Batch: a group's batch is held until the group's next batch with another rounded time;
 *   then each rounded time of the held batch becomes one point of the emitted batch.
 * - A point without one of the `on` tags is left out, counted as an error and logged.
 */
import type { Fields, Point } from "../../core/types.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import { groupTags } from "../group.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { lastProperty } from "../../pipeline/task-graph.js";
import { arg, dur, flatStrings, str } from "../props.js";

interface StreamBuffer {
  time: number;
  head: PointMsg;
  points: Point[];
}

interface BatchBuffer {
  time: number;
  head: BatchMsg;
  points: Point[];
}

export class FlattenNode extends RuntimeNode {
  private readonly on: string[];
  private readonly delimiter: string;
  private readonly tolerance: number;
  private readonly dropName: boolean;
  private readonly streams = new Map<string, StreamBuffer>();
  private readonly batches = new Map<string, BatchBuffer>();

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    this.on = flatStrings(lastProperty(n, "on")?.args ?? []);
    this.delimiter = str(n, "delimiter") ?? ".";
    this.tolerance = dur(n, "tolerance") ?? 0;
    const drop = lastProperty(n, "dropOriginalFieldName");
    // `.dropOriginalFieldName()` alone means true (Go's variadic `drop ...bool`).
    const a = arg(n, "dropOriginalFieldName");
    this.dropName = drop !== undefined && (a === undefined || (a.type === "bool" && a.value));
  }

  override cardinality(): number {
    return this.streams.size + this.batches.size;
  }

  override point(m: PointMsg): void {
    const t = this.round(m.time);
    const p: Point = { name: m.name, tags: m.tags, fields: m.fields, time: t };
    const buf = this.streams.get(m.group);
    if (buf === undefined) {
      this.streams.set(m.group, { time: t, head: m, points: [p] });
      return;
    }
    if (t === buf.time) {
      buf.points.push(p);
      return;
    }
    const h = buf.head;
    const out: PointMsg = {
      name: h.name,
      db: h.db,
      rp: h.rp,
      tags: groupTags(h.tags, h.dims),
      fields: this.flatten(buf.points),
      time: buf.time,
      group: h.group,
      dims: h.dims,
    };
    buf.time = t;
    buf.points = [p];
    this.emitPoint(out);
  }

  override batch(m: BatchMsg): void {
    const t = this.round(m.time);
    let buf = this.batches.get(m.group);
    if (buf === undefined) {
      buf = { time: t, head: m, points: [] };
      this.batches.set(m.group, buf);
    } else if (t !== buf.time) {
      const held = buf.points;
      const byTime = new Map<number, Point[]>();
      for (const p of held) {
        const list = byTime.get(p.time);
        if (list === undefined) byTime.set(p.time, [p]);
        else list.push(p);
      }
      const h = buf.head;
      const points: Point[] = [...byTime.keys()]
        .sort((x, y) => x - y)
        .map((time) => ({ name: h.name, tags: h.tags, fields: this.flatten(byTime.get(time)!), time }));
      const out: BatchMsg = {
        name: h.name,
        time: buf.time,
        tags: h.tags,
        group: h.group,
        dims: m.dims,
        points,
      };
      buf.time = t;
      buf.points = [];
      this.emitBatch(out);
    }
    for (const p of m.points) buf.points.push({ ...p, time: this.round(p.time) });
  }

  /** The merged fields: later points overwrite a name an earlier one set. */
  private flatten(points: readonly Point[]): Fields {
    const fields: Fields = {};
    next: for (const p of points) {
      let prefix = "";
      for (const tag of this.on) {
        const v = p.tags[tag];
        if (v === undefined) {
          this.error(new Error(`point missing tag "${tag}" for flatten operation`));
          continue next;
        }
        prefix += v + this.delimiter;
      }
      if (this.dropName) {
        const name = prefix.slice(0, prefix.length - this.delimiter.length);
        for (const k in p.fields) fields[name] = p.fields[k]!;
      } else {
        for (const k in p.fields) fields[prefix + k] = p.fields[k]!;
      }
    }
    return fields;
  }

  /** Go's time.Round: the nearest multiple of the tolerance, halfway up; 0 leaves t as is. */
  private round(t: number): number {
    const d = this.tolerance;
    if (d <= 0) return t;
    const r = ((t % d) + d) % d;
    return r * 2 >= d ? t - r + d : t - r;
  }
}
