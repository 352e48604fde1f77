/**
 * tickd's on-call routes (DESIGN §5):
 *   GET  /tickd/v1/alerts?topic=&level=&filter=        current alerts with labels, ack, silences
 *   POST /tickd/v1/alerts/{topic}/{alertId}/ack        {by, comment}
 *   POST /tickd/v1/alerts/{topic}/{alertId}/unack
 *   POST /tickd/v1/alerts/{topic}/{alertId}/snooze     {until | for, by, comment}
 * An alert id may contain "/": the path's first segment is the topic, its last the action.
 */
import { parseTickDuration } from "../../core/go-format.js";
import { Level, parseLevel } from "../../core/types.js";
import {
  compileMatcher,
  gettableSilence,
  matchAll,
  MatcherError,
  OnCallError,
  parseMatchers,
  parseTime,
  tickdAlert,
  type OnCallService,
} from "../../oncall/index.js";
import { decodeSegment, HttpError, type RequestContext } from "./request-context.js";
import type { ExtraRoute } from "./types.js";

export interface OnCallRouteDeps {
  oncall: OnCallService;
  now?: () => number;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function str(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw new HttpError(400, `${key}: expected a string`);
  return v;
}

async function readObject(ctx: RequestContext): Promise<Record<string, unknown>> {
  const raw = await ctx.readBody();
  if (raw.toString("utf8").trim() === "") return {};
  let v: unknown;
  try {
    v = JSON.parse(raw.toString("utf8"));
  } catch (e) {
    throw new HttpError(400, `invalid JSON body: ${(e as Error).message}`);
  }
  if (!isObj(v)) throw new HttpError(400, "expected a JSON object");
  return v;
}

export function createOnCallRoutes(deps: OnCallRouteDeps): ExtraRoute[] {
  const { oncall } = deps;
  const now = deps.now ?? Date.now;

  const list = (ctx: RequestContext): void => {
    const topic = ctx.query.get("topic") ?? "";
    const levelText = ctx.query.get("level") ?? "";
    const min = levelText === "" ? Level.OK : parseLevel(levelText.toUpperCase());
    if (min === undefined)
      throw new HttpError(
        400,
        `level: expected OK, INFO, WARNING or CRITICAL, got ${JSON.stringify(levelText)}`,
      );
    let filter;
    try {
      filter = ctx.query
        .getAll("filter")
        .filter((f) => f.trim() !== "")
        .flatMap(parseMatchers)
        .map(compileMatcher);
    } catch (e) {
      throw new HttpError(400, e instanceof MatcherError ? e.message : String(e));
    }
    const alerts = oncall
      .alertList()
      .filter((a) => (topic === "" || a.topic === topic) && a.level >= min && matchAll(filter, a.labels))
      .sort((a, b) =>
        a.topic === b.topic ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.topic < b.topic ? -1 : 1,
      );
    ctx.json(200, { alerts: alerts.map(tickdAlert) });
  };

  const act = async (ctx: RequestContext): Promise<void> => {
    const parts = ctx.path.slice("/tickd/v1/alerts/".length).split("/");
    if (parts.length < 3)
      throw new HttpError(404, "expected /tickd/v1/alerts/{topic}/{alertId}/{ack|unack|snooze}");
    const topic = decodeSegment(parts[0]!);
    const action = parts[parts.length - 1]!;
    const alertId = parts.slice(1, -1).map(decodeSegment).join("/");
    const body = await readObject(ctx);
    const by = str(body, "by") || "tickd";
    const comment = str(body, "comment");
    try {
      if (action === "ack") {
        const ack = await oncall.writes.acknowledge(topic, alertId, by, comment);
        ctx.json(200, {
          topic,
          id: alertId,
          acknowledged: { by: ack.by, comment: ack.comment, at: new Date(ack.at).toISOString() },
        });
        return;
      }
      if (action === "unack") {
        await oncall.writes.unacknowledge(topic, alertId);
        ctx.json(200, { topic, id: alertId, acknowledged: null });
        return;
      }
      if (action === "snooze") {
        let endsAt: number;
        if (body.until !== undefined) {
          endsAt = parseTime(body.until);
          if (Number.isNaN(endsAt)) throw new HttpError(400, "until: expected an RFC 3339 time");
        } else if (body.for !== undefined) {
          if (typeof body.for !== "string") throw new HttpError(400, 'for: expected a duration like "30m"');
          let ns: number;
          try {
            ns = parseTickDuration(body.for);
          } catch (e) {
            throw new HttpError(400, `for: ${(e as Error).message}`);
          }
          if (ns <= 0) throw new HttpError(400, "for: must be positive");
          endsAt = now() + Math.ceil(ns / 1e6);
        } else {
          throw new HttpError(400, 'snooze needs "until" (RFC 3339) or "for" (a duration like "30m")');
        }
        const s = await oncall.writes.snooze(topic, alertId, endsAt, by, comment);
        ctx.json(200, { topic, id: alertId, silence: gettableSilence(s, now()) });
        return;
      }
    } catch (e) {
      if (e instanceof OnCallError) throw new HttpError(e.status, e.message);
      throw e;
    }
    throw new HttpError(404, `unknown alert action ${JSON.stringify(action)}: expected ack, unack or snooze`);
  };

  return [
    { method: "GET", path: "/tickd/v1/alerts", handle: list },
    { method: "POST", path: "/tickd/v1/alerts/*", handle: act },
  ];
}
