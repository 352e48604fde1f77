/**
 * Every inbound source of DESIGN §13 against a spawned daemon: each fixture in
 * test/fixtures/integrations/ (written from the vendor's documented sample payload) is posted
 * to `/tickd/v1/integrations/<source>?topic=<t>` and the topic event it leaves behind is read
 * back through Kapacitor's topics API: its id (the vendor's stable key), level and resolve.
 * Signed sources are posted with the vendor's signature; a wrong signature gets 401, a
 * missing one 400, a malformed body 400, an oversized one 413, and the daemon keeps alerting.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { REPO } from "../support/cli.js";
import { startTickd, type TickdProcess } from "../support/daemon.js";

const FIXTURES = join(REPO, "test/fixtures/integrations");
const fixture = (name: string): string => readFileSync(join(FIXTURES, `${name}.json`), "utf8");

const SECRETS = {
  webhook: "webhook-secret-e2e",
  grafana: "grafana-secret-e2e",
  sentry: "sentry-client-secret-e2e",
  github: "github-secret-e2e",
  bitbucket: "bitbucket-secret-e2e",
  "splunk-observability": "sfx-secret-e2e",
  honeycomb: "honeycomb-token-e2e",
} as const;

const hmac = (secret: string, body: string, enc: "hex" | "base64"): string =>
  createHmac("sha256", secret).update(body).digest(enc);

/** The headers a vendor sends with `body` (its signature under the configured secret, its event header). */
function vendorHeaders(
  source: string,
  body: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const h: Record<string, string> = { "Content-Type": "application/json", ...extra };
  switch (source) {
    case "webhook":
      h["X-Webhook-Signature"] = `sha256=${hmac(SECRETS.webhook, body, "hex")}`;
      break;
    case "grafana":
      h["X-Grafana-Alerting-Signature"] = hmac(SECRETS.grafana, body, "hex");
      break;
    case "sentry":
      h["Sentry-Hook-Signature"] = hmac(SECRETS.sentry, body, "hex");
      break;
    case "github":
      h["X-Hub-Signature-256"] = `sha256=${hmac(SECRETS.github, body, "hex")}`;
      h["X-GitHub-Event"] ??= "workflow_run";
      break;
    case "bitbucket":
      h["X-Hub-Signature"] = `sha256=${hmac(SECRETS.bitbucket, body, "hex")}`;
      h["X-Event-Key"] = "repo:commit_status_updated";
      break;
    case "splunk-observability":
      h["X-SFX-Signature"] = hmac(SECRETS["splunk-observability"], body, "base64");
      break;
    case "honeycomb":
      h["X-Honeycomb-Webhook-Token"] = SECRETS.honeycomb;
      break;
  }
  return h;
}

/** The signature header each signed source checks (for the bad-signature cases). */
const SIGNATURE_HEADER: Record<keyof typeof SECRETS, string> = {
  webhook: "X-Webhook-Signature",
  grafana: "X-Grafana-Alerting-Signature",
  sentry: "Sentry-Hook-Signature",
  github: "X-Hub-Signature-256",
  bitbucket: "X-Hub-Signature",
  "splunk-observability": "X-SFX-Signature",
  honeycomb: "X-Honeycomb-Webhook-Token",
};

type LevelName = "OK" | "INFO" | "WARNING" | "CRITICAL";

interface Step {
  fixture: string;
  level: LevelName;
  /** Extra request headers (event names). */
  headers?: Record<string, string>;
  /** Expected answer status; default 200. */
  status?: number;
}

interface Case {
  /** The `<source>` in the URL (a pinned name or an alias). */
  source: string;
  /** The topic the events go to (one per case, so ids cannot collide). */
  topic: string;
  /** The event id: the vendor's stable key. */
  id: string;
  steps: Step[];
}

const fire = (fixture: string, level: LevelName = "CRITICAL", more: Partial<Step> = {}): Step => ({
  fixture,
  level,
  ...more,
});
const resolve = (fixture: string, more: Partial<Step> = {}): Step => ({ fixture, level: "OK", ...more });

