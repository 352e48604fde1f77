/**
 * The retry policy as pure functions: which outcomes are retried, how long to wait before the
 * next attempt (exponential backoff with jitter, or the endpoint's `Retry-After`), and when
 * to give up. Nothing here has state or timers, so each rule is testable alone.
 */
import { HandlerCodes } from "../handlers/types.js";

/** A `Retry-After` longer than this is cut to it, so one endpoint cannot park a notification for days. */
export const RETRY_AFTER_CAP_MS = 60 * 60 * 1000;

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `retry` (1 = the wait after the first failed attempt): uniform
 * in [initial, min(max, initial·2^retry)] — full jitter over an exponentially growing window
 * that never goes below `backoff-initial` nor above `backoff-max`.
 */
export function backoffDelayMs(retry: number, p: BackoffPolicy, random: () => number = Math.random): number {
  const initial = Math.max(0, p.initialMs);
  const max = Math.max(initial, p.maxMs);
  const exp = Math.min(Math.max(1, retry), 52);
  const ceiling = Math.min(max, initial * 2 ** exp);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(initial + r * (ceiling - initial));
}

/**
 * `Retry-After` as ms from `nowMs`: delay-seconds (`120`) or an HTTP date. Undefined for a
 * missing or unparsable value; a date in the past is 0. Capped at {@link RETRY_AFTER_CAP_MS}.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === "") return undefined;
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    // An HTTP date names its weekday and month; Date.parse alone takes "-5" for a year.
    if (!/[a-z]/i.test(v)) return undefined;
    const t = Date.parse(v);
    if (Number.isNaN(t)) return undefined;
    ms = Math.max(0, t - nowMs);
  }
  return Math.min(ms, RETRY_AFTER_CAP_MS);
}

/** 5xx, 408 and 429 are worth another attempt; other non-2xx answers are permanent. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** Timeouts and connection errors (no response) are retried; a refused URL or bad options are not. */
export function isRetryableErrorCode(code: string | undefined): boolean {
  return code === HandlerCodes.TIMEOUT || code === HandlerCodes.SEND;
}

/** True when another attempt is allowed after `attempts` were made (`maxAttempts` 0 = forever). */
export function attemptsLeft(attempts: number, maxAttempts: number): boolean {
  return maxAttempts <= 0 || attempts < maxAttempts;
}
