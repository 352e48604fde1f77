/**
 * `|stats(interval)` (Kapacitor's stats.go, node.go nodeStatsByGroup): a root node that, on
 * the wall clock, emits one point per group of its source node:
 * `stats` {group tags} emitted=<int: messages the source has sent so far in that group>,
 * grouped like the source's output; before the source has sent anything, one point of the
 * nil group with emitted=0.
 *
 * Clock: `barrier(now)` is the wall-clock tick. The first tick starts the clock; an emit is
 * due every interval after it (with `.align()`, at multiples of the interval, the point's time
 * rounded to the interval). A late tick emits once and skips the missed intervals, as Go's
 * ticker drops ticks for a slow receiver.
 *
 * Counting: `observe(source)` adds a counting tap as a child of the source, so every message
 * the source emits is counted per group (Kapacitor counts what its first out edge collected,
 * the same number). The Task wires it (see wiring.ts).
 */
import { durationNs, goRound, goTruncate } from "../../core/time.js";
import type { Tags } from "../../core/types.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import { groupTags, NIL_GROUP, NO_DIMENSIONS, type Dimensions } from "../group.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { has } from "../props.js";

interface GroupCount {
  emitted: bigint;
  tags: Tags;
  dims: Dimensions;
}

/** Counts, per group, what its parent emits. Passes nothing on. */
class EmitCounter extends RuntimeNode {
  readonly groups = new Map<string, GroupCount>();

  private count(group: string, tags: () => Tags, dims: Dimensions): void {
    const g = this.groups.get(group);
    if (g !== undefined) g.emitted++;
    else this.groups.set(group, { emitted: 1n, tags: tags(), dims });
  }

  override point(m: PointMsg): void {
    this.count(m.group, () => groupTags(m.tags, m.dims), m.dims);
  }

  override batch(m: BatchMsg): void {
    this.count(m.group, () => m.tags, m.dims);
  }

  override barrier(): void {}
}

export class StatsNode extends RuntimeNode {
  private readonly interval: number;
  private readonly align: boolean;
  private counter: EmitCounter | undefined;
  private next: bigint | undefined;
  /** Pipeline id of the node whose throughput this node reports. */
  readonly sourceId: number | undefined;

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    const a = n.args[0];
    this.interval = a?.type === "duration" ? a.ns : 0;
    if (this.interval <= 0) throw new Error(`${n.name}: stats needs a positive interval`);
    this.align = has(n, "align");
    this.sourceId = n.statsSource;
  }

  /** Starts counting what `source` emits. Idempotent. */
  observe(source: RuntimeNode): void {
    if (this.counter !== undefined) return;
    this.counter = new EmitCounter(`${this.name}:counter`, this.ctx);
    source.children.push(this.counter);
  }

  override barrier(now: bigint): void {
    const iv = durationNs(this.interval);
    if (this.next === undefined) {
      this.next = this.align ? goTruncate(now, iv) + iv : now + iv;
    } else if (now >= this.next) {
      this.emit(this.align ? goRound(now, iv) : now);
      this.next = this.align ? goTruncate(now, iv) + iv : this.next + iv * ((now - this.next) / iv + 1n);
    }
    super.barrier(now);
  }

  private emit(time: bigint): void {
    const groups = this.counter?.groups;
    if (groups === undefined || groups.size === 0) {
      this.emitPoint(statsPoint(time, NIL_GROUP, {}, NO_DIMENSIONS, 0n));
      return;
    }
    for (const [group, g] of groups) this.emitPoint(statsPoint(time, group, g.tags, g.dims, g.emitted));
  }
}

function statsPoint(time: bigint, group: string, tags: Tags, dims: Dimensions, emitted: bigint): PointMsg {
  return { name: "stats", db: "", rp: "", tags, fields: { emitted }, time, group, dims };
}
