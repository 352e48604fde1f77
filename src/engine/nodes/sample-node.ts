/**
 * `|sample(n)` / `|sample(d)` (Kapacitor's sample.go).
 * - count n: per group, the 1st, (n+1)th, (2n+1)th … point passes (counting starts at the
 *   group's first point);
 * - duration d: a point passes when its time is an exact multiple of d (Go's Truncate, from
 *   Go's zero time), whatever the group. Points between multiples never pass.
 * Batches always pass, with their points sampled the same way, the count restarting at each
 * batch.
 */
import type { Point } from "../../core/types.js";
import { goTruncate } from "../../core/time.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { badState, type GroupStateAccess } from "../group-state.js";

export class SampleNode extends RuntimeNode {
  private readonly n: bigint;
  private readonly duration: number;
  private readonly counts = new Map<string, bigint>();

  /** `|barrier().delete(TRUE)`: the group starts afresh (Kapacitor's grouped consumer drops it). */
  override deleteGroup(group: string): void {
    if (this.counts.delete(group)) this.dirty.mark(group);
    super.deleteGroup(group);
  }

  /** Each group's point count. */
  override groupState(): GroupStateAccess {
    return {
      takeDirty: () => this.dirty.take(),
      save: (group) => this.counts.get(group),
      load: (group, data) => {
        if (typeof data !== "bigint") throw badState(this.name, "not a count");
        this.counts.set(group, data);
      },
    };
  }

  /** Kapacitor's working_cardinality: the groups this node keeps. */
  override cardinality(): number {
    return this.counts.size;
  }

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    const a = n.args[0];
    this.n = a?.type === "int" ? a.value : 0n;
    this.duration = a?.type === "duration" ? a.ns : 0;
    if (this.n === 0n && this.duration === 0) {
      throw new Error(`${n.name}: invalid sample rate: must be positive integer or duration`);
    }
  }

  private keep(count: bigint, time: bigint): boolean {
    if (this.duration !== 0) return goTruncate(time, this.duration) === time;
    return count % this.n === 0n;
  }

  override point(m: PointMsg): void {
    const count = this.counts.get(m.group) ?? 0n;
    this.counts.set(m.group, count + 1n);
    this.dirty.mark(m.group);
    if (this.keep(count, m.time)) this.emitPoint(m);
  }

  override batch(m: BatchMsg): void {
    let count = 0n;
    const points: Point[] = [];
    for (const p of m.points) if (this.keep(count++, p.time)) points.push(p);
    this.emitBatch({ ...m, points });
  }
}
