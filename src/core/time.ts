/**
 * Time helpers with Go's semantics. Times are exact int64 nanoseconds since the Unix epoch as
 * `bigint` (see types.ts); durations are float64 nanoseconds (`number`), integral wherever they
 * come from a TICKscript duration literal, so adding one to a time is exact.
 */

export const NS_PER_MS = 1e6;
export const NS_PER_S = 1e9;

/** Go's zero time (January 1, year 1, UTC) is this many seconds before the Unix epoch. */
const GO_ZERO_OFFSET_NS = 62135596800n * 1_000_000_000n;

/** A duration (float ns) as an exact ns count, rounded to the nearest integer. */
export function durationNs(d: number): bigint {
  return Number.isInteger(d) ? BigInt(d) : BigInt(Math.round(d));
}

/** t + d (d a duration in ns), exact. */
export function addNs(t: bigint, d: number): bigint {
  return t + durationNs(d);
}

/** a − b in ns as a float64: for durations and rates, where a rounded difference is fine. */
export function diffNs(a: bigint, b: bigint): number {
  return Number(a - b);
}

/** A time from a float64 ns count (a computed or decoded number), rounded to an integer. */
export function timeFromNs(ns: number): bigint {
  if (!Number.isFinite(ns)) throw new RangeError(`invalid time: ${ns} ns`);
  return BigInt(Math.round(ns));
}

/** A time from a count of milliseconds since the epoch (Date.now(), Date#getTime()). */
export function timeFromMs(ms: number): bigint {
  return BigInt(Math.round(ms)) * 1_000_000n;
}

/** Milliseconds since the epoch (floored) of a time, for Date and the ms-based clocks. */
export function msOfTime(t: bigint): number {
  const q = t / 1_000_000n;
  return Number(t < 0n && q * 1_000_000n !== t ? q - 1n : q);
}

/**
 * Go's `time.Time.Truncate(d)`: rounds down to a multiple of d counted from Go's zero time,
 * not from the Unix epoch. The two agree for every d that divides a day; for d = 7s they
 * do not. d <= 0 returns t unchanged, as Go does.
 */
export function goTruncate(t: bigint, d: number | bigint): bigint {
  const dd = typeof d === "bigint" ? d : durationNs(d);
  if (dd <= 0n) return t;
  let r = (t + GO_ZERO_OFFSET_NS) % dd;
  if (r < 0n) r += dd;
  return t - r;
}

/** The later of two times. */
export function maxTime(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/**
 * Current wall-clock time in ns, from the system clock at ms resolution (as Kapacitor prints a
 * wall-clock time: `….153Z`). Not performance.timeOrigin + performance.now(): that runs on the
 * monotonic clock and drifts from the wall clock over a long-lived process (NTP slews, suspend),
 * which stamped un-timed points milliseconds off.
 */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** Sort order of two times (a comparator's result: negative, zero or positive). */
export function compareTime(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Comparator of things with a `time`, oldest first. */
export function byTime(a: { readonly time: bigint }, b: { readonly time: bigint }): number {
  return a.time < b.time ? -1 : a.time > b.time ? 1 : 0;
}

/** Go's `time.Time.Round(d)`: the nearest multiple of d from Go's zero time, halfway up. */
export function goRound(t: bigint, d: number | bigint): bigint {
  const dd = typeof d === "bigint" ? d : durationNs(d);
  if (dd <= 0n) return t;
  const down = goTruncate(t, dd);
  return (t - down) * 2n >= dd ? down + dd : down;
}

/**
 * The wall clock as a float64 ns count, for bookkeeping times that are kept as numbers (task
 * and template created/modified): a ms count × 1e6, printed back at ms (task-routes goTime).
 */
export function wallClockNs(): number {
  return Date.now() * NS_PER_MS;
}
