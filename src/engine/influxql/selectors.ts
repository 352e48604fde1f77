/**
 * Selectors: first, last, min, max and percentile pick one point (Kapacitor's "simple
 * selectors": the output is that point, tags and fields included); top, bottom and distinct
 * emit several. Reducers port influxdb query/call_iterator.go and query/functions.go.
 */
import type { FieldValue } from "../../core/types.js";
import type { Sample, ValueKind } from "./types.js";
import { goSort, goStringLess, numLess } from "./values.js";

export type SelectOne = (samples: readonly Sample[], kind: ValueKind) => Sample | undefined;

/** Greater-than per kind, for the reducers' value tie-breaks. */
function valueGreater(a: FieldValue, b: FieldValue, kind: ValueKind): boolean {
  switch (kind) {
    case "string":
      return goStringLess(b as string, a as string);
    case "bool":
      return a === true && b === false;
    default:
      return numLess(b, a);
  }
}

/** Runs a Go `prev, curr → winner` reduce function over the samples in arrival order. */
function reduceBy(
  s: readonly Sample[],
  takeCurr: (prev: Sample, curr: Sample) => boolean,
): Sample | undefined {
  let prev: Sample | undefined;
  for (const curr of s) if (prev === undefined || takeCurr(prev, curr)) prev = curr;
  return prev;
}

/** FirstReduce: earliest time; at equal times the greater value (bool: false beats true). */
export const first: SelectOne = (s, kind) =>
  reduceBy(s, (prev, curr) => {
    const ct = curr.point.time;
    const pt = prev.point.time;
    if (ct < pt) return true;
    if (ct !== pt) return false;
    if (kind === "bool") return curr.value === false && prev.value === true;
    return valueGreater(curr.value, prev.value, kind);
  });

/** LastReduce: latest time; at equal times the greater value (bool: true beats false). */
export const last: SelectOne = (s, kind) =>
  reduceBy(s, (prev, curr) => {
    const ct = curr.point.time;
    const pt = prev.point.time;
    if (ct > pt) return true;
    if (ct !== pt) return false;
    return valueGreater(curr.value, prev.value, kind);
  });

/** MinReduce: smallest value; at equal values the earlier time, then the earlier arrival. */
export const min: SelectOne = (s) =>
  reduceBy(
    s,
    (prev, curr) =>
      numLess(curr.value, prev.value) || (curr.value === prev.value && curr.point.time < prev.point.time),
  );

/** MaxReduce: greatest value; at equal values the earlier time, then the earlier arrival. */
export const max: SelectOne = (s) =>
  reduceBy(
    s,
    (prev, curr) =>
      numLess(prev.value, curr.value) || (curr.value === prev.value && curr.point.time < prev.point.time),
  );

/**
 * percentile(p): the point at index floor(n·p/100 + 0.5) − 1 after a sort by value; nothing
 * when that index is outside [0, n) — so p = 0 never selects, p = 100 selects the maximum
 * (NewFloatPercentileReduceSliceFunc). No interpolation.
 */
export function percentile(p: number): SelectOne {
  return (s) => {
    const n = s.length;
    const i = Math.floor((n * p) / 100 + 0.5) - 1;
    if (i < 0 || i >= n) return undefined;
    const sorted = s.slice();
    goSort(sorted, (a, b) => numLess(a.value, b.value));
    return sorted[i];
  };
}

/** Go's container/heap over a comparison, as FloatTopReducer uses it. */
class GoHeap {
  readonly items: Sample[] = [];
  constructor(private readonly less: (a: Sample, b: Sample) => boolean) {}

  push(x: Sample): void {
    this.items.push(x);
    this.up(this.items.length - 1);
  }

  /** heap.Fix(h, 0) after replacing the root. */
  fixRoot(): void {
    if (!this.down(0)) this.up(0);
  }

  private lessAt(i: number, j: number): boolean {
    return this.less(this.items[i]!, this.items[j]!);
  }

  private swap(i: number, j: number): void {
    const t = this.items[i]!;
    this.items[i] = this.items[j]!;
    this.items[j] = t;
  }

  private up(j: number): void {
    while (j > 0) {
      const i = Math.trunc((j - 1) / 2);
      if (!this.lessAt(j, i)) break;
      this.swap(i, j);
      j = i;
    }
  }

  private down(i0: number): boolean {
    const n = this.items.length;
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && this.lessAt(j2, j1)) j = j2;
      if (!this.lessAt(j, i)) break;
      this.swap(i, j);
      i = j;
    }
    return i > i0;
  }
}

/**
 * top(n) / bottom(n): a bounded heap whose root is the worst point kept (FloatTopReducer /
 * FloatBottomReducer). `worse(a, b)`: top — smaller value, or equal value and later time;
 * bottom — greater value, or equal value and later time. A new point replaces the root only
 * when the root is strictly worse, so among equals the earlier time wins. Output: best first.
 */
function bounded(n: number, worse: (a: Sample, b: Sample) => boolean) {
  return (s: readonly Sample[]): Sample[] => {
    const h = new GoHeap(worse);
    for (const p of s) {
      if (h.items.length === n) {
        if (!worse(h.items[0]!, p)) continue;
        h.items[0] = p;
        h.fixRoot();
        continue;
      }
      h.push(p);
    }
    const out = h.items.slice();
    goSort(out, (a, b) => worse(b, a));
    return out;
  };
}

export function top(n: number): (s: readonly Sample[]) => Sample[] {
  return bounded(n, (a, b) =>
    a.value !== b.value ? numLess(a.value, b.value) : a.point.time > b.point.time,
  );
}

export function bottom(n: number): (s: readonly Sample[]) => Sample[] {
  return bounded(n, (a, b) =>
    a.value !== b.value ? numLess(b.value, a.value) : a.point.time > b.point.time,
  );
}

/**
 * distinct: the first point of each value, ordered by time (FloatDistinctReducer). Go keys a
 * map by value, so every NaN is its own value; Go's order at equal times comes from map
 * iteration (random) — we keep arrival order. Output carries no point tags.
 */
export function distinct(s: readonly Sample[]): Sample[] {
  const seen = new Map<FieldValue, Sample>();
  const out: Sample[] = [];
  for (const x of s) {
    if (typeof x.value === "number" && Number.isNaN(x.value)) {
      out.push(x);
      continue;
    }
    if (seen.has(x.value)) continue;
    seen.set(x.value, x);
    out.push(x);
  }
  goSort(out, (a, b) => a.point.time < b.point.time);
  return out;
}
