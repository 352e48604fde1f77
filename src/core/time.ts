/** Time helpers with Go's semantics. Times and durations are float64 nanoseconds (see types.ts). */

export const NS_PER_MS = 1e6;
export const NS_PER_S = 1e9;

/** Go's zero time (January 1, year 1, UTC) is this many seconds before the Unix epoch. */
const GO_ZERO_OFFSET_S = 62135596800n;

const offsetMod = new Map<number, number>();

/**
 * Go's `time.Time.Truncate(d)`: rounds down to a multiple of d counted from Go's zero time,
 * not from the Unix epoch. The two agree for every d that divides a day; for d = 7s they
 * do not. d <= 0 returns t unchanged, as Go does.
 */
export function goTruncate(t: number, d: number): number {
  if (d <= 0) return t;
  let zm = offsetMod.get(d);
  if (zm === undefined) {
    zm = Number((GO_ZERO_OFFSET_S * 1_000_000_000n) % BigInt(Math.round(d)));
    offsetMod.set(d, zm);
  }
  // `%` on doubles is exact, so the remainder is exact even for t beyond 2^53.
  let r = ((t % d) + zm) % d;
  if (r < 0) r += d;
  return t - r;
}

/**
 * Current wall-clock time in ns, from the system clock at ms resolution (as Kapacitor prints a
 * wall-clock time: `….153Z`). Not performance.timeOrigin + performance.now(): that runs on the
 * monotonic clock and drifts from the wall clock over a long-lived process (NTP slews, suspend),
 * which stamped un-timed points milliseconds off.
 */
export function nowNs(): number {
  return Date.now() * NS_PER_MS;
}