const CASES: Case[] = [
  {
    source: "webhook",
    topic: "webhook",
    id: "db-1-disk",
    steps: [fire("webhook.firing"), resolve("webhook.resolved")],
  },
  {
    source: "alertmanager",
    topic: "alertmanager",
    id: "a1b2c3d4e5f60718",
    steps: [fire("alertmanager.firing", "WARNING"), resolve("alertmanager.resolved")],
  },
  {
    source: "prometheus",
    topic: "prometheus",
    id: "a1b2c3d4e5f60718",
    steps: [fire("alertmanager.firing", "WARNING"), resolve("alertmanager.resolved")],
  },
  {
    source: "grafana",
    topic: "grafana",
    id: "57c6d9296de2ad39",
    steps: [fire("grafana.firing"), resolve("grafana.resolved")],
  },
  {
    source: "datadog",
    topic: "datadog",
    id: "7071580465326913000",
    steps: [fire("datadog.firing"), resolve("datadog.resolved")],
  },
  {
    source: "datadog",
    topic: "datadog-default",
    id: "title:Disk usage high {host:db-2}",
    steps: [fire("datadog-default.firing"), resolve("datadog-default.resolved")],
  },
  {
    source: "pagerduty",
    topic: "pagerduty",
    id: "srv01/HTTP",
    steps: [
      fire("pagerduty.firing", "CRITICAL", { status: 202 }),
      // An acknowledgement keeps the incident's level.
      fire("pagerduty.acknowledge", "CRITICAL", { status: 202 }),
      resolve("pagerduty.resolved", { status: 202 }),
    ],
  },
  {
    source: "opsgenie",
    topic: "opsgenie",
    id: "web-4-unreachable",
    steps: [fire("opsgenie.firing"), fire("opsgenie.acknowledge"), resolve("opsgenie.resolved")],
  },
  {
    source: "splunk-oncall",
    topic: "splunk-oncall",
    id: "disk.space/db-7",
    steps: [fire("splunk-oncall.firing"), resolve("splunk-oncall.resolved")],
  },
  {
    source: "elastic",
    topic: "elastic",
    id: "b2f0c5e4-3a7d-4c1f-9e2b-5d6a7c8b9e0f",
    steps: [fire("elastic.firing"), resolve("elastic.resolved")],
  },
  {
    source: "kibana",
    topic: "kibana",
    id: "b2f0c5e4-3a7d-4c1f-9e2b-5d6a7c8b9e0f",
    steps: [fire("elastic.firing"), resolve("elastic.resolved")],
  },
  {
    source: "newrelic",
    topic: "newrelic",
    id: "c3b2f6e4-8f2a-4d4e-9a6b-1f2e3d4c5b6a",
    steps: [fire("newrelic.firing"), resolve("newrelic.resolved")],
  },
  {
    source: "newrelic",
    topic: "newrelic-legacy",
    id: "555666",
    steps: [fire("newrelic-legacy.firing"), resolve("newrelic-legacy.resolved")],
  },
  {
    source: "sentry",
    topic: "sentry",
    id: "4056789012",
    steps: [fire("sentry.firing", "CRITICAL", { headers: { "Sentry-Hook-Resource": "event_alert" } })],
  },
  {
    source: "sentry",
    topic: "sentry-metric",
    id: "8821",
    steps: [
      fire("sentry-metric.firing", "CRITICAL", { headers: { "Sentry-Hook-Resource": "metric_alert" } }),
      resolve("sentry-metric.resolved", { headers: { "Sentry-Hook-Resource": "metric_alert" } }),
    ],
  },
  {
    source: "cloudwatch",
    topic: "cloudwatch",
    id: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api-5xx-rate",
    steps: [fire("cloudwatch.firing"), resolve("cloudwatch.resolved")],
  },
  {
    source: "azure",
    topic: "azure",
    id: "/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.AlertsManagement/alerts/b9569717-bc32-442f-add5-83a997729330",
    steps: [fire("azure.firing"), resolve("azure.resolved")],
  },
  {
    source: "google-cloud-monitoring",
    topic: "google-cloud-monitoring",
    id: "0.opqiw61fsv7p",
    steps: [fire("google-cloud-monitoring.firing"), resolve("google-cloud-monitoring.resolved")],
  },
  {
    source: "dynatrace",
    topic: "dynatrace",
    id: "-4581893829745123456_1764932400000V2",
    steps: [fire("dynatrace.firing", "WARNING"), resolve("dynatrace.resolved")],
  },
  {
    source: "appdynamics",
    topic: "appdynamics",
    id: "1188",
    steps: [fire("appdynamics.firing"), resolve("appdynamics.resolved")],
  },
  {
    source: "splunk-observability",
    topic: "splunk-observability",
    id: "Fi9nC0AAAAA",
    steps: [fire("splunk-observability.firing"), resolve("splunk-observability.resolved")],
  },
  {
    source: "honeycomb",
    topic: "honeycomb",
    id: "mjxHA2FmEXd",
    steps: [fire("honeycomb.firing"), resolve("honeycomb.resolved")],
  },
  {
    source: "uptimerobot",
    topic: "uptimerobot",
    id: "777888999",
    steps: [fire("uptimerobot.firing"), resolve("uptimerobot.resolved")],
  },
  {
    source: "pingdom",
    topic: "pingdom",
    id: "12345678",
    steps: [fire("pingdom.firing"), resolve("pingdom.resolved")],
  },
  {
    source: "better-uptime",
    topic: "better-uptime",
    id: "987654321",
    steps: [fire("better-uptime.firing"), resolve("better-uptime.resolved")],
  },
  {
    source: "uptime-kuma",
    topic: "uptime-kuma",
    id: "12",
    steps: [
      fire("uptime-kuma.firing"),
      fire("uptime-kuma.pending", "WARNING"),
      fire("uptime-kuma.maintenance", "INFO"),
      resolve("uptime-kuma.resolved"),
    ],
  },
  {
    source: "github",
    topic: "github",
    id: "octo-org/octo-repo/workflow/159038@main",
    steps: [fire("github.firing"), resolve("github.resolved")],
  },
  {
    source: "bitbucket",
    topic: "bitbucket",
    id: "acme/shop/status/pipeline-build@main",
    steps: [fire("bitbucket.firing"), resolve("bitbucket.resolved")],
  },
];

