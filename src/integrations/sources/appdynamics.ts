/**
 * `appdynamics`: an AppDynamics HTTP request template (README) sending the health rule
 * violation's fields as JSON. Event id = `incident_id` (`${latestEvent.incident.id}`: one
 * per health rule violation, the same for its open and close events), else `event_id`.
 * `event_type` POLICY_OPEN_* / POLICY_CONTINUES_* / POLICY_UPGRADED / POLICY_DOWNGRADED →
 * firing, POLICY_CLOSE_* / POLICY_CANCELED_* → resolved; level from the type's CRITICAL /
 * WARNING suffix, else `severity` (ERROR → CRITICAL, WARN → WARNING, INFO → INFO).
 */
import { Level } from "../../core/types.js";
import type { IncomingStatus } from "../mapping.js";
import { alert, firstText, levelOr, requireId, requireObject, unknownValue } from "./common.js";
import type { InboundSource } from "./types.js";

function statusOf(type: string): IncomingStatus | undefined {
  if (/^POLICY_(OPEN|CONTINUES|UPGRADED|DOWNGRADED)/.test(type)) return "trigger";
  if (/^POLICY_(CLOSE|CANCELED|CANCELLED)/.test(type)) return "ok";
  return undefined;
}

export const appdynamics: InboundSource = {
  name: "appdynamics",
  map(body, ctx) {
    const b = requireObject("AppDynamics webhook", body);
    const type = firstText(b, "event_type", "eventType");
    const status = type === undefined ? undefined : statusOf(type.toUpperCase());
    if (status === undefined) {
      throw unknownValue(
        "event_type",
        type,
        "a health rule event: POLICY_OPEN_CRITICAL, POLICY_CLOSE_WARNING, …",
      );
    }
    const id = requireId("AppDynamics webhook", b, "incident_id", "event_id");
    const upper = type!.toUpperCase();
    const level = upper.endsWith("CRITICAL")
      ? Level.CRITICAL
      : upper.endsWith("WARNING")
        ? Level.WARNING
        : levelOr(firstText(b, "severity"), Level.CRITICAL);
    const tags: Record<string, string> = {};
    for (const k of ["app_name", "tier_name", "node_name", "policy_name", "health_rule_name"]) {
      const v = firstText(b, k);
      if (v !== undefined) tags[k] = v;
    }
    return {
      alerts: [
        alert("appdynamics", ctx.nowNs, {
          id,
          status,
          level: status === "trigger" ? level : undefined,
          message: firstText(b, "summary", "event_name", "health_rule_name"),
          details: firstText(b, "deep_link_url") ?? "",
          tags,
        }),
      ],
    };
  },
};
