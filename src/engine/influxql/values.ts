/**
 * Shared helpers: value kinds, int64 wrap-around, Go's sort order, and the per-batch collection
 * loop that reproduces how Kapacitor's InfluxQL node feeds a reducer (influxql.go).
 */
import { typeName } from "../../expr/index.js";
import { TickdError } from "../../core/errors.js";
import type { FieldValue, Point } from "../../core/types.js";
import type { BatchInput, GroupContext, InfluxQLSpec, Sample, ValueKind } from "./types.js";

export const E_INFLUXQL = "E_INFLUXQL";

export function influxqlError(node: string, message: string): TickdError {
  return new TickdError(E_INFLUXQL, `${node}: ${message}`);
}

/** A field value's kind: the same names the expression layer uses for these four types. */
export function kindOf(v: FieldValue): ValueKind {
  return typeName(v) as ValueKind;
}

/** Go's names, used in messages so they read like Kapacitor's. */
const GO_TYPE: Record<ValueKind, string> = {
  float: "float64",
  int: "int64",
  string: "string",
  bool: "bool",
};

export function goTypeName(k: ValueKind): string {
  return GO_TYPE[k];
}

/** int64 arithmetic wraps in Go; BigInt does not. */
export function wrap64(x: bigint): bigint {
  return BigInt.asIntN(64, x);
}

export const MAX_INT64 = 2n ** 63n - 1n;
export const MIN_INT64 = -(2n ** 63n);

/** Go compares strings bytewise (UTF-8); JS compares UTF-16 code units. */
export function goStringLess(a: string, b: string): boolean {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")) < 0;
}

/**
 * Go's `sort.Sort` in the order it really produces where that matters: for up to 12 elements
 * pdqsort is a plain insertion sort (stable, and with NaN values — which compare false both
 * ways — elements never move across a NaN). Beyond 12 Go's order of equal elements is
 * unspecified; we keep arrival order (a stable sort).
 */
export function goSort<T>(a: T[], less: (x: T, y: T) => boolean): void {
  if (a.length <= 12) {
    for (let i = 1; i < a.length; i++) {
      for (let j = i; j > 0 && less(a[j]!, a[j - 1]!); j--) {
        const t = a[j]!;
        a[j] = a[j - 1]!;
        a[j - 1] = t;
      }
    }
    return;
  }
  a.sort((x, y) => (less(x, y) ? -1 : less(y, x) ? 1 : 0));
}

/** `a < b` for two values of the same numeric kind. */
export function numLess(a: FieldValue, b: FieldValue): boolean {
  return (a as number) < (b as number);
}

export interface Collected {
  /** The kind of the first usable point; undefined when no point was usable. */
  kind: ValueKind | undefined;
  samples: Sample[];
  /** Why points were skipped, for the error when nothing was usable. */
  missing: number;
  rejectedKind: ValueKind | undefined;
}

/**
 * Kapacitor's influxqlGroup.BatchPoint: the first point carrying the field with a kind the
 * function accepts fixes the batch's kind; a point without the field, with a kind the
 * function rejects, or with another kind than the fixed one is skipped (logged per point).
 */
export function collect(spec: InfluxQLSpec, field: string, batch: BatchInput, ctx: GroupContext): Collected {
  const node = ctx.node ?? spec.method;
  const out: Collected = { kind: undefined, samples: [], missing: 0, rejectedKind: undefined };
  for (const p of batch.points) {
    const v = p.fields[field];
    let problem: string | undefined;
    if (v === undefined) {
      out.missing++;
      problem = `field "${field}" missing from point`;
    } else {
      const k = kindOf(v);
      if (out.kind === undefined) {
        if (spec.accepts.includes(k)) out.kind = k;
        else {
          out.rejectedKind = k;
          problem = cannotApply(spec, k, field);
        }
      } else if (k !== out.kind) {
        problem = `field "${field}" has wrong type: got ${goTypeName(k)} exp ${goTypeName(out.kind)}`;
      }
      if (problem === undefined) {
        out.samples.push({ value: v, point: p });
        continue;
      }
    }
    ctx.onSkip?.(influxqlError(node, `${problem}, point skipped`));
  }
  return out;
}

export function cannotApply(spec: InfluxQLSpec, k: ValueKind, field: string): string {
  return `cannot apply ${spec.method} to ${goTypeName(k)} field "${field}"`;
}

/** The error for a non-empty batch of which no point was usable. */
export function nothingUsable(spec: InfluxQLSpec, field: string, total: number, c: Collected): string {
  if (c.missing === total) return `field "${field}" missing in all ${total} points`;
  if (c.rejectedKind !== undefined) return cannotApply(spec, c.rejectedKind, field);
  return `no usable value for field "${field}" in ${total} points`;
}

export function copyPoint(p: Point): Point {
  return { name: p.name, tags: { ...p.tags }, fields: { ...p.fields }, time: p.time };
}
