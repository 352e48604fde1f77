/**
 * `github`: GitHub repository/organisation webhooks, signed with `X-Hub-Signature-256:
 * sha256=<hex HMAC-SHA256 of the body>` under `[integrations.github] secret`. The event is
 * `X-GitHub-Event`; those that say something broke or recovered become alerts, keyed by what
 * stays the same between the failure and the fix:
 * - `workflow_run` completed: failure / timed_out / startup_failure → CRITICAL, success →
 *   resolved; id `<repo>/workflow/<workflow_id>@<branch>`.
 * - `check_run` completed: the same conclusions; id `<repo>/check/<name>@<branch>`.
 * - `deployment_status`: failure / error → CRITICAL, success → resolved; id
 *   `<repo>/deployment/<environment>`.
 * - `code_scanning_alert`, `dependabot_alert`, `secret_scanning_alert`: created / reopened /
 *   appeared_in_branch → firing, fixed / resolved / dismissed / closed_by_user → resolved; id
 *   `<repo>/<event>/<alert number>`; level from the rule's severity (critical/high →
 *   CRITICAL, medium → WARNING, low/note → INFO).
 * Anything else (`ping`, pushes, in-progress runs, neutral/cancelled/skipped conclusions) is
 * answered 200 with nothing collected.
 */
import { Level } from "../../core/types.js";
import type { IncomingStatus } from "../mapping.js";
import {
  alert,
  at,
  checkHmac,
  firstText,
  header,
  IntegrationError,
  levelOr,
  requireId,
  requireObject,
} from "./common.js";
import type { InboundSource, SourceResult } from "./types.js";

const FAILED = new Set(["failure", "timed_out", "startup_failure", "error"]);

function conclusionStatus(c: string | undefined): IncomingStatus | undefined {
  if (c === undefined) return undefined;
  if (FAILED.has(c)) return "trigger";
  return c === "success" ? "ok" : undefined;
}

const SECURITY_ACTIONS: ReadonlyMap<string, IncomingStatus> = new Map([
  ["created", "trigger"],
  ["reopened", "trigger"],
  ["reopened_by_user", "trigger"],
  ["appeared_in_branch", "trigger"],
  ["fixed", "ok"],
  ["resolved", "ok"],
  ["dismissed", "ok"],
  ["closed_by_user", "ok"],
  ["auto_dismissed", "ok"],
]);

export const github: InboundSource = {
  name: "github",
  verify: (req, config) =>
    checkHmac(req, {
      secret: config.github.secret,
      header: "X-Hub-Signature-256",
      encoding: "hex",
      prefix: "sha256=",
    }),
  map(body, ctx): SourceResult {
    const b = requireObject("GitHub webhook", body);
    const event = header(ctx.request, "X-GitHub-Event");
    if (event === undefined) throw new IntegrationError(400, "missing X-GitHub-Event header");
    const repo = requireId("GitHub webhook", b, "repository.full_name");
    const tags: Record<string, string> = { repository: repo, event };
    const ignored = (why: string): SourceResult => ({ alerts: [], note: `${event}: ${why}` });
    const make = (
      id: string,
      status: IncomingStatus,
      level: Level,
      message: string | undefined,
      details: string,
    ) => ({
      alerts: [
        alert("github", ctx.nowNs, {
          id,
          status,
          level: status === "trigger" ? level : undefined,
          message,
          details,
          tags,
        }),
      ],
    });
    switch (event) {
      case "workflow_run": {
        const status = conclusionStatus(firstText(b, "workflow_run.conclusion"));
        if (firstText(b, "action") !== "completed" || status === undefined)
          return ignored("not a failed or fixed run");
        const wf = requireId("GitHub workflow_run", b, "workflow_run.workflow_id", "workflow.id");
        const branch = firstText(b, "workflow_run.head_branch") ?? "";
        tags.branch = branch;
        const name = firstText(b, "workflow_run.name", "workflow.name") ?? wf;
        return make(
          `${repo}/workflow/${wf}@${branch}`,
          status,
          Level.CRITICAL,
          `${repo}: workflow ${name} on ${branch}: ${firstText(b, "workflow_run.conclusion") ?? ""}`,
          firstText(b, "workflow_run.html_url") ?? "",
        );
      }
      case "check_run": {
        const status = conclusionStatus(firstText(b, "check_run.conclusion"));
        if (firstText(b, "action") !== "completed" || status === undefined)
          return ignored("not a failed or fixed check");
        const name = requireId("GitHub check_run", b, "check_run.name");
        const branch = firstText(b, "check_run.check_suite.head_branch") ?? "";
        tags.branch = branch;
        return make(
          `${repo}/check/${name}@${branch}`,
          status,
          Level.CRITICAL,
          `${repo}: check ${name} on ${branch}: ${firstText(b, "check_run.conclusion") ?? ""}`,
          firstText(b, "check_run.html_url") ?? "",
        );
      }
      case "deployment_status": {
        const state = firstText(b, "deployment_status.state");
        const status = conclusionStatus(state);
        if (status === undefined) return ignored(`deployment state ${String(state)}`);
        const env = requireId(
          "GitHub deployment_status",
          b,
          "deployment_status.environment",
          "deployment.environment",
        );
        tags.environment = env;
        return make(
          `${repo}/deployment/${env}`,
          status,
          Level.CRITICAL,
          `${repo}: deployment to ${env}: ${state ?? ""}`,
          firstText(b, "deployment_status.description", "deployment_status.target_url") ?? "",
        );
      }
      case "code_scanning_alert":
      case "dependabot_alert":
      case "secret_scanning_alert": {
        const action = firstText(b, "action") ?? "";
        const status = SECURITY_ACTIONS.get(action);
        if (status === undefined) return ignored(`action ${action}`);
        const number = requireId(`GitHub ${event}`, b, "alert.number");
        const severity =
          at(b, "alert.rule.security_severity_level") ??
          at(b, "alert.rule.severity") ??
          at(b, "alert.security_advisory.severity") ??
          at(b, "alert.security_vulnerability.severity");
        const level = levelOr(
          severity === "note" ? "info" : severity,
          event === "secret_scanning_alert" ? Level.CRITICAL : Level.WARNING,
        );
        return make(
          `${repo}/${event}/${number}`,
          status,
          level,
          `${repo}: ${firstText(b, "alert.rule.description", "alert.security_advisory.summary", "alert.secret_type_display_name", "alert.secret_type") ?? event}`,
          firstText(b, "alert.html_url") ?? "",
        );
      }
      default:
        return ignored("not an alert event");
    }
  },
};
