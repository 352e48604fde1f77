/**
 * A node's `avg_exec_time_ns` (Kapacitor's timer package with its node.go MaxDuration).
 *
 * Kapacitor times a random 10% of the messages each node handles (`[stats]
 * timing-sample-rate`), pausing the clock while the node's children run, keeps a moving
 * average of the last 1000 timings (`timing-movavg-size`) and reports the highest that
 * average has ever been.
 *
 * tickd samples whole journeys instead: every SAMPLE_EVERY-th point written to a task, the
 * first point after each wall-clock tick (so a quiet task gets figures too) and every batch a
 * query returns are timed at every node they reach, each node's children's time left out
 * (src/engine/node.ts deliverSampled). Any per-delivery sampling — even a countdown per edge —
 * cost the from→where→alert bench ~10%; this costs one countdown per point and one flag read
 * per emit. A clock read is ~140 ns here, so a timed journey costs ~0.3 µs per node it
 * reaches: ~1.5% of throughput at 1 in 100, ~0.15% at 1 in 1000.
 */

/** One point in SAMPLE_EVERY written to a task is timed on its way through the graph. */
export const SAMPLE_EVERY = 1000;
/** Timings in the moving average (Kapacitor's default timing-movavg-size). */
export const MOVING_AVERAGE_SIZE = 1000;

export class ExecTimer {
  /** Milliseconds the node's children took during the delivery being timed. */
  paused = 0;
  /** Timings recorded so far. */
  timings = 0;
  private ring: Float64Array | undefined;
  private next = 0;
  private count = 0;
  private sum = 0;
  /** The highest moving average so far, in ns (what Kapacitor reports). */
  private maxAvg = 0;

  /** Adds one timing (ns) to the moving average. */
  record(ns: number): void {
    const v = ns > 0 ? ns : 0;
    this.timings++;
    const ring = (this.ring ??= new Float64Array(MOVING_AVERAGE_SIZE));
    if (this.count === MOVING_AVERAGE_SIZE) this.sum -= ring[this.next]!;
    else this.count++;
    ring[this.next] = v;
    this.next = (this.next + 1) % MOVING_AVERAGE_SIZE;
    this.sum += v;
    const avg = this.sum / this.count;
    if (avg > this.maxAvg) this.maxAvg = avg;
  }

  /** `avg_exec_time_ns`: integer ns, 0 before any timing. */
  get avgNs(): number {
    return Math.trunc(this.maxAvg);
  }
}
