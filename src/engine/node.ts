/**
 * Base of every running node. Messages are pushed synchronously down the graph: a node's
 * `point`/`batch` handles one message and calls `emitPoint`/`emitBatch` for its children.
 * Errors in user expressions never escape a node: they are counted and logged with the task
 * and node, and the message is dropped (Kapacitor's behaviour), so the next point proceeds.
 */
import { coerceError } from "../core/errors.js";
import type { TaskContext } from "./context.js";
import type { BatchMsg, PointMsg } from "./messages.js";

export interface NodeStats {
  collected: number;
  emitted: number;
  errors: number;
}

export abstract class RuntimeNode {
  readonly children: RuntimeNode[] = [];
  readonly stats: NodeStats = { collected: 0, emitted: 0, errors: 0 };

  constructor(
    readonly name: string,
    protected readonly ctx: TaskContext,
  ) {}

  point(_m: PointMsg): void {
    this.error(new Error(`${this.name} does not accept stream data`));
  }

  batch(_m: BatchMsg): void {
    this.error(new Error(`${this.name} does not accept batch data`));
  }

  /**
   * Forgets per-group state of groups last seen before `before` (data time) that hold
   * nothing worth keeping. Returns how many groups were dropped. Default: no state.
   */
  expire(_before: number): number {
    return 0;
  }

  /** Wall-clock tick (idle flush, deadman). Default: pass it on. */
  barrier(now: number): void {
    for (const c of this.children) c.barrier(now);
  }

  protected emitPoint(m: PointMsg): void {
    this.stats.emitted++;
    for (const c of this.children) {
      c.stats.collected++;
      c.point(m);
    }
  }

  protected emitBatch(m: BatchMsg): void {
    this.stats.emitted++;
    for (const c of this.children) {
      c.stats.collected++;
      c.batch(m);
    }
  }

  /** Counts and logs an error for this node; `quiet` nodes count without logging. */
  protected error(e: unknown, quiet = false): void {
    this.stats.errors++;
    if (quiet) return;
    this.ctx.logger.log("error", coerceError(e).message, { task: this.ctx.taskName, node: this.name });
  }
}
