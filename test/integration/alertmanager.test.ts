/**
 * A real Alertmanager (Debian's `prometheus-alertmanager`) posts its webhook to tickd's
 * `/tickd/v1/integrations/alertmanager` route, served by the real HTTP server and a real
 * TopicService; the alert must arrive as a topic event, and its resolution as OK.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { TopicService } from "../../src/alert/topic-service.js";
import { Level } from "../../src/core/types.js";
import { createHandlerFactory } from "../../src/handlers/index.js";
import { createIntegrationRoutes } from "../../src/integrations/index.js";
import { createApiServer, type ListeningServer } from "../../src/server/http/index.js";
import { MemoryTasks, redact } from "../unit/server/support.js";

function alertmanagerBinary(): string {
  for (const name of ["prometheus-alertmanager", "alertmanager"]) {
    try {
      return execFileSync("which", [name], { encoding: "utf8" }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error(
    "Alertmanager is not installed (neither prometheus-alertmanager nor alertmanager is on PATH): " +
      "install it: apt-get install -y prometheus-alertmanager",
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const TOPIC = "alertmanager-it";

describe("Alertmanager → tickd incoming webhook", () => {
  const logs: string[] = [];
  const logger = {
    log: (level: string, msg: string, f?: Record<string, unknown>) =>
      logs.push(`${level} ${msg} ${JSON.stringify(f ?? {})}`),
  };
  let topics: TopicService;
  let server: ListeningServer;
  let am: ChildProcess | undefined;
  let amUrl = "";
  let dir = "";
  let amOutput = "";

  beforeAll(async () => {
    const bin = alertmanagerBinary();
    let service: TopicService | undefined;
    const factory = createHandlerFactory({
      config: {
        victorops: { enabled: false, apiKey: "", routingKey: "", url: "", jsonData: false, global: false },
        httppost: [],
        escalation: [],
        webhook: { allowedHosts: ["*"] },
      },
      logger,
      collect: (e, t) => service?.collect(e, { topics: t, handlers: [] }),
    });
    topics = service = new TopicService({ factory, logger, persistTopics: false });
    const collect = (e: Parameters<TopicService["collect"]>[0], t: string[]): void =>
      topics.collect(e, { topics: t, handlers: [] });
    const api = createApiServer({
      tasks: new MemoryTasks(),
      topics,
      redactHandlerOptions: redact,
      logger,
      version: "it",
      extraRoutes: createIntegrationRoutes({
        collect,
        logger,
        state: (topic, id) => topics.topicEvent(topic, id),
      }),
    });
    server = await api.listen("127.0.0.1:0");

    dir = mkdtempSync(join(tmpdir(), "tickd-am-"));
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, "alertmanager.yml"),
      [
        "route:",
        "  receiver: tickd",
        "  group_by: ['alertname']",
        "  group_wait: 1s",
        "  group_interval: 1s",
        "  repeat_interval: 1h",
        "receivers:",
        "  - name: tickd",
        "    webhook_configs:",
        `      - url: 'http://127.0.0.1:${server.port}/tickd/v1/integrations/alertmanager?topic=${TOPIC}'`,
        "        send_resolved: true",
        "",
      ].join("\n"),
    );
    am = spawn(
      bin,
      [
        `--config.file=${join(dir, "alertmanager.yml")}`,
        `--storage.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--cluster.listen-address=",
        "--log.level=debug",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    am.stdout?.on("data", (d: Buffer) => (amOutput += d.toString()));
    am.stderr?.on("data", (d: Buffer) => (amOutput += d.toString()));
    const exited = new Promise<never>((_, reject) =>
      am!.once("exit", (code) => reject(new Error(`alertmanager exited with ${code}:\n${amOutput}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([
      exited,
      waitFor(
        "Alertmanager to become ready",
        async () => {
          try {
            return (await fetch(`${amUrl}/-/ready`)).ok ? true : undefined;
          } catch {
            return undefined;
          }
        },
        20_000,
      ),
    ]);
  }, 60_000);

  afterAll(async () => {
    if (am !== undefined && am.exitCode === null) {
      const done = new Promise((r) => am!.once("exit", r));
      am.kill("SIGTERM");
      await done;
    }
    await server?.close();
    await topics?.close();
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  it("delivers a firing alert as a topic event and its resolution as OK", async () => {
    const startsAt = new Date(Date.now() - 5_000).toISOString();
    const alert = {
      labels: { alertname: "TickdIntegration", severity: "warning", instance: "db-1" },
      annotations: { summary: "replication lag above 30s", description: "db-1 lags 42s" },
      startsAt,
      generatorURL: "http://prometheus.example/graph",
    };
    const res = await fetch(`${amUrl}/api/v2/alerts`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify([alert]),
    });
    expect(res.status).toBe(200);

    const firing = await waitFor(
      "the firing alert in the topic",
      () => topics.topicEvents(TOPIC)?.find((s) => s.level !== Level.OK),
      20_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nalertmanager output:\n${amOutput}\ntickd logs:\n${logs.join("\n")}`);
    });
    expect(firing).toMatchObject({
      message: "replication lag above 30s",
      details: "db-1 lags 42s",
      level: Level.WARNING,
    });
    // Alertmanager's fingerprint is the event id: 16 hex digits.
    expect(firing.id).toMatch(/^[0-9a-f]{16}$/);
    expect(firing.duration).toBeGreaterThanOrEqual(4e9);
    expect(topics.getTopic(TOPIC)).toMatchObject({ level: Level.WARNING });

    // Resolve it: endsAt now. Alertmanager sends it with send_resolved after group_interval.
    const resolved = await fetch(`${amUrl}/api/v2/alerts`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify([{ ...alert, endsAt: new Date().toISOString() }]),
    });
    expect(resolved.status).toBe(200);
    const ok = await waitFor(
      "the resolution in the topic",
      () => {
        const s = topics.topicEvent(TOPIC, firing.id);
        return s !== undefined && s.level === Level.OK ? s : undefined;
      },
      30_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nalertmanager output:\n${amOutput}`);
    });
    expect(ok.id).toBe(firing.id);
    expect(topics.getTopic(TOPIC)).toMatchObject({ level: Level.OK, collected: 2 });
  });
});
