/**
 * How a bench turns repeated calls into one figure. Kept free of imports so an A/B script can
 * drop it next to an older build's benches (scripts/bench-ab.sh) and both builds are measured
 * the same way.
 *
 * The clock is the main thread's own CPU time (/proc/thread-self/schedstat, nanoseconds), not
 * the wall clock: on a shared 2-core VM the wall clock mostly measures how long the neighbours
 * held the core, while the thread's run time only counts the time this code ran (its share of
 * garbage collection included). Where schedstat is missing the wall clock is used.
 */
import { readFileSync } from "node:fs";

const SCHEDSTAT = "/proc/thread-self/schedstat";

function schedstatNs(): number | undefined {
  try {
    const text = readFileSync(SCHEDSTAT, "latin1");
    const ns = Number(text.slice(0, text.indexOf(" ")));
    return Number.isFinite(ns) && ns > 0 ? ns : undefined;
  } catch {
    return undefined;
  }
}

const haveSchedstat = schedstatNs() !== undefined;

/** Milliseconds of this thread's CPU time (wall time where the kernel does not say). */
export function threadMs(): number {
  if (haveSchedstat) return schedstatNs()! / 1e6;
  return performance.now();
}

/** Which clock threadMs() reads, for the bench output. */
export const clockName = haveSchedstat ? "main-thread CPU time" : "wall clock";

/**
 * Runs `fn` (which returns how many operations it did) after a warm-up, in `rounds` rounds of
 * about `ms / rounds` ms of thread time each, and returns the median round's operations per
 * second of thread time. The median of many short rounds is what stays put from run to run;
 * one lucky or unlucky round does not move it.
 */
export function opsPerSecond(fn: () => number, ms = 1800, rounds = 9): number {
  const warmEnd = threadMs() + Math.min(500, ms / 3);
  while (threadMs() < warmEnd) fn();
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let ops = 0;
    const start = threadMs();
    let now = start;
    while (now - start < ms / rounds) {
      ops += fn();
      now = threadMs();
    }
    rates.push((ops * 1000) / (now - start));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!;
}
