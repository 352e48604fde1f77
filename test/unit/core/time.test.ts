import { afterEach, describe, expect, it, vi } from "vitest";
import { formatRFC3339Nano } from "../../../src/core/go-format.js";
import { goTruncate, nowNs, parseRFC3339Nano } from "../../../src/core/time.js";

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

describe("parseRFC3339Nano", () => {
  it("reads all nine fraction digits exactly, beyond 2^53", () => {
    expect(parseRFC3339Nano("2023-11-14T22:13:20.123456789Z")).toBe(1_700_000_000_123_456_789n);
    expect(parseRFC3339Nano("2023-11-14T22:13:20.1Z")).toBe(1_700_000_000_100_000_000n);
    expect(parseRFC3339Nano("2023-11-14T22:13:20Z")).toBe(1_700_000_000_000_000_000n);
    expect(parseRFC3339Nano("1970-01-01T00:00:00.000000001z")).toBe(1n);
  });
  it("applies offsets (InfluxQL tz()), before and after the epoch", () => {
    expect(parseRFC3339Nano("2023-11-14T23:13:20.123456789+01:00")).toBe(1_700_000_000_123_456_789n);
    expect(parseRFC3339Nano("1969-12-31T20:30:00-03:30")).toBe(0n);
    expect(parseRFC3339Nano("1969-12-31T23:59:59.999999999Z")).toBe(-1n);
    expect(parseRFC3339Nano("1677-09-21T00:12:43.145224192Z")).toBe(-(2n ** 63n));
    expect(parseRFC3339Nano("2262-04-11T23:47:16.854775807Z")).toBe(2n ** 63n - 1n);
  });
  it("counts years below 100 as themselves (Go's zero time), unlike Date.UTC", () => {
    expect(parseRFC3339Nano("0001-01-01T00:00:00Z")).toBe(-62_135_596_800n * 1_000_000_000n);
  });
  it("round-trips formatRFC3339Nano", () => {
    let t = -(2n ** 62n);
    for (let i = 0; i < 500; i++) {
      t += 18_446_744_073_709_551n + BigInt(i * 7919);
      expect(parseRFC3339Nano(formatRFC3339Nano(t))).toBe(t);
    }
  });
  it("refuses what is not RFC 3339 or out of range", () => {
    for (const bad of [
      "2023-11-14",
      "2023-11-14T22:13:20",
      "2023-11-14T22:13:20.Z",
      "2023-11-14T22:13:20.1234567891Z",
      "2023-02-29T00:00:00Z",
      "2023-13-01T00:00:00Z",
      "2023-11-14T24:00:00Z",
      "2023-11-14T22:60:00Z",
      "2023-11-14T22:13:60Z",
      "2023-11-14T22:13:20+0100",
      "2023-11-14T22:13:20Zx",
      "2023-11-14x22:13:20Z",
      "２023-11-14T22:13:20Z",
    ])
      expect(parseRFC3339Nano(bad), bad).toBeUndefined();
    expect(parseRFC3339Nano("2024-02-29T00:00:00Z")).toBe(1_709_164_800_000_000_000n);
  });
});
