/**
 * Each source normaliser on its own: the fixtures of test/fixtures/integrations/ and the edge
 * cases of each vendor's format (ids from the vendor's stable key, statuses, levels), the
 * signature checks, and the Watcher auto-resolve timers.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { configSchema } from "../../../src/config/schema.js";
import type { IntegrationsConfig } from "../../../src/config/types.js";
import { Level } from "../../../src/core/types.js";
import { AutoResolver } from "../../../src/integrations/auto-resolve.js";
import { IntegrationError } from "../../../src/integrations/mapping.js";
import { checkHmac, parseTagList, safeEqual, timeNs } from "../../../src/integrations/sources/common.js";
import { findSource, SOURCES } from "../../../src/integrations/sources/index.js";
import type { SourceAlert, SourceResult } from "../../../src/integrations/sources/types.js";

const FIXTURES = join(import.meta.dirname, "../../fixtures/integrations");
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), "utf8")) as unknown;
const NOW_NS = 1_764_932_400_000 * 1e6;
const DEFAULTS: IntegrationsConfig = configSchema.parse({}).integrations;

async function run(
  source: string,
  body: unknown,
  opts: { headers?: Record<string, string>; config?: Partial<IntegrationsConfig> } = {},
): Promise<SourceResult> {
  const s = findSource(source);
  if (s === undefined) throw new Error(`no source ${source}`);
  const headers = Object.fromEntries(
    Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  return s.map(body, {
    request: { headers, raw: Buffer.from(JSON.stringify(body)) },
    config: { ...DEFAULTS, ...opts.config },
    nowNs: NOW_NS,
    io: {
      get: () => Promise.reject(new Error("no network in unit tests")),
      allowedByWebhookRules: () => true,
      log: () => {},
    },
  });
}

async function one(source: string, name: string, headers?: Record<string, string>): Promise<SourceAlert> {
  const r = await run(source, fixture(name), headers !== undefined ? { headers } : {});
  expect(r.alerts).toHaveLength(1);
  return r.alerts[0]!;
}

const summary = (a: SourceAlert) => ({ id: a.id, status: a.status, level: a.level });

async function rejects(source: string, body: unknown, message: RegExp, headers?: Record<string, string>) {
  const p = run(source, body, headers !== undefined ? { headers } : {});
  await expect(p).rejects.toBeInstanceOf(IntegrationError);
  await expect(p).rejects.toMatchObject({ status: 400, message: expect.stringMatching(message) as unknown });
}

const C = Level.CRITICAL;
const W = Level.WARNING;
const I = Level.INFO;

/** [source, fixture, headers, id, status, level] for every fixture that maps to one alert. */
const TABLE: [string, string, Record<string, string> | undefined, string, string, Level | undefined][] = [
  ["webhook", "webhook.firing", undefined, "db-1-disk", "trigger", C],
  ["webhook", "webhook.resolved", undefined, "db-1-disk", "ok", undefined],
  ["alertmanager", "alertmanager.firing", undefined, "a1b2c3d4e5f60718", "trigger", W],
  ["prometheus", "alertmanager.resolved", undefined, "a1b2c3d4e5f60718", "ok", W],
  ["grafana", "grafana.firing", undefined, "57c6d9296de2ad39", "trigger", C],
  ["grafana", "grafana.resolved", undefined, "57c6d9296de2ad39", "ok", C],
  ["datadog", "datadog.firing", undefined, "7071580465326913000", "trigger", C],
  ["datadog", "datadog.resolved", undefined, "7071580465326913000", "ok", Level.OK],
  ["datadog", "datadog-default.firing", undefined, "title:Disk usage high {host:db-2}", "trigger", C],
  ["datadog", "datadog-default.resolved", undefined, "title:Disk usage high {host:db-2}", "ok", Level.OK],
  ["pagerduty", "pagerduty.firing", undefined, "srv01/HTTP", "trigger", C],
  ["pagerduty", "pagerduty.acknowledge", undefined, "srv01/HTTP", "ack", undefined],
  ["pagerduty", "pagerduty.resolved", undefined, "srv01/HTTP", "ok", undefined],
  ["opsgenie", "opsgenie.firing", undefined, "web-4-unreachable", "trigger", C],
  ["opsgenie", "opsgenie.acknowledge", undefined, "web-4-unreachable", "ack", undefined],
  ["opsgenie", "opsgenie.resolved", undefined, "web-4-unreachable", "ok", undefined],
  ["splunk-oncall", "splunk-oncall.firing", undefined, "disk.space/db-7", "trigger", C],
  ["splunk-oncall", "splunk-oncall.resolved", undefined, "disk.space/db-7", "ok", undefined],
  ["elastic", "elastic.firing", undefined, "b2f0c5e4-3a7d-4c1f-9e2b-5d6a7c8b9e0f", "trigger", C],
  ["kibana", "elastic.resolved", undefined, "b2f0c5e4-3a7d-4c1f-9e2b-5d6a7c8b9e0f", "ok", undefined],
  ["elastic", "elastic-watcher.firing", undefined, "cluster_health_red", "trigger", C],
  ["newrelic", "newrelic.firing", undefined, "c3b2f6e4-8f2a-4d4e-9a6b-1f2e3d4c5b6a", "trigger", C],
  ["newrelic", "newrelic.resolved", undefined, "c3b2f6e4-8f2a-4d4e-9a6b-1f2e3d4c5b6a", "ok", undefined],
  ["newrelic", "newrelic-legacy.firing", undefined, "555666", "trigger", C],
  ["newrelic", "newrelic-legacy.resolved", undefined, "555666", "ok", undefined],
  ["sentry", "sentry.firing", { "Sentry-Hook-Resource": "event_alert" }, "4056789012", "trigger", C],
  ["sentry", "sentry-metric.firing", { "Sentry-Hook-Resource": "metric_alert" }, "8821", "trigger", C],
  ["sentry", "sentry-metric.resolved", { "Sentry-Hook-Resource": "metric_alert" }, "8821", "ok", undefined],
  [
    "cloudwatch",
    "cloudwatch.firing",
    undefined,
    "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api-5xx-rate",
    "trigger",
    C,
  ],
  [
    "cloudwatch",
    "cloudwatch.resolved",
    undefined,
    "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api-5xx-rate",
    "ok",
    undefined,
  ],
  ["google-cloud-monitoring", "google-cloud-monitoring.firing", undefined, "0.opqiw61fsv7p", "trigger", C],
  [
    "google-cloud-monitoring",
    "google-cloud-monitoring.resolved",
    undefined,
    "0.opqiw61fsv7p",
    "ok",
    undefined,
  ],
  ["dynatrace", "dynatrace.firing", undefined, "-4581893829745123456_1764932400000V2", "trigger", W],
  ["dynatrace", "dynatrace.resolved", undefined, "-4581893829745123456_1764932400000V2", "ok", undefined],
  ["appdynamics", "appdynamics.firing", undefined, "1188", "trigger", C],
  ["appdynamics", "appdynamics.resolved", undefined, "1188", "ok", undefined],
  ["splunk-observability", "splunk-observability.firing", undefined, "Fi9nC0AAAAA", "trigger", C],
  ["splunk-observability", "splunk-observability.resolved", undefined, "Fi9nC0AAAAA", "ok", undefined],
  ["honeycomb", "honeycomb.firing", undefined, "mjxHA2FmEXd", "trigger", C],
  ["honeycomb", "honeycomb.resolved", undefined, "mjxHA2FmEXd", "ok", undefined],
  ["uptimerobot", "uptimerobot.firing", undefined, "777888999", "trigger", C],
  ["uptimerobot", "uptimerobot.resolved", undefined, "777888999", "ok", undefined],
  ["pingdom", "pingdom.firing", undefined, "12345678", "trigger", C],
  ["pingdom", "pingdom.resolved", undefined, "12345678", "ok", undefined],
  ["better-uptime", "better-uptime.firing", undefined, "987654321", "trigger", C],
  ["better-uptime", "better-uptime.resolved", undefined, "987654321", "ok", undefined],
  ["uptime-kuma", "uptime-kuma.firing", undefined, "12", "trigger", C],
  ["uptime-kuma", "uptime-kuma.pending", undefined, "12", "trigger", W],
  ["uptime-kuma", "uptime-kuma.maintenance", undefined, "12", "trigger", I],
  ["uptime-kuma", "uptime-kuma.resolved", undefined, "12", "ok", undefined],
  [
    "github",
    "github.firing",
    { "X-GitHub-Event": "workflow_run" },
    "octo-org/octo-repo/workflow/159038@main",
    "trigger",
    C,
  ],
  [
    "github",
    "github.resolved",
    { "X-GitHub-Event": "workflow_run" },
    "octo-org/octo-repo/workflow/159038@main",
    "ok",
    undefined,
  ],
  [
    "bitbucket",
    "bitbucket.firing",
    { "X-Event-Key": "repo:commit_status_updated" },
    "acme/shop/status/pipeline-build@main",
    "trigger",
    C,
  ],
  [
    "bitbucket",
    "bitbucket.resolved",
    { "X-Event-Key": "repo:commit_status_created" },
    "acme/shop/status/pipeline-build@main",
    "ok",
    undefined,
  ],
];

