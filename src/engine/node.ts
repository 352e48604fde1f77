/**
 * Base of every running node. Messages are pushed synchronously down the graph: a node's
 * `point`/`batch` handles one message and calls `emitPoint`/`emitBatch` for its children.
 * Errors in user expressions never escape a node: they are counted and logged with the task
 * and node, and the message is dropped (Kapacitor's behaviour), so the next point proceeds.
 */
import { coerceError } from "../core/errors.js";
import type { TaskContext } from "./context.js";
import { ExecTimer } from "./exec-timer.js";
import { DirtyGroups, type GroupStateAccess } from "./group-state.js";
import type { BatchMsg, PointMsg } from "./messages.js";

/**
 * The engine's raw counters. `collected`: messages this node received, over all its parent
 * edges; `emitted`: messages it sent on, once per message however many children got it
 * (src/engine/stats.ts turns that into Kapacitor's per-edge figures).
 */
export interface NodeStats {
  collected: number;
  emitted: number;
  errors: number;
  /** `avg_exec_time_ns`. A join/union input port shares its owner's timer. */
  exec: ExecTimer;
}

/**
 * True while a sampled message travels the graph (see {@link deliverSampled}): every
 * delivery on its way is timed. Delivery is synchronous and single-threaded, so one flag
 * serves every task; the unsampled path pays one read of it per emit.
 */
let sampling = false;

/**
 * Delivers one message to `node` with every node on its way timed (Kapacitor's timer,
 * src/engine/exec-timer.ts). The callers sample: Task.write every SAMPLE_EVERY-th point,
 * batch queries every batch.
 */
export function deliverSampled(node: RuntimeNode, deliver: () => void): void {
  if (sampling) {
    deliver();
    return;
  }
  sampling = true;
  try {
    timeDelivery(node, deliver);
  } finally {
    sampling = false;
  }
}

/** Runs `deliver` (one message into `node`), records node's own time; returns the total (ms). */
function timeDelivery(node: RuntimeNode, deliver: () => void): number {
  const t = node.stats.exec;
  const outer = t.paused;
  t.paused = 0;
  const t0 = performance.now();
  deliver();
  const total = performance.now() - t0;
  // What the node's children took was added to `paused` by its emits: not its own time.
  t.record((total - t.paused) * 1e6);
  t.paused = outer;
  return total;
}

export abstract class RuntimeNode {
  readonly children: RuntimeNode[] = [];
  readonly stats: NodeStats = { collected: 0, emitted: 0, errors: 0, exec: new ExecTimer() };
  /** Groups whose state changed since the host last saved them (cluster mode only). */
  protected readonly dirty: DirtyGroups;

  constructor(
    readonly name: string,
    protected readonly ctx: TaskContext,
  ) {
    this.dirty = new DirtyGroups(ctx.trackGroupState === true);
  }

  /**
   * Per-group state that can be saved and loaded elsewhere (src/engine/group-state.ts);
   * undefined for nodes that keep none or cannot carry it (they start empty on a new owner).
   */
  groupState(): GroupStateAccess | undefined {
    return undefined;
  }

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
  expire(_before: bigint): number {
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

  /** Wall-clock tick (idle flush, deadman). Default: pass it on. */
  barrier(now: bigint): void {
    for (const c of this.children) c.barrier(now);
  }

  /**
   * Kapacitor's BarrierMessage for one group (from `|barrier()`): data time `t` has been
   * reached in `group`, so nodes holding the group's data close what ends by then (windows).
   * Default: pass it on. Not counted as collected/emitted (Kapacitor counts points and batches).
   */
  groupBarrier(group: string, t: bigint): void {
    for (const c of this.children) c.groupBarrier(group, t);
  }

  /** Kapacitor's DeleteGroupMessage (`|barrier().delete(TRUE)`): forget the group. Default: pass it on. */
  deleteGroup(group: string): void {
    for (const c of this.children) c.deleteGroup(group);
  }

  protected emitPoint(m: PointMsg): void {
    this.stats.emitted++;
    if (sampling) {
      const t = this.stats.exec;
      for (const c of this.children) {
        c.stats.collected++;
        t.paused += timeDelivery(c, () => c.point(m));
      }
      return;
    }
    for (const c of this.children) {
      c.stats.collected++;
      c.point(m);
    }
  }

  protected emitBatch(m: BatchMsg): void {
    this.stats.emitted++;
    if (sampling) {
      const t = this.stats.exec;
      for (const c of this.children) {
        c.stats.collected++;
        t.paused += timeDelivery(c, () => c.batch(m));
      }
      return;
    }
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
