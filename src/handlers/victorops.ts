/**
 * `victorops`: Kapacitor's VictorOps REST-endpoint handler (KAPACITOR-COMPAT.md §3), plus
 * tickd's `entity_display_name` (the message) and `state_start_time` (first triggered, Unix s).
 *
 * An incoming acknowledgement (an integration's `status: ack`) is sent with message_type
 * `ACKNOWLEDGEMENT`, VictorOps's message for it.
 *
 * One POST per routing key to `<url>/<api-key>/<routing-key>` (path-joined like Go's
 * path.Join: cleaned, empty parts dropped), `Content-Type: application/json`, body = a Go map
 * (keys sorted) + "\n". Only 200 is success. The API key is in the path, so logged URLs have
 * it redacted.
 */
import { posix } from "node:path";

import type { AlertEvent } from "../core/alert-event.js";
import { TickdError } from "../core/errors.js";
import { seriesJson } from "../alert/alert-json.js";
import { goJson, goJsonLine } from "../core/go-json.js";
import { Level, levelName } from "../core/types.js";
import { lastProperty, type HandlerSpec } from "../pipeline/task-graph.js";
import { deliveryMeta, isSuccess, redactUrl, requestTimeoutMs } from "./http.js";
import { argString, schema } from "./options.js";
import { SerialHandler, logFailure, reportUnsent } from "./runner.js";
import {
  HandlerCodes,
  type HandlerConfig,
  type HandlerContext,
  type HandlerKind,
  type VictorOpsHandlerConfig,
} from "./types.js";
import { TestOptions, testEvent } from "./service-test-event.js";
import type { ServiceTestSpec } from "./types.js";
import { notEnabled, requireEnabled } from "./disabled.js";
import { splitNs } from "../core/go-format.js";
import { addNs } from "../core/time.js";

const KIND = "victorops";

export interface VictorOpsOptions {
  /** Routing keys; "" means the configured one. One request per key. */
  routingKeys: string[];
}

export const victorOpsSchema = schema(KIND, ["routing-key"], (r): VictorOpsOptions => {
  const keys = r.stringOrList("routing-key");
  return { routingKeys: keys === undefined || keys.length === 0 ? [""] : keys };
});

/** Go's path.Join: empty parts dropped, the result cleaned, "" when nothing is left. */
export function goPathJoin(...parts: string[]): string {
  const kept = parts.filter((p) => p !== "");
  if (kept.length === 0) return "";
  let out = posix.normalize(kept.join("/"));
  if (out.length > 1 && out.endsWith("/")) out = out.slice(0, -1);
  return out;
}

/** `POST` target for a routing key: `url` with `/<api-key>/<routing-key>` path-joined. */
export function victorOpsUrl(c: VictorOpsHandlerConfig, routingKey: string): string {
  let u: URL;
  try {
    u = new URL(c.url);
  } catch {
    throw new TickdError(HandlerCodes.SEND, `invalid URL ${JSON.stringify(redactUrl(c.url, [c.apiKey]))}`);
  }
  const path = goPathJoin(u.pathname, c.apiKey, routingKey === "" ? c.routingKey : routingKey);
  u.pathname = path.startsWith("/") ? path : "/" + path;
  return u.toString();
}

/** Unix seconds of a ns time, as Go's Time.Unix (floor). */
function unixSeconds(ns: bigint): bigint {
  return BigInt(splitNs(ns)[0]);
}

/** VictorOps's message_type: the level, RECOVERY for OK, ACKNOWLEDGEMENT for an incoming ack. */
export function victorOpsMessageType(e: AlertEvent): string {
  if (e.acknowledged === true) return "ACKNOWLEDGEMENT";
  return e.state.level === Level.OK ? "RECOVERY" : levelName(e.state.level);
}

/** The request body: Go's json.Encoder over a map (keys sorted), "\n"-terminated. */
export function victorOpsBody(e: AlertEvent, jsonData: boolean): string {
  const result = { series: e.data.series.map(seriesJson) };
  const body = new Map<string, unknown>([
    ["message_type", victorOpsMessageType(e)],
    ["entity_id", e.state.id],
    ["entity_display_name", e.state.message],
    ["state_message", e.state.message],
    ["timestamp", unixSeconds(e.state.time)],
    ["state_start_time", unixSeconds(addNs(e.state.time, -e.state.duration))],
    ["monitoring_tool", "kapacitor"],
    ["data", jsonData ? result : goJson(result)],
  ]);
  return goJsonLine(body);
}

