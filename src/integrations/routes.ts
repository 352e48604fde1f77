/**
 * `POST /tickd/v1/integrations/webhook?topic=<t>` and `POST /tickd/v1/integrations/alertmanager
 * ?topic=<t>` (DESIGN §5, §7): incoming alerts become events collected into the topic, where
 * topic state deduplicates them by event id and the topic's handlers send them on.
 *
 * Answers: 200 `{"accepted": N}` (N = events collected); 400 for a missing or invalid topic,
 * a body that is not JSON, or a body the mapping cannot use (the message says which field);
 * with a `secret`, the generic webhook also answers 400 when neither `X-Webhook-Signature`
 * nor `X-Signature` is sent and 401 when the signature does not match. The signature is
 * `sha256=<hex HMAC-SHA256(secret, raw body)>` (the bare hex is accepted too), compared in
 * constant time. Alertmanager cannot sign its requests, so its route relies on tickd's
 * `[http]` authentication (Alertmanager's `http_config` sends basic auth or a bearer token).
 * A body is mapped whole before anything is collected: a bad alert in a batch rejects the batch.
 */
import type { AlertEventState } from "../core/alert-event.js";
import { coerceError } from "../core/errors.js";
import { verifyHmacSha256Signature } from "../handlers/escalation.js";
import type { CollectFn } from "../handlers/types.js";
import type { RequestContext } from "../server/http/request-context.js";
import type { ExtraRoute, HttpLogger } from "../server/http/types.js";
import {
  IntegrationError,
  mapAlertmanager,
  mapGenericWebhook,
  type IncomingAlertEvent,
  type MappingContext,
} from "./mapping.js";

export const WEBHOOK_PATH = "/tickd/v1/integrations/webhook";
export const ALERTMANAGER_PATH = "/tickd/v1/integrations/alertmanager";

/** Kapacitor's topic name rule. */
const TOPIC_NAME = /^[-:._\p{L}0-9]+$/u;

export interface IntegrationDeps {
  /** Collects one event into topics: `(e, topics) => topicService.collect(e, { topics, handlers: [] })`. */
  collect: CollectFn;
  /**
   * HMAC-SHA256 key for the generic webhook; unset or "" means signatures are not checked. A
   * function is asked on every request (the daemon's config can be reloaded).
   */
  secret?: string | (() => string) | undefined;
  logger: HttpLogger;
  /** Wall clock, ms; default Date.now. */
  now?: () => number;
  /**
   * A topic's stored state of an event (`topicService.topicEvent`): gives durations of open
   * incidents and the level an ack keeps. Without it, durations start at 0 and an ack must
   * name its level.
   */
  state?: (topic: string, eventId: string) => AlertEventState | undefined;
}

type Mapper = (body: unknown, ctx: MappingContext) => IncomingAlertEvent[];

function topicOf(ctx: RequestContext): string | undefined {
  const topic = ctx.query.get("topic") ?? "";
  if (topic === "") {
    ctx.error(400, "missing topic: add ?topic=<name> to the URL");
    return undefined;
  }
  if (!TOPIC_NAME.test(topic)) {
    ctx.error(400, `invalid topic ${JSON.stringify(topic)}: use letters, digits and - : . _`);
    return undefined;
  }
  return topic;
}

function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === "" ? undefined : s;
}

function parseBody(ctx: RequestContext, body: Buffer): { ok: true; value: unknown } | { ok: false } {
  const textBody = body.toString("utf8");
  if (textBody.trim() === "") {
    ctx.error(400, "invalid JSON body: empty body");
    return { ok: false };
  }
  try {
    return { ok: true, value: JSON.parse(textBody) as unknown };
  } catch (e) {
    ctx.error(400, `invalid JSON body: ${coerceError(e).message}`);
    return { ok: false };
  }
}

export function createIntegrationRoutes(deps: IntegrationDeps): ExtraRoute[] {
  const now = deps.now ?? Date.now;
  const given = deps.secret;
  const secretOf = typeof given === "function" ? given : () => given ?? "";

  const serve = async (ctx: RequestContext, source: string, map: Mapper, signed: boolean): Promise<void> => {
    const topic = topicOf(ctx);
    if (topic === undefined) return;
    const raw = await ctx.readBody();
    const secret = secretOf();
    if (signed && secret !== "") {
      const signature = header(ctx, "x-webhook-signature") ?? header(ctx, "x-signature");
      if (signature === undefined) {
        ctx.error(400, "missing signature: send X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the body>");
        return;
      }
      if (!verifyHmacSha256Signature({ secret, body: raw, signature })) {
        deps.logger.log("warn", "incoming webhook rejected: signature mismatch", { source, topic });
        ctx.error(401, "invalid signature");
        return;
      }
    }
    const parsed = parseBody(ctx, raw);
    if (!parsed.ok) return;
    let events: IncomingAlertEvent[];
    try {
      events = map(parsed.value, { topic, now: now(), state: deps.state });
    } catch (e) {
      if (e instanceof IntegrationError) {
        ctx.error(e.status, e.message);
        return;
      }
      throw e;
    }
    for (const e of events) deps.collect(e, [topic]);
    deps.logger.log("debug", "incoming alerts collected", { source, topic, accepted: events.length });
    ctx.json(200, { accepted: events.length });
  };

  return [
    {
      method: "POST",
      path: WEBHOOK_PATH,
      handle: (ctx) => serve(ctx, "webhook", mapGenericWebhook, true),
    },
    {
      method: "POST",
      path: ALERTMANAGER_PATH,
      handle: (ctx) => serve(ctx, "alertmanager", mapAlertmanager, false),
    },
  ];
}
