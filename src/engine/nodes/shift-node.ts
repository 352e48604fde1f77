/**
 * `|shift(d)` (Kapacitor's shift.go): adds d (negative allowed, zero refused) to the time of
 * each point, and to a batch's time and each of its points' times.
 */
import { addNs } from "../../core/time.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";

export class ShiftNode extends RuntimeNode {
  private readonly shift: number;

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    const a = n.args[0];
    this.shift = a?.type === "duration" ? a.ns : 0;
    if (this.shift === 0) throw new Error(`${n.name}: invalid shift value: must be non zero duration`);
  }

  override point(m: PointMsg): void {
    this.emitPoint({ ...m, time: addNs(m.time, this.shift) });
  }

  override batch(m: BatchMsg): void {
    this.emitBatch({
      ...m,
      time: addNs(m.time, this.shift),
      points: m.points.map((p) => ({ ...p, time: addNs(p.time, this.shift) })),
    });
  }
}
