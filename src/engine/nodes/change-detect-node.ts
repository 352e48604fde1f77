/**
 * `|changeDetect(fields…)` (Kapacitor's change_detect.go): per group, a point passes when any
 * listed field differs from the last point that passed (the first point of a group always
 * passes: there is nothing to compare with). A listed field missing from a point is logged
 * and ignored; a point with none of them is dropped. Values compare by type and value, as Go
 * compares interface values: int 1 and float 1.0 differ. Batches compare within the batch.
 */
import type { Fields } from "../../core/types.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { flatStrings } from "../props.js";
import { badState, isRecord, type GroupStateAccess } from "../group-state.js";

export class ChangeDetectNode extends RuntimeNode {
  private readonly fields: string[];
  /** Fields of the last point that passed, per group. */
  private readonly previous = new Map<string, Fields>();

  /** `|barrier().delete(TRUE)`: the group starts afresh (Kapacitor's grouped consumer drops it). */
  override deleteGroup(group: string): void {
    if (this.previous.delete(group)) this.dirty.mark(group);
    super.deleteGroup(group);
  }

  /** The fields of each group's last point that passed. */
  override groupState(): GroupStateAccess {
    return {
      takeDirty: () => this.dirty.take(),
      save: (group) => this.previous.get(group),
      load: (group, data) => {
        if (!isRecord(data)) throw badState(this.name, "not fields");
        this.previous.set(group, data as Fields);
      },
    };
  }

  /** Kapacitor's working_cardinality: the groups this node keeps. */
  override cardinality(): number {
    return this.previous.size;
  }

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    this.fields = flatStrings(n.args);
    if (this.fields.length === 0) throw new Error(`${n.name}: changeDetect needs at least one field`);
  }

  private changed(prev: Fields | undefined, cur: Fields): boolean {
    for (const f of this.fields) {
      if (!Object.hasOwn(cur, f)) {
        this.error(new Error(`invalid field in change detect: expected field ${f} not found`));
        continue;
      }
      if (prev === undefined || !Object.hasOwn(prev, f) || prev[f] !== cur[f]) return true;
    }
    return false;
  }

  override point(m: PointMsg): void {
    if (!this.changed(this.previous.get(m.group), m.fields)) return;
    this.previous.set(m.group, m.fields);
    this.dirty.mark(m.group);
    this.emitPoint(m);
  }

  override batch(m: BatchMsg): void {
    let prev: Fields | undefined;
    const points = m.points.filter((p) => {
      if (!this.changed(prev, p.fields)) return false;
      prev = p.fields;
      return true;
    });
    this.emitBatch({ ...m, points });
  }
}
