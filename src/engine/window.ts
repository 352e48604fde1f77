/**
 * Per-group window buffers: Kapacitor's windowByTime and windowByCount, ported rule for rule
 * (KAPACITOR-COMPAT.md §7).
 *
 * TimeWindow states: a buffer of points in arrival order and `nextEmit`. With `every > 0`
 * a point at or after `nextEmit` first closes the window — points older than
 * `nextEmit − period` are purged (the boundary kept), a batch stamped `nextEmit` is emitted,
 * and `nextEmit` moves to that point's time + every (truncated when aligned) — and is then
 * buffered. With `every == 0` every point is buffered first and emits a right-closed window
 * (t − period, t]. `barrier(t)` closes a window the same way without a point: tickd's idle
 * flush uses it so a quiet series still alerts. Windows are never flushed at close.
 */
import type { Point } from "../core/types.js";
import { durationNs, goTruncate } from "../core/time.js";

export interface WindowBatch {
  /** The batch time: the window's end. */
  time: bigint;
  points: Point[];
}

export interface TimeWindowSpec {
  period: number;
  every: number;
  align: boolean;
  fillPeriod: boolean;
}

/** Buffer with O(1) amortised removal from the front. */
class PointQueue {
  private items: Point[] = [];
  private head = 0;

  push(p: Point): void {
    this.items.push(p);
  }

  /** Drops points from the front until the first one `keep` accepts (Kapacitor's purge). */
  purgeFront(keep: (t: bigint) => boolean): void {
    const items = this.items;
    while (this.head < items.length && !keep(items[this.head]!.time)) this.head++;
    if (this.head > 32 && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
  }

  snapshot(): Point[] {
    return this.items.slice(this.head);
  }

  /** Replaces the contents (a restored window). */
  fill(points: Point[]): void {
    this.items = points;
    this.head = 0;
  }

  get size(): number {
    return this.items.length - this.head;
  }
}

export class TimeWindow {
  nextEmit: bigint;
  private readonly buf = new PointQueue();
  /** spec.period and spec.every as exact ns. */
  private readonly period: bigint;
  private readonly every: bigint;

  constructor(
    firstTime: bigint,
    private readonly spec: TimeWindowSpec,
  ) {
    const { align, fillPeriod } = spec;
    const period = (this.period = durationNs(spec.period));
    const every = (this.every = durationNs(spec.every));
    if (fillPeriod) {
      let next = firstTime + period;
      if (align) {
        const firstPeriod = next;
        next = goTruncate(next, every);
        // Aligned with every and after the first full period: the first points are dropped.
        if (!(next > firstPeriod)) next += every;
      }
      this.nextEmit = next;
    } else {
      this.nextEmit = align ? goTruncate(firstTime + every, every) : firstTime + every;
    }
  }

  point(p: Point): WindowBatch | undefined {
    if (this.spec.every === 0) {
      this.buf.push(p);
      return this.closeRightAligned(p.time);
    }
    const out = this.closeLeftAligned(p.time);
    this.buf.push(p);
    return out;
  }

  /** Closes the window as if time `t` had been reached without a new point. */
  barrier(t: bigint): WindowBatch | undefined {
    return this.spec.every === 0 ? this.closeRightAligned(t) : this.closeLeftAligned(t);
  }

  get buffered(): number {
    return this.buf.size;
  }

  /**
   * The buffer and next emit time, to carry the window to another process (cluster mode).
   * Times are bigints: the host writes them with the store's JSON codec, which keeps them exact.
   */
  save(): { nextEmit: bigint; points: Point[] } {
    return { nextEmit: this.nextEmit, points: this.buf.snapshot() };
  }

  load(s: { nextEmit: bigint; points: Point[] }): void {
    this.nextEmit = s.nextEmit;
    this.buf.fill(s.points);
  }

  private closeRightAligned(t: bigint): WindowBatch | undefined {
    if (t < this.nextEmit) return undefined;
    const oldest = t - this.period;
    this.buf.purgeFront((pt) => pt > oldest);
    this.nextEmit = t;
    return { time: t, points: this.buf.snapshot() };
  }

  private closeLeftAligned(t: bigint): WindowBatch | undefined {
    if (t < this.nextEmit) return undefined;
    const end = this.nextEmit;
    const oldest = end - this.period;
    this.buf.purgeFront((pt) => pt >= oldest);
    const batch = { time: end, points: this.buf.snapshot() };
    // From the current time, not the last emit: gaps in the data skip windows.
    const next = t + this.every;
    this.nextEmit = this.spec.align ? goTruncate(next, this.every) : next;
    return batch;
  }
}

/** `.periodCount(n).everyCount(m)`: windows by number of points. */
export class CountWindow {
  private readonly ring: (Point | undefined)[];
  private start = 0;
  private stop = 0;
  private size = 0;
  private count = 0;
  private nextEmit: number;

  constructor(
    private readonly period: number,
    private readonly every: number,
    fillPeriod: boolean,
  ) {
    this.ring = new Array<Point | undefined>(period);
    this.nextEmit = fillPeriod ? period : every;
  }

  /** The points in order and the counters, to carry the window to another process. */
  save(): { count: number; nextEmit: number; points: Point[] } {
    const points: Point[] = [];
    for (let i = 0; i < this.size; i++) points.push(this.ring[(this.start + i) % this.period]!);
    return { count: this.count, nextEmit: this.nextEmit, points };
  }

  load(s: { count: number; nextEmit: number; points: Point[] }): void {
    const pts = s.points.slice(-this.period);
    this.ring.fill(undefined);
    pts.forEach((p, i) => (this.ring[i] = p));
    this.start = 0;
    this.size = pts.length;
    this.stop = pts.length % this.period;
    this.count = s.count;
    this.nextEmit = s.nextEmit;
  }

  point(p: Point): WindowBatch | undefined {
    this.ring[this.stop] = p;
    this.stop = (this.stop + 1) % this.period;
    if (this.size === this.period) this.start = (this.start + 1) % this.period;
    else this.size++;
    this.count++;
    if (this.count !== this.nextEmit) return undefined;
    this.nextEmit += this.every;
    const points: Point[] = [];
    for (let i = 0; i < this.size; i++) points.push(this.ring[(this.start + i) % this.period]!);
    return { time: points[points.length - 1]!.time, points };
  }
}
