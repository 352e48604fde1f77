/**
 * Base of every running node. Messages are pushed synchronously down the graph: a node's
 * `point`/`batch` handles one message and calls `emitPoint`/`emitBatch` for its children.
 * Errors in user expressions never escape a node: they are counted and logged with the task
 * and node, and the message is dropped (Kapacitor's behaviour), so the next point proceeds.
 */
import { coerceError } from "../core/errors.js";
import type { TaskContext } from "./context.js";
import { ExecTimer, SAMPLE_EVERY } from "./exec-timer.js";
import type { BatchMsg, PointMsg } from "./messages.js";

/**
 * The engine's raw counters. `collected`: messages this node received (over all its parent
 * edges); `emitted`: messages it sent on, counted once per message however many children
 * get it (src/engine/stats.ts turns that into Kapacitor's per-edge figures).
 */
export interface NodeStats {
  collected: number;
  emitted: number;
  errors: number;
}

export abstract class RuntimeNode {
  readonly children: RuntimeNode[] = [];
  readonly stats: NodeStats = { collected: 0, emitted: 0, errors: 0 };
  /** `avg_exec_time_ns`. A join/union input port shares its owner's timer. */
  exec = new ExecTimer();
  /** Messages until the next timed one. */
  private untilTimed = SAMPLE_EVERY;

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

  /**
   * Kapacitor's `working_cardinality`: the groups this node keeps state for. Default: none.
   */
  cardinality(): number {
    return 0;
  }

  /** Node-specific statistics (Kapacitor's extra stat vars, e.g. `alerts_triggered`). */
  extraStats(): Record<string, number> | undefined {
    return undefined;
  }

  /** One point arriving over an edge: counted, and every SAMPLE_EVERY-th timed. */
  receivePoint(m: PointMsg): void {
    this.stats.collected++;
    if (--this.untilTimed !== 0) {
      this.point(m);
      return;
    }
    this.untilTimed = SAMPLE_EVERY;
    const t = this.exec;
    t.begin();
    try {
      this.point(m);
    } finally {
      t.end();
    }
  }

  /** One batch arriving over an edge, as {@link receivePoint}. */
  receiveBatch(m: BatchMsg): void {
    this.stats.collected++;
    if (--this.untilTimed !== 0) {
      this.batch(m);
      return;
    }
    this.untilTimed = SAMPLE_EVERY;
    const t = this.exec;
    t.begin();
    try {
      this.batch(m);
    } finally {
      t.end();
    }
  }

  /** Wall-clock tick (idle flush, deadman). Default: pass it on. */
  barrier(now: number): void {
    for (const c of this.children) c.barrier(now);
  }

  protected emitPoint(m: PointMsg): void {
    this.stats.emitted++;
    const t = this.exec;
    // While this message is timed, the children's time is not ours (Kapacitor pauses too).
    const t0 = t.timing ? performance.now() : 0;
    for (const c of this.children) c.receivePoint(m);
    if (t.timing) t.paused += performance.now() - t0;
  }

  protected emitBatch(m: BatchMsg): void {
    this.stats.emitted++;
    const t = this.exec;
    const t0 = t.timing ? performance.now() : 0;
    for (const c of this.children) c.receiveBatch(m);
    if (t.timing) t.paused += performance.now() - t0;
  }

  /** Counts and logs an error for this node; `quiet` nodes count without logging. */
  protected error(e: unknown, quiet = false): void {
    this.stats.errors++;
    if (quiet) return;
    this.ctx.logger.log("error", coerceError(e).message, { task: this.ctx.taskName, node: this.name });
  }
}
