import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";

import type { AlertEvent, AlertEventState } from "../../../src/core/alert-event.js";
import { Level } from "../../../src/core/types.js";
import {
  createIntegrationRoutes,
  isAcknowledged,
  type IntegrationDeps,
} from "../../../src/integrations/index.js";
import { createApiServer } from "../../../src/server/http/index.js";
import { MemoryTasks, MemoryTopics, redact } from "../server/support.js";

const NOW = 1_700_000_000_000; // ms
const NOW_NS = BigInt(NOW) * 1_000_000n;

interface Started {
  url: string;
  collected: { event: AlertEvent; topics: string[] }[];
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c()));
});

async function start(over: Partial<IntegrationDeps> = {}): Promise<Started> {
  const collected: Started["collected"] = [];
  const api = createApiServer({
    tasks: new MemoryTasks(),
    topics: new MemoryTopics(),
    redactHandlerOptions: redact,
    logger: { log: () => {} },
    version: "v",
    extraRoutes: createIntegrationRoutes({
      collect: (event, topics) => collected.push({ event, topics }),
      logger: { log: () => {} },
      now: () => NOW,
      ...over,
    }),
  });
  const srv = await api.listen("127.0.0.1:0");
  open.push(srv.close);
  return { url: `http://127.0.0.1:${srv.port}`, collected };
}

