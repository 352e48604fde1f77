/**
 * `sentry`: Sentry's webhooks. Signed by Sentry integrations with `Sentry-Hook-Signature` =
 * hex HMAC-SHA256 of the body under the integration's client secret.
 * - Issue alerts (`Sentry-Hook-Resource: event_alert`, action `triggered`): event id =
 *   `data.event.issue_id` (the issue, so every event of it is one alert); level from
 *   `data.event.level` (fatal/error → CRITICAL, warning → WARNING, info/debug → INFO).
 * - Metric alerts (`metric_alert`, action critical / warning / resolved): event id =
 *   `data.metric_alert.id`; message = `data.description_title`.
 * - Issues (`issue`, action created / unresolved → firing, resolved → resolved; others
 *   ignored): event id = `data.issue.id`.
 * - The legacy WebHooks plugin (top-level `id`, `level`, `message`, `project`): event id = `id`
 *   (the issue id); it only fires.
 */
import { Level } from "../../core/types.js";
import type { IncomingStatus } from "../mapping.js";
import {
  alert,
  at,
  checkHmac,
  firstText,
  header,
  levelOr,
  requireId,
  requireObject,
  text,
  unknownValue,
} from "./common.js";
import type { InboundSource, SourceResult } from "./types.js";

const METRIC_ACTIONS: ReadonlyMap<string, { status: IncomingStatus; level?: Level }> = new Map([
  ["critical", { status: "trigger", level: Level.CRITICAL }],
  ["warning", { status: "trigger", level: Level.WARNING }],
  ["resolved", { status: "ok" }],
]);

const ISSUE_ACTIONS: ReadonlyMap<string, IncomingStatus> = new Map([
  ["created", "trigger"],
  ["unresolved", "trigger"],
  ["resolved", "ok"],
]);

export const sentry: InboundSource = {
  name: "sentry",
  verify: (req, config) =>
    checkHmac(req, { secret: config.sentry.secret, header: "Sentry-Hook-Signature", encoding: "hex" }),
  map(body, ctx): SourceResult {
    const b = requireObject("Sentry webhook", body);
    const resource = header(ctx.request, "Sentry-Hook-Resource");
    const action = text(b.action);
    const project = firstText(b, "data.event.project", "project_slug", "project", "data.issue.project.slug");
    const tags: Record<string, string> = project !== undefined ? { project } : {};
    if (at(b, "data.metric_alert") !== undefined || resource === "metric_alert") {
      const a = action === undefined ? undefined : METRIC_ACTIONS.get(action);
      if (a === undefined) throw unknownValue("action", action, "critical, warning or resolved");
      return {
        alerts: [
          alert("sentry", ctx.nowNs, {
            id: requireId("Sentry metric alert", b, "data.metric_alert.id"),
            status: a.status,
            level: a.level,
            message: firstText(b, "data.description_title", "data.metric_alert.alert_rule.name"),
            details: firstText(b, "data.description_text") ?? "",
            tags,
          }),
        ],
      };
    }
    if (at(b, "data.event") !== undefined || resource === "event_alert") {
      const rule = firstText(b, "data.triggered_rule");
      if (rule !== undefined) tags.rule = rule;
      return {
        alerts: [
          alert("sentry", ctx.nowNs, {
            id: requireId("Sentry issue alert", b, "data.event.issue_id"),
            status: "trigger",
            level: levelOr(at(b, "data.event.level"), Level.CRITICAL),
            message: firstText(b, "data.event.title", "data.event.message"),
            details: firstText(b, "data.event.web_url", "data.event.culprit") ?? "",
            tags,
          }),
        ],
      };
    }
    if (at(b, "data.issue") !== undefined || resource === "issue") {
      const status = action === undefined ? undefined : ISSUE_ACTIONS.get(action);
      if (status === undefined)
        return { alerts: [], note: `issue action ${String(action)} is not an alert state change` };
      return {
        alerts: [
          alert("sentry", ctx.nowNs, {
            id: requireId("Sentry issue", b, "data.issue.id"),
            status,
            level: status === "trigger" ? levelOr(at(b, "data.issue.level"), Level.CRITICAL) : undefined,
            message: firstText(b, "data.issue.title"),
            details: firstText(b, "data.issue.web_url", "data.issue.culprit") ?? "",
            tags,
          }),
        ],
      };
    }
    const rules = b.triggering_rules;
    if (Array.isArray(rules) && typeof rules[0] === "string") tags.rule = rules[0];
    return {
      alerts: [
        alert("sentry", ctx.nowNs, {
          id: requireId("Sentry webhook", b, "id"),
          status: "trigger",
          level: levelOr(b.level, Level.CRITICAL),
          message: firstText(b, "message", "event.title", "culprit"),
          details: firstText(b, "url", "culprit") ?? "",
          tags,
        }),
      ],
    };
  },
};
