/**
 * `GET /tickd/v1/history`: the on-call history, newest first. Filters: `id` (alert id),
 * `topic`, `task`, `type` (state | delivery | note), `since` / `until` (RFC 3339, or a
 * duration such as `2h` meaning that long ago), `limit` (default 100, at most 10000).
 */
import { coerceError } from "../core/errors.js";
import { parseTickDuration } from "../core/go-format.js";
import { HttpError } from "../server/http/request-context.js";
import type { ExtraRoute } from "../server/http/types.js";
import { MAX_HISTORY_LIMIT, type HistoryQuery, type HistoryService, type HistoryType } from "./history.js";

const TYPES: readonly HistoryType[] = ["state", "delivery", "note"];

/** RFC 3339 or a duration ago → Unix ms; throws a 400 naming the parameter. */
export function parseTimeParam(name: string, text: string, nowMs: number): number {
  if (/^\d{4}-\d\d-\d\dT/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
    throw new HttpError(400, `${name}: invalid RFC 3339 time ${JSON.stringify(text)}`);
  }
  try {
    return nowMs - Math.floor(parseTickDuration(text) / 1e6);
  } catch (e) {
    throw new HttpError(
      400,
      `${name}: expected an RFC 3339 time or a duration like 2h, got ${JSON.stringify(text)} (${coerceError(e).message})`,
    );
  }
}

/** The query string → a HistoryQuery; throws a 400 naming the bad parameter. */
export function parseHistoryQuery(q: URLSearchParams, nowMs: number): HistoryQuery {
  const out: HistoryQuery = {};
  const text = (k: string): string | undefined => {
    const v = q.get(k);
    return v === null || v === "" ? undefined : v;
  };
  const id = text("id") ?? text("alert");
  if (id !== undefined) out.alertId = id;
  const topic = text("topic");
  if (topic !== undefined) out.topic = topic;
  const task = text("task");
  if (task !== undefined) out.task = task;
  const type = text("type");
  if (type !== undefined) {
    if (!TYPES.includes(type as HistoryType))
      throw new HttpError(400, `type must be one of ${TYPES.join(", ")}, got ${JSON.stringify(type)}`);
    out.type = type as HistoryType;
  }
  const since = text("since");
  if (since !== undefined) out.sinceMs = parseTimeParam("since", since, nowMs);
  const until = text("until");
  if (until !== undefined) out.untilMs = parseTimeParam("until", until, nowMs);
  const limit = text("limit");
  if (limit !== undefined) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > MAX_HISTORY_LIMIT)
      throw new HttpError(
        400,
        `limit must be an integer from 1 to ${MAX_HISTORY_LIMIT}, got ${JSON.stringify(limit)}`,
      );
    out.limit = n;
  }
  return out;
}

export function createHistoryRoutes(history: HistoryService, now: () => number = Date.now): ExtraRoute[] {
  return [
    {
      method: "GET",
      path: "/tickd/v1/history",
      handle(ctx) {
        const entries = history.list(parseHistoryQuery(ctx.query, now()));
        ctx.json(200, { history: entries });
      },
    },
  ];
}
