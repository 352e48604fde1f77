/**
 * `|trickle()` (Kapacitor's trickle.go): the inverse of `|window()`. Every point of a batch
 * goes on as a stream point with the batch's name and group, its own tags, fields and time,
 * and no database/retention policy. Stream points pass through. Stateless.
 */
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";

export class TrickleNode extends RuntimeNode {
  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
  }

  override point(m: PointMsg): void {
    this.emitPoint(m);
  }

  override batch(m: BatchMsg): void {
    for (const p of m.points) {
      this.emitPoint({
        name: m.name,
        db: "",
        rp: "",
        tags: p.tags,
        fields: p.fields,
        time: p.time,
        group: m.group,
        dims: m.dims,
      });
    }
  }
}