describe("source normalisers: the fixtures", () => {
  it("the registry has every pinned source of DESIGN §13, with its aliases", () => {
    expect(SOURCES.map((s) => s.name)).toEqual([
      "webhook",
      "alertmanager",
      "grafana",
      "datadog",
      "pagerduty",
      "opsgenie",
      "splunk-oncall",
      "elastic",
      "newrelic",
      "sentry",
      "cloudwatch",
      "azure",
      "google-cloud-monitoring",
      "dynatrace",
      "appdynamics",
      "splunk-observability",
      "honeycomb",
      "uptimerobot",
      "pingdom",
      "better-uptime",
      "uptime-kuma",
      "github",
      "bitbucket",
    ]);
    expect(findSource("prometheus")?.name).toBe("alertmanager");
    expect(findSource("kibana")?.name).toBe("elastic");
    expect(findSource("nagios")).toBeUndefined();
  });

  it.each(TABLE)("%s %s", async (source, name, headers, id, status, level) => {
    const a = await one(source, name, headers);
    expect(summary(a)).toEqual({ id, status, level });
    expect(a.tags.source ?? a.taskName).toBeTruthy();
    expect(a.taskName).toBe(findSource(source)!.name);
  });

  it("azure: Sev levels and Fired/Resolved", async () => {
    const body = fixture("azure.firing") as { data: { essentials: Record<string, unknown> } };
    for (const [sev, level] of [
      ["Sev0", C],
      ["Sev1", C],
      ["Sev2", W],
      ["Sev3", I],
      ["Sev4", I],
    ] as const) {
      body.data.essentials["severity"] = sev;
      expect((await run("azure", body)).alerts[0]!.level).toBe(level);
    }
    expect(summary(await one("azure", "azure.resolved")).status).toBe("ok");
    body.data.essentials["monitorCondition"] = "Paused";
    await rejects("azure", body, /monitorCondition "Paused"/);
  });
});

