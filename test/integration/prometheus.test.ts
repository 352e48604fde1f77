/**
 * A real Prometheus (Debian's `prometheus`) uses a spawned tickd as its Alertmanager and
 * scrapes its /metrics: a rule fires → Prometheus posts to /api/v2/alerts → the event lands in
 * topic `prometheus` → a post handler reaches a local receiver. The scrape target must be
 * healthy (tickd's /metrics parses as Prometheus text).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTickd, type TickdProcess } from "../support/daemon.js";
import { startReceiver, type Receiver } from "../support/receiver.js";
import { freePort, requireBinary } from "../support/services.js";

let tickd: TickdProcess;
let hook: Receiver;
let prom: ChildProcess | undefined;
let promUrl = "";
let promOutput = "";
let dir = "";

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; Prometheus said:\n${promOutput.slice(-3000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  const bin = requireBinary("prometheus", "prometheus");
  hook = await startReceiver();
  tickd = await startTickd({
    handlers: {
      "hook.yaml": JSON.stringify({
        topic: "prometheus",
        id: "hook",
        kind: "post",
        options: { url: `${hook.url}/hook` },
      }),
    },
  });
  await tickd.waitForLog((l) => typeof l["msg"] === "string" && l["msg"].startsWith("listening"));
  const target = `127.0.0.1:${tickd.port}`;

  dir = mkdtempSync(join(tmpdir(), "tickd-prom-"));
  writeFileSync(
    join(dir, "rules.yml"),
    [
      "groups:",
      "  - name: tickd-it",
      "    rules:",
      "      - alert: TickdScraped",
      '        expr: up{job="tickd"} == 1',
      "        labels:",
      "          severity: warning",
      "        annotations:",
      '          summary: "tickd is being scraped"',
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "rule_files:",
      `  - ${JSON.stringify(join(dir, "rules.yml"))}`,
      "alerting:",
      "  alertmanagers:",
      "    - api_version: v2",
      "      static_configs:",
      `        - targets: ['${target}']`,
      "scrape_configs:",
      "  - job_name: tickd",
      "    static_configs:",
      `      - targets: ['${target}']`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prom = spawn(
    bin,
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=debug",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  prom.stdout?.on("data", (d: Buffer) => (promOutput += d.toString()));
  prom.stderr?.on("data", (d: Buffer) => (promOutput += d.toString()));
  await waitFor(
    "Prometheus to be ready",
    async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined),
    60_000,
  );
});

afterAll(async () => {
  if (prom !== undefined && prom.exitCode === null) {
    const exited = new Promise((r) => prom!.once("exit", r));
    prom.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (prom.exitCode === null) prom.kill("SIGKILL");
  }
  await tickd?.stop("SIGTERM");
  if (tickd !== undefined) rmSync(tickd.dir, { recursive: true, force: true });
  await hook?.close();
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe("Prometheus → tickd as its Alertmanager", () => {
  it("scrapes tickd's /metrics as a healthy target", async () => {
    const health = await waitFor(
      "the tickd target to be scraped",
      async () => {
        const res = (await (await fetch(`${promUrl}/api/v1/targets`)).json()) as {
          data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] };
        };
        const t = res.data.activeTargets.find((x) => x.labels.job === "tickd");
        return t !== undefined && t.health !== "unknown" ? t : undefined;
      },
      60_000,
    );
    expect(health).toMatchObject({ health: "up", lastError: "" });
    // A metric of tickd's own arrives in Prometheus.
    const q = await waitFor(
      "tickd_silences in Prometheus",
      async () => {
        const r = (await (await fetch(`${promUrl}/api/v1/query?query=tickd_silences`)).json()) as {
          data: { result: unknown[] };
        };
        return r.data.result.length > 0 ? r.data.result : undefined;
      },
      60_000,
    );
    expect(q.length).toBe(3);
  });

  it("posts a firing rule's alert to /api/v2/alerts; tickd's topic handler sends it on", async () => {
    const [req] = await hook.waitFor(1, 90_000).catch((e: unknown) => {
      throw new Error(`${String(e)}; Prometheus said:\n${promOutput.slice(-3000)}`);
    });
    const body = JSON.parse(req!.body) as {
      id: string;
      message: string;
      level: string;
      data: { series?: unknown };
    };
    expect(body.level).toBe("WARNING");
    expect(body.message).toBe("tickd is being scraped");
    expect(body.id).toContain("TickdScraped");
    const alerts = (await (await fetch(`${tickd.url}/api/v2/alerts`)).json()) as {
      labels: Record<string, string>;
      status: { state: string };
    }[];
    expect(alerts.map((a) => a.labels)).toContainEqual(
      expect.objectContaining({
        alertname: "TickdScraped",
        job: "tickd",
        severity: "warning",
        topic: "prometheus",
      }),
    );
    const topic = (await (await fetch(`${tickd.url}/kapacitor/v1/alerts/topics/prometheus`)).json()) as {
      level: string;
    };
    expect(topic.level).toBe("WARNING");
  });
});
