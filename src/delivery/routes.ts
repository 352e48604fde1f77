/**
 * The delivery layer's HTTP routes: `GET /tickd/v1/deliveries` (the journal, newest first),
 * `POST /tickd/v1/deliveries/<id>/retry` (a failed delivery, re-queued), `DELETE
 * /tickd/v1/deliveries/<id>`, `POST /tickd/v1/handlers/test` (a sample alert through a
 * handler, now, bypassing the journal) and `GET /metrics`.
 */
import { coerceError, TickdError } from "../core/errors.js";
import type { HttpRequest, HttpResponse, HttpSender } from "../handlers/types.js";
import type { ExtraRoute } from "../server/http/types.js";
import {
  DELIVERY_STATUSES,
  type DeliveryJournalRepository,
  type DeliveryRecord,
  type DeliveryStatus,
} from "../store/delivery-journal.js";
import { createMetricsRoute } from "./metrics.js";
import type { DeliveryView, HandlerTestResult, HandlerTestSpec } from "./types.js";

export const MAX_LIST_LIMIT = 10_000;
const DEFAULT_LIST_LIMIT = 100;

export interface DeliveryRouteDeps {
  journal: DeliveryJournalRepository;
  /** Writes outcomes still buffered, so a listing is current. */
  beforeRead?: () => void;
  metrics: () => string;
  direct: { send(req: HttpRequest): Promise<HttpResponse> };
  testHandler?: (spec: HandlerTestSpec, send: HttpSender) => Promise<void>;
  /** DeliveryService.retry / remove; without them the routes answer 501. */
  retry?: (id: number) => DeliveryRecord;
  remove?: (id: number) => DeliveryRecord;
}

/** TickdError codes of retry/remove → HTTP status. */
function deliveryErrorStatus(code: string): number {
  switch (code) {
    case "E_DELIVERY_NOT_FOUND":
      return 404;
    case "E_DELIVERY_CONFLICT":
      return 409;
    case "E_DELIVERY_FULL":
      return 503;
    default:
      return 500;
  }
}

