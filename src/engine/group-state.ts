/**
 * Per-group node state that can leave the process (cluster mode, DESIGN §11): window buffers,
 * stateful lambda functions, state trackers and transforms are saved per node and group into
 * the partition's state changelog and loaded into a fresh task instance on the partition's
 * next owner, so a failover continues a window instead of starting it empty.
 *
 * A node that supports it returns a {@link GroupStateAccess} from `RuntimeNode.groupState()`.
 * The node marks a group dirty whenever its state may have changed (a point, a closed window,
 * a dropped group); the host takes the dirty set at each commit and saves each group — or
 * learns it is gone (save returns undefined: a tombstone). Dirty tracking costs nothing unless
 * the context asks for it (`TaskContext.trackGroupState`), so single-node mode is unchanged.
 *
 * Saved data is plain JSON-able data (bigints and ns floats allowed: the host encodes it with
 * the store codec). `load` runs before the node sees any message; data it cannot read throws,
 * and the host logs it and lets the group start empty.
 */

export interface GroupStateAccess {
  /** Groups whose state may have changed since the last call (the set is handed over). */
  takeDirty(): Set<string>;
  /** The group's state now; undefined when the node keeps nothing for it (any more). */
  save(group: string): unknown;
  /** Seeds a group from saved data; throws when the data does not fit this node. */
  load(group: string, data: unknown): void;
}

/** Dirty-group bookkeeping for nodes: a no-op unless tracking is on. */
export class DirtyGroups {
  private set: Set<string> | undefined;

  constructor(track: boolean) {
    this.set = track ? new Set() : undefined;
  }

  mark(group: string): void {
    this.set?.add(group);
  }

  take(): Set<string> {
    const s = this.set ?? new Set<string>();
    if (this.set !== undefined) this.set = new Set();
    return s;
  }
}

/** Throws the error a `load` raises for data that does not fit (the host logs it). */
export function badState(node: string, why: string): Error {
  return new Error(`${node}: saved group state does not fit this node (${why})`);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A time read back from saved state: the store codec gives a bigint; a number (state saved by
 * a version with float64 times) is rounded to an integer. null/undefined: no time. Anything
 * else throws with `what` named.
 */
export function savedTime(v: unknown, what: string): bigint | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isFinite(v)) return BigInt(Math.round(v));
  throw new Error(`saved ${what} is not a time`);
}

/** A saved time that must be there (see savedTime). */
export function requiredTime(v: unknown, what: string): bigint {
  const t = savedTime(v, what);
  if (t === undefined) throw new Error(`saved ${what} is missing`);
  return t;
}
