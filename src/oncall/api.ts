/**
 * What the on-call HTTP routes share: JSON shapes of silences and alerts as Alertmanager's
 * API v2 (openapi.yaml) defines them, RFC 3339 time parsing, and the silence filter.
 *
 * Times: Alertmanager marshals API v2 times with go-openapi strfmt's RFC3339Millis (always
 * three fraction digits, `….000Z` included, cut not rounded). Wall-clock times here (silences,
 * acks) are whole ms and print that way; an alert's times from tickd's engine are exact ns
 * and keep every digit ({@link amTime}).
 */
import { formatRFC3339Nano } from "../core/go-format.js";
import { maxTime, nowNs } from "../core/time.js";
import { levelName } from "../core/types.js";
import type { AlertView } from "./service.js";
import { compileMatcher, type Matcher } from "./matchers.js";
import { silenceState, type Silence } from "./silences.js";

export function isoMs(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * An alert time in the API: strfmt's RFC3339Millis (`….123Z`, `….000Z`) when it is whole ms,
 * as every time that arrived in ms is; otherwise Go's RFC3339Nano with all its digits, which
 * strfmt (amtool, Alertmanager's Go client) reads back — Alertmanager itself would cut them.
 */
export function amTime(ns: bigint): string {
  if (ns % 1_000_000n !== 0n) return formatRFC3339Nano(ns);
  const ms = Number(ns / 1_000_000n);
  const d = new Date(ms);
  // Date covers ±8.64e15 ms; beyond that (never an alert time) the RFC3339Nano form is exact.
  return Number.isNaN(d.getTime()) ? formatRFC3339Nano(ns) : d.toISOString();
}

/** RFC 3339 → Unix ms (fractions past ms are cut); NaN when it is not a time. */
export function parseTime(v: unknown): number {
  if (typeof v !== "string") return NaN;
  const s = v.replace(/(\.\d{3})\d+/, "$1");
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(s)) return NaN;
  return Date.parse(s);
}

export function gettableSilence(s: Silence, now: number): Record<string, unknown> {
  return {
    id: s.id,
    status: { state: silenceState(s, now) },
    updatedAt: isoMs(s.updatedAt),
    comment: s.comment,
    createdBy: s.createdBy,
    endsAt: isoMs(s.endsAt),
    matchers: s.matchers.map((m) => ({
      isEqual: m.isEqual,
      isRegex: m.isRegex,
      name: m.name,
      value: m.value,
    })),
    startsAt: isoMs(s.startsAt),
  };
}

/** Alertmanager's order: active by end, pending by start, expired by end (newest first). */
export function sortSilences(list: Silence[], now: number): Silence[] {
  const rank = { active: 0, pending: 1, expired: 2 } as const;
  return list.sort((a, b) => {
    const sa = silenceState(a, now);
    const sb = silenceState(b, now);
    if (sa !== sb) return rank[sa] - rank[sb];
    if (sa === "active") return a.endsAt - b.endsAt;
    if (sa === "pending") return a.startsAt - b.startsAt;
    return b.endsAt - a.endsAt;
  });
}

/**
 * A silence passes a filter when, for every filter matcher, it has a matcher of that name
 * whose value the filter matcher accepts (Alertmanager's rule).
 */
export function silenceMatchesFilter(s: Silence, filter: readonly Matcher[]): boolean {
  return filter.every((f) => {
    const c = compileMatcher(f);
    return s.matchers.some((m) => m.name === f.name && c.test({ [f.name]: m.value }));
  });
}

/** Fallback end of a firing alert, as Alertmanager's resolve_timeout (5 m) past its update. */
const RESOLVE_TIMEOUT_NS = 5n * 60n * 1_000_000_000n;

export function gettableAlert(a: AlertView): Record<string, unknown> {
  const annotations: Record<string, string> = { summary: a.message };
  if (a.details !== "" && a.details !== a.message) annotations.description = a.details;
  return {
    annotations,
    endsAt: amTime(maxTime(a.updatedAt, nowNs()) + RESOLVE_TIMEOUT_NS),
    fingerprint: a.fingerprint,
    receivers: [{ name: a.topic }],
    startsAt: amTime(a.startsAt),
    status: {
      inhibitedBy: [],
      silencedBy: a.silencedBy,
      state: a.silencedBy.length > 0 ? "suppressed" : "active",
    },
    updatedAt: amTime(a.updatedAt),
    labels: a.labels,
  };
}

/** tickd's own view (`GET /tickd/v1/alerts`): level names, RFC 3339 times, ack state. */
export function tickdAlert(a: AlertView): Record<string, unknown> {
  return {
    topic: a.topic,
    id: a.id,
    level: levelName(a.level),
    message: a.message,
    details: a.details,
    labels: a.labels,
    fingerprint: a.fingerprint,
    since: amTime(a.startsAt),
    updated: amTime(a.updatedAt),
    fields: a.fields,
    silencedBy: a.silencedBy,
    snoozedBy: a.snoozedBy,
    acknowledged:
      a.ack === undefined
        ? null
        : { by: a.ack.by, comment: a.ack.comment, at: isoMs(a.ack.at), level: levelName(a.ack.level) },
  };
}
