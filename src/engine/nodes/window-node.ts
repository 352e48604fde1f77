/** `|window()`: turns a stream into batches, one window buffer per group. */
import type { TaskNode } from "../../pipeline/task-graph.js";
import type { TaskContext } from "../context.js";
import { groupTags } from "../group.js";
import type { PointMsg } from "../messages.js";
import { RuntimeNode } from "../node.js";
import { addNs } from "../../core/time.js";
import { dur, has, int } from "../props.js";
import { badState, isRecord, requiredTime, type GroupStateAccess } from "../group-state.js";
import type { Dimensions } from "../group.js";
import type { Point, Tags } from "../../core/types.js";
import { CountWindow, TimeWindow, type TimeWindowSpec, type WindowBatch } from "../window.js";

interface GroupWindow {
  w: TimeWindow | CountWindow;
  /** The first point's message carries the group's name, tags and dims. */
  head: PointMsg;
  lastSeen: bigint;
}

export class WindowNode extends RuntimeNode {
  private readonly groups = new Map<string, GroupWindow>();

  /** Kapacitor's working_cardinality: the groups this node keeps. */
  override cardinality(): number {
    return this.groups.size;
  }
  private readonly spec: TimeWindowSpec | undefined;
  private readonly count: { period: number; every: number; fill: boolean } | undefined;

  constructor(n: TaskNode, ctx: TaskContext) {
    super(n.name, ctx);
    const period = dur(n, "period") ?? 0;
    const periodCount = int(n, "periodCount") ?? 0;
    const fillPeriod = has(n, "fillPeriod");
    if (period > 0) {
      this.spec = { period, every: dur(n, "every") ?? period, align: has(n, "align"), fillPeriod };
    } else if (periodCount > 0) {
      this.count = { period: periodCount, every: int(n, "everyCount") ?? periodCount, fill: fillPeriod };
    } else {
      throw new Error(`${n.name}: window needs a non-zero .period() or .periodCount()`);
    }
  }

  override point(m: PointMsg): void {
    let g = this.groups.get(m.group);
    if (g === undefined) {
      const w = this.spec
        ? new TimeWindow(m.time, this.spec)
        : new CountWindow(this.count!.period, this.count!.every, this.count!.fill);
      g = { w, head: m, lastSeen: m.time };
      this.groups.set(m.group, g);
    }
    g.lastSeen = m.time;
    this.dirty.mark(m.group);
    const out = g.w.point({ name: m.name, tags: m.tags, fields: m.fields, time: m.time });
    if (out !== undefined) this.emit(g.head, out);
  }

  /** tickd's idle flush: close windows whose end passed long enough ago by the wall clock. */
  override barrier(now: bigint): void {
    const idle = this.ctx.idleFlush;
    if (idle !== undefined) {
      for (const g of this.groups.values()) {
        if (!(g.w instanceof TimeWindow)) continue;
        const out = g.w.barrier(addNs(now, -idle));
        if (out !== undefined) {
          this.dirty.mark(g.head.group);
          this.emit(g.head, out);
        }
      }
    }
    super.barrier(now);
  }

  /** A group barrier closes the group's time window as a point at `t` would, without adding one. */
  override groupBarrier(group: string, t: bigint): void {
    const g = this.groups.get(group);
    if (g !== undefined && g.w instanceof TimeWindow) {
      const out = g.w.barrier(t);
      if (out !== undefined) {
        this.dirty.mark(group);
        this.emit(g.head, out);
      }
    }
    super.groupBarrier(group, t);
  }

  override deleteGroup(group: string): void {
    if (this.groups.delete(group)) this.dirty.mark(group);
    super.deleteGroup(group);
  }

  /** Drops groups unseen since `before`; their partial window is lost, as at a restart. */
  override expire(before: bigint): number {
    let n = 0;
    for (const [k, g] of this.groups) {
      if (g.lastSeen < before) {
        this.groups.delete(k);
        this.dirty.mark(k);
        n++;
      }
    }
    return n;
  }

  /** A group's buffer (its points, next emit) and the head message that names its batches. */
  override groupState(): GroupStateAccess {
    return {
      takeDirty: () => this.dirty.take(),
      save: (group) => {
        const g = this.groups.get(group);
        if (g === undefined) return undefined;
        const { name, tags, dims } = g.head;
        return { name, tags, dims, lastSeen: g.lastSeen, w: g.w.save() };
      },
      load: (group, data) => {
        if (!isRecord(data) || !isRecord(data["w"]) || !Array.isArray(data["w"]["points"]))
          throw badState(this.name, "not a window");
        const w = data["w"] as { nextEmit: unknown; count?: number; points: Point[] };
        const timed = this.spec !== undefined;
        if (timed !== (w.count === undefined))
          throw badState(this.name, timed ? "a count window" : "a time window");
        const lastSeen = requiredTime(data["lastSeen"], `${this.name} lastSeen`);
        const points = w.points.map((p) => ({ ...p, time: requiredTime(p.time, `${this.name} point time`) }));
        let window: TimeWindow | CountWindow;
        if (this.spec) {
          const nextEmit = requiredTime(w.nextEmit, `${this.name} nextEmit`);
          const tw = new TimeWindow(nextEmit, this.spec);
          tw.load({ nextEmit, points });
          window = tw;
        } else {
          const cw = new CountWindow(this.count!.period, this.count!.every, this.count!.fill);
          cw.load({ nextEmit: Number(w.nextEmit), count: w.count!, points });
          window = cw;
        }
        const head: PointMsg = {
          name: String(data["name"]),
          db: "",
          rp: "",
          tags: data["tags"] as Tags,
          fields: {},
          time: lastSeen,
          group,
          dims: data["dims"] as Dimensions,
        };
        this.groups.set(group, { w: window, head, lastSeen });
      },
    };
  }

  private emit(head: PointMsg, b: WindowBatch): void {
    this.emitBatch({
      name: head.name,
      time: b.time,
      tags: groupTags(head.tags, head.dims),
      group: head.group,
      dims: head.dims,
      points: b.points,
    });
  }
}
