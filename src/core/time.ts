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

/** Two or four ASCII digits of s at i as a number; -1 when any is not a digit. */
function digitsAt(s: string, i: number, n: 2 | 4): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * RFC 3339 with up to nine fraction digits (Go's RFC3339Nano, as InfluxDB, Flux and JSON
 * sources print times) → exact ns since the epoch; undefined when malformed or out of range.
 * `T`/`t`/space between date and time, `Z`/`z` or a `±hh:mm` offset. Computed on integers
 * (no Date): Date.UTC maps years 0–99 to 1900–1999 and works in float ms.
 */
export function parseRFC3339Nano(s: string): bigint | undefined {
  const n = s.length;
  if (n < 20 || s[4] !== "-" || s[7] !== "-" || s[13] !== ":" || s[16] !== ":") return undefined;
  const sep = s[10];
  if (sep !== "T" && sep !== "t" && sep !== " ") return undefined;
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  const h = digitsAt(s, 11, 2);
  const mi = digitsAt(s, 14, 2);
  const sec = digitsAt(s, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
    return undefined;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!)) return undefined;
  let i = 19;
  let frac = 0;
  if (s[i] === ".") {
    const start = ++i;
    while (i < n && i - start < 9) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      frac = frac * 10 + c;
      i++;
    }
    const count = i - start;
    if (count === 0) return undefined;
    frac *= 10 ** (9 - count);
  }
  let offset = 0;
  const z = s[i];
  if (z === "Z" || z === "z") {
    if (i + 1 !== n) return undefined;
  } else if (z === "+" || z === "-") {
    const oh = digitsAt(s, i + 1, 2);
    const om = digitsAt(s, i + 4, 2);
    if (i + 6 !== n || s[i + 3] !== ":" || oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offset = (oh * 60 + om) * 60 * (z === "+" ? 1 : -1);
  } else return undefined;
  const secs = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
  return BigInt(secs) * 1_000_000_000n + BigInt(frac);
}
