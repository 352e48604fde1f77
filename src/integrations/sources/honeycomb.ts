/**
 * `honeycomb`: Honeycomb trigger and burn alert webhooks (default payload). Event id = `id`
 * (the trigger's id); `status` TRIGGERED → firing, OK → resolved; message = `name`, details =
 * `summary` / `description`. When the webhook has a secret, Honeycomb sends it as is in
 * `X-Honeycomb-Webhook-Token`, compared in constant time.
 */
import { Level } from "../../core/types.js";
import type { IncomingStatus } from "../mapping.js";
import { alert, checkToken, firstText, levelOr, requireId, requireObject, unknownValue } from "./common.js";
import type { InboundSource } from "./types.js";

const STATUSES: ReadonlyMap<string, IncomingStatus> = new Map([
  ["triggered", "trigger"],
  ["ok", "ok"],
  ["resolved", "ok"],
]);

export const honeycomb: InboundSource = {
  name: "honeycomb",
  verify: (req, config) => checkToken(req, config.honeycomb.secret, "X-Honeycomb-Webhook-Token"),
  map(body, ctx) {
    const b = requireObject("Honeycomb webhook", body);
    const id = requireId("Honeycomb webhook", b, "id", "trigger_id");
    const s = firstText(b, "status");
    const status = s === undefined ? undefined : STATUSES.get(s.toLowerCase());
    if (status === undefined) throw unknownValue("status", s, "TRIGGERED or OK");
    const tags: Record<string, string> = {};
    const type = firstText(b, "alert_type", "type");
    if (type !== undefined) tags.alert_type = type;
    return {
      alerts: [
        alert("honeycomb", ctx.nowNs, {
          id,
          status,
          level: status === "trigger" ? levelOr(firstText(b, "severity"), Level.CRITICAL) : undefined,
          message: firstText(b, "name", "summary"),
          details: firstText(b, "summary", "description", "trigger_description", "result_url") ?? "",
          tags,
          name: firstText(b, "name"),
        }),
      ],
    };
  },
};
