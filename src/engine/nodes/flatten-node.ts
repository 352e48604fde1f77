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
 * - Batch: each batch on its own — every run of points with one rounded time becomes one point
 *   (the group's tags), and the last run goes out at the end of the batch.
 * - Nothing goes out for a run whose points all lacked an `on` tag (no fields).
 * - A point without one of the `on` tags is left out, counted as an error and logged.
 */
import { goRound } from "../../core/time.js";
import type { Fields, Point } from "../../core/types.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import { groupTags } from "../group.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { lastProperty } from "../../pipeline/task-graph.js";
import { arg, dur, flatStrings, str } from "../props.js";

interface StreamBuffer {
  time: bigint;
  head: PointMsg;
  points: Point[];
}

export class FlattenNode extends RuntimeNode {
  private readonly on: string[];
  private readonly delimiter: string;
  private readonly tolerance: number;
  private readonly dropName: boolean;
  private readonly streams = new Map<string, StreamBuffer>();

  /** `|barrier().delete(TRUE)`: the group starts afresh (Kapacitor's grouped consumer drops it). */
  override deleteGroup(group: string): void {
    this.streams.delete(group);
    super.deleteGroup(group);
  }

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
    return this.streams.size;
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
    const fields = this.flatten(buf.points);
    const time = buf.time;
    buf.time = t;
    buf.points = [p];
    if (fields === undefined) return;
    this.emitPoint({
      name: h.name,
      db: h.db,
      rp: h.rp,
      tags: groupTags(h.tags, h.dims),
      fields,
      time,
      group: h.group,
      dims: h.dims,
    });
  }

  override batch(m: BatchMsg): void {
    const points: Point[] = [];
    let run: Point[] = [];
    let runTime = 0n;
    const flush = (): void => {
      const fields = this.flatten(run);
      if (fields !== undefined) points.push({ name: m.name, tags: m.tags, fields, time: runTime });
    };
    for (const p of m.points) {
      const t = this.round(p.time);
      if (run.length > 0 && t !== runTime) {
        flush();
        run = [];
      }
      runTime = t;
      run.push(p);
    }
    if (run.length > 0) flush();
    this.emitBatch({ ...m, points });
  }

  /**
   * The merged fields (later points overwrite a name an earlier one set): the `on` tag values
   * joined by the delimiter, then the delimiter and the field name unless dropped or no prefix.
   * Undefined when no field came out.
   */
  private flatten(points: readonly Point[]): Fields | undefined {
    const fields: Fields = {};
    let any = false;
    next: for (const p of points) {
      let prefix = "";
      for (let i = 0; i < this.on.length; i++) {
        const tag = this.on[i]!;
        const v = p.tags[tag];
        if (v === undefined) {
          this.error(new Error(`point missing tag "${tag}" for flatten operation`));
          continue next;
        }
        prefix += i > 0 ? this.delimiter + v : v;
      }
      for (const k in p.fields) {
        const name = this.dropName ? prefix : prefix.length > 0 ? prefix + this.delimiter + k : k;
        fields[name] = p.fields[k]!;
        any = true;
      }
    }
    return any ? fields : undefined;
  }

  /** Go's time.Round: the nearest multiple of the tolerance, halfway up; 0 leaves t as is. */
  private round(t: bigint): bigint {
    return goRound(t, this.tolerance);
  }
}
