/**
 * Reading one record of the notifications topic (pure). A record this tickd cannot send —
 * empty, not JSON, an unknown version, a request of the wrong shape — is not an error that
 * stops the partition: it becomes an `invalid` result with the reason and whatever names it
 * (event id, handler, topic, alert id), so the dispatcher journals it as failed and moves on.
 */
import type { HttpRequest } from "../handlers/types.js";
import type { NotificationRecord } from "./records.js";

export interface RecordCoordinates {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The record key: the alert id. */
  readonly key: string;
}

export type DecodedNotification =
  | { readonly kind: "ok"; readonly record: NotificationRecord }
  | {
      readonly kind: "invalid";
      readonly reason: string;
      /** The record's own event id when it has one, else one made of its coordinates (stable on a re-read). */
      readonly eventId: string;
      readonly meta: { handler: string; topic: string; alertId: string; kind: string };
    };

/** Versions of {@link NotificationRecord} this tickd reads. */
export const NOTIFICATION_VERSIONS: readonly number[] = [1];

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** Why `v` is not a request the delivery engine can send, or undefined when it is one. */
function requestProblem(v: unknown): string | undefined {
  const r = obj(v);
  if (r === undefined) return "request is not an object";
  if (str(r.method) === undefined || r.method === "") return "request.method is not a non-empty string";
  if (str(r.url) === undefined || r.url === "") return "request.url is not a non-empty string";
  if (str(r.body) === undefined) return "request.body is not a string";
  if (typeof r.timeoutMs !== "number" || !Number.isFinite(r.timeoutMs) || r.timeoutMs < 0)
    return "request.timeoutMs is not a number ≥ 0";
  const h = obj(r.headers);
  if (h === undefined || Object.values(h).some((x) => typeof x !== "string"))
    return "request.headers is not an object of strings";
  if (r.delivery !== undefined && obj(r.delivery) === undefined) return "request.delivery is not an object";
  return undefined;
}

export function decodeNotification(value: Buffer | null, at: RecordCoordinates): DecodedNotification {
  const fallbackId = `${at.topic}/${at.partition}@${at.offset}`;
  const invalid = (reason: string, parsed?: Record<string, unknown>): DecodedNotification => {
    const req = obj(parsed?.request);
    const d = obj(req?.delivery);
    return {
      kind: "invalid",
      reason: `notification record ${fallbackId}: ${reason}; skipped`,
      eventId: str(parsed?.eventId) ?? fallbackId,
      meta: {
        handler: str(d?.handler) ?? "",
        topic: str(d?.topic) ?? "",
        alertId: str(d?.alertId) ?? at.key,
        kind: str(d?.kind) ?? "",
      },
    };
  };
  if (value === null || value.length === 0) return invalid("empty value");
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString("utf8"));
  } catch (e) {
    return invalid(`not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const o = obj(parsed);
  if (o === undefined) return invalid("not a JSON object");
  if (!NOTIFICATION_VERSIONS.includes(o.v as number))
    return invalid(
      `unknown version ${JSON.stringify(o.v ?? null)} (this tickd reads ${NOTIFICATION_VERSIONS.join(", ")}; upgrade it)`,
      o,
    );
  if (str(o.eventId) === undefined || o.eventId === "")
    return invalid("eventId is not a non-empty string", o);
  const problem = requestProblem(o.request);
  if (problem !== undefined) return invalid(problem, o);
  const origin = obj(o.origin);
  return {
    kind: "ok",
    record: {
      v: 1,
      eventId: o.eventId as string,
      request: o.request as HttpRequest,
      origin: {
        member: str(origin?.member) ?? "",
        topic: str(origin?.topic) ?? "",
        partition: typeof origin?.partition === "number" ? origin.partition : -1,
      },
    },
  };
}