let daemon: TickdProcess;

beforeAll(async () => {
  daemon = await startTickd({
    extraConfig: [
      "[webhook]",
      `  incoming-secret = ${JSON.stringify(SECRETS.webhook)}`,
      "[integrations.grafana]",
      `  secret = ${JSON.stringify(SECRETS.grafana)}`,
      "[integrations.sentry]",
      `  secret = ${JSON.stringify(SECRETS.sentry)}`,
      "[integrations.bitbucket]",
      `  secret = ${JSON.stringify(SECRETS.bitbucket)}`,
      "[integrations.splunk-observability]",
      `  secret = ${JSON.stringify(SECRETS["splunk-observability"])}`,
      "[integrations.honeycomb]",
      `  secret = ${JSON.stringify(SECRETS.honeycomb)}`,
      "[integrations.elastic]",
      '  watcher-auto-resolve = "1s"',
    ].join("\n"),
    // Secrets from the environment work too (and are what the example config recommends).
    env: { TICKD_INTEGRATIONS_GITHUB_SECRET: SECRETS.github, TICKD_HTTP_MAX_BODY_SIZE: "1MB" },
  });
});

afterAll(async () => {
  await daemon?.stop("SIGKILL");
  const { rmSync } = await import("node:fs");
  if (daemon !== undefined) rmSync(daemon.dir, { recursive: true, force: true });
});