describe("source normalisers: edge cases", () => {
  it("never makes an id up: a 400 names the vendor's key", async () => {
    await rejects(
      "pagerduty",
      { event_action: "trigger", payload: { summary: "x", severity: "critical", source: "s" } },
      /"dedup_key"/,
    );
    await rejects(
      "opsgenie",
      { action: "Create", alert: { message: "x" } },
      /"alert.alias" or "alert.alertId"/,
    );
    await rejects("splunk-oncall", { message_type: "CRITICAL" }, /"entity_id"/);
    await rejects(
      "uptime-kuma",
      { heartbeat: { status: 0 }, monitor: { name: "x" }, msg: "down" },
      /"monitor.id"/,
    );
    await rejects("google-cloud-monitoring", { incident: { state: "open" } }, /"incident.incident_id"/);
    await rejects("datadog", { title: "no status prefix", body: "x" }, /alert_cycle_key/);
    await rejects("elastic", { rule_name: "x" }, /alert_uuid/);
    await rejects(
      "cloudwatch",
      { Type: "Notification", Message: JSON.stringify({ NewStateValue: "ALARM" }) },
      /AlarmArn/,
    );
  });

  it("datadog: alert_cycle_key, else aggreg_key, else alert_id; level from alert_type then priority", async () => {
    const b = fixture("datadog.firing") as Record<string, unknown>;
    delete b["alert_cycle_key"];
    expect((await run("datadog", b)).alerts[0]!.id).toBe("9a8b7c6d5e4f3a2b");
    delete b["aggreg_key"];
    expect((await run("datadog", b)).alerts[0]!.id).toBe("112233");
    b["alert_type"] = "warning";
    expect((await run("datadog", b)).alerts[0]!.level).toBe(W);
    delete b["alert_type"];
    b["alert_transition"] = "Re-Triggered";
    expect((await run("datadog", b)).alerts[0]!.level).toBe(C);
    b["alert_transition"] = "No Data";
    expect((await run("datadog", b)).alerts[0]!.level).toBe(W);
    expect((await run("datadog", b)).alerts[0]!.tags).toMatchObject({
      env: "prod",
      service: "checkout",
      host: "web-1",
    });
    b["alert_transition"] = "Exploded";
    await rejects("datadog", b, /alert_transition "Exploded"/);
  });

  it("pagerduty: severities and a trigger without one", async () => {
    const b = fixture("pagerduty.firing") as { payload: Record<string, unknown> };
    for (const [sev, level] of [
      ["critical", C],
      ["error", C],
      ["warning", W],
      ["info", I],
    ] as const) {
      b.payload["severity"] = sev;
      expect((await run("pagerduty", b)).alerts[0]!.level).toBe(level);
    }
    b.payload["severity"] = "bad";
    await rejects("pagerduty", b, /payload.severity "bad"/);
    expect(
      findSource("pagerduty")!.reply!([(await run("pagerduty", fixture("pagerduty.resolved"))).alerts[0]!]),
    ).toEqual({
      status: 202,
      body: { status: "success", message: "Event processed", dedup_key: "srv01/HTTP" },
    });
  });

  it("opsgenie: alertId without alias; other actions collect nothing", async () => {
    const b = fixture("opsgenie.firing") as { action: string; alert: Record<string, unknown> };
    delete b.alert["alias"];
    expect((await run("opsgenie", b)).alerts[0]!.id).toBe(
      "2fd2ba80-1d11-4b4b-9d2c-8e1b3c2d8f1a-1764932400000",
    );
    b.action = "AddNote";
    expect((await run("opsgenie", b)).alerts).toEqual([]);
  });

  it("splunk-oncall: WARNING, INFO and ACKNOWLEDGEMENT", async () => {
    const b = fixture("splunk-oncall.firing") as Record<string, unknown>;
    b["message_type"] = "WARNING";
    expect(summary((await run("splunk-oncall", b)).alerts[0]!)).toMatchObject({ level: W });
    b["message_type"] = "ACKNOWLEDGEMENT";
    expect(summary((await run("splunk-oncall", b)).alerts[0]!)).toMatchObject({ status: "ack" });
    b["message_type"] = "PAGE";
    await rejects("splunk-oncall", b, /message_type "PAGE"/);
  });

  it("elastic: a Watcher alert carries watcher-auto-resolve; 0 turns it off; Kibana rules fall back to rule_id:alert_id", async () => {
    expect((await one("elastic", "elastic-watcher.firing")).autoResolveAfter).toBe(3600e9);
    const off = await run("elastic", fixture("elastic-watcher.firing"), {
      config: { elastic: { watcherAutoResolve: 0 } },
    });
    expect(off.alerts[0]!.autoResolveAfter).toBeUndefined();
    const b = fixture("elastic.firing") as Record<string, unknown>;
    delete b["alert_uuid"];
    expect((await run("elastic", b)).alerts[0]!.id).toBe(
      "6b3c1e20-8f1d-11ee-b9d1-0242ac120002:checkout-service",
    );
    expect((await one("elastic", "elastic.resolved")).autoResolveAfter).toBeUndefined();
  });

  it("sentry: issue actions, and the legacy plugin body", async () => {
    const issue = { action: "resolved", data: { issue: { id: "77", title: "boom", level: "error" } } };
    expect(
      summary((await run("sentry", issue, { headers: { "Sentry-Hook-Resource": "issue" } })).alerts[0]!),
    ).toEqual({
      id: "77",
      status: "ok",
      level: undefined,
    });
    expect((await run("sentry", { ...issue, action: "assigned" })).alerts).toEqual([]);
    const legacy = {
      id: "991",
      project: "shop",
      level: "warning",
      message: "Slow query",
      url: "https://sentry.example.com/x",
    };
    expect(summary((await run("sentry", legacy)).alerts[0]!)).toEqual({
      id: "991",
      status: "trigger",
      level: W,
    });
  });

  it("cloudwatch: INSUFFICIENT_DATA is a WARNING; unsubscribe and a disabled confirmation collect nothing", async () => {
    const b = fixture("cloudwatch.firing") as Record<string, unknown>;
    const alarm = JSON.parse(String(b["Message"])) as Record<string, unknown>;
    alarm["NewStateValue"] = "INSUFFICIENT_DATA";
    b["Message"] = JSON.stringify(alarm);
    expect((await run("cloudwatch", b)).alerts[0]!.level).toBe(W);
    b["Message"] = "not json";
    await rejects("cloudwatch", b, /not a CloudWatch alarm/);
    expect((await run("cloudwatch", { ...b, Type: "UnsubscribeConfirmation" })).alerts).toEqual([]);
    const refused = await run("cloudwatch", fixture("cloudwatch.subscribe"), {
      config: { cloudwatch: { ...DEFAULTS.cloudwatch, confirmSubscriptions: false } },
    });
    expect(refused).toMatchObject({ alerts: [], outcome: "subscribe_refused" });
    await rejects("cloudwatch", { Type: "Hello" }, /Type "Hello"/);
  });

  it("uptimerobot: SSL expiry is a separate WARNING alert", async () => {
    const b = fixture("uptimerobot.firing") as Record<string, unknown>;
    b["alertType"] = "3";
    expect(summary((await run("uptimerobot", b)).alerts[0]!)).toEqual({
      id: "777888999:ssl",
      status: "trigger",
      level: W,
    });
    b["alertType"] = "9";
    await rejects("uptimerobot", b, /alertType "9"/);
  });

  it("uptime-kuma: an unknown status is a 400; the test message collects nothing", async () => {
    const b = fixture("uptime-kuma.firing") as { heartbeat: Record<string, unknown> };
    b.heartbeat["status"] = 7;
    await rejects("uptime-kuma", b, /heartbeat.status 7/);
    expect((await run("uptime-kuma", { heartbeat: null, monitor: null, msg: "Testing" })).alerts).toEqual([]);
  });

  it("github: security alerts, deployments, and events that are not alerts", async () => {
    const h = (e: string) => ({ "X-GitHub-Event": e });
    const repo = { full_name: "octo-org/octo-repo" };
    const code = {
      action: "created",
      alert: { number: 42, rule: { security_severity_level: "high", description: "SQL injection" } },
      repository: repo,
    };
    expect(summary((await run("github", code, { headers: h("code_scanning_alert") })).alerts[0]!)).toEqual({
      id: "octo-org/octo-repo/code_scanning_alert/42",
      status: "trigger",
      level: C,
    });
    const fixed = { ...code, action: "fixed" };
    expect((await run("github", fixed, { headers: h("code_scanning_alert") })).alerts[0]!.status).toBe("ok");
    const dep = { deployment_status: { state: "failure", environment: "production" }, repository: repo };
    expect((await run("github", dep, { headers: h("deployment_status") })).alerts[0]!.id).toBe(
      "octo-org/octo-repo/deployment/production",
    );
    expect((await run("github", fixture("github.ping"), { headers: h("ping") })).alerts).toEqual([]);
    const cancelled = fixture("github.firing") as { workflow_run: Record<string, unknown> };
    cancelled.workflow_run["conclusion"] = "cancelled";
    expect((await run("github", cancelled, { headers: h("workflow_run") })).alerts).toEqual([]);
    await rejects("github", fixture("github.firing"), /X-GitHub-Event/);
  });

  it("bitbucket: in-progress statuses and other events collect nothing", async () => {
    const b = fixture("bitbucket.firing") as { commit_status: Record<string, unknown> };
    b.commit_status["state"] = "INPROGRESS";
    expect(
      (await run("bitbucket", b, { headers: { "X-Event-Key": "repo:commit_status_updated" } })).alerts,
    ).toEqual([]);
    expect((await run("bitbucket", {}, { headers: { "X-Event-Key": "diagnostics:ping" } })).alerts).toEqual(
      [],
    );
  });
});

