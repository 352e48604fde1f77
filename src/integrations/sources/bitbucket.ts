/**
 * `bitbucket`: Bitbucket webhooks, signed with `X-Hub-Signature: sha256=<hex HMAC-SHA256 of
 * the body>` under `[integrations.bitbucket] secret` (Bitbucket Cloud and Data Center sign
 * the same way). Build results become alerts: `repo:commit_status_created` / `_updated`
 * (Cloud, also what Pipelines reports) with `commit_status.state` FAILED → CRITICAL,
 * STOPPED → WARNING, SUCCESSFUL → resolved, INPROGRESS ignored; id
 * `<repository>/status/<commit_status.key>@<refname>`. Other events (`diagnostics:ping`,
 * pushes, pull requests) are answered 200 with nothing collected.
 */
import { Level } from "../../core/types.js";
import type { IncomingStatus } from "../mapping.js";
import { alert, checkHmac, firstText, header, IntegrationError, requireId, requireObject } from "./common.js";
import type { InboundSource } from "./types.js";

const STATES: ReadonlyMap<string, { status: IncomingStatus; level?: Level }> = new Map([
  ["FAILED", { status: "trigger", level: Level.CRITICAL }],
  ["STOPPED", { status: "trigger", level: Level.WARNING }],
  ["SUCCESSFUL", { status: "ok" }],
]);

export const bitbucket: InboundSource = {
  name: "bitbucket",
  verify: (req, config) =>
    checkHmac(req, {
      secret: config.bitbucket.secret,
      header: "X-Hub-Signature",
      encoding: "hex",
      prefix: "sha256=",
    }),
  map(body, ctx) {
    const b = requireObject("Bitbucket webhook", body);
    const event = header(ctx.request, "X-Event-Key");
    if (event === undefined) throw new IntegrationError(400, "missing X-Event-Key header");
    if (event !== "repo:commit_status_created" && event !== "repo:commit_status_updated") {
      return { alerts: [], note: `${event}: not an alert event` };
    }
    const repo = requireId(
      "Bitbucket commit status",
      b,
      "repository.full_name",
      "commit_status.repository.full_name",
    );
    const key = requireId("Bitbucket commit status", b, "commit_status.key");
    const stateWord = firstText(b, "commit_status.state") ?? "";
    const state = STATES.get(stateWord.toUpperCase());
    if (state === undefined) return { alerts: [], note: `commit status ${stateWord}` };
    const ref = firstText(b, "commit_status.refname") ?? "";
    const name = firstText(b, "commit_status.name") ?? key;
    return {
      alerts: [
        alert("bitbucket", ctx.nowNs, {
          id: `${repo}/status/${key}@${ref}`,
          status: state.status,
          level: state.level,
          message: `${repo}: ${name} on ${ref || "?"}: ${stateWord}`,
          details: firstText(b, "commit_status.description", "commit_status.url") ?? "",
          tags: { repository: repo, branch: ref, event },
          name,
        }),
      ],
    };
  },
};
