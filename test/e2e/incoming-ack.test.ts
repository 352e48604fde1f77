/**
 * Regression: an incoming `ack` (POST /tickd/v1/integrations/webhook, status ack) reached
 * `post` handlers as another CRITICAL, and the hmac escalation's `incident.acknowledged` said
 * `status: "triggered"`. Acknowledgements go only to kinds that have one — the escalation
 * schemes and VictorOps (`ACKNOWLEDGEMENT`) — and the others log that they sent nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startTickd, type TickdProcess } from "../support/daemon.js";
import { startReceiver, type Receiver } from "../support/receiver.js";

let daemon: TickdProcess | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await daemon?.stop("SIGKILL");
  if (daemon !== undefined) rmSync(daemon.dir, { recursive: true, force: true });
  daemon = undefined;
  for (const r of receivers.splice(0)) await r.close();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

const handler = (id: string, kind: string, options: Record<string, unknown>): string =>
  JSON.stringify({ topic: "ext", id, kind, options });

describe("incoming acknowledgements", () => {
  it("reach the escalation schemes and VictorOps, and no post or log handler", async () => {
    const post = await receiver();
    const hmac = await receiver();
    const vo = await receiver();
    const rest = await receiver();
    const dir = mkdtempSync(join(tmpdir(), "tickd-e2e-"));
    const log = join(dir, "ext.log");
    daemon = await startTickd({
      dir,
      // Handler files as JSON (YAML is a superset).
      handlers: {
        "post.yaml": handler("post", "post", { url: `${post.url}/post` }),
        "log.yaml": handler("log", "log", { path: log }),
        "hmac.yaml": handler("hmac", "escalation", { name: "hmac" }),
        "vo.yaml": handler("vo", "escalation", { name: "vo" }),
        "rest.yaml": handler("rest", "victorops", {}),
      },
      extraConfig: [
        "[victorops]",
        "  enabled = true",
        '  api-key = "api-key-1"',
        '  routing-key = "ops"',
        `  url = "${rest.url}/rest"`,
        "[[escalation]]",
        '  name = "hmac"',
        `  url = "${hmac.url}/hmac"`,
        '  auth-key = "k1"',
        '  scheme = "hmac-sha256"',
        "[[escalation]]",
        '  name = "vo"',
        `  url = "${vo.url}/vo"`,
        '  auth-key = "k2"',
        '  scheme = "victorops"',
      ].join("\n"),
    });

    const send = async (body: unknown): Promise<void> => {
      const res = await fetch(`${daemon!.url}/tickd/v1/integrations/webhook?topic=ext`, {
        method: "POST",
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ accepted: 1 });
    };
    await send({ id: "db", status: "triggered", severity: "critical", message: "db down" });
    for (const r of [post, hmac, vo, rest]) await r.waitFor(1);
    await send({ id: "db", status: "acknowledge" });
    for (const r of [hmac, vo, rest]) await r.waitFor(2);
    // Every handler saw the ack before the resolve; post and log were told they send nothing.
    await daemon.waitForLog(
      (l) =>
        typeof l["msg"] === "string" &&
        l["msg"].startsWith("acknowledgement not sent") &&
        l["handler"] === "log",
    );
    await daemon.waitForLog(
      (l) =>
        typeof l["msg"] === "string" &&
        l["msg"].startsWith("acknowledgement not sent") &&
        l["handler"] === "post",
    );
    await send({ id: "db", status: "resolved" });
    for (const r of [post, hmac, vo, rest]) await r.waitFor(post === r ? 2 : 3);

    // post: CRITICAL then OK, nothing for the ack.
    expect(post.requests.map((r) => (JSON.parse(r.body) as { level: string }).level)).toEqual([
      "CRITICAL",
      "OK",
    ]);
    // log: the same (its file is written on its own schedule: wait for the OK line).
    const levels = (): string[] =>
      readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { level: string }).level);
    await vi.waitFor(() => expect(levels()).toContain("OK"), { timeout: 10_000, interval: 50 });
    expect(levels()).toEqual(["CRITICAL", "OK"]);

    // hmac escalation: created, acknowledged (status acknowledged), resolved.
    const hmacBodies = hmac.requests.map(
      (r) => JSON.parse(r.body) as { event: string; data: { status: string; level: string } },
    );
    expect(hmacBodies.map((b) => [b.event, b.data.status, b.data.level])).toEqual([
      ["incident.created", "triggered", "CRITICAL"],
      ["incident.acknowledged", "acknowledged", "CRITICAL"],
      ["incident.resolved", "resolved", "OK"],
    ]);
    expect(hmac.requests[1]!.headers["x-webhook-event"]).toBe("incident.acknowledged");

    // victorops-scheme escalation: the ack's Level is ACKNOWLEDGEMENT.
    expect(vo.requests.map((r) => new URLSearchParams(r.body).get("Level"))).toEqual([
      "CRITICAL",
      "ACKNOWLEDGEMENT",
      "OK",
    ]);

    // VictorOps REST: message_type CRITICAL, ACKNOWLEDGEMENT, RECOVERY.
    expect(rest.requests.map((r) => (JSON.parse(r.body) as { message_type: string }).message_type)).toEqual([
      "CRITICAL",
      "ACKNOWLEDGEMENT",
      "RECOVERY",
    ]);
    expect(rest.requests[1]!.path).toBe("/rest/api-key-1/ops");
  });
});
