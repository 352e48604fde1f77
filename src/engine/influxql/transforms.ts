/**
 * Transforms: one output per input point, with state per group.
 *
 * States and transitions (one object per group; `reset()` returns to the initial state and is
 * what a new batch does — Kapacitor drops the reduce context at BeginBatch):
 * - every transform starts with no kind; the first point carrying the field with an accepted
 *   kind fixes it. Later points of another kind, or without the field, throw E_INFLUXQL and
 *   leave the state untouched.
 * - difference: prev/curr; a point at curr's time is ignored; emits curr − prev once per pair.
 * - cumulativeSum: running sum; emits it at every point.
 * - movingAverage(n): ring of the last n values; emits their mean once n have arrived.
 * - elapsed(unit): previous time; emits (t − prevT) / unit as int64 from the second point on.
 * - derivative: Kapacitor's DerivativeNode (derivative.go), not a query-engine reducer: the
 *   previous point; emits the point itself with the field `as` set to the rate per unit.
 *
 * influxql transforms emit the group tags and one field; derivative keeps the point whole.
 */
import type { FieldValue, Point, Tags } from "../../core/types.js";
import type { GroupContext, InfluxQLSpec, TransformState, ValueKind } from "./types.js";
import { savedTime } from "../group-state.js";
import { cannotApply, goTypeName, influxqlError, kindOf, wrap64 } from "./values.js";

/** The part shared by the query-engine transforms: kind checks and output shape. */
abstract class ReducerTransform implements TransformState {
  private kind: ValueKind | undefined;
  private readonly node: string;
  private readonly name: string;
  private readonly tags: Tags;

  constructor(
    private readonly spec: InfluxQLSpec,
    private readonly field: string,
    private readonly as: string,
    ctx: GroupContext,
  ) {
    this.node = ctx.node ?? spec.method;
    this.name = ctx.name;
    this.tags = ctx.groupTags;
  }

  push(p: Point): Point | undefined {
    const v = p.fields[this.field];
    if (v === undefined) {
      throw influxqlError(this.node, `field "${this.field}" missing from point, point skipped`);
    }
    const k = kindOf(v);
    if (this.kind === undefined) {
      if (!this.spec.accepts.includes(k)) {
        throw influxqlError(this.node, `${cannotApply(this.spec, k, this.field)}, point skipped`);
      }
      this.kind = k;
    } else if (k !== this.kind) {
      throw influxqlError(
        this.node,
        `field "${this.field}" has wrong type: got ${goTypeName(k)} exp ${goTypeName(this.kind)}, point skipped`,
      );
    }
    const r = this.step(v, p.time, k);
    if (r === undefined) return undefined;
    return { name: this.name, tags: { ...this.tags }, fields: { [this.as]: r.value }, time: r.time };
  }

  reset(): void {
    this.kind = undefined;
    this.clear();
  }

  save(): unknown {
    return { kind: this.kind ?? null, s: this.saveStep() };
  }

  load(s: unknown): void {
    const o = s as { kind?: unknown; s?: unknown } | null;
    if (typeof o !== "object" || o === null || !("s" in o)) throw new Error("not a transform state");
    this.kind = (o.kind ?? undefined) as ValueKind | undefined;
    this.loadStep(o.s as Record<string, unknown>);
  }

  protected abstract saveStep(): Record<string, unknown>;
  protected abstract loadStep(s: Record<string, unknown>): void;

  protected abstract step(
    v: FieldValue,
    t: bigint,
    kind: ValueKind,
  ): { value: FieldValue; time: bigint } | undefined;
  protected abstract clear(): void;
}

/** FloatDifferenceReducer / IntegerDifferenceReducer with isNonNegative = false. */
export class Difference extends ReducerTransform {
  private prev: { v: FieldValue; t: bigint } | undefined;
  private curr: { v: FieldValue; t: bigint } | undefined;

  protected step(v: FieldValue, t: bigint, kind: ValueKind) {
    // A point at the current time does not advance the series (joined series duplicate times).
    if (this.curr !== undefined && this.curr.t === t) return undefined;
    this.prev = this.curr;
    this.curr = { v, t };
    if (this.prev === undefined) return undefined;
    const value =
      kind === "int"
        ? wrap64((v as bigint) - (this.prev.v as bigint))
        : (v as number) - (this.prev.v as number);
    // Mark the pair as read: a repeated time afterwards emits nothing.
    this.prev = undefined;
    return { value, time: t };
  }

  protected clear(): void {
    this.prev = undefined;
    this.curr = undefined;
  }

  protected saveStep() {
    return { prev: this.prev ?? null, curr: this.curr ?? null };
  }

  protected loadStep(s: Record<string, unknown>): void {
    this.prev = savedSample(s["prev"]);
    this.curr = savedSample(s["curr"]);
  }
}

/** FloatCumulativeSumReducer / IntegerCumulativeSumReducer. */
export class CumulativeSum extends ReducerTransform {
  private acc: FieldValue | undefined;

  protected step(v: FieldValue, t: bigint, kind: ValueKind) {
    if (kind === "int") this.acc = wrap64(((this.acc as bigint | undefined) ?? 0n) + (v as bigint));
    else this.acc = ((this.acc as number | undefined) ?? 0) + (v as number);
    return { value: this.acc, time: t };
  }

  protected clear(): void {
    this.acc = undefined;
  }

  protected saveStep() {
    return { acc: this.acc ?? null };
  }

