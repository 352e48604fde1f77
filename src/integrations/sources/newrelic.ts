/**
 * `newrelic`: New Relic alert notifications, both generations.
 * - Workflows (webhook destination, default payload template): event id = `id` (`{{issueId}}`);
 *   `state` ACTIVATED/CREATED → firing, ACKNOWLEDGED → acknowledged, CLOSED → resolved;
 *   `priority` CRITICAL/HIGH → CRITICAL, MEDIUM → WARNING, LOW → INFO; message = `title`.
 * - Legacy alert channels (webhook channel): event id = `incident_id`; `current_state`
 *   open / acknowledged / closed; `severity` CRITICAL/WARNING/INFO; message = `details`,
 *   else the condition name.
 * New Relic does not sign: protect the route with `[http]` auth (a workflow destination can
 * send basic auth or a bearer token).
 */
import { Level } from "../../core/types.js";
import type { IncomingStatus } from "../mapping.js";
import { alert, firstText, levelOr, parseTagList, requireId, requireObject, unknownValue } from "./common.js";
import type { InboundSource } from "./types.js";

const STATES: ReadonlyMap<string, IncomingStatus> = new Map([
  ["activated", "trigger"],
  ["created", "trigger"],
  ["open", "trigger"],
  ["acknowledged", "ack"],
  ["closed", "ok"],
]);

const PRIORITIES: ReadonlyMap<string, Level> = new Map([
  ["critical", Level.CRITICAL],
  ["high", Level.CRITICAL],
  ["medium", Level.WARNING],
  ["low", Level.INFO],
]);

function stateOf(field: string, v: string | undefined): IncomingStatus {
  const s = v === undefined ? undefined : STATES.get(v.toLowerCase());
  if (s === undefined)
    throw unknownValue(
      field,
      v,
      "ACTIVATED, CREATED, ACKNOWLEDGED or CLOSED (open/acknowledged/closed for legacy channels)",
    );
  return s;
}

export const newrelic: InboundSource = {
  name: "newrelic",
  map(body, ctx) {
    const b = requireObject("New Relic webhook", body);
    if (firstText(b, "incident_id") !== undefined || firstText(b, "current_state") !== undefined) {
      const id = requireId("New Relic legacy webhook", b, "incident_id");
      const status = stateOf("current_state", firstText(b, "current_state"));
      const tags: Record<string, string> = {};
      for (const k of ["policy_name", "condition_name", "account_name"]) {
        const v = firstText(b, k);
        if (v !== undefined) tags[k] = v;
      }
      return {
        alerts: [
          alert("newrelic", ctx.nowNs, {
            id,
            status,
            level: status === "trigger" ? levelOr(firstText(b, "severity"), Level.CRITICAL) : undefined,
            message: firstText(b, "details", "condition_name"),
            details: firstText(b, "incident_url") ?? "",
            tags,
            name: firstText(b, "condition_name"),
          }),
        ],
      };
    }
    const id = requireId("New Relic workflow", b, "id", "issueId");
    const status = stateOf("state", firstText(b, "state"));
    const p = firstText(b, "priority");
    const level = p === undefined ? Level.CRITICAL : PRIORITIES.get(p.toLowerCase());
    if (level === undefined) throw unknownValue("priority", p, "CRITICAL, HIGH, MEDIUM or LOW");
    const tags: Record<string, string> = {};
    const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
    const policy = first(b.alertPolicyNames);
    if (typeof policy === "string") tags.policy_name = policy;
    const condition = first(b.alertConditionNames);
    if (typeof condition === "string") tags.condition_name = condition;
    const entities = parseTagList(b.impactedEntities);
    const entityNames = Object.keys(entities);
    if (entityNames.length > 0) tags.entities = entityNames.join(",");
    return {
      alerts: [
        alert("newrelic", ctx.nowNs, {
          id,
          status,
          level: status === "trigger" ? level : undefined,
          message: firstText(b, "title"),
          details: firstText(b, "issueUrl") ?? "",
          tags,
          name: typeof condition === "string" ? condition : undefined,
        }),
      ],
    };
  },
};
