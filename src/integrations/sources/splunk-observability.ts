/**
 * `splunk-observability`: Splunk Observability Cloud (SignalFx) detector notifications to a
 * webhook integration, default payload. Event id = `incidentId`; `status` anomalous →
 * firing, ok / manually resolved / stopped → resolved; `severity` Critical / Major →
 * CRITICAL, Minor / Warning → WARNING, Info → INFO; message = `messageTitle`, else `rule`.
 * Signed when the integration has a shared secret: `X-SFX-Signature` = base64 HMAC-SHA256 of
 * the body.
 */
import { Level } from "../../core/types.js";
import type { IncomingStatus } from "../mapping.js";
import { alert, checkHmac, firstText, requireId, requireObject, unknownValue } from "./common.js";
import type { InboundSource } from "./types.js";

const STATUSES: ReadonlyMap<string, IncomingStatus> = new Map([
  ["anomalous", "trigger"],
  ["ok", "ok"],
  ["manually resolved", "ok"],
  ["stopped", "ok"],
]);

const SEVERITIES: ReadonlyMap<string, Level> = new Map([
  ["critical", Level.CRITICAL],
  ["major", Level.CRITICAL],
  ["minor", Level.WARNING],
  ["warning", Level.WARNING],
  ["info", Level.INFO],
]);

export const splunkObservability: InboundSource = {
  name: "splunk-observability",
  verify: (req, config) =>
    checkHmac(req, {
      secret: config.splunkObservability.secret,
      header: "X-SFX-Signature",
      encoding: "base64",
    }),
  map(body, ctx) {
    const b = requireObject("Splunk Observability webhook", body);
    const id = requireId("Splunk Observability webhook", b, "incidentId");
    const s = firstText(b, "status");
    const status = s === undefined ? undefined : STATUSES.get(s.toLowerCase());
    if (status === undefined) throw unknownValue("status", s, "anomalous, ok, manually resolved or stopped");
    const sev = firstText(b, "severity");
    const level = sev === undefined ? Level.CRITICAL : (SEVERITIES.get(sev.toLowerCase()) ?? Level.CRITICAL);
    const tags: Record<string, string> = {};
    for (const [k, f] of [
      ["detector", "detector"],
      ["detector_id", "detectorId"],
      ["rule", "rule"],
      ["metric", "originatingMetric"],
    ] as const) {
      const v = firstText(b, f);
      if (v !== undefined) tags[k] = v;
    }
    return {
      alerts: [
        alert("splunk-observability", ctx.nowNs, {
          id,
          status,
          level: status === "trigger" ? level : undefined,
          message: firstText(b, "messageTitle", "rule"),
          details: firstText(b, "messageBody", "description") ?? "",
          tags,
          name: firstText(b, "detector"),
        }),
      ],
    };
  },
};