async function post(
  url: string,
  body: string | object,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

const sign = (secret: string, body: string) =>
  "sha256=" + createHmac("sha256", secret).update(body).digest("hex");

describe("POST /tickd/v1/integrations/webhook", () => {
  it("maps a generic alert onto a topic event", async () => {
    const s = await start();
    const r = await post(`${s.url}/tickd/v1/integrations/webhook?topic=ext`, {
      dedup_key: "db-1",
      summary: "Disk full on db-1",
      description: "/var at 99%",
      severity: "High",
      status: "triggered",
      source: "nagios",
      tags: { dc: "fra", rack: 7 },
    });
    expect(r).toEqual({ status: 200, body: { accepted: 1 } });
    expect(s.collected).toHaveLength(1);
    const { event, topics } = s.collected[0]!;
    expect(topics).toEqual(["ext"]);
    expect(event.topic).toBe("ext");
    expect(event.state).toEqual({
      id: "db-1",
      message: "Disk full on db-1",
      details: "/var at 99%",
      time: NOW_NS,
      duration: 0,
      level: Level.CRITICAL,
    });
    expect(event.data.tags).toEqual({ dc: "fra", rack: "7", source: "nagios" });
    expect(event.data.taskName).toBe("webhook");
    expect(isAcknowledged(event)).toBe(false);
  });

  it("accepts an array, alternative field names and nested payloads", async () => {
    const s = await start();
    const r = await post(`${s.url}/tickd/v1/integrations/webhook?topic=ext`, [
      { id: 42, title: "a", level: "medium", action: "fired", origin: "x" },
      { alert_id: "b", message: "b ok", priority: "low", state: "Resolved", system: "y" },
      {
        dedup_key: "c",
        event_action: "trigger",
        payload: { summary: "nested", severity: "warning", source: "pd" },
      },
    ]);
    expect(r).toEqual({ status: 200, body: { accepted: 3 } });
    expect(
      s.collected.map((c) => [
        c.event.state.id,
        c.event.state.message,
        c.event.state.level,
        c.event.data.tags,
      ]),
    ).toEqual([
      ["42", "a", Level.WARNING, { source: "x" }],
      ["b", "b ok", Level.OK, { source: "y" }],
      ["c", "nested", Level.WARNING, { source: "pd" }],
    ]);
  });

  it("maps numeric levels and priorities, and defaults a missing level to CRITICAL", async () => {
    const s = await start();
    await post(`${s.url}/tickd/v1/integrations/webhook?topic=t`, [
      { id: "a", severity: 2 },
      { id: "b", level: "1" },
      { id: "c", priority: 1 },
      { id: "d", priority: "P3" },
      { id: "e", priority: 5 },
      { id: "f" },
    ]);
    expect(s.collected.map((c) => c.event.state.level)).toEqual([
      Level.WARNING,
      Level.INFO,
      Level.CRITICAL,
      Level.WARNING,
      Level.INFO,
      Level.CRITICAL,
    ]);
    expect(s.collected[5]!.event.state.message).toBe("f");
  });

  it("answers 400 for a missing topic, bad JSON, a missing id and unknown words; nothing is collected", async () => {
    const s = await start();
    const base = `${s.url}/tickd/v1/integrations/webhook`;
    expect(await post(base, { id: "a" })).toMatchObject({
      status: 400,
      body: { error: "missing topic: add ?topic=<name> to the URL" },
    });
    expect((await post(`${base}?topic=a%20b`, { id: "a" })).status).toBe(400);
    const bad = await post(`${base}?topic=t`, "{nope");
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toMatch(/^invalid JSON body: /);
    expect(await post(`${base}?topic=t`, { summary: "x" })).toMatchObject({
      status: 400,
      body: { error: 'missing event id: set one of "dedup_key", "id" or "alert_id" (a string or number)' },
    });
    expect(await post(`${base}?topic=t`, [{ id: "ok" }, { summary: "x" }])).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^missing event id \(alert 1\)/) as unknown },
    });
    expect((await post(`${base}?topic=t`, { id: "a", severity: "purple" })).body).toMatchObject({
      error: expect.stringMatching(/^unknown severity "purple"/) as unknown,
    });
    expect((await post(`${base}?topic=t`, { id: "a", status: "sleeping" })).body).toMatchObject({
      error: expect.stringMatching(/^unknown status "sleeping"/) as unknown,
    });
    expect((await post(`${base}?topic=t`, "42")).status).toBe(400);
    expect(s.collected).toEqual([]);
  });

  it("verifies X-Webhook-Signature and X-Signature when a secret is set", async () => {
    const s = await start({ secret: "k3y" });
    const url = `${s.url}/tickd/v1/integrations/webhook?topic=t`;
    const body = '{"id":"a","summary":"signed"}';
    expect((await post(url, body, { "X-Webhook-Signature": sign("k3y", body) })).status).toBe(200);
    expect((await post(url, body, { "X-Signature": sign("k3y", body).slice("sha256=".length) })).status).toBe(
      200,
    );
    expect(await post(url, body, { "X-Webhook-Signature": sign("other", body) })).toMatchObject({
      status: 401,
      body: { error: "invalid signature" },
    });
    expect((await post(url, body + " ", { "X-Webhook-Signature": sign("k3y", body) })).status).toBe(401);
    expect(await post(url, body)).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^missing signature/) as unknown },
    });
    expect(s.collected).toHaveLength(2);
  });

  it("acknowledges an open incident, keeping its level, and uses stored state for durations", async () => {
    const states = new Map<string, AlertEventState>([
      [
        "t/inc",
        {
          id: "inc",
          message: "CPU high",
          details: "d",
          time: NOW_NS - 60_000_000_000n,
          duration: 30e9,
          level: Level.WARNING,
        },
      ],
    ]);
    const s = await start({ state: (topic, id) => states.get(`${topic}/${id}`) });
    const url = `${s.url}/tickd/v1/integrations/webhook?topic=t`;
    expect((await post(url, { id: "inc", status: "acknowledge" })).body).toEqual({ accepted: 1 });
    const ack = s.collected[0]!.event;
    expect(isAcknowledged(ack)).toBe(true);
    expect(ack.state).toMatchObject({ id: "inc", level: Level.WARNING, message: "CPU high", duration: 90e9 });
    // Nothing open to acknowledge and no level given: ignored.
    expect((await post(url, { id: "unknown", status: "ack" })).body).toEqual({ accepted: 0 });
    // Re-triggering the open incident continues its duration.
    await post(url, { id: "inc", severity: "critical" });
    expect(s.collected[1]!.event.state).toMatchObject({ level: Level.CRITICAL, duration: 90e9 });
  });
});

