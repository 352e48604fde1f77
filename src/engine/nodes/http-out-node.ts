/**
 * `|httpOut(name)` (Kapacitor's http_out.go): keeps the latest point or batch of each group
 * as one series (groups in order of first appearance) and passes every message on. The
 * daemon serves `result()` at `/kapacitor/v1/tasks/<task>/<name>` as `{"series":[…]}`
 * (`null` before any data, as Kapacitor's empty models.Result).
 */
import type { Series } from "../../core/alert-event.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { batchSeries, pointSeries } from "./alert-node.js";

export interface HttpOutResult {
  series: Series[] | null;
}

export class HttpOutNode extends RuntimeNode {
  /** The endpoint name: the last path segment of the task's URL. */
  readonly endpoint: string;
  private readonly series = new Map<string, Series>();

  /** Kapacitor's working_cardinality: the groups this node keeps. */
  override cardinality(): number {
    return this.series.size;
  }

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    const a = n.args[0];
    if (a?.type !== "string") throw new Error(`${n.name}: httpOut needs an endpoint name`);
    this.endpoint = a.value;
  }

  /** The current result, ready to be JSON-encoded (times are ns; the server formats them). */
  result(): HttpOutResult {
    return { series: this.series.size === 0 ? null : [...this.series.values()] };
  }

  override point(m: PointMsg): void {
    this.series.set(m.group, pointSeries(m));
    this.emitPoint(m);
  }

  override batch(m: BatchMsg): void {
    this.series.set(m.group, batchSeries(m));
    this.emitBatch(m);
  }
}