/** Kapacitor's error for a failed response: 404 has its own text, else the JSON `message`. */
function responseError(status: number, body: string): string {
  if (status === 404) return "URL or API key not found: 404";
  let message = `failed to understand VictorOps response. code: ${status} content: ${body}`;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (
      parsed !== null &&
      typeof parsed === "object" &&
      typeof (parsed as { message?: unknown }).message === "string"
    ) {
      message = (parsed as { message: string }).message;
    }
  } catch {
    // not JSON: keep the generic message
  }
  return message;
}

export function createVictorOps(o: VictorOpsOptions, ctx: HandlerContext): SerialHandler {
  const timeoutMs = requestTimeoutMs(ctx.config.webhook);
  const deliver = async (event: AlertEvent): Promise<void> => {
    // Read per event: the service may be enabled or re-keyed by a config reload.
    const c = ctx.config.victorops;
    if (!c.enabled) throw notEnabled();
    const body = victorOpsBody(event, c.jsonData);
    // Every routing key's request is handed over before the first await (SerialHandler's
    // sendsOnly); one key failing must not keep the others from being paged.
    const sends = o.routingKeys.map(async (key) => {
      const url = victorOpsUrl(c, key);
      const logged = redactUrl(url, [c.apiKey]);
      try {
        const res = await ctx.send.send({
          method: "POST",
          url,
          headers: { "Content-Type": "application/json" },
          body,
          timeoutMs,
          delivery: deliveryMeta(ctx, event, KIND, [c.apiKey]),
        });
        // Kapacitor takes only 200; with the delivery journal a queued request answers 202.
        if (!isSuccess(res.status)) {
          logFailure(
            ctx,
            KIND,
            event,
            new TickdError(HandlerCodes.STATUS, responseError(res.status, res.body)),
            "error",
            {
              status: res.status,
              url: logged,
            },
          );
        }
      } catch (e) {
        reportUnsent(ctx, KIND, event, e, { url: logged });
      }
    });
    await Promise.all(sends);
  };
  return new SerialHandler(ctx, KIND, deliver, { sendsOnly: true, acks: true });
}

function victorOpsFromTickscript(spec: HandlerSpec): Record<string, unknown> {
  const key = argString(lastProperty(spec, "routingKey")?.args[0]);
  return key !== undefined && key !== "" ? { "routing-key": key } : {};
}

/** Define/load time: a disabled `[victorops]` section or an unusable URL is visible already. */
function victorOpsPreflight(o: VictorOpsOptions, config: HandlerConfig): void {
  const c = config.victorops;
  requireEnabled(c.enabled, "victorops", "set [victorops] enabled = true and api-key in the config");
  for (const key of o.routingKeys) victorOpsUrl(c, key);
}

/** Kapacitor's `victorops` service test: a CRITICAL (or RECOVERY) for `entityID`. */
const victorOpsServiceTest: ServiceTestSpec = {
  name: "victorops",
  options: (c) => ({
    routingKey: c.victorops.routingKey,
    messageType: "CRITICAL",
    message: "test victorops message",
    entityID: "testEntityID",
  }),
  prepare(raw, _c, nowMs) {
    const o = new TestOptions("victorops", raw);
    const type = o.string("messageType");
    const level = type.toUpperCase() === "RECOVERY" ? Level.OK : o.level("messageType");
    const key = o.string("routingKey");
    return {
      handlerOptions: key !== "" ? { "routing-key": key } : {},
      event: testEvent({ id: o.string("entityID"), message: o.string("message"), level, timeMs: nowMs }),
    };
  },
};

export const victorops: HandlerKind<VictorOpsOptions> = {
  kind: KIND,
  optionsSchema: victorOpsSchema,
  create: createVictorOps,
  fromTickscript: victorOpsFromTickscript,
  secrets: [],
  preflight: victorOpsPreflight,
  serviceTest: victorOpsServiceTest,
};
