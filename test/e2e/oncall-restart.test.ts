/**
 * On-call state survives kill -9 of the spawned daemon: an acknowledgement keeps holding
 * repeats, a silence keeps holding notifications, and the level a silence held back is sent
 * once when the silence is expired after the restart; a recovery goes out only for an alert
 * whose trigger was sent. Alerts come in through POST /api/v2/alerts (as Prometheus posts them);
 * what each handler was given is read from the delivery journal, written before the API answers.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { REPO } from "../support/cli.js";
import { startTickd, type TickdProcess } from "../support/daemon.js";
import { startReceiver, type Receiver } from "../support/receiver.js";

let daemon: TickdProcess | undefined;
let dir: string | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await daemon?.stop("SIGKILL");
  daemon = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
  for (const r of receivers.splice(0)) await r.close();
});

interface Row {
  handler: string;
  alert_id: string;
  body?: string;
}

async function start(post: Receiver, esc: Receiver): Promise<TickdProcess> {
  const d = await startTickd({
    ...(dir !== undefined ? { dir } : {}),
    handlers: {
      "post.yaml": JSON.stringify({
        topic: "ops",
        id: "post",
        kind: "post",
        options: { url: `${post.url}/hook` },
      }),
      "esc.yaml": JSON.stringify({ topic: "ops", id: "esc", kind: "escalation", options: { name: "pager" } }),
    },
    extraConfig: [
      "[[escalation]]",
      '  name = "pager"',
      `  url = "${esc.url}/esc"`,
      '  auth-key = "k"',
      '  scheme = "hmac-sha256"',
    ].join("\n"),
  });
  await d.waitForLog((l) => typeof l["msg"] === "string" && l["msg"].startsWith("listening"));
  dir = d.dir;
  return d;
}

async function postAlert(url: string, host: string, resolved = false): Promise<void> {
  const now = Date.now();
  const res = await fetch(`${url}/api/v2/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify([
      {
        labels: { alertname: "DiskFull", host, topic: "ops", severity: "critical" },
        annotations: { summary: `disk full on ${host}` },
        startsAt: new Date(now - 60_000).toISOString(),
        ...(resolved ? { endsAt: new Date(now - 1000).toISOString() } : {}),
      },
    ]),
  });
  expect(res.status).toBe(200);
}

const ID = (host: string) => `DiskFull{host="${host}",severity="critical",topic="ops"}`;

async function journal(url: string): Promise<{ post: string[]; esc: string[] }> {
  const res = await fetch(`${url}/tickd/v1/deliveries?limit=1000`);
  const rows = ((await res.json()) as { deliveries: Row[] }).deliveries.slice().reverse();
  const of = (h: string) =>
    rows.filter((r) => r.handler === h).map((r) => r.alert_id.replace(/^DiskFull\{host="(\w+)".*/, "$1"));
  return { post: of("post"), esc: of("esc") };
}

/** The built tickctl, run without blocking the event loop (a blocked loop misses keep-alive closes). */
async function tickctl(url: string, ...args: string[]): Promise<string> {
  const r = await promisify(execFile)(
    process.execPath,
    [`${REPO}dist/src/cli/tickctl.js`, ...args, "--url", url],
    {
      timeout: 30_000,
    },
  );
  expect(r.stderr).toBe("");
  return r.stdout;
}

describe("on-call state across kill -9", () => {
  it("keeps acks, silences and held notifications, and sends the held level once when the silence ends", async () => {
    const post = await startReceiver();
    const esc = await startReceiver();
    receivers.push(post, esc);
    daemon = await start(post, esc);
    const url = daemon.url;

    // a: sent, then acknowledged. b: silenced before it fires. c: sent, then silenced.
    await postAlert(url, "a");
    await postAlert(url, "c");
    await tickctl(url, "ack", "ops", ID("a"), "--comment", "on it", "--by", "alice");
    const silB = (
      await tickctl(url, "silence", "add", "host=b", "--comment", "replacing disk", "--author", "bob")
    ).trim();
    await tickctl(url, "silence", "add", 'host=~"c|x"', "--comment", "noisy", "--author", "bob");
    await postAlert(url, "b");
    expect(await journal(url)).toEqual({ post: ["a", "c"], esc: ["a", "c", "a", "b"] });
    const escEvents = (await esc.waitFor(4)).map((r) => r.headers["x-webhook-event"]);
    expect(escEvents.sort()).toEqual(
      ["incident.created", "incident.created", "incident.acknowledged", "incident.suppressed"].sort(),
    );

    await daemon.stop("SIGKILL");
    daemon = await start(post, esc);

    // Repeats: a is acknowledged, b and c silenced: nothing new for post.
    await postAlert(daemon.url, "a");
    await postAlert(daemon.url, "b");
    await postAlert(daemon.url, "c");
    expect((await journal(daemon.url)).post).toEqual(["a", "c"]);
    const listed = (await (await fetch(`${daemon.url}/tickd/v1/alerts?topic=ops`)).json()) as {
      alerts: { id: string; acknowledged: { by: string } | null; silencedBy: string[] }[];
    };
    const byId = new Map(listed.alerts.map((a) => [a.id, a]));
    expect(byId.get(ID("a"))?.acknowledged?.by).toBe("alice");
    expect(byId.get(ID("b"))?.silencedBy).toEqual([silB]);
    expect((await tickctl(daemon.url, "silence", "list", "-q")).trim().split("\n")).toHaveLength(2);

    // Expiring b's silence sends b's current level once (it was held before the crash).
    await tickctl(daemon.url, "silence", "expire", silB);
    await vi.waitFor(async () => expect((await journal(daemon!.url)).post).toEqual(["a", "c", "b"]), {
      timeout: 10_000,
      interval: 100,
    });

    // c recovers while silenced: its trigger was sent, so the recovery is too.
    await postAlert(daemon.url, "c", true);
    // a recovers: its ack ends; its recovery is sent.
    await postAlert(daemon.url, "a", true);
    expect((await journal(daemon.url)).post).toEqual(["a", "c", "b", "c", "a"]);
    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(metrics).toMatch(/^tickd_notifications_silenced_total [1-9]/m);
    expect(metrics).toMatch(/^tickd_notifications_acknowledged_total [1-9]/m);
  });
});
