/**
 * `escalation`: signed incident webhooks to a configured `[[escalation]]` target (DESIGN §7).
 *
 * Incident events come from the level change the event carries:
 *   OK → non-OK            incident.created
 *   non-OK → other non-OK  incident.updated
 *   non-OK → OK            incident.resolved
 *   an incoming ack         incident.acknowledged (an integration's `status: ack`, or the API)
 *   a snooze (API)          incident.snoozed
 *   a change a silence held back   incident.suppressed (the change it would have sent)
 * A repeat of the same non-OK level is no incident change and sends nothing; nor does an
 * event type the target's `events` list leaves out.
 *
 * Schemes (form `Message` and `data.description` carry the details, or the message when the
 * details are empty or Kapacitor's default, the escaped alert JSON of a script without
 * `.details()`: they are read by people):
 * - `victorops`: `application/x-www-form-urlencoded` body with Incident, Level, Message,
 *   Summary, Time (sorted keys); `X-VictorOps-Signature` = base64(HMAC-SHA1(auth-key,
 *   url + each key and value in key order, no delimiters)), where url is the URL exactly as
 *   requested (WHATWG-normalised, e.g. `http://h/` for `http://h`). An acknowledgement has
 *   Level `ACKNOWLEDGEMENT` (VictorOps's own word), so a receiver never takes it for another
 *   page at the incident's level. It has no word for snoozes and suppressed events: nothing is sent.
 * - `hmac-sha256`: JSON `{event, timestamp, data:{id, title, description, level, previousLevel,
 *   status, task, tags, createdAt}}`; `X-Webhook-Signature: sha256=<hex HMAC-SHA256(auth-key,
 *   body)>`, `X-Webhook-Event`, `X-Webhook-Timestamp` (Unix s, as in the body).
 * Both send `User-Agent: tickd/<version>`.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

import type { AlertEvent } from "../core/alert-event.js";
import { TickdError } from "../core/errors.js";
import { formatRFC3339Nano, stringMap } from "../core/go-format.js";
import { addNs } from "../core/time.js";
import { goJson } from "../core/go-json.js";
import { Level, levelName } from "../core/types.js";
import type { HandlerSpec } from "../pipeline/task-graph.js";
import { checkUrl, deliveryMeta, isSuccess, requestTimeoutMs } from "./http.js";
import { argString, optionError, schema } from "./options.js";
import { SerialHandler, logFailure } from "./runner.js";
import { humanDescription } from "./template-data.js";
import {
  HandlerCodes,
  type EscalationEventName,
  type EscalationTargetConfig,
  type HandlerConfig,
  type HandlerContext,
  type HandlerKind,
  type HttpRequest,
} from "./types.js";
import { TestOptions, testEvent } from "./service-test-event.js";
import type { ServiceTestSpec } from "./types.js";

const KIND = "escalation";

export interface EscalationOptions {
  /** The `[[escalation]]` target's name. */
  name: string;
}

export const escalationSchema = schema(KIND, ["name"], (r): EscalationOptions => ({
  name: r.requiredString("name"),
}));

/** The incident event an alert event stands for, or undefined when it changes nothing. */
export function incidentEvent(level: Level, previousLevel: Level): EscalationEventName | undefined {
  if (level === Level.OK) return previousLevel !== Level.OK ? "incident.resolved" : undefined;
  if (previousLevel === Level.OK) return "incident.created";
  return level !== previousLevel ? "incident.updated" : undefined;
}

/** The incident event of an alert event, on-call marks included (see the header). */
export function escalationIncident(e: AlertEvent, previousLevel: Level): EscalationEventName | undefined {
  if (e.snoozed === true) return "incident.snoozed";
  if (e.acknowledged === true) return "incident.acknowledged";
  const change = incidentEvent(e.state.level, previousLevel);
  if (e.suppressed === true) return change === undefined ? undefined : "incident.suppressed";
  return change;
}

// ---------------------------------------------------------------------------------------------
// Signatures (exported for receivers: `tickctl verify-signature`, incoming webhooks, tests)

