/**
 * Which offsets of the notifications topic the dispatcher may commit (pure: no Kafka, no
 * clock). A partition's committed offset may pass a record only once that record is terminal
 * here (delivered, or failed for good): a dispatcher that dies loses nothing, because every
 * record from the committed offset on is read again by the partition's next owner.
 *
 * Per partition:
 *   assign(p)        → tracked, nothing seen; commits nothing until a record is seen.
 *   add(p, o)        → record o read and handed to delivery: pending.
 *   done(p, o)       → record o terminal (or skipped: unknown version, unparsable).
 *   seen(p, last)    → every offset ≤ last was read (a batch's end: transaction markers and
 *                      aborted records have offsets but never reach the reader).
 *   committable(p)   → the offset to commit: the first pending record's offset, else one past
 *                      the last offset seen. Later records of other alert ids are delivered
 *                      meanwhile; only the commit waits for the earliest pending one.
 *   committed(p, o)  → what the group now holds; toCommit() lists partitions ahead of it.
 *   revoke(p)        → forgotten (a later assign starts over: the records are read again).
 * Offsets are Kafka's int64 strings; kept as bigint. Only pending offsets are held (in read
 * order, which is offset order), so memory is bounded by what is in flight, not by how far
 * delivered records run ahead of a stuck one.
 */

interface PartitionState {
  /** Pending offsets in read (= offset) order; the first is the lowest. */
  readonly pending: Set<bigint>;
  /** Highest offset read or known skipped; -1 before any. */
  seenUpTo: bigint;
  /** Offset the group holds for this partition as far as we know; undefined before our first commit. */
  committed: bigint | undefined;
}

export interface CommitPoint {
  readonly partition: number;
  /** The next offset to read, as a Kafka offset string. */
  readonly offset: string;
}

export class OffsetTracker {
  private readonly parts = new Map<number, PartitionState>();

  /** Starts (or restarts) tracking a partition just assigned to this member. */
  assign(partition: number): void {
    this.parts.set(partition, { pending: new Set(), seenUpTo: -1n, committed: undefined });
  }

  /** Stops tracking a partition (revoked); its later done() calls are ignored. */
  revoke(partition: number): void {
    this.parts.delete(partition);
  }

  isAssigned(partition: number): boolean {
    return this.parts.has(partition);
  }

  partitions(): number[] {
    return [...this.parts.keys()].sort((a, b) => a - b);
  }

  /** A record read and handed over. Offsets of one partition must come in increasing order. */
  add(partition: number, offset: string): void {
    const p = this.parts.get(partition);
    if (p === undefined) return;
    const o = BigInt(offset);
    if (o <= p.seenUpTo) return; // read again (a re-fetch): already tracked or done
    p.pending.add(o);
    p.seenUpTo = o;
  }

  /** A record is terminal: delivered, failed for good, or skipped. Unknown offsets are ignored. */
  done(partition: number, offset: string): void {
    this.parts.get(partition)?.pending.delete(BigInt(offset));
  }

  /** Every offset up to `lastOffset` was read (records or not). */
  seen(partition: number, lastOffset: string): void {
    const p = this.parts.get(partition);
    if (p === undefined) return;
    const o = BigInt(lastOffset);
    if (o > p.seenUpTo) p.seenUpTo = o;
  }

  /** Records of the partition read and not yet terminal. */
  pendingCount(partition: number): number {
    return this.parts.get(partition)?.pending.size ?? 0;
  }

  /** Pending records over every tracked partition. */
  totalPending(): number {
    let n = 0;
    for (const p of this.parts.values()) n += p.pending.size;
    return n;
  }

  /** The offset the partition may be committed at now; undefined when nothing was read yet. */
  committable(partition: number): bigint | undefined {
    const p = this.parts.get(partition);
    if (p === undefined || p.seenUpTo < 0n) return undefined;
    for (const first of p.pending) return first;
    return p.seenUpTo + 1n;
  }

  /** Partitions whose committable offset is ahead of what was last committed. */
  toCommit(): CommitPoint[] {
    const out: CommitPoint[] = [];
    for (const [partition, p] of this.parts) {
      const c = this.committable(partition);
      if (c !== undefined && (p.committed === undefined || c > p.committed))
        out.push({ partition, offset: c.toString() });
    }
    return out.sort((a, b) => a.partition - b.partition);
  }

  /** Records that the group now holds `offset` for the partition. */
  committed(partition: number, offset: string): void {
    const p = this.parts.get(partition);
    if (p === undefined) return;
    const o = BigInt(offset);
    if (p.committed === undefined || o > p.committed) p.committed = o;
  }
}
