/**
 * Aggregates: one value per batch, stamped with the batch time and the group tags only.
 * Each reducer ports the InfluxDB 1.x query engine function Kapacitor wires to the method in
 * pipeline/influxql.go (reducers in influxdb query/functions.go and query/call_iterator.go).
 */
import type { FieldValue } from "../../core/types.js";
import type { Sample, ValueKind } from "./types.js";
import { goSort, MAX_INT64, MIN_INT64, numLess, wrap64 } from "./values.js";

export type AggregateReduce = (samples: readonly Sample[], kind: ValueKind) => FieldValue;

/** count: int64 for every input kind (FloatCountReduce & co.). */
export const count: AggregateReduce = (s) => BigInt(s.length);

/** sum: float → float, int → int64 with Go's wrap-around (FloatSumReduce / IntegerSumReduce). */
export const sum: AggregateReduce = (s, kind) => {
  if (kind === "int") {
    let acc = 0n;
    for (const x of s) acc = wrap64(acc + (x.value as bigint));
    return acc;
  }
  let acc = 0;
  for (const x of s) acc += x.value as number;
  return acc;
};

/** mean: float64 sum / count; ints are summed as int64 first (IntegerMeanReducer). */
export const mean: AggregateReduce = (s, kind) => {
  if (kind === "int") {
    let acc = 0n;
    for (const x of s) acc = wrap64(acc + (x.value as bigint));
    return Number(acc) / s.length;
  }
  let acc = 0;
  for (const x of s) acc += x.value as number;
  return acc / s.length;
};

/** median: middle value after a sort by value; even counts give lo + (hi − lo)/2, as float. */
export const median: AggregateReduce = (s, kind) => {
  const vals = s.map((x) => x.value);
  if (vals.length === 1) return kind === "int" ? Number(vals[0] as bigint) : vals[0]!;
  goSort(vals, numLess);
  const n = vals.length;
  if (n % 2 === 0) {
    const lo = vals[n / 2 - 1]!;
    const hi = vals[n / 2]!;
    if (kind === "int") {
      // IntegerMedianReduceSlice: float64(lo) + float64(hi-lo)/2, the difference in int64.
      return Number(lo as bigint) + Number(wrap64((hi as bigint) - (lo as bigint))) / 2;
    }
    return (lo as number) + ((hi as number) - (lo as number)) / 2;
  }
  const mid = vals[(n - 1) / 2]!;
  return kind === "int" ? Number(mid as bigint) : mid;
};

/**
 * mode: FloatModeReduceSlice, loop for loop. After a sort by value it counts runs; a later run
 * wins a tie unless its first point's time is after the time of the point at which the
 * current winner reached its count. All values distinct → the smallest value.
 */
export const mode: AggregateReduce = (s) => {
  if (s.length === 1) return s[0]!.value;
  const a = s.map((x) => ({ v: x.value, t: x.point.time }));
  goSort(a, (x, y) => numLess(x.v, y.v));
  let mostFreq = 0;
  let currFreq = 0;
  let currMode = a[0]!.v;
  let mostMode = a[0]!.v;
  let mostTime = a[0]!.t;
  let currTime = a[0]!.t;
  for (const p of a) {
    // `!==` keeps Go's NaN behaviour: NaN never equals the current run.
    if (p.v !== currMode) {
      currFreq = 1;
      currMode = p.v;
      currTime = p.t;
      continue;
    }
    currFreq++;
    if (mostFreq > currFreq || (mostFreq === currFreq && currTime > mostTime)) continue;
    mostFreq = currFreq;
    mostMode = p.v;
    mostTime = p.t;
  }
  return mostMode;
};

/** spread: max − min; int64 for ints (wrapping), float otherwise (NaN propagates). */
export const spread: AggregateReduce = (s, kind) => {
  if (kind === "int") {
    let min = MAX_INT64;
    let max = MIN_INT64;
    for (const x of s) {
      const v = x.value as bigint;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return wrap64(max - min);
  }
  let min = Infinity;
  let max = -Infinity;
  for (const x of s) {
    min = Math.min(min, x.value as number);
    max = Math.max(max, x.value as number);
  }
  return max - min;
};

/**
 * stddev: the sample standard deviation (n − 1), NaN for fewer than two points
 * (FloatStddevReduceSlice). Float NaN values are left out of the mean and the variance.
 */
export const stddev: AggregateReduce = (s, kind) => {
  if (s.length < 2) return NaN;
  const vals = kind === "int" ? s.map((x) => Number(x.value as bigint)) : s.map((x) => x.value as number);
  let m = 0;
  let n = 0;
  for (const v of vals) {
    if (Number.isNaN(v)) continue;
    n++;
    m += (v - m) / n;
  }
  let variance = 0;
  for (const v of vals) {
    if (Number.isNaN(v)) continue;
    // Go's math.Pow(d, 2) is exactly d*d for normal numbers.
    const d = v - m;
    variance += d * d;
  }
  return Math.sqrt(variance / (n - 1));
};