type FormInput = string | URLSearchParams | Readonly<Record<string, string>>;

function formPairs(form: FormInput): [string, string][] {
  if (typeof form === "string") return [...new URLSearchParams(form)];
  if (form instanceof URLSearchParams) return [...form];
  return Object.entries(form);
}

/** base64(HMAC-SHA1(authKey, url + key1 + value1 + key2 + value2 …)) with keys sorted (stable for repeats). */
export function victorOpsSignature(authKey: string, url: string, form: FormInput): string {
  const pairs = formPairs(form).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const mac = createHmac("sha1", authKey);
  mac.update(url, "utf8");
  for (const [k, v] of pairs) mac.update(k + v, "utf8");
  return mac.digest("base64");
}

/** `sha256=<hex HMAC-SHA256(secret, body)>`. */
export function hmacSha256Signature(secret: string, body: string | Uint8Array): string {
  return "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Checks an `X-VictorOps-Signature` header (constant-time compare). `form` is the raw body or its pairs. */
export function verifyVictorOpsSignature(opts: {
  authKey: string;
  url: string;
  form: FormInput;
  signature: string;
}): boolean {
  return safeEqual(victorOpsSignature(opts.authKey, opts.url, opts.form), opts.signature.trim());
}

/** Checks an `X-Webhook-Signature: sha256=<hex>` header over the raw body (constant-time compare). */
export function verifyHmacSha256Signature(opts: {
  secret: string;
  body: string | Uint8Array;
  signature: string;
}): boolean {
  const sig = opts.signature.trim();
  const expected = hmacSha256Signature(opts.secret, opts.body);
  return safeEqual(expected, sig.startsWith("sha256=") ? sig : "sha256=" + sig);
}

// ---------------------------------------------------------------------------------------------
// Requests

export function victorOpsEscalationRequest(
  target: EscalationTargetConfig,
  url: string,
  e: AlertEvent,
  userAgent: string,
  timeoutMs: number,
): HttpRequest {
  const form = new URLSearchParams([
    ["Incident", e.state.id],
    ["Level", e.acknowledged === true ? "ACKNOWLEDGEMENT" : levelName(e.state.level)],
    ["Message", humanDescription(e)],
    ["Summary", e.state.message],
    ["Time", formatRFC3339Nano(e.state.time)],
  ]);
  return {
    method: "POST",
    url,
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "User-Agent": userAgent,
      "X-VictorOps-Signature": victorOpsSignature(target.authKey, url, form),
    },
    body: form.toString(),
    timeoutMs,
  };
}

/** `data.status` of the hmac scheme: where the incident stands after this event. */
function incidentStatus(e: AlertEvent, incident: EscalationEventName): string {
  if (incident === "incident.acknowledged") return "acknowledged";
  if (incident === "incident.snoozed") return "snoozed";
  if (incident === "incident.suppressed") return "suppressed";
  return e.state.level === Level.OK ? "resolved" : "triggered";
}

export function hmacEscalationRequest(
  target: EscalationTargetConfig,
  url: string,
  e: AlertEvent,
  previousLevel: Level,
  incident: EscalationEventName,
  nowMs: number,
  userAgent: string,
  timeoutMs: number,
): HttpRequest {
  const timestamp = BigInt(Math.floor(nowMs / 1000));
  const body = goJson({
    event: incident,
    timestamp,
    data: {
      id: e.state.id,
      title: e.state.message,
      description: humanDescription(e),
      level: levelName(e.state.level),
      previousLevel: levelName(previousLevel),
      status: incidentStatus(e, incident),
      task: e.data.taskName,
      tags: stringMap(e.data.tags),
      // The incident began when it was first triggered: time − duration.
      createdAt: formatRFC3339Nano(addNs(e.state.time, -e.state.duration)),
    },
  });
  return {
    method: "POST",
    url,
    headers: {
      "Content-Type": "application/json",
      "User-Agent": userAgent,
      "X-Webhook-Event": incident,
      "X-Webhook-Timestamp": timestamp.toString(),
      "X-Webhook-Signature": hmacSha256Signature(target.authKey, body),
    },
    body,
    timeoutMs,
  };
}

