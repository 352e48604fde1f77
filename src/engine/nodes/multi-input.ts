/**
 * Nodes with several parents (join, union) must know which parent a message came from, so
 * each parent is linked to its own input port (`input(i)`, i = the parent's position in the
 * checked graph's `parents`). wiring.ts does the linking.
 */
import type { TaskContext } from "../context.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";

export abstract class MultiInputNode extends RuntimeNode {
  private readonly ports: RuntimeNode[];
  private lastBarrier: bigint | undefined;

  constructor(
    name: string,
    ctx: TaskContext,
    readonly inputCount: number,
  ) {
    super(name, ctx);
    this.ports = Array.from({ length: inputCount }, (_, i) => new InputPort(`${name}:in${i}`, ctx, this, i));
  }

  /** The node a parent at position `i` sends to. */
  input(i: number): RuntimeNode {
    const p = this.ports[i];
    if (p === undefined) throw new Error(`${this.name} has no input ${i}`);
    return p;
  }

  abstract pointFrom(src: number, m: PointMsg): void;
  abstract batchFrom(src: number, m: BatchMsg): void;

  /** Each parent passes the tick on; the children get it once. */
  barrierFrom(now: bigint): void {
    if (now === this.lastBarrier) return;
    this.lastBarrier = now;
    super.barrier(now);
  }

  override point(_m: PointMsg): void {
    this.error(new Error(`${this.name}: input not linked to a parent (engine wiring missing)`));
  }

  override batch(_m: BatchMsg): void {
    this.error(new Error(`${this.name}: input not linked to a parent (engine wiring missing)`));
  }

  override barrier(now: bigint): void {
    this.barrierFrom(now);
  }
}

class InputPort extends RuntimeNode {
  constructor(
    name: string,
    ctx: TaskContext,
    private readonly owner: MultiInputNode,
    private readonly index: number,
  ) {
    super(name, ctx);
    // The port's work is the owner's: timings go to the owner's avg_exec_time_ns.
    this.stats.exec = owner.stats.exec;
  }
  override point(m: PointMsg): void {
    this.owner.stats.collected++;
    this.owner.pointFrom(this.index, m);
  }
  override batch(m: BatchMsg): void {
    this.owner.stats.collected++;
    this.owner.batchFrom(this.index, m);
  }
  override barrier(now: bigint): void {
    this.owner.barrierFrom(now);
  }
}