describe("POST /tickd/v1/integrations/alertmanager", () => {
  const payload = {
    version: "4",
    groupKey: '{}:{alertname="HighLatency"}',
    truncatedAlerts: 0,
    status: "firing",
    receiver: "tickd",
    groupLabels: { alertname: "HighLatency" },
    commonLabels: { alertname: "HighLatency" },
    commonAnnotations: {},
    externalURL: "http://am:9093",
    alerts: [
      {
        status: "firing",
        labels: { alertname: "HighLatency", severity: "warning", service: "api" },
        annotations: { summary: "p99 above 1s", description: "api p99 is 1.4s" },
        startsAt: new Date(NOW - 120_000).toISOString(),
        endsAt: "0001-01-01T00:00:00Z",
        generatorURL: "http://prom/graph",
        fingerprint: "b1c2d3e4f5a6b7c8",
      },
      {
        status: "resolved",
        labels: { alertname: "DiskFull", instance: "db-1" },
        annotations: {},
        startsAt: new Date(NOW - 600_000).toISOString(),
        endsAt: new Date(NOW - 60_000).toISOString(),
        generatorURL: "",
        fingerprint: "",
      },
    ],
  };

  it("maps each alert onto an event", async () => {
    const s = await start({ secret: "not-used-for-alertmanager" });
    const r = await post(`${s.url}/tickd/v1/integrations/alertmanager?topic=am`, payload);
    expect(r).toEqual({ status: 200, body: { accepted: 2 } });
    const [a, b] = s.collected.map((c) => c.event);
    expect(a!.state).toEqual({
      id: "b1c2d3e4f5a6b7c8",
      message: "p99 above 1s",
      details: "api p99 is 1.4s",
      time: NOW_NS,
      duration: 120e9,
      level: Level.WARNING,
    });
    expect(a!.data).toMatchObject({
      name: "HighLatency",
      taskName: "alertmanager",
      tags: payload.alerts[0]!.labels,
    });
    expect(b!.state).toEqual({
      id: 'DiskFull{instance="db-1"}',
      message: "DiskFull",
      details: "",
      time: NOW_NS - 60_000_000_000n,
      duration: 540e9,
      level: Level.OK,
    });
  });

  it("rejects what is not a version 4 payload", async () => {
    const s = await start();
    const url = `${s.url}/tickd/v1/integrations/alertmanager?topic=am`;
    expect((await post(url, { ...payload, version: "3" })).status).toBe(400);
    expect((await post(url, { version: "4" })).body).toMatchObject({
      error: 'missing "alerts": expected a list',
    });
    expect((await post(url, { alerts: [{ status: "pending", labels: { alertname: "x" } }] })).status).toBe(
      400,
    );
    expect((await post(url, "[")).status).toBe(400);
    expect((await post(`${s.url}/tickd/v1/integrations/alertmanager`, payload)).status).toBe(400);
    expect(s.collected).toEqual([]);
  });

  it("treats unknown or missing severities as CRITICAL", async () => {
    const s = await start();
    await post(`${s.url}/tickd/v1/integrations/alertmanager?topic=am`, {
      version: "4",
      alerts: [
        { status: "firing", labels: { alertname: "A", severity: "sev-x" }, fingerprint: "1" },
        { status: "firing", labels: { alertname: "B" }, fingerprint: "2" },
        { status: "firing", labels: { alertname: "C", severity: "info" }, fingerprint: "3" },
      ],
    });
    expect(s.collected.map((c) => c.event.state.level)).toEqual([Level.CRITICAL, Level.CRITICAL, Level.INFO]);
  });
});