  protected loadStep(s: Record<string, unknown>): void {
    this.acc = (s["acc"] ?? undefined) as FieldValue | undefined;
  }
}

/**
 * FloatMovingAverageReducer: a ring of n values and a running sum (subtract the evicted value,
 * add the new one — the float rounding follows Go's). Ints sum as int64, emit float.
 */
export class MovingAverage extends ReducerTransform {
  private buf: FieldValue[] = [];
  private pos = 0;
  private fsum = 0;
  private isum = 0n;

  constructor(
    spec: InfluxQLSpec,
    field: string,
    as: string,
    ctx: GroupContext,
    private readonly n: number,
  ) {
    super(spec, field, as, ctx);
  }

  protected step(v: FieldValue, t: bigint, kind: ValueKind) {
    const full = this.buf.length === this.n;
    if (kind === "int") {
      if (full) this.isum = wrap64(this.isum - (this.buf[this.pos] as bigint));
      this.isum = wrap64(this.isum + (v as bigint));
    } else {
      if (full) this.fsum -= this.buf[this.pos] as number;
      this.fsum += v as number;
    }
    if (full) this.buf[this.pos] = v;
    else this.buf.push(v);
    this.pos = (this.pos + 1) % this.n;
    if (this.buf.length !== this.n) return undefined;
    const s = kind === "int" ? Number(this.isum) : this.fsum;
    return { value: s / this.n, time: t };
  }

  protected clear(): void {
    this.buf = [];
    this.pos = 0;
    this.fsum = 0;
    this.isum = 0n;
  }

  protected saveStep() {
    return { buf: this.buf, pos: this.pos, fsum: this.fsum, isum: this.isum };
  }

  protected loadStep(s: Record<string, unknown>): void {
    if (!Array.isArray(s["buf"])) throw new Error("not a moving average");
    this.buf = s["buf"] as FieldValue[];
    this.pos = Number(s["pos"]);
    this.fsum = Number(s["fsum"]);
    this.isum = BigInt(s["isum"] as bigint);
  }
}

/** FloatElapsedReducer & co.: int64 (t − prevT) / unit, truncated; any field kind. */
export class Elapsed extends ReducerTransform {
  private prevTime: bigint | undefined;

  constructor(
    spec: InfluxQLSpec,
    field: string,
    as: string,
    ctx: GroupContext,
    private readonly unit: bigint,
  ) {
    super(spec, field, as, ctx);
  }

  protected step(_v: FieldValue, t: bigint) {
    const prev = this.prevTime;
    this.prevTime = t;
    if (prev === undefined) return undefined;
    return { value: (t - prev) / this.unit, time: t };
  }

  protected clear(): void {
    this.prevTime = undefined;
  }

  protected saveStep() {
    return { prevTime: this.prevTime ?? null };
  }

  protected loadStep(s: Record<string, unknown>): void {
    this.prevTime = savedTime(s["prevTime"], "cumulativeSum time");
  }
}

/**
 * Kapacitor's DerivativeNode: value = (f1 − f0) / ((t1 − t0) / unit) as float, ints converted.
 * - current field missing or not numeric: error, the point is not kept as previous;
 * - no previous: kept, nothing emitted;
 * - elapsed 0: kept as previous, then an error;
 * - nonNegative and f1 < f0: kept, nothing emitted.
 * The emitted point is the input point (all tags and fields) with `as` set.
 */
export class Derivative implements TransformState {
  private prev: { f: number; t: bigint } | undefined;
  private readonly node: string;

  constructor(
    private readonly field: string,
    private readonly as: string,
    private readonly unit: number,
    private readonly nonNegative: boolean,
    ctx: GroupContext,
  ) {
    this.node = ctx.node ?? "derivative";
  }

  push(p: Point): Point | undefined {
    const v = p.fields[this.field];
    if (typeof v !== "number" && typeof v !== "bigint") {
      const what =
        v === undefined
          ? `field "${this.field}" missing from point`
          : `field "${this.field}" is the wrong type: ${goTypeName(kindOf(v))}`;
      throw influxqlError(this.node, `cannot perform derivative: ${what}`);
    }
    const f1 = typeof v === "bigint" ? Number(v) : v;
    const prev = this.prev;
    this.prev = { f: f1, t: p.time };
    if (prev === undefined) return undefined;
    const elapsed = Number(p.time - prev.t);
    if (elapsed === 0) {
      throw influxqlError(this.node, "cannot perform derivative: elapsed time was 0");
    }
    const diff = f1 - prev.f;
    if (this.nonNegative && diff < 0) return undefined;
    return {
      name: p.name,
      tags: { ...p.tags },
      fields: { ...p.fields, [this.as]: diff / (elapsed / this.unit) },
      time: p.time,
    };
  }

  reset(): void {
    this.prev = undefined;
  }

  save(): unknown {
    return { prev: this.prev ?? null };
  }

  load(s: unknown): void {
    const o = s as { prev?: { f: number; t: unknown } | null } | null;
    if (typeof o !== "object" || o === null) throw new Error("not a derivative state");
    const p = o.prev ?? undefined;
    this.prev = p === undefined ? undefined : { f: p.f, t: savedTime(p.t, "derivative time") ?? 0n };
  }
}

/** A saved { v, t } sample (times come back as bigints from the store codec). */
function savedSample(x: unknown): { v: FieldValue; t: bigint } | undefined {
  if (x === null || x === undefined) return undefined;
  const o = x as { v: FieldValue; t: unknown };
  return { v: o.v, t: savedTime(o.t, "sample time") ?? 0n };
}
