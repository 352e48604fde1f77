import { describe, expect, it } from "vitest";
import {
  attemptsLeft,
  backoffDelayMs,
  isRetryableErrorCode,
  isRetryableStatus,
  parseRetryAfter,
  RETRY_AFTER_CAP_MS,
} from "../../../src/delivery/index.js";

const policy = { initialMs: 100, maxMs: 1000 };

describe("backoff", () => {
  it("stays within [initial, min(max, initial·2^n)] at the extremes of the jitter", () => {
    expect(backoffDelayMs(1, policy, () => 0)).toBe(100);
    expect(backoffDelayMs(1, policy, () => 1)).toBe(200);
    expect(backoffDelayMs(2, policy, () => 1)).toBe(400);
    expect(backoffDelayMs(3, policy, () => 1)).toBe(800);
    expect(backoffDelayMs(4, policy, () => 1)).toBe(1000);
    expect(backoffDelayMs(60, policy, () => 1)).toBe(1000);
    expect(backoffDelayMs(60, policy, () => 0)).toBe(100);
  });

  it("is jittered: many draws spread over the window", () => {
    const draws = Array.from({ length: 2000 }, () => backoffDelayMs(5, policy));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...draws)).toBeLessThanOrEqual(1000);
    expect(new Set(draws).size).toBeGreaterThan(100);
    // the mean of uniform(100, 1000) is 550
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(450);
    expect(mean).toBeLessThan(650);
  });
});

describe("Retry-After", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("reads delay-seconds", () => {
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
  });
  it("reads an HTTP date, a past date as 0", () => {
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
  });
  it("ignores garbage and caps absurd values", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-5", now)).toBeUndefined();
    expect(parseRetryAfter("999999", now)).toBe(RETRY_AFTER_CAP_MS);
  });
});

describe("classification", () => {
  it("retries 5xx, 408 and 429; other 4xx are permanent", () => {
    for (const s of [500, 502, 503, 504, 408, 429]) expect(isRetryableStatus(s), String(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 410, 422, 301]) expect(isRetryableStatus(s), String(s)).toBe(false);
  });
  it("retries timeouts and connection errors only", () => {
    expect(isRetryableErrorCode("E_HANDLER_TIMEOUT")).toBe(true);
    expect(isRetryableErrorCode("E_HANDLER_SEND")).toBe(true);
    expect(isRetryableErrorCode("E_HANDLER_REFUSED")).toBe(false);
    expect(isRetryableErrorCode(undefined)).toBe(false);
  });
  it("max-attempts 0 means forever", () => {
    expect(attemptsLeft(1_000_000, 0)).toBe(true);
    expect(attemptsLeft(2, 3)).toBe(true);
    expect(attemptsLeft(3, 3)).toBe(false);
  });
});
