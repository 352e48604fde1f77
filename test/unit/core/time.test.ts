import { afterEach, describe, expect, it, vi } from "vitest";
import { goTruncate, nowNs } from "../../../src/core/time.js";

const S = 1e9;

describe("goTruncate", () => {
  it("agrees with Unix-epoch alignment for durations that divide a day", () => {
    expect(goTruncate(BigInt(125 * S), 60 * S)).toBe(BigInt(120 * S));
    expect(goTruncate(BigInt(1_700_000_123 * S), 3600 * S)).toBe(BigInt(1_699_999_200 * S));
  });
  it("counts from Go's zero time (year 1) for other durations", () => {
    // 62135596800 s mod 7 = 4, so the Unix epoch sits 4 s past a 7 s boundary.
    expect(goTruncate(0n, 7 * S)).toBe(BigInt(-4 * S));
    expect(goTruncate(BigInt(10 * S), 7 * S)).toBe(BigInt(10 * S));
    expect(goTruncate(BigInt(16 * S), 7 * S)).toBe(BigInt(10 * S));
    expect(goTruncate(BigInt(17 * S), 7 * S)).toBe(BigInt(17 * S));
  });
  it("is exact for present-day nanosecond times beyond 2^53", () => {
    const t = 1_732_420_800 * S + 7 * S; // whole seconds: exactly representable
    expect(goTruncate(BigInt(t), 10 * S)).toBe(BigInt(1_732_420_800 * S));
  });
  it("leaves t unchanged for d <= 0 and handles negative times", () => {
    expect(goTruncate(5n, 0)).toBe(5n);
    expect(goTruncate(BigInt(-1 * S), 10 * S)).toBe(BigInt(-10 * S));
  });
});

describe("nowNs", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  // A regression: it read performance.timeOrigin + performance.now(), the monotonic clock,
  // which drifted more than a millisecond from the system clock in a long test run.
  it("is the system wall clock (Date.now) in ns, at ms resolution", () => {
    vi.spyOn(Date, "now").mockReturnValue(1_700_000_000_153);
    expect(nowNs()).toBe(1_700_000_000_153_000_000n);
  });
});
