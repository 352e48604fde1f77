/**
 * `|barrier().idle(d)` / `.period(d)` / `.delete(TRUE)` (Kapacitor's barrier.go and
 * pipeline/barrier.go): sends a per-group barrier downstream, which closes the group's windows
 * as if data time had reached the barrier, and with `.delete(TRUE)` then forgets the group here
 * and downstream (a later point starts it afresh).
 *
 * - idle: a group that got nothing for `idle` gets a barrier at its last data time + idle, then
 *   another every `idle` while it stays quiet (Kapacitor re-arms its idle timer).
 * - period: a group gets a barrier every `period` from its first point.
 * - A point or batch point older than the group's last barrier is dropped (Kapacitor does the
 *   same), so a closed window never sees late data.
 *
 * Clock: Kapacitor arms these timers on the wall clock (an idle barrier is stamped last data
 * time + idle, a period barrier with the wall time it fires at). tickd runs them on data time —
 * the newest time any message brought to this node — so a replay (`tickctl test`) and the
 * daemon give the same output: a barrier for a quiet group goes out when data of another group
 * (or a later point of the same group) shows the time has passed. In the daemon the wall-clock
 * tick (`barrier(now)`, once a second) also moves this data clock while the node gets nothing:
 * at a tick after data came it notes how far data time runs behind the wall clock; at later
 * ticks with no new data it takes data time to be now minus that lag and sends the barriers due
 * by then. So a silent stream still gets its idle and period barriers, stamped in data time, as
 * Kapacitor's timers would send them (up to a tick later).
 */
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import type { BatchMsg, PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { durationNs } from "../../core/time.js";
import { arg, dur } from "../props.js";

interface GroupClock {
  /** Data time of the group's last message (idle) — or of its first, plus k periods (period). */
  last: bigint;
  /** Time of the group's last barrier; older data is dropped. */
  barrierAt: bigint;
  /** When the next barrier is due. */
  due: bigint;
}

/** Before and after every int64 time: the bounds of the clocks below. */
const BEFORE_ALL = -(2n ** 63n) - 1n;
const AFTER_ALL = 2n ** 63n;

/** At most this many barriers per group in one step of the clock; beyond, the clock jumps. */
const MAX_BARRIERS_PER_STEP = 1000;

export class BarrierNode extends RuntimeNode {
  private readonly step: bigint;
  private readonly idle: boolean;
  private readonly del: boolean;
  private readonly groups = new Map<string, GroupClock>();
  /** The newest data time seen, and the earliest due barrier (a bound: scans only past it). */
  private clock = BEFORE_ALL;
  private nextDue = AFTER_ALL;
  /**
   * The newest time a message brought (the clock without the wall-clock's moves), its value at
   * the last wall-clock tick, and wall − data time measured at the first tick after it moved.
   */
  private newest = BEFORE_ALL;
  private newestAtTick = BEFORE_ALL;
  private lag: bigint | undefined;

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    const idle = dur(n, "idle") ?? 0;
    const period = dur(n, "period") ?? 0;
    if (idle > 0 === period > 0) {
      throw new Error(`${n.name}: barrier node must have either a non zero idle or a non zero period`);
    }
    this.idle = idle > 0;
    this.step = durationNs(this.idle ? idle : period);
    const d = arg(n, "delete");
    this.del = d?.type === "bool" && d.value;
  }

  override cardinality(): number {
    return this.groups.size;
  }

  override point(m: PointMsg): void {
    this.arrived(m.time);
    const g = this.clockOf(m.group, m.time);
    if (m.time < g.barrierAt) return;
    this.seen(g, m.time);
    this.emitPoint(m);
  }

  override batch(m: BatchMsg): void {
    this.arrived(m.time);
    const g = this.clockOf(m.group, m.time);
    const points = m.points.filter((p) => p.time >= g.barrierAt);
    for (const p of points) this.seen(g, p.time);
    this.emitBatch(points.length === m.points.length ? m : { ...m, points });
  }

  /** A barrier from upstream (another `|barrier()`): kept when not older than ours. */
  override groupBarrier(group: string, t: bigint): void {
    this.arrived(t);
    const g = this.groups.get(group);
    if (g !== undefined) {
      if (t < g.barrierAt) return;
      g.barrierAt = t;
      this.seen(g, t);
    }
    super.groupBarrier(group, t);
  }

  override deleteGroup(group: string): void {
    this.groups.delete(group);
    super.deleteGroup(group);
  }

  private clockOf(group: string, t: bigint): GroupClock {
    let g = this.groups.get(group);
    if (g === undefined) {
      g = { last: t, barrierAt: BEFORE_ALL, due: t + this.step };
      this.groups.set(group, g);
      if (g.due < this.nextDue) this.nextDue = g.due;
    }
    return g;
  }

  /** Data at `t` in the group: an idle barrier waits `idle` from here. */
  private seen(g: GroupClock, t: bigint): void {
    if (this.idle && t > g.last) {
      g.last = t;
      g.due = t + this.step;
    }
  }

  /** The daemon's wall-clock tick: while no data comes, data time moves on with the wall clock. */
  override barrier(now: bigint): void {
    if (this.newest !== BEFORE_ALL) {
      if (this.newest !== this.newestAtTick || this.lag === undefined) this.lag = now - this.newest;
      else this.advance(now - this.lag);
      this.newestAtTick = this.newest;
    }
    super.barrier(now);
  }

  /** A message at `t`: data time moves on (and the wall clock's lag is measured anew). */
  private arrived(t: bigint): void {
    if (t > this.newest) this.newest = t;
    this.advance(t);
  }

  /** Sends the group's barrier at `at`; with `.delete(TRUE)` then forgets the group. */
  private fire(group: string, g: GroupClock, at: bigint): void {
    g.barrierAt = at;
    g.last = at;
    g.due = at + this.step;
    if (g.due < this.nextDue) this.nextDue = g.due;
    super.groupBarrier(group, at);
    if (this.del) {
      this.groups.delete(group);
      super.deleteGroup(group);
    }
  }

  /** Data time reached `t`: every group whose barrier is due by then gets it (each group in time order). */
  private advance(t: bigint): void {
    if (t <= this.clock) return;
    this.clock = t;
    if (t < this.nextDue) return;
    let next = AFTER_ALL;
    for (const [group, g] of this.groups) {
      let n = 0;
      while (g.due <= t) {
        if (++n > MAX_BARRIERS_PER_STEP) {
          g.due += ((t - g.due) / this.step + 1n) * this.step;
          break;
        }
        this.fire(group, g, g.due);
        if (this.del) break;
      }
      if (this.groups.has(group) && g.due < next) next = g.due;
    }
    this.nextDue = next;
  }
}
