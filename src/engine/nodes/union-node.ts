/**
 * `|union(others…).rename(name)` (Kapacitor's union.go): merges its parents' messages in time
 * order. Each parent has a queue; nothing leaves until every parent has sent something. The
 * low-water mark is the earliest of each parent's next queued time (or, for a parent with an
 * empty queue, the time it last had at the head of its queue); every queued message at or
 * before the mark is emitted, parent by parent, until nothing more can go.
 */
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { str } from "../props.js";
import { MultiInputNode } from "./multi-input.js";

type Queued = { kind: "point"; m: PointMsg } | { kind: "batch"; m: BatchMsg };

export class UnionNode extends MultiInputNode {
  private readonly rename: string;
  private readonly queues: Queued[][];
  /** Per parent: the time last seen at the head of its queue (undefined: never sent). */
  private readonly lowMarks: (bigint | undefined)[];

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx, n.parents.length);
    this.rename = str(n, "rename") ?? "";
    this.queues = n.parents.map(() => []);
    this.lowMarks = n.parents.map(() => undefined);
  }

  override pointFrom(src: number, m: PointMsg): void {
    this.queues[src]?.push({ kind: "point", m: this.rename === "" ? m : { ...m, name: this.rename } });
    this.emitReady();
  }

  override batchFrom(src: number, m: BatchMsg): void {
    this.queues[src]?.push({ kind: "batch", m: this.rename === "" ? m : { ...m, name: this.rename } });
    this.emitReady();
  }

  private emitReady(): void {
    for (let emitted = true; emitted;) {
      emitted = false;
      let mark: bigint | undefined;
      let valid = 0;
      for (let i = 0; i < this.queues.length; i++) {
        const head = this.queues[i]![0];
        if (head !== undefined) this.lowMarks[i] = head.m.time;
        const sourceMark = this.lowMarks[i];
        if (sourceMark === undefined) continue;
        valid++;
        if (mark === undefined || sourceMark < mark) mark = sourceMark;
      }
      if (valid !== this.queues.length || mark === undefined) return;
      for (const q of this.queues) {
        let j = 0;
        for (; j < q.length && q[j]!.m.time <= mark; j++) {
          const v = q[j]!;
          if (v.kind === "point") this.emitPoint(v.m);
          else this.emitBatch(v.m);
          emitted = true;
        }
        q.splice(0, j);
      }
    }
  }
}
