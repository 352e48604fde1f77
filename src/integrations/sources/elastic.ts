/**
 * `elastic` (alias `kibana`): Kibana alerting rules' webhook connector and Elasticsearch
 * Watcher's webhook action. Both bodies are templates the user writes; the README gives one
 * for each. Fields are read flat or nested:
 * - Kibana rule: event id = `alert.uuid` (`{{alert.uuid}}`), else `rule.id` + `alert.id`
 *   (`{{rule.id}}`, `{{alert.id}}`: the rule and the group it fired for). The action group
 *   `recovered` (or `status` resolved/recovered) resolves; `severity`/`level` gives the level
 *   (default CRITICAL); message = `reason` (`{{context.reason}}`), else the rule name.
 * - Watcher (a body with `watch_id` and no rule): event id = `watch_id`. A watch only fires and
 *   never says it recovered, so each alert is resolved after `[integrations.elastic]
 *   watcher-auto-resolve` without a new one (0 = never); a `status` in the body still wins.
 */
import { Level } from "../../core/types.js";
import { parseIncomingStatus, type IncomingStatus } from "../mapping.js";
import { alert, firstText, IntegrationError, levelOr, requireObject, unknownValue } from "./common.js";
import type { InboundSource } from "./types.js";

function statusOf(body: unknown, actionGroup: string | undefined): IncomingStatus {
  const s = firstText(body, "status", "alert.status", "state");
  if (s !== undefined) {
    const st = s.toLowerCase() === "recovered" ? "ok" : parseIncomingStatus(s);
    if (st === undefined) throw unknownValue("status", s, "active, firing, recovered or resolved");
    return st;
  }
  return actionGroup?.toLowerCase() === "recovered" ? "ok" : "trigger";
}

export const elastic: InboundSource = {
  name: "elastic",
  aliases: ["kibana"],
  map(body, ctx) {
    const b = requireObject("Elastic webhook", body);
    const level = levelOr(firstText(b, "severity", "level", "context.severity"), Level.CRITICAL);
    const ruleId = firstText(b, "rule_id", "rule.id");
    const watchId = firstText(b, "watch_id", "watch.id", "ctx.watch_id");
    if (ruleId === undefined && watchId !== undefined) {
      const status = statusOf(b, undefined);
      const after = ctx.config.elastic.watcherAutoResolve;
      return {
        alerts: [
          alert("elastic", ctx.nowNs, {
            id: watchId,
            status,
            level: status === "trigger" ? level : undefined,
            message: firstText(b, "message", "title", "summary") ?? `watch ${watchId} fired`,
            details: firstText(b, "description", "details") ?? "",
            tags: { kind: "watcher" },
            name: watchId,
            ...(status === "trigger" && after > 0 ? { autoResolveAfter: after } : {}),
          }),
        ],
      };
    }
    const alertId = firstText(b, "alert_id", "alert.id", "alert.instanceId");
    const uuid = firstText(b, "alert_uuid", "alert.uuid");
    let id: string;
    if (uuid !== undefined) id = uuid;
    else if (ruleId !== undefined && alertId !== undefined) id = `${ruleId}:${alertId}`;
    else {
      throw new IntegrationError(
        400,
        'missing event id: a Kibana rule body needs "alert_uuid" ({{alert.uuid}}) or "rule_id" and "alert_id" ({{rule.id}}, {{alert.id}}); a Watcher body needs "watch_id" ({{ctx.watch_id}})',
      );
    }
    const actionGroup = firstText(b, "action_group", "alert.actionGroup", "alert.action_group");
    const status = statusOf(b, actionGroup);
    const ruleName = firstText(b, "rule_name", "rule.name");
    const tags: Record<string, string> = { kind: "rule" };
    if (ruleId !== undefined) tags.rule_id = ruleId;
    if (alertId !== undefined) tags.alert_id = alertId;
    const space = firstText(b, "space_id", "rule.spaceId");
    if (space !== undefined) tags.space = space;
    return {
      alerts: [
        alert("elastic", ctx.nowNs, {
          id,
          status,
          level: status === "trigger" ? level : undefined,
          message: firstText(b, "reason", "context.reason", "message") ?? ruleName,
          details: firstText(b, "description", "context.message", "details") ?? "",
          tags,
          name: ruleName,
        }),
      ],
    };
  },
};