describe("signatures", () => {
  const raw = Buffer.from('{"a":1}');
  const sig = (s: string, enc: "hex" | "base64") => createHmac("sha256", s).update(raw).digest(enc);
  const req = (headers: Record<string, string>) => ({ headers, raw });

  it("checkHmac: no secret accepts; missing header 400; wrong 401; right (any hex case, prefix) accepted", () => {
    const opts = { secret: "k", header: "X-Hub-Signature-256", encoding: "hex" as const, prefix: "sha256=" };
    expect(checkHmac(req({}), { ...opts, secret: "" })).toBeUndefined();
    expect(checkHmac(req({}), opts)).toMatchObject({ status: 400 });
    expect(checkHmac(req({ "x-hub-signature-256": "sha256=00" }), opts)).toMatchObject({ status: 401 });
    expect(checkHmac(req({ "x-hub-signature-256": `sha256=${sig("k", "hex")}` }), opts)).toBeUndefined();
    expect(
      checkHmac(req({ "x-hub-signature-256": `sha256=${sig("k", "hex").toUpperCase()}` }), opts),
    ).toBeUndefined();
    expect(checkHmac(req({ "x-hub-signature-256": `sha256=${sig("other", "hex")}` }), opts)).toMatchObject({
      status: 401,
    });
  });

  it("grafana signs <timestamp>:<body> when a timestamp header is configured", () => {
    const config = {
      ...DEFAULTS,
      grafana: { secret: "g", timestampHeader: "X-Grafana-Alerting-Signature-Timestamp" },
    };
    const ts = "1764932400";
    const good = createHmac("sha256", "g").update(`${ts}:`).update(raw).digest("hex");
    const verify = findSource("grafana")!.verify!;
    expect(
      verify(
        req({ "x-grafana-alerting-signature": good, "x-grafana-alerting-signature-timestamp": ts }),
        config,
      ),
    ).toBeUndefined();
    expect(
      verify(
        req({ "x-grafana-alerting-signature": good, "x-grafana-alerting-signature-timestamp": "1" }),
        config,
      ),
    ).toMatchObject({
      status: 401,
    });
    expect(verify(req({ "x-grafana-alerting-signature": good }), config)).toMatchObject({ status: 400 });
  });

  it("splunk-observability is base64; honeycomb a plain token", () => {
    const config = {
      ...DEFAULTS,
      splunkObservability: { secret: "s" },
      honeycomb: { secret: "tok" },
    };
    expect(
      findSource("splunk-observability")!.verify!(req({ "x-sfx-signature": sig("s", "base64") }), config),
    ).toBeUndefined();
    expect(
      findSource("splunk-observability")!.verify!(req({ "x-sfx-signature": sig("s", "hex") }), config),
    ).toMatchObject({
      status: 401,
    });
    expect(
      findSource("honeycomb")!.verify!(req({ "x-honeycomb-webhook-token": "tok" }), config),
    ).toBeUndefined();
    expect(
      findSource("honeycomb")!.verify!(req({ "x-honeycomb-webhook-token": "tok2" }), config),
    ).toMatchObject({ status: 401 });
  });

  it("safeEqual: equal, different, different lengths", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
  });
});

