import { describe, expect, it } from "vitest";
import type { Point } from "../../../src/core/types.js";
import { CountWindow, TimeWindow, type WindowBatch } from "../../../src/engine/window.js";

const S = 1e9;
const pt = (sec: number): Point => ({ name: "cpu", tags: {}, fields: { v: sec }, time: BigInt(sec * S) });
const secs = (b: WindowBatch | undefined) =>
  b && { time: Number(b.time) / S, points: b.points.map((p) => Number(p.time) / S) };

function feed(w: { point(p: Point): WindowBatch | undefined }, times: number[]) {
  return times.map((t) => secs(w.point(pt(t)))).filter((b) => b !== undefined);
}

describe("TimeWindow", () => {
  it("emits [end-period, end) stamped with the end when a point reaches it (TestStream_Alert: count 10 at 10s)", () => {
    const w = new TimeWindow(0n, { period: 10 * S, every: 10 * S, align: false, fillPeriod: false });
    const out = feed(w, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 20]);
    expect(out).toEqual([
      { time: 10, points: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] },
      { time: 20, points: [10, 11] },
    ]);
  });

  it("keeps the boundary point and overlaps windows when period > every", () => {
    const w = new TimeWindow(0n, { period: 4 * S, every: 2 * S, align: false, fillPeriod: false });
    expect(feed(w, [0, 1, 2, 3, 4, 5, 6])).toEqual([
      { time: 2, points: [0, 1] },
      { time: 4, points: [0, 1, 2, 3] },
      { time: 6, points: [2, 3, 4, 5] },
    ]);
  });

  it("moves nextEmit from the current point, so a gap skips windows", () => {
    const w = new TimeWindow(0n, { period: 10 * S, every: 10 * S, align: false, fillPeriod: false });
    expect(feed(w, [0, 5, 37, 40, 47])).toEqual([
      { time: 10, points: [0, 5] },
      { time: 47, points: [37, 40] },
    ]);
  });

  it("aligns window ends to every (Go truncation) with .align()", () => {
    const w = new TimeWindow(BigInt(3 * S), {
      period: 10 * S,
      every: 10 * S,
      align: true,
      fillPeriod: false,
    });
    expect(w.nextEmit).toBe(BigInt(10 * S));
    expect(feed(w, [3, 9, 10, 25, 31])).toEqual([
      { time: 10, points: [3, 9] },
      { time: 20, points: [10] }, // 25 closes the window ending at 20; next end trunc(35) = 30
      { time: 30, points: [25] },
    ]);
  });

  it("fillPeriod waits for a whole period before the first emit", () => {
    const w = new TimeWindow(0n, { period: 10 * S, every: 2 * S, align: false, fillPeriod: true });
    expect(w.nextEmit).toBe(BigInt(10 * S));
    const aligned = new TimeWindow(BigInt(3 * S), {
      period: 10 * S,
      every: 5 * S,
      align: true,
      fillPeriod: true,
    });
    // 13 s truncated to 10 s is not after 13 s, so one more every: 15 s.
    expect(aligned.nextEmit).toBe(BigInt(15 * S));
  });

  it("every 0 emits on every point a right-closed window (t-period, t]", () => {
    const w = new TimeWindow(0n, { period: 2 * S, every: 0, align: false, fillPeriod: false });
    expect(feed(w, [0, 1, 2, 3])).toEqual([
      { time: 0, points: [0] },
      { time: 1, points: [0, 1] },
      { time: 2, points: [1, 2] },
      { time: 3, points: [2, 3] },
    ]);
  });

  it("barrier(t) closes a quiet window without a point (idle flush)", () => {
    const w = new TimeWindow(0n, { period: 10 * S, every: 10 * S, align: false, fillPeriod: false });
    feed(w, [0, 4]);
    expect(secs(w.barrier(BigInt(9 * S)))).toBeUndefined();
    expect(secs(w.barrier(BigInt(12 * S)))).toEqual({ time: 10, points: [0, 4] });
    expect(w.nextEmit).toBe(BigInt(22 * S));
  });
});

describe("CountWindow", () => {
  it("emits the last periodCount points every everyCount points, stamped with the newest", () => {
    const w = new CountWindow(3, 2, false);
    expect(feed(w, [1, 2, 3, 4, 5, 6])).toEqual([
      { time: 2, points: [1, 2] },
      { time: 4, points: [2, 3, 4] },
      { time: 6, points: [4, 5, 6] },
    ]);
    const filled = new CountWindow(3, 1, true);
    expect(feed(filled, [1, 2, 3, 4])).toEqual([
      { time: 3, points: [1, 2, 3] },
      { time: 4, points: [2, 3, 4] },
    ]);
  });
});
