/**
 * A node's `avg_exec_time_ns` (Kapacitor's timer package with its node.go MaxDuration).
 *
 * Kapacitor times a random 10% of the messages a node handles (`[stats] timing-sample-rate`),
 * pausing the clock while the node's children run, keeps a moving average of the last 1000
 * timings (`timing-movavg-size`) and reports the highest that average has ever been.
 *
 * tickd times every 10th message instead of a random tenth, so the hot path pays one counter
 * decrement per message and no clock read; a timed message reads the clock twice, plus twice
 * around each of its emits (the pause). States: idle ⇄ timing (between `begin` and `end`).
 */

/** One message in SAMPLE_EVERY is timed (Kapacitor's default sample rate, 0.10). */
export const SAMPLE_EVERY = 10;
/** Timings in the moving average (Kapacitor's default timing-movavg-size). */
export const MOVING_AVERAGE_SIZE = 1000;

export class ExecTimer {
  /** True while a sampled message is being handled: emits then pause the clock. */
  timing = false;
  /** Milliseconds spent in children during the current timing. */
  paused = 0;
  private started = 0;
  private ring: Float64Array | undefined;
  private next = 0;
  private count = 0;
  private sum = 0;
  /** The highest moving average so far, in ns (what Kapacitor reports). */
  private maxAvg = 0;
  /** Timings recorded so far. */
  timings = 0;

  begin(): void {
    this.timing = true;
    this.paused = 0;
    this.started = performance.now();
  }

  end(): void {
    if (!this.timing) return;
    this.timing = false;
    this.record((performance.now() - this.started - this.paused) * 1e6);
  }

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
