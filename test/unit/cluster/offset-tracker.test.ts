/**
 * The dispatcher's commit rule (src/cluster/offset-tracker.ts): a partition is committed up to
 * its first record that is not terminal, never past it; records after it (other alert ids)
 * may finish first without moving the commit.
 */
import { describe, expect, it } from "vitest";
import { OffsetTracker } from "../../../src/cluster/offset-tracker.js";

function tracker(...partitions: number[]): OffsetTracker {
  const t = new OffsetTracker();
  for (const p of partitions) t.assign(p);
  return t;
}

describe("OffsetTracker", () => {
  it("commits nothing before a record is read", () => {
    const t = tracker(0);
    expect(t.committable(0)).toBeUndefined();
    expect(t.toCommit()).toEqual([]);
  });

  it("commits up to the first record not yet terminal, then past it once it is", () => {
    const t = tracker(0);
    for (const o of ["10", "11", "12", "13"]) t.add(0, o);
    expect(t.committable(0)).toBe(10n);
    // Later records (other alert ids) delivered first: the commit waits for 10.
    t.done(0, "12");
    t.done(0, "13");
    t.done(0, "11");
    expect(t.committable(0)).toBe(10n);
    expect(t.pendingCount(0)).toBe(1);
    t.done(0, "10");
    expect(t.committable(0)).toBe(14n);
    expect(t.toCommit()).toEqual([{ partition: 0, offset: "14" }]);
  });

  it("passes transaction markers and aborted records once all before them are done", () => {
    const t = tracker(3);
    t.add(3, "0");
    t.add(3, "1");
    t.seen(3, "2"); // the commit marker of the transaction
    expect(t.committable(3)).toBe(0n);
    t.done(3, "0");
    t.done(3, "1");
    expect(t.committable(3)).toBe(3n);
  });

  it("lists only partitions ahead of their last commit, in partition order", () => {
    const t = tracker(0, 1, 2);
    t.add(2, "5");
    t.add(0, "7");
    t.done(2, "5");
    t.done(0, "7");
    t.add(1, "0"); // pending: committable 0, nothing committed yet
    expect(t.toCommit()).toEqual([
      { partition: 0, offset: "8" },
      { partition: 1, offset: "0" },
      { partition: 2, offset: "6" },
    ]);
    t.committed(0, "8");
    t.committed(1, "0");
    t.committed(2, "6");
    expect(t.toCommit()).toEqual([]);
    // An older commit reported late never moves the mark back.
    t.committed(2, "3");
    t.add(2, "6");
    t.done(2, "6");
    expect(t.toCommit()).toEqual([{ partition: 2, offset: "7" }]);
  });

  it("ignores a record read again and the outcome of an unknown offset", () => {
    const t = tracker(0);
    t.add(0, "4");
    t.done(0, "4");
    t.add(0, "4"); // re-fetched: already done
    expect(t.committable(0)).toBe(5n);
    t.done(0, "99");
    expect(t.committable(0)).toBe(5n);
  });

  it("forgets a revoked partition; a new assignment starts over (its records are read again)", () => {
    const t = tracker(0, 1);
    t.add(1, "20");
    t.revoke(1);
    expect(t.isAssigned(1)).toBe(false);
    t.done(1, "20");
    t.add(1, "21");
    expect(t.toCommit()).toEqual([]);
    expect(t.partitions()).toEqual([0]);
    t.assign(1);
    t.add(1, "20");
    expect(t.committable(1)).toBe(20n);
    expect(t.totalPending()).toBe(1);
  });

  it("handles offsets beyond 2^53 exactly", () => {
    const t = tracker(0);
    t.add(0, "9007199254740993");
    t.done(0, "9007199254740993");
    expect(t.toCommit()).toEqual([{ partition: 0, offset: "9007199254740994" }]);
  });
});
