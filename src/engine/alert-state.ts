/**
 * Per-group alert state: Kapacitor's alertState, ported step for step (KAPACITOR-COMPAT.md §1).
 *
 * States and transitions:
 * - `level` is the newest history slot, `prev` the one before it. Each evaluated point or
 *   batch appends one level (`addEvent`): `changed` says whether it differs from the last.
 * - With flapping enabled, a ring of `history` levels (all OK at the start) is kept, and
 *   the weighted change percentage moves `flapping` on above `high` and off below `low`.
 *   Without flapping only the last two slots are ever read, so only those are stored.
 * - `triggered(t)` runs when an event is sent: it sets `lastTriggered`, and sets
 *   `firstTriggered` too when the slot before the newest was OK (a new incident).
 * - `expired` (stateChangesOnly with a duration) is true when an unchanged level has not
 *   been re-sent for that long.
 */
import { Level } from "../core/types.js";

export interface AlertBehaviour {
  /** `.history(n)`; values below 2 become 2. Default 21. */
  history: number;
  /** `.flapping(low, high)`, or undefined when not set. */
  flapping: { low: number; high: number } | undefined;
  /** `.stateChangesOnly()`. */
  stateChangesOnly: boolean;
  /** `.stateChangesOnly(d)`: re-send an unchanged level after d ns; 0 = never. */
  stateChangesOnlyDuration: number;
  /** `.noRecoveries()`. */
  noRecoveries: boolean;
  /** `.all()` (batch input): the level is the lowest over the batch, not the highest. */
  all: boolean;
}

export const DEFAULT_HISTORY = 21;

/**
 * Level lambdas, indexed by Level (index 0 unused). A predicate throws on an evaluation
 * error; determineLevel reports it through `onError` and treats it as false.
 */
export interface LevelPredicates<P> {
  levels: readonly (((p: P) => boolean) | undefined)[];
  resets: readonly (((p: P) => boolean) | undefined)[];
  onError(kind: "level" | "reset", level: Level, err: unknown): void;
}

/**
 * Kapacitor's determineLevel: the first true lambda from CRITICAL down to the current level
 * wins; otherwise a false reset of the current level keeps it; otherwise the first true
 * lambda from the current level down to INFO; otherwise OK. The current level's lambda is
 * evaluated twice when nothing higher matches, as in Kapacitor — stateful functions such as
 * sigma() and count() see both evaluations.
 */
export function determineLevel<P>(preds: LevelPredicates<P>, p: P, cur: Level): Level {
  const higher = firstMatch(preds, p, Level.CRITICAL, cur === Level.OK ? Level.INFO : cur);
  if (higher !== Level.OK) return higher;
  const reset = preds.resets[cur];
  if (reset !== undefined) {
    let pass: boolean | undefined;
    try {
      pass = reset(p);
    } catch (err) {
      preds.onError("reset", cur, err);
    }
    if (pass === false) return cur;
  }
  if (cur === Level.OK) return Level.OK;
  return firstMatch(preds, p, cur, Level.INFO);
}

function firstMatch<P>(preds: LevelPredicates<P>, p: P, from: Level, downTo: Level): Level {
  for (let l = from; l >= downTo; l--) {
    const fn = preds.levels[l];
    if (fn === undefined) continue;
    try {
      if (fn(p)) return l;
    } catch (err) {
      preds.onError("level", l, err);
    }
  }
  return Level.OK;
}

/** What survives a restart: enough to neither re-page nor lose the recovery. */
export interface AlertStateSnapshot {
  level: Level;
  prev: Level;
  firstTriggered: bigint;
  lastTriggered: bigint;
  flapping: boolean;
  /** The flapping ring, oldest first, when flapping is enabled. */
  history?: Level[];
}

export class AlertGroupState {
  level: Level = Level.OK;
  prev: Level = Level.OK;
  changed = false;
  flapping = false;
  expired = false;
  firstTriggered = 0n;
  lastTriggered = 0n;
  /** The rendered alert ID and the measurement it was rendered for (ID cache, see AlertNode). */
  id = "";
  idName = "";
  /** Data time of the last point or batch seen (group expiry). */
  lastSeen = 0n;
  /** Inhibitors this group registered (`.inhibit()`); active while the last trigger was not OK. */
  inhibitors: { active: boolean }[] | undefined;
  private ring: Uint8Array | undefined;
  private idx = 0;

  constructor(private readonly b: AlertBehaviour) {
    if (b.flapping !== undefined) this.ring = new Uint8Array(Math.max(2, b.history));
  }