/** `/tickd/v1/deliveries/<id>` or `/tickd/v1/deliveries/<id>/retry` → [id, action]. */
function deliveryPath(path: string): [number, "" | "retry"] | undefined {
  const m = /^\/tickd\/v1\/deliveries\/(\d{1,15})(\/retry)?\/?$/.exec(path);
  if (m === null) return undefined;
  return [Number(m[1]), m[2] !== undefined ? "retry" : ""];
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function deliveryView(r: DeliveryRecord): DeliveryView {
  return {
    id: r.id,
    event_id: r.eventId,
    handler: r.handler,
    topic: r.topic,
    alert_id: r.alertId,
    kind: r.kind,
    method: r.method,
    url: r.urlRedacted,
    status: r.status,
    attempts: r.attempts,
    last_error: r.lastError,
    last_status: r.lastStatus,
    next_retry: r.nextRetryMs > 0 && r.status === "retrying" ? iso(r.nextRetryMs) : null,
    created: iso(r.createdMs),
    updated: iso(r.updatedMs),
  };
}

/** Parses `{kind, options}` or `{topic, handler}`; throws E_DELIVERY_REQUEST naming the key. */
export function parseTestSpec(body: unknown): HandlerTestSpec {
  const bad = (msg: string): never => {
    throw new TickdError("E_DELIVERY_REQUEST", msg);
  };
  if (body === null || typeof body !== "object" || Array.isArray(body))
    return bad("body must be a JSON object: {kind, options} or {topic, handler}");
  const o = body as Record<string, unknown>;
  if (o.kind !== undefined) {
    if (typeof o.kind !== "string" || o.kind === "") return bad('"kind" must be a non-empty string');
    const options = o.options ?? {};
    if (options === null || typeof options !== "object" || Array.isArray(options))
      return bad('"options" must be an object');
    return { kind: o.kind, options: options as Record<string, unknown> };
  }
  if (typeof o.topic === "string" && o.topic !== "" && typeof o.handler === "string" && o.handler !== "")
    return { topic: o.topic, handler: o.handler };
  return bad('give "kind" (and "options"), or "topic" and "handler"');
}

/**
 * A sender that goes straight to the wire and remembers the last answer (or error), and the
 * reason when the handler refused to build a request at all (disabled service, URL not allowed).
 */
export function recordingSender(direct: DeliveryRouteDeps["direct"]): {
  sender: HttpSender;
  result(): HandlerTestResult | undefined;
} {
  let last: HandlerTestResult | undefined;
  return {
    sender: {
      async send(req) {
        try {
          const res = await direct.send(req);
          last = { status: res.status, body: res.body };
          return { status: res.status, body: res.body };
        } catch (e) {
          last = { error: coerceError(e).message };
          throw e;
        }
      },
      refuse(_meta, error) {
        last = {
          error: error.message,
          ...(error instanceof TickdError ? { code: error.code } : {}),
          sent: false,
        };
      },
    },
    result: () => last,
  };
}

/**
 * The test route's answer: 200 only when the endpoint answered 2xx; 502 when it answered
 * otherwise or could not be reached; 422 when no request went out, with the reason.
 */
export function testAnswer(r: HandlerTestResult | undefined, thrown?: Error): [number, HandlerTestResult] {
  if (r === undefined) {
    const why = thrown !== undefined ? `: ${thrown.message}` : "";
    return [422, { error: `the handler sent no HTTP request for the sample alert${why}`, sent: false }];
  }
  if (r.sent === false) return [422, r];
  if (r.status === undefined) return [502, r];
  if (r.status >= 200 && r.status < 300) return [200, r];
  return [502, { ...r, error: `the endpoint answered HTTP ${r.status}` }];
}

export function createDeliveryRoutes(deps: DeliveryRouteDeps): ExtraRoute[] {
  return [
    {
      method: "GET",
      path: "/tickd/v1/deliveries",
      handle(ctx) {
        const q = ctx.query;
        const status = q.get("status") ?? "";
        if (status !== "" && !DELIVERY_STATUSES.includes(status as DeliveryStatus)) {
          ctx.error(
            400,
            `status must be one of ${DELIVERY_STATUSES.join(", ")}, got ${JSON.stringify(status)}`,
          );
          return;
        }
        const limitText = q.get("limit") ?? "";
        let limit = DEFAULT_LIST_LIMIT;
        if (limitText !== "") {
          if (!/^\d+$/.test(limitText)) {
            ctx.error(400, `limit must be a non-negative integer, got ${JSON.stringify(limitText)}`);
            return;
          }
          limit = Math.min(Number(limitText), MAX_LIST_LIMIT);
        }
        const handler = q.get("handler") ?? "";
        deps.beforeRead?.();
        const rows = deps.journal.list({
          ...(handler !== "" ? { handler } : {}),
          ...(status !== "" ? { status: status as DeliveryStatus } : {}),
          limit,
        });
        ctx.json(200, { deliveries: rows.map(deliveryView) });
      },
    },
    {
      method: "POST",
      path: "/tickd/v1/handlers/test",
      async handle(ctx) {
        if (deps.testHandler === undefined) {
          ctx.error(501, "handler tests are not available in this build");
          return;
        }
        let spec: HandlerTestSpec;
        try {
          spec = parseTestSpec(await ctx.readJson());
        } catch (e) {
          ctx.error(400, coerceError(e).message);
          return;
        }
        const rec = recordingSender(deps.direct);
        try {
          await deps.testHandler(spec, rec.sender);
        } catch (e) {
          const err = coerceError(e);
          const code = err instanceof TickdError ? err.code : "";
          if (code === "E_HANDLER_KIND" || code === "E_HANDLER_OPTIONS" || code === "E_DELIVERY_REQUEST") {
            ctx.error(400, err.message);
            return;
          }
          if (code.endsWith("NOT_FOUND")) {
            ctx.error(404, err.message);
            return;
          }
          const [status, answer] = testAnswer(rec.result(), err);
          ctx.json(status, answer);
          return;
        }
        const [status, answer] = testAnswer(rec.result());
        ctx.json(status, answer);
      },
    },
    {
      // POST /tickd/v1/deliveries/<id>/retry re-sends a failed delivery; DELETE <id> purges one.
      method: ["POST", "DELETE"],
      path: "/tickd/v1/deliveries/*",
      handle(ctx) {
        const parsed = deliveryPath(ctx.path);
        const wanted = ctx.method === "POST" ? "retry" : "";
        if (parsed === undefined || parsed[1] !== wanted) {
          ctx.error(
            404,
            ctx.method === "POST"
              ? "expected POST /tickd/v1/deliveries/<id>/retry"
              : "expected DELETE /tickd/v1/deliveries/<id>",
          );
          return;
        }
        const op = ctx.method === "POST" ? deps.retry : deps.remove;
        if (op === undefined) {
          ctx.error(501, "this build cannot change deliveries");
          return;
        }
        let rec: DeliveryRecord;
        try {
          rec = op(parsed[0]);
        } catch (e) {
          const err = coerceError(e);
          ctx.error(err instanceof TickdError ? deliveryErrorStatus(err.code) : 500, err.message);
          return;
        }
        if (ctx.method === "DELETE") ctx.noContent();
        else ctx.json(200, { delivery: deliveryView(rec) });
      },
    },
    createMetricsRoute([deps.metrics]),
  ];
}
