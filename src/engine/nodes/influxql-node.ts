/**
 * InfluxQL function nodes (`|count('f')`, `|mean('f')`, `|top(3, 'f')`, `|derivative('f')` …):
 * batch functions reduce each incoming batch; transforms keep state per group and also
 * accept a stream. Output goes out as a stream of points or as a batch, as the checked
 * graph says the node provides.
 *
 * A batch function on a stream (no `|window()`), as Kapacitor's influxqlGroup.Point: each
 * group collects the points of one time (state: the pending time and its points); a point of
 * another time reduces the pending ones as a batch stamped with their time, sends the result
 * on and starts a new pending time with itself. A group's last time is never sent.
 */
import type { Point } from "../../core/types.js";
import {
  compileInfluxQL,
  type CompiledInfluxQL,
  type InfluxQLArg,
  type InfluxQLCall,
  type TransformState,
} from "../influxql/index.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import { groupTags } from "../group.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { dur, has, plain, str } from "../props.js";
import { badState, isRecord, type GroupStateAccess } from "../group-state.js";
import type { Tags } from "../../core/types.js";

export function influxqlCall(n: TaskNode): InfluxQLCall {
  // top/bottom take the count first: top(num, field, fieldsAndTags…) in Kapacitor.
  const fieldIndex = n.kind === "top" || n.kind === "bottom" ? 1 : 0;
  const fieldArg = n.args[fieldIndex];
  if (fieldArg?.type !== "string") throw new Error(`${n.name}: ${n.kind} needs a field name`);
  const args: InfluxQLArg[] = [];
  n.args.forEach((a, i) => {
    if (i === fieldIndex) return;
    const v = plain(a);
    if (typeof v === "number" || typeof v === "bigint" || typeof v === "string") args.push(v);
  });
  const call: InfluxQLCall = { method: n.kind, field: fieldArg.value, args };
  const as = str(n, "as");
  if (as !== undefined) call.as = as;
  if (has(n, "usePointTimes")) call.usePointTimes = true;
  const unit = dur(n, "unit");
  if (unit !== undefined) call.unit = unit;
  if (has(n, "nonNegative")) call.nonNegative = true;
  return call;
}

export class InfluxQLNode extends RuntimeNode {
  private readonly fn: CompiledInfluxQL;
  private readonly transforms = new Map<string, { st: TransformState; name: string; tags: Tags }>();
  /** Batch functions on a stream: the points of each group's current time. */
  private readonly pending = new Map<string, BatchMsg>();

  /** `|barrier().delete(TRUE)`: the group starts afresh (Kapacitor's grouped consumer drops it). */
  override deleteGroup(group: string): void {
    this.transforms.delete(group);
    this.pending.delete(group);
    this.dirty.mark(group);
    super.deleteGroup(group);
  }

  /** A transform's state per group, or a batch function's pending time on a stream. */
  override groupState(): GroupStateAccess {
    return {
      takeDirty: () => this.dirty.take(),
      save: (group) => {
        const t = this.transforms.get(group);
        if (t !== undefined) return { name: t.name, tags: t.tags, st: t.st.save() };
        const p = this.pending.get(group);
        return p === undefined ? undefined : { pending: p };
      },
      load: (group, data) => {
        if (!isRecord(data)) throw badState(this.name, "not an object");
        if (this.fn.kind === "transform") {
          if (!("st" in data)) throw badState(this.name, "not a transform");
          const name = String(data["name"]);
          const tags = data["tags"] as Tags;
          const st = this.fn.create({ name, groupTags: tags, node: this.name });
          st.load(data["st"]);
          this.transforms.set(group, { st, name, tags });
        } else {
          if (!isRecord(data["pending"])) throw badState(this.name, "not a pending batch");
          this.pending.set(group, data["pending"] as unknown as BatchMsg);
        }
      },
    };
  }
  /** Groups whose batches it reduced: Kapacitor keeps a handler per group (working_cardinality). */
  private readonly batchGroups = new Set<string>();

  /** Kapacitor's working_cardinality: the groups this node has seen. */
  override cardinality(): number {
    return this.transforms.size + this.batchGroups.size + this.pending.size;
  }
  private readonly asBatch: boolean;

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    this.fn = compileInfluxQL(influxqlCall(n), n.name);
    this.asBatch = n.provides === "batch";
  }

  override batch(m: BatchMsg): void {
    this.batchGroups.add(m.group);
    this.reduce(m);
  }

  private reduce(m: BatchMsg): void {
    const gctx = { name: m.name, groupTags: m.tags, node: this.name, onSkip: (e: Error) => this.error(e) };
    let out: Point[];
    try {
      out = this.fn.kind === "batch" ? this.fn.apply(m, gctx) : this.fn.applyBatch(m, gctx);
    } catch (e) {
      this.error(e);
      return;
    }
    if (this.asBatch) {
      this.emitBatch({ ...m, points: out });
      return;
    }
    for (const p of out) this.emitPoint(toMsg(p, m));
  }

  override point(m: PointMsg): void {
    if (this.fn.kind !== "transform") {
      this.collect(m);
      return;
    }
    let t = this.transforms.get(m.group);
    if (t === undefined) {
      const tags = groupTags(m.tags, m.dims);
      t = { st: this.fn.create({ name: m.name, groupTags: tags, node: this.name }), name: m.name, tags };
      this.transforms.set(m.group, t);
    }
    this.dirty.mark(m.group);
    let out: Point | undefined;
    try {
      out = t.st.push(m);
    } catch (e) {
      this.error(e);
      return;
    }
    if (out !== undefined) this.emitPoint({ ...m, tags: out.tags, fields: out.fields, time: out.time });
  }

  private collect(m: PointMsg): void {
    this.dirty.mark(m.group);
    const p = this.pending.get(m.group);
    const point = { name: m.name, tags: m.tags, fields: m.fields, time: m.time };
    if (p !== undefined && p.time === m.time) {
      p.points.push(point);
      return;
    }
    const next: BatchMsg = {
      name: m.name,
      time: m.time,
      tags: groupTags(m.tags, m.dims),
      group: m.group,
      dims: m.dims,
      points: [point],
    };
    this.pending.set(m.group, next);
    if (p !== undefined) this.reduce(p);
  }
}

function toMsg(p: Point, m: BatchMsg): PointMsg {
  return {
    name: p.name,
    db: "",
    rp: "",
    tags: p.tags,
    fields: p.fields,
    time: p.time,
    group: m.group,
    dims: m.dims,
  };
}
