/**
 * `GET /tickd/v1/cluster` and `tickctl cluster` without a Kafka cluster: one node answers
 * `{"enabled": false}` (the spawned-daemon shape, in process), and cluster mode whose brokers
 * do not answer gives 503 with this instance's own figures, the reason, a logged warning and
 * a counted error — and tickctl prints it and exits 1. The figures from a real 3-broker
 * cluster are in test/integration/cluster-status.test.ts.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { newKafka } from "../../../src/sources/kafka-client.js";
import { ClusterStatusService } from "../../../src/cluster/status-service.js";
import { createClusterRoutes } from "../../../src/server/http/cluster-routes.js";
import { createMetricsRoute } from "../../../src/delivery/index.js";
import { startDaemonIn } from "../../support/in-process-daemon.js";
import { freePort } from "../../support/services.js";
import { runTickctl } from "../cli/client/run-tickctl.js";
import { startServer } from "./support.js";

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe("GET /tickd/v1/cluster", () => {
  it("one node: 200 {enabled: false}, no cluster metrics, tickctl says so", async () => {
    const { daemon, dir } = await startDaemonIn();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => daemon.stop());
    const url = `http://127.0.0.1:${daemon.port}`;
    const res = await fetch(`${url}/tickd/v1/cluster`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ enabled: false });
    expect(await (await fetch(`${url}/metrics`)).text()).not.toContain("tickd_cluster_");
    const r = await runTickctl(["cluster", "-url", url]);
    expect(r).toEqual({
      code: 0,
      out: "Cluster mode is off: this tickd runs as one node ([cluster] enabled = false).\n",
      err: "",
    });
    expect(JSON.parse((await runTickctl(["cluster", "--json", "-url", url])).out)).toEqual({
      enabled: false,
    });
  });

  it("brokers that do not answer: 503 with this instance's parts and the reason, logged and counted", async () => {
    const port = await freePort();
    const logs: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
    const logger = {
      log: (level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) =>
        void logs.push({ level, msg, ...(fields !== undefined ? { fields } : {}) }),
    };
    const status = new ClusterStatusService({
      name: "prod",
      memberId: "m1",
      kafka: newKafka(
        { clientId: "tickd-prod-m1", brokers: [`127.0.0.1:${port}`], timeoutMs: 500 },
        () => {},
      ),
      logger,
      timeoutMs: 1500,
    });
    cleanups.push(() => status.stop());
    status.attach({ config: { progress: () => ({ applied: 4, caughtUp: false }) } });
    const srv = await startServer({
      extraRoutes: [
        ...createClusterRoutes({ enabled: true, status: () => status }),
        createMetricsRoute([() => status.renderMetrics()]),
      ],
    });
    cleanups.push(() => srv.close());

    const res = await fetch(`${srv.url}/tickd/v1/cluster`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      enabled: true,
      name: "prod",
      member_id: "m1",
      error: expect.stringMatching(/^Kafka admin API: .*ECONNREFUSED|^Kafka admin API: /),
      config: { applied: 4, caught_up: false },
    });
    expect(logs.filter((l) => l.msg === "cluster status: could not read the groups from Kafka")).toHaveLength(
      1,
    );
    expect(await (await fetch(`${srv.url}/metrics`)).text()).toContain("tickd_cluster_status_errors_total 1");

    const r = await runTickctl(["cluster", "-url", srv.url]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("Cluster prod, this member: m1\n");
    expect(r.out).toContain("Config topic: 4 records applied, still reading");
    expect(r.err).toBe(`tickctl: ${String(body["error"])}\n`);
  }, 20_000);

  it("cluster mode before the status service exists: 503 saying it is starting", async () => {
    const srv = await startServer({
      extraRoutes: createClusterRoutes({ enabled: true, status: () => undefined }),
    });
    cleanups.push(() => srv.close());
    const res = await fetch(`${srv.url}/tickd/v1/cluster`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toBe("cluster mode is starting");
  });
});
