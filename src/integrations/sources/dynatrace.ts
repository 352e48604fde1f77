/**
 * `dynatrace`: Dynatrace's custom webhook problem notification with its default payload
 * (`{ProblemID}`, `{PID}`, `{State}`, `{ProblemSeverity}`, `{ProblemTitle}`…). Event id =
 * `PID` (the problem's internal id), else `ProblemID`; `State` OPEN → firing, RESOLVED (and
 * MERGED: folded into another problem) → resolved; `ProblemSeverity` AVAILABILITY, ERROR,
 * MONITORING_UNAVAILABLE → CRITICAL, PERFORMANCE, RESOURCE_CONTENTION, CUSTOM_ALERT → WARNING,
 * INFO → INFO. `Tags` (comma-separated) become tags. Dynatrace does not sign: send a custom
 * `Authorization` header for `[http]` auth.
 */
import { Level } from "../../core/types.js";
import type { IncomingStatus } from "../mapping.js";
import { alert, firstText, parseTagList, requireId, requireObject, unknownValue } from "./common.js";
import type { InboundSource } from "./types.js";

const STATES: ReadonlyMap<string, IncomingStatus> = new Map([
  ["open", "trigger"],
  ["resolved", "ok"],
  ["merged", "ok"],
]);

const SEVERITIES: ReadonlyMap<string, Level> = new Map([
  ["availability", Level.CRITICAL],
  ["error", Level.CRITICAL],
  ["monitoring_unavailable", Level.CRITICAL],
  ["performance", Level.WARNING],
  ["resource_contention", Level.WARNING],
  ["resource", Level.WARNING],
  ["custom_alert", Level.WARNING],
  ["info", Level.INFO],
]);

export const dynatrace: InboundSource = {
  name: "dynatrace",
  map(body, ctx) {
    const b = requireObject("Dynatrace webhook", body);
    const id = requireId("Dynatrace webhook", b, "PID", "ProblemID");
    const s = firstText(b, "State");
    const status = s === undefined ? undefined : STATES.get(s.toLowerCase());
    if (status === undefined) throw unknownValue("State", s, "OPEN, RESOLVED or MERGED");
    const sev = firstText(b, "ProblemSeverity");
    const level = sev === undefined ? Level.CRITICAL : (SEVERITIES.get(sev.toLowerCase()) ?? Level.CRITICAL);
    const tags = parseTagList(b.Tags);
    const impact = firstText(b, "ProblemImpact");
    if (impact !== undefined) tags.impact = impact;
    const entity = firstText(b, "ImpactedEntity");
    if (entity !== undefined) tags.entity = entity;
    if (sev !== undefined) tags.severity = sev;
    return {
      alerts: [
        alert("dynatrace", ctx.nowNs, {
          id,
          status,
          level: status === "trigger" ? level : undefined,
          message: firstText(b, "ProblemTitle"),
          details: firstText(b, "ProblemDetailsText", "ProblemURL") ?? "",
          tags,
        }),
      ],
    };
  },
};
