/**
 * `pagerduty`: a PagerDuty Events API v2 body, so anything that can page PagerDuty can page
 * through tickd: `event_action` trigger / acknowledge / resolve, event id = `dedup_key`
 * (required here: PagerDuty would make one up for a trigger without it, tickd does not),
 * `payload.summary`, `payload.source`, `payload.severity` (critical, error, warning, info),
 * `payload.component`/`group`/`class` as tags, `payload.custom_details` as details. The
 * answer is PagerDuty's: 202 `{"status":"success","message":"Event processed","dedup_key":…}`.
 */
import { Level } from "../../core/types.js";
import type { IncomingStatus } from "../mapping.js";
import { alert, at, firstText, isObj, requireId, requireObject, text, unknownValue } from "./common.js";
import type { InboundSource } from "./types.js";

const ACTIONS: ReadonlyMap<string, IncomingStatus> = new Map([
  ["trigger", "trigger"],
  ["acknowledge", "ack"],
  ["resolve", "ok"],
]);

const SEVERITIES: ReadonlyMap<string, Level> = new Map([
  ["critical", Level.CRITICAL],
  ["error", Level.CRITICAL],
  ["warning", Level.WARNING],
  ["info", Level.INFO],
]);

export const pagerduty: InboundSource = {
  name: "pagerduty",
  map(body, ctx) {
    const b = requireObject("PagerDuty Events API v2", body);
    const action = text(b.event_action);
    const status = action === undefined ? undefined : ACTIONS.get(action);
    if (status === undefined)
      throw unknownValue("event_action", b.event_action, "trigger, acknowledge or resolve");
    const id = requireId("PagerDuty Events API v2", b, "dedup_key");
    const sev = text(at(b, "payload.severity"));
    let level: Level | undefined;
    if (sev !== undefined) {
      level = SEVERITIES.get(sev);
      if (level === undefined)
        throw unknownValue("payload.severity", sev, "critical, error, warning or info");
    } else if (status === "trigger") {
      throw unknownValue(
        "payload.severity",
        undefined,
        "critical, error, warning or info (required for a trigger)",
      );
    }
    const tags: Record<string, string> = {};
    for (const k of ["component", "group", "class"]) {
      const v = firstText(b, `payload.${k}`);
      if (v !== undefined) tags[k] = v;
    }
    const src = firstText(b, "payload.source");
    if (src !== undefined) tags.origin = src;
    const custom = at(b, "payload.custom_details");
    const details = isObj(custom) || Array.isArray(custom) ? JSON.stringify(custom) : (text(custom) ?? "");
    return {
      alerts: [
        alert("pagerduty", ctx.nowNs, {
          id,
          status,
          level,
          message: firstText(b, "payload.summary"),
          details,
          tags,
        }),
      ],
    };
  },
  reply: (alerts) => ({
    status: 202,
    body: { status: "success", message: "Event processed", dedup_key: alerts[0]?.id ?? "" },
  }),
};
