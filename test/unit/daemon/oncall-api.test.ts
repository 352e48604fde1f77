/**
 * The on-call HTTP API of an in-process daemon: Alertmanager API v2 shapes (the fields
 * openapi.yaml marks required), its error bodies (a JSON string), and tickd's ack/snooze routes.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { Daemon } from "../../../src/server/daemon.js";
import { startDaemonIn } from "../../support/in-process-daemon.js";

let running: { daemon: Daemon; dir: string } | undefined;
afterEach(async () => {
  await running?.daemon.stop();
  if (running !== undefined) rmSync(running.dir, { recursive: true, force: true });
  running = undefined;
});

async function start(): Promise<string> {
  running = await startDaemonIn();
  return `http://127.0.0.1:${running.daemon.port}`;
}

async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url + path, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
}

const HOUR = 3600_000;

describe("/api/v2 (Alertmanager API v2 subset)", () => {
  it("answers status, alerts, groups and silences with Alertmanager's shapes", async () => {
    const url = await start();
    const status = (await call(url, "GET", "/api/v2/status")).body as Record<string, unknown>;
    expect(Object.keys(status).sort()).toEqual(["cluster", "config", "uptime", "versionInfo"]);
    expect(status.cluster).toMatchObject({ status: "disabled" });
    expect(Object.keys(status.versionInfo as object).sort()).toEqual(
      ["branch", "buildDate", "buildUser", "goVersion", "revision", "version"].sort(),
    );

    const posted = await call(url, "POST", "/api/v2/alerts", [
      { labels: { alertname: "Load", host: "a", severity: "warning" }, annotations: { summary: "load a" } },
      { labels: { alertname: "Load", host: "b", topic: "team-b" }, annotations: { summary: "load b" } },
    ]);
    expect(posted.status).toBe(200);
    const alerts = (await call(url, "GET", "/api/v2/alerts")).body as Record<string, unknown>[];
    expect(alerts).toHaveLength(2);
    for (const a of alerts) {
      expect(Object.keys(a).sort()).toEqual(
        [
          "annotations",
          "endsAt",
          "fingerprint",
          "labels",
          "receivers",
          "startsAt",
          "status",
          "updatedAt",
        ].sort(),
      );
      expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(a.status).toEqual({ inhibitedBy: [], silencedBy: [], state: "active" });
    }
    const byHost = new Map(alerts.map((a) => [(a.labels as Record<string, string>).host, a]));
    expect(byHost.get("a")).toMatchObject({
      labels: {
        alertname: "Load",
        host: "a",
        severity: "warning",
        task: "alertmanager",
        topic: "prometheus",
      },
      annotations: { summary: "load a" },
      receivers: [{ name: "prometheus" }],
    });
    expect(byHost.get("b")).toMatchObject({ labels: { topic: "team-b", severity: "critical" } });

    const groups = (await call(url, "GET", "/api/v2/alerts/groups")).body as {
      labels: object;
      alerts: unknown[];
    }[];
    expect(groups.map((g) => [g.labels, g.alerts.length])).toEqual([
      [{ topic: "prometheus" }, 1],
      [{ topic: "team-b" }, 1],
    ]);

    const now = Date.now();
    const created = await call(url, "POST", "/api/v2/silences", {
      matchers: [{ name: "host", value: "a", isRegex: false, isEqual: true }],
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + HOUR).toISOString(),
      createdBy: "sre",
      comment: "maintenance",
    });
    expect(created.status).toBe(200);
    const id = (created.body as { silenceID: string }).silenceID;
    const silence = (await call(url, "GET", `/api/v2/silence/${id}`)).body as Record<string, unknown>;
    expect(Object.keys(silence).sort()).toEqual(
      ["comment", "createdBy", "endsAt", "id", "matchers", "startsAt", "status", "updatedAt"].sort(),
    );
    expect(silence.status).toEqual({ state: "active" });

    const active = (await call(url, "GET", "/api/v2/alerts?silenced=false")).body as {
      labels: { host: string };
    }[];
    expect(active.map((a) => a.labels.host)).toEqual(["b"]);
    const filtered = (await call(url, "GET", `/api/v2/alerts?filter=${encodeURIComponent('host=~"a|z"')}`))
      .body as { status: { state: string; silencedBy: string[] } }[];
    expect(filtered.map((a) => a.status)).toEqual([
      { inhibitedBy: [], silencedBy: [id], state: "suppressed" },
    ]);
    const list = (await call(url, "GET", `/api/v2/silences?filter=${encodeURIComponent("host=a")}`))
      .body as unknown[];
    expect(list).toHaveLength(1);

    expect((await call(url, "DELETE", `/api/v2/silence/${id}`)).status).toBe(200);
    expect(((await call(url, "GET", `/api/v2/silence/${id}`)).body as { status: object }).status).toEqual({
      state: "expired",
    });

    // Resolving through endsAt in the past.
    await call(url, "POST", "/api/v2/alerts", [
      {
        labels: { alertname: "Load", host: "a", severity: "warning" },
        endsAt: new Date(Date.now() - 1000).toISOString(),
      },
    ]);
    expect(((await call(url, "GET", "/api/v2/alerts")).body as unknown[]).length).toBe(1);
  });

  it("answers errors as a JSON string: 400 for a bad silence or matcher, 404 for an unknown silence", async () => {
    const url = await start();
    const now = Date.now();
    const bad = await call(url, "POST", "/api/v2/silences", {
      matchers: [{ name: "host", value: ".*", isRegex: true, isEqual: true }],
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + HOUR).toISOString(),
      createdBy: "sre",
      comment: "c",
    });
    expect(bad).toEqual({
      status: 400,
      body: "silence invalid: at least one matcher must not match the empty string",
    });
    const past = await call(url, "POST", "/api/v2/silences", {
      matchers: [{ name: "host", value: "a", isRegex: false, isEqual: true }],
      startsAt: new Date(now - 2 * HOUR).toISOString(),
      endsAt: new Date(now - HOUR).toISOString(),
      createdBy: "sre",
      comment: "c",
    });
    expect(past.status).toBe(400);
    expect(await call(url, "GET", "/api/v2/silence/00000000-0000-0000-0000-000000000000")).toEqual({
      status: 404,
      body: "silence 00000000-0000-0000-0000-000000000000 not found",
    });
    const update = await call(url, "POST", "/api/v2/silences", {
      id: "nope",
      matchers: [{ name: "host", value: "a", isRegex: false, isEqual: true }],
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + HOUR).toISOString(),
      createdBy: "sre",
      comment: "c",
    });
    expect(update.status).toBe(404);
    const filter = await call(url, "GET", `/api/v2/alerts?filter=${encodeURIComponent('a=~"("')}`);
    expect(filter.status).toBe(400);
    expect(filter.body).toMatch(/invalid regular expression/);
    expect((await call(url, "POST", "/api/v2/alerts", [{ labels: {} }])).status).toBe(400);
  });
});

describe("/tickd/v1/alerts", () => {
  it("acknowledges, unacknowledges and snoozes one alert; lists it with its state", async () => {
    const url = await start();
    await call(url, "POST", "/api/v2/alerts", [{ labels: { alertname: "Disk", host: "a" } }]);
    const id = 'Disk{host="a"}';
    const path = `/tickd/v1/alerts/prometheus/${encodeURIComponent(id)}`;
    expect((await call(url, "POST", `${path}/ack`, { by: "alice", comment: "mine" })).status).toBe(200);
    let listed = (await call(url, "GET", "/tickd/v1/alerts?topic=prometheus")).body as {
      alerts: { id: string; level: string; acknowledged: { by: string } | null; snoozedBy: string[] }[];
    };
    expect(listed.alerts).toEqual([
      expect.objectContaining({
        id,
        level: "CRITICAL",
        acknowledged: expect.objectContaining({ by: "alice" }) as unknown,
      }),
    ]);
    expect((await call(url, "POST", `${path}/unack`)).status).toBe(200);
    expect((await call(url, "POST", `${path}/unack`)).status).toBe(404);
    expect((await call(url, "POST", `${path}/snooze`, {})).status).toBe(400);
    const snoozed = await call(url, "POST", `${path}/snooze`, { for: "30m", by: "alice" });
    expect(snoozed.status).toBe(200);
    listed = (await call(url, "GET", "/tickd/v1/alerts?level=critical")).body as typeof listed;
    expect(listed.alerts[0]!.snoozedBy).toEqual([(snoozed.body as { silence: { id: string } }).silence.id]);
    expect((await call(url, "POST", "/tickd/v1/alerts/prometheus/nope/ack")).status).toBe(404);
    expect((await call(url, "POST", `${path}/bogus`)).status).toBe(404);
  });
});
