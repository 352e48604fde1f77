/**
 * `google-cloud-monitoring`: Cloud Monitoring's webhook notification channel (schema 1.2).
 * Event id = `incident.incident_id`; `incident.state` open → firing, closed → resolved;
 * level from `incident.severity` (Critical / Error → CRITICAL, Warning → WARNING, else
 * CRITICAL); message = `incident.summary`, else the policy name; details = the policy's
 * documentation. Google does not sign: use the channel's basic auth with `[http]` auth.
 */
import { Level } from "../../core/types.js";
import type { IncomingStatus } from "../mapping.js";
import { alert, at, firstText, levelOr, requireId, requireObject, timeNs, unknownValue } from "./common.js";
import type { InboundSource } from "./types.js";

const STATES: ReadonlyMap<string, IncomingStatus> = new Map([
  ["open", "trigger"],
  ["closed", "ok"],
]);

export const googleCloudMonitoring: InboundSource = {
  name: "google-cloud-monitoring",
  map(body, ctx) {
    const b = requireObject("Cloud Monitoring webhook", body);
    const id = requireId("Cloud Monitoring webhook", b, "incident.incident_id");
    const s = firstText(b, "incident.state");
    const status = s === undefined ? undefined : STATES.get(s.toLowerCase());
    if (status === undefined) throw unknownValue("incident.state", s, "open or closed");
    const tags: Record<string, string> = {};
    for (const [k, path] of [
      ["policy_name", "incident.policy_name"],
      ["condition_name", "incident.condition_name"],
      ["resource_name", "incident.resource_name"],
      ["resource_type", "incident.resource.type"],
      ["project", "incident.scoping_project_id"],
    ] as const) {
      const v = firstText(b, path);
      if (v !== undefined) tags[k] = v;
    }
    return {
      alerts: [
        alert("google-cloud-monitoring", ctx.nowNs, {
          id,
          status,
          level: status === "trigger" ? levelOr(at(b, "incident.severity"), Level.CRITICAL) : undefined,
          message: firstText(b, "incident.summary", "incident.policy_name"),
          details: firstText(b, "incident.documentation.content", "incident.url") ?? "",
          tags,
          name: firstText(b, "incident.policy_name"),
          startedAt: timeNs(at(b, "incident.started_at")),
        }),
      ],
    };
  },
};
