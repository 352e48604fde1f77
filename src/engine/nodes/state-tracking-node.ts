/**
 * `|stateDuration(lambda)` and `|stateCount(lambda)` (Kapacitor's state_tracking.go).
 *
 * Per group: a copy of the lambda (stateful functions such as sigma() keep their own state per
 * group, as Kapacitor's `CopyReset` per group) and a tracker. A point for which the lambda is
 * true extends the current run: stateCount adds 1 (int), stateDuration reports the time since
 * the run's first point divided by `.unit()` (float, 0 for the first point). A false point
 * ends the run and gets -1. A point whose lambda fails is logged and dropped without touching
 * the run. Batches restart the run at each batch.
 */
import type { Point } from "../../core/types.js";
import type { CompiledExpr } from "../../expr/index.js";
import type { Expr } from "../../../grammar/ast.js";
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import { compileBool } from "../lambda.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { dur, str } from "../props.js";
import { badState, isRecord, savedTime, type GroupStateAccess } from "../group-state.js";

interface Tracker {
  track(time: bigint, inState: boolean): number | bigint;
  reset(): void;
  /** The run so far (undefined: no run), to carry it to another process. */
  save(): number | bigint | undefined;
  load(s: unknown): void;
}

class DurationTracker implements Tracker {
  private start: bigint | undefined;
  constructor(private readonly unit: number) {}
  track(time: bigint, inState: boolean): number {
    if (!inState) {
      this.start = undefined;
      return -1;
    }
    this.start ??= time;
    return Number(time - this.start) / this.unit;
  }
  reset(): void {
    this.start = undefined;
  }
  save(): bigint | undefined {
    return this.start;
  }
  load(s: unknown): void {
    this.start = savedTime(s, "start time");
  }
}

class CountTracker implements Tracker {
  private count = 0n;
  track(_time: bigint, inState: boolean): bigint {
    if (!inState) {
      this.count = 0n;
      return -1n;
    }
    return ++this.count;
  }
  reset(): void {
    this.count = 0n;
  }
  save(): bigint {
    return this.count;
  }
  load(s: unknown): void {
    if (typeof s !== "bigint") throw new Error("not a count");
    this.count = s;
  }
}

interface TrackingGroup {
  expr: CompiledExpr;
  tracker: Tracker;
}

abstract class StateTrackingNode extends RuntimeNode {
  private readonly groups = new Map<string, TrackingGroup>();

  /** `|barrier().delete(TRUE)`: the group starts afresh (Kapacitor's grouped consumer drops it). */
  override deleteGroup(group: string): void {
    if (this.groups.delete(group)) this.dirty.mark(group);
    super.deleteGroup(group);
  }

  /** Each group's run (start time or count) and its lambda's stateful functions. */
  override groupState(): GroupStateAccess {
    return {
      takeDirty: () => this.dirty.take(),
      save: (group) => {
        const g = this.groups.get(group);
        if (g === undefined) return undefined;
        return { run: g.tracker.save() ?? null, expr: g.expr.saveState() ?? null };
      },
      load: (group, data) => {
        if (!isRecord(data)) throw badState(this.name, "not a tracker");
        const g = this.group(group);
        try {
          g.tracker.load(data["run"]);
          g.expr.loadState(data["expr"]);
        } catch (e) {
          this.groups.delete(group);
          throw badState(this.name, e instanceof Error ? e.message : String(e));
        }
      },
    };
  }

  /** Kapacitor's working_cardinality: the groups this node keeps. */
  override cardinality(): number {
    return this.groups.size;
  }
  private readonly lambda: Expr;
  private readonly as: string;

  constructor(n: TaskNode, ctx: TaskContext, defaultAs: string) {
    super(n.name, ctx);
    const a = n.args[0];
    if (a?.type !== "lambda") throw new Error(`${n.name}: ${n.kind} needs a lambda`);
    this.lambda = a.expr;
    // Compile once up front so a bad lambda fails the task at start, not at the first point.
    compileBool(this.lambda);
    this.as = str(n, "as") ?? defaultAs;
  }

  protected abstract newTracker(): Tracker;

  private group(id: string): TrackingGroup {
    this.dirty.mark(id);
    let g = this.groups.get(id);
    if (g === undefined) {
      g = { expr: compileBool(this.lambda), tracker: this.newTracker() };
      this.groups.set(id, g);
    }
    return g;
  }

  /** The point with the tracked field added, or undefined when the lambda failed. */
  private track(g: TrackingGroup, p: Point): Point | undefined {
    let pass: boolean;
    try {
      pass = g.expr.evalBool(p);
    } catch (e) {
      this.error(
        new Error(`error while evaluating expression: ${e instanceof Error ? e.message : String(e)}`),
      );
      return undefined;
    }
    return { ...p, fields: { ...p.fields, [this.as]: g.tracker.track(p.time, pass) } };
  }

  override point(m: PointMsg): void {
    const out = this.track(this.group(m.group), m);
    if (out !== undefined) this.emitPoint({ ...m, fields: out.fields });
  }

  override batch(m: BatchMsg): void {
    const g = this.group(m.group);
    g.tracker.reset();
    const points: Point[] = [];
    for (const p of m.points) {
      const out = this.track(g, p);
      if (out !== undefined) points.push(out);
    }
    this.emitBatch({ ...m, points });
  }
}

/** `|stateDuration(lambda).as('state_duration').unit(1s)`. */
export class StateDurationNode extends StateTrackingNode {
  private readonly unit: number;
  constructor(n: TaskNode, ctx: TaskContext) {
    super(n, ctx, "state_duration");
    this.unit = dur(n, "unit") ?? 1e9;
    if (this.unit <= 0) throw new Error(`${n.name}: .unit() must be a positive duration`);
  }
  protected newTracker(): Tracker {
    return new DurationTracker(this.unit);
  }
}

/** `|stateCount(lambda).as('state_count')`. */
export class StateCountNode extends StateTrackingNode {
  constructor(n: TaskNode, ctx: TaskContext) {
    super(n, ctx, "state_count");
  }
  protected newTracker(): Tracker {
    return new CountTracker();
  }
}