export function createEscalation(o: EscalationOptions, ctx: HandlerContext): SerialHandler {
  const target = ctx.config.escalation.find((t) => t.name === o.name);
  if (target === undefined) {
    const known = ctx.config.escalation.map((t) => t.name);
    throw optionError(
      KIND,
      "name",
      `no [[escalation]] named ${JSON.stringify(o.name)} (configured: ${known.join(", ") || "none"})`,
    );
  }
  const timeoutMs = requestTimeoutMs(ctx.config.webhook);
  const userAgent = `tickd/${ctx.version}`;
  const deliver = async (event: AlertEvent, previousLevel: Level): Promise<void> => {
    const incident = escalationIncident(event, previousLevel);
    if (incident === undefined) return;
    const notice = incident === "incident.snoozed" || incident === "incident.suppressed";
    if (notice && target.scheme === "victorops") return;
    if (target.events.length > 0 && !target.events.includes(incident)) return;
    const url = checkUrl(target.url, ctx.config.webhook).toString();
    const req =
      target.scheme === "victorops"
        ? victorOpsEscalationRequest(target, url, event, userAgent, timeoutMs)
        : hmacEscalationRequest(target, url, event, previousLevel, incident, ctx.now(), userAgent, timeoutMs);
    const res = await ctx.send.send({
      ...req,
      delivery: deliveryMeta(ctx, event, KIND, [target.authKey]),
    });
    if (!isSuccess(res.status)) {
      logFailure(
        ctx,
        KIND,
        event,
        new TickdError(HandlerCodes.STATUS, `escalation ${target.name} answered ${res.status}`),
        "error",
        { status: res.status, response: res.body, incident, target: target.name },
      );
    }
  };
  return new SerialHandler(ctx, KIND, deliver, { sendsOnly: true, acks: true, notices: true });
}

function escalationFromTickscript(spec: HandlerSpec): Record<string, unknown> {
  const name = argString(spec.args[0]);
  return name !== undefined ? { name } : {};
}

/** Define/load time: the target must exist and its URL pass `[webhook] allowed-hosts`. */
function escalationPreflight(o: EscalationOptions, config: HandlerConfig): void {
  const target = config.escalation.find((t) => t.name === o.name);
  if (target === undefined) {
    const known = config.escalation.map((t) => t.name);
    throw optionError(
      KIND,
      "name",
      `no [[escalation]] named ${JSON.stringify(o.name)} (configured: ${known.join(", ") || "none"})`,
    );
  }
  try {
    checkUrl(target.url, config.webhook);
  } catch (e) {
    if (e instanceof TickdError)
      throw new TickdError(e.code, `escalation handler: [[escalation]] ${target.name}: ${e.message}`, {
        cause: e,
      });
    throw e;
  }
}

/** tickd's `escalation` service test: a CRITICAL (or OK) through the `[[escalation]]` target `name`. */
const escalationServiceTest: ServiceTestSpec = {
  name: "escalation",
  options: (c) => ({
    name: c.escalation[0]?.name ?? "",
    id: "testEntityID",
    message: "test escalation message",
    level: "CRITICAL",
  }),
  prepare(raw, _c, nowMs) {
    const o = new TestOptions("escalation", raw);
    return {
      handlerOptions: { name: o.string("name") },
      event: testEvent({
        id: o.string("id"),
        message: o.string("message"),
        level: o.level("level"),
        timeMs: nowMs,
      }),
    };
  },
};

export const escalation: HandlerKind<EscalationOptions> = {
  kind: KIND,
  optionsSchema: escalationSchema,
  create: createEscalation,
  fromTickscript: escalationFromTickscript,
  secrets: [],
  preflight: escalationPreflight,
  serviceTest: escalationServiceTest,
};