async function post(
  source: string,
  topic: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${daemon.url}/tickd/v1/integrations/${source}?topic=${topic}`, {
    method: "POST",
    headers,
    body,
  });
  const text = await res.text();
  return { status: res.status, json: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

interface EventJson {
  id: string;
  state: { level: LevelName; message: string };
}

async function topicEvent(topic: string, id: string): Promise<EventJson | undefined> {
  const res = await fetch(`${daemon.url}/kapacitor/v1/alerts/topics/${topic}/events`);
  if (res.status !== 200) return undefined;
  const body = (await res.json()) as { events: EventJson[] };
  return body.events.find((e) => e.id === id);
}

async function metricsText(): Promise<string> {
  return (await fetch(`${daemon.url}/metrics`)).text();
}

describe("inbound integrations: a fixture per source", () => {
  it.each(CASES.map((c) => [`${c.source} → ${c.topic}`, c] as const))("%s", async (_, c) => {
    for (const step of c.steps) {
      const body = fixture(step.fixture);
      const r = await post(c.source, c.topic, body, vendorHeaders(c.source, body, step.headers));
      expect({ fixture: step.fixture, status: r.status, body: r.json }).toMatchObject({
        fixture: step.fixture,
        status: step.status ?? 200,
      });
      if (c.source === "pagerduty") {
        expect(r.json).toEqual({ status: "success", message: "Event processed", dedup_key: c.id });
      } else {
        expect(r.json).toEqual({ accepted: 1 });
      }
      const e = await topicEvent(c.topic, c.id);
      expect({ fixture: step.fixture, id: e?.id, level: e?.state.level }).toEqual({
        fixture: step.fixture,
        id: c.id,
        level: step.level,
      });
    }
  });

  it("collects nothing for vendor requests that say nothing about an alert (GitHub ping, Kuma test)", async () => {
    const ping = fixture("github.ping");
    const r = await post(
      "github",
      "github-ping",
      ping,
      vendorHeaders("github", ping, { "X-GitHub-Event": "ping" }),
    );
    expect(r).toEqual({ status: 200, json: { accepted: 0 } });
    const test = JSON.stringify({ heartbeat: null, monitor: null, msg: "Uptime Kuma Webhook Testing" });
    expect(await post("uptime-kuma", "kuma-test", test, { "Content-Type": "application/json" })).toEqual({
      status: 200,
      json: { accepted: 0 },
    });
    expect(await metricsText()).toMatch(
      /tickd_integration_requests_total\{source="github",outcome="ignored"\} [1-9]/,
    );
  });

  it("auto-resolves an Elasticsearch Watcher alert after watcher-auto-resolve", async () => {
    const body = fixture("elastic-watcher.firing");
    expect(await post("elastic", "watcher", body, { "Content-Type": "application/json" })).toEqual({
      status: 200,
      json: { accepted: 1 },
    });
    await daemon.waitForLog(
      (l) => l["msg"] === "incoming alert auto-resolved" && l["topic"] === "watcher",
      15_000,
    );
    expect((await topicEvent("watcher", "cluster_health_red"))?.state.level).toBe("OK");
  });
});

describe("inbound integrations: refusals", () => {
  it.each(Object.keys(SECRETS) as (keyof typeof SECRETS)[])(
    "%s: a wrong signature is a 401, a missing one a 400, and nothing is collected",
    async (source) => {
      const c = CASES.find((x) => x.source === source)!;
      const body = fixture(c.steps[0]!.fixture);
      const topic = `badsig-${source}`;
      const headers = vendorHeaders(source, body, c.steps[0]!.headers);
      const name = SIGNATURE_HEADER[source];
      const wrong = {
        ...headers,
        [name]:
          source === "splunk-observability"
            ? "AAAA" + headers[name]!.slice(4)
            : headers[name]!.replace(/.$/, (ch) => (ch === "0" ? "1" : "0")),
      };
      const bad = await post(source, topic, body, wrong);
      expect(bad.status).toBe(401);
      expect(String(bad.json["error"])).toMatch(/invalid/);
      const missing = { ...headers };
      delete missing[name];
      const none = await post(source, topic, body, missing);
      expect(none.status).toBe(400);
      expect(String(none.json["error"])).toContain(name);
      if (source !== "honeycomb") {
        // The body was signed right but altered after signing (Honeycomb sends a token, not an HMAC).
        const altered = await post(source, topic, body.replace(/"/, ' "'), headers);
        expect(altered.status).toBe(401);
      }
      expect(await topicEvent(topic, c.id)).toBeUndefined();
    },
  );

  it("every source answers 400 to a body that is not JSON, and to one without the vendor's id", async () => {
    const sources = [...new Set(CASES.map((c) => c.source))];
    for (const source of sources) {
      const notJson = "{not json";
      const r1 = await post(source, "malformed", notJson, vendorHeaders(source, notJson));
      expect({ source, status: r1.status, error: String(r1.json["error"]) }).toMatchObject({
        source,
        status: 400,
        error: expect.stringMatching(/^invalid JSON body/) as unknown,
      });
      const empty = "{}";
      const r2 = await post(source, "malformed", empty, vendorHeaders(source, empty));
      expect({ source, status: r2.status }).toEqual({ source, status: 400 });
      expect(String(r2.json["error"]).length).toBeGreaterThan(10);
    }
    const events = await fetch(`${daemon.url}/kapacitor/v1/alerts/topics/malformed/events`);
    if (events.status === 200) expect(((await events.json()) as { events: unknown[] }).events).toEqual([]);
  });

  it("refuses a body without the vendor's stable key instead of making one up", async () => {
    const pd = JSON.parse(fixture("pagerduty.firing")) as Record<string, unknown>;
    delete pd["dedup_key"];
    const r = await post("pagerduty", "noid", JSON.stringify(pd), { "Content-Type": "application/json" });
    expect(r.status).toBe(400);
    expect(String(r.json["error"])).toContain('"dedup_key"');
    const dd = JSON.parse(fixture("datadog.firing")) as Record<string, unknown>;
    for (const k of ["alert_cycle_key", "aggreg_key", "alert_id"]) delete dd[k];
    dd["title"] = "CPU usage high";
    const r2 = await post("datadog", "noid", JSON.stringify(dd), { "Content-Type": "application/json" });
    expect(r2.status).toBe(400);
    expect(String(r2.json["error"])).toContain("alert_cycle_key");
  });

  it("answers 404 naming the sources for an unknown one, 400 without a topic, 413 past the body limit", async () => {
    const r = await post("nagios", "x", "{}", { "Content-Type": "application/json" });
    expect(r.status).toBe(404);
    expect(String(r.json["error"])).toContain("uptime-kuma");
    const noTopic = await fetch(`${daemon.url}/tickd/v1/integrations/pingdom`, {
      method: "POST",
      body: fixture("pingdom.firing"),
    });
    expect(noTopic.status).toBe(400);
    const big = JSON.stringify({ check_id: 1, current_state: "DOWN", pad: "x".repeat(2 * 1024 * 1024) });
    const tooLarge: Response | Error = await fetch(`${daemon.url}/tickd/v1/integrations/pingdom?topic=big`, {
      method: "POST",
      body: big,
    }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    // The daemon answers 413 and closes the connection; fetch may see either.
    if (!(tooLarge instanceof Error)) expect(tooLarge.status).toBe(413);
    await vi.waitFor(
      async () => expect(await metricsText()).toMatch(/source="pingdom",outcome="too_large"\} 1/),
      {
        timeout: 10_000,
        interval: 100,
      },
    );
  });

  it("counts every refusal in /metrics, logs it without the secret, and keeps alerting", async () => {
    const text = await metricsText();
    expect(text).toMatch(/tickd_integration_requests_total\{source="github",outcome="bad_signature"\} [1-9]/);
    expect(text).toMatch(
      /tickd_integration_requests_total\{source="github",outcome="missing_signature"\} [1-9]/,
    );
    expect(text).toMatch(/tickd_integration_requests_total\{source="pingdom",outcome="malformed"\} [1-9]/);
    expect(text).toMatch(
      /tickd_integration_requests_total\{source="unknown",outcome="unknown_source"\} [1-9]/,
    );
    expect(text).toMatch(/tickd_integration_requests_total\{source="uptime-kuma",outcome="accepted"\} [1-9]/);
    const refusals = daemon.logs.filter((l) => l["msg"] === "incoming alert refused");
    expect(refusals.length).toBeGreaterThan(20);
    const all = JSON.stringify(daemon.logs);
    for (const secret of Object.values(SECRETS)) expect(all).not.toContain(secret);
    // Still alerting after all of that.
    const body = fixture("pingdom.firing");
    expect(await post("pingdom", "after", body, { "Content-Type": "application/json" })).toEqual({
      status: 200,
      json: { accepted: 1 },
    });
    expect((await topicEvent("after", "12345678"))?.state.level).toBe("CRITICAL");
  });

  it("lists the sources with their last event and last refusal, secrets not included", async () => {
    const res = await fetch(`${daemon.url}/tickd/v1/integrations`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      integrations: {
        name: string;
        path: string;
        signature_checked: boolean;
        last_event: string | null;
        last_error: string | null;
      }[];
    };
    expect(body.integrations.map((i) => i.name)).toHaveLength(23);
    const gh = body.integrations.find((i) => i.name === "github")!;
    expect(gh).toMatchObject({ path: "/tickd/v1/integrations/github", signature_checked: true });
    expect(gh.last_event).not.toBeNull();
    expect(gh.last_error).not.toBeNull();
    expect(body.integrations.find((i) => i.name === "datadog")?.signature_checked).toBe(false);
    for (const secret of Object.values(SECRETS)) expect(JSON.stringify(body)).not.toContain(secret);
  });
});