  /** Appends a level to the history (Kapacitor's addEvent). */
  addEvent(t: bigint, l: Level): void {
    this.lastSeen = t;
    this.changed = this.level !== l;
    this.prev = this.level;
    this.level = l;
    const ring = this.ring;
    if (ring !== undefined) {
      this.idx = (this.idx + 1) % ring.length;
      ring[this.idx] = l;
      this.updateFlapping(ring);
    }
    const d = this.b.stateChangesOnlyDuration;
    this.expired = !this.changed && d !== 0 && Number(t - this.lastTriggered) >= d;
  }

  triggered(t: bigint): void {
    this.lastTriggered = t;
    if (this.prev === Level.OK) this.firstTriggered = t;
    if (this.inhibitors !== undefined)
      for (const inh of this.inhibitors) inh.active = this.level !== Level.OK;
  }

  /** ns between the first and the last trigger of the current incident. */
  duration(): number {
    return Number(this.lastTriggered - this.firstTriggered);
  }

  /**
   * Stream point: after addEvent, should an event be sent? (Kapacitor's alertState.Point.)
   * Calls triggered(t) when it is. Returns false for suppressed recoveries (noRecoveries)
   * too — the caller then neither emits nor forwards.
   */
  shouldEmitPoint(t: bigint): boolean {
    const l = this.level;
    if (
      (this.b.flapping !== undefined && this.flapping) ||
      (this.b.stateChangesOnly && !this.changed && !this.expired)
    ) {
      return false;
    }
    if (l === Level.OK && !this.changed) return false;
    this.triggered(t);
    return !(this.b.noRecoveries && l === Level.OK);
  }

  /**
   * Batch: Kapacitor's BufferedBatch condition, which differs from the stream one in that a
   * recovery is sent even while flapping.
   */
  shouldEmitBatch(t: bigint): boolean {
    const l = this.level;
    const suppressed =
      (this.b.flapping !== undefined && this.flapping) ||
      (this.b.stateChangesOnly && !this.changed && !this.expired);
    if (!((this.changed && l === Level.OK) || (l !== Level.OK && !suppressed))) return false;
    this.triggered(t);
    return !(this.b.noRecoveries && l === Level.OK);
  }

  /** Seeds a new group from a stored non-OK event state (Kapacitor's restoreEventState). */
  seed(firstPointTime: bigint, level: Level, triggeredAt: bigint): void {
    if (level === Level.OK) return;
    this.addEvent(firstPointTime, level);
    this.triggered(triggeredAt);
  }

  snapshot(): AlertStateSnapshot {
    const s: AlertStateSnapshot = {
      level: this.level,
      prev: this.prev,
      firstTriggered: this.firstTriggered,
      lastTriggered: this.lastTriggered,
      flapping: this.flapping,
    };
    const ring = this.ring;
    if (ring !== undefined) {
      const h: Level[] = [];
      for (let i = 1; i <= ring.length; i++) h.push(ring[(this.idx + i) % ring.length] as Level);
      s.history = h;
    }
    return s;
  }

  restore(s: AlertStateSnapshot): void {
    this.level = s.level;
    this.prev = s.prev;
    this.firstTriggered = s.firstTriggered;
    this.lastTriggered = s.lastTriggered;
    this.flapping = s.flapping;
    const ring = this.ring;
    if (ring !== undefined) {
      ring.fill(Level.OK);
      const h = s.history ?? [s.prev, s.level];
      // Newest last: align the snapshot's tail with the ring's newest slot.
      const n = Math.min(h.length, ring.length);
      this.idx = ring.length - 1;
      for (let i = 0; i < n; i++) ring[ring.length - n + i] = h[h.length - n + i] ?? Level.OK;
    }
  }

  /** Weighted share of level changes across the ring: Kapacitor's percentChange, exactly. */
  percentChange(): number {
    const ring = this.ring;
    if (ring === undefined) return 0;
    return percentChange(ring, this.idx);
  }

  private updateFlapping(ring: Uint8Array): void {
    const f = this.b.flapping;
    if (f === undefined) return;
    const p = percentChange(ring, this.idx);
    if (this.flapping && p < f.low) this.flapping = false;
    else if (!this.flapping && p > f.high) this.flapping = true;
  }
}

// Kapacitor's constants: weights run from 0.8 up to 1.2 across the history.
const MAX_WEIGHT = 1.2;
const WEIGHT_DIFF = 1.5;

function percentChange(h: Uint8Array, idx: number): number {
  const n = h.length;
  let changes = 0;
  let weight = MAX_WEIGHT / WEIGHT_DIFF;
  const step = (MAX_WEIGHT - weight) / (n - 1);
  for (let i = 0; i < n - 1; i++) {
    const c = (i + idx) % n;
    const p = c === 0 ? n - 1 : c - 1;
    if (h[c] !== h[p]) changes += weight;
    weight += step;
  }
  return changes / (n - 1);
}