describe("helpers", () => {
  it("parseTagList and timeNs", () => {
    expect(parseTagList("env:prod, team=payments,solo")).toEqual({ env: "prod", team: "payments", solo: "" });
    expect(parseTagList(["a:1", 2])).toEqual({ a: "1", "2": "" });
    expect(timeNs(1764932400)).toBe(1764932400e9);
    expect(timeNs("1764932400000")).toBe(1764932400000e6);
    expect(timeNs("2026-12-05T09:00:00Z")).toBe(Date.parse("2026-12-05T09:00:00Z") * 1e6);
    expect(timeNs(null)).toBeUndefined();
  });
});

describe("AutoResolver", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fires once after the quiet period, restarts on a new alert, and is cancelled by a resolve or close", () => {
    vi.useFakeTimers();
    const fired: string[] = [];
    const r = new AutoResolver((topic, a) => fired.push(`${topic}/${a.id}`));
    const a = { id: "w1" } as SourceAlert;
    r.arm("t", a, 10e9);
    vi.advanceTimersByTime(9_000);
    r.arm("t", a, 10e9); // a new alert restarts the wait
    vi.advanceTimersByTime(9_000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual(["t/w1"]);
    expect(r.size).toBe(0);
    r.arm("t", a, 10e9);
    r.cancel("t", "w1");
    r.arm("u", a, 10e9);
    r.close();
    vi.advanceTimersByTime(60_000);
    expect(fired).toEqual(["t/w1"]);
  });
});
