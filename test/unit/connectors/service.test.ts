import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { configSchema } from "../../../src/config/schema.js";
import type { TickdConfig } from "../../../src/config/types.js";
import { ConnectorService, SqliteConnectorStore } from "../../../src/connectors/index.js";
import { createHandlerFactory, fetchSender } from "../../../src/handlers/index.js";
import { SecretBox } from "../../../src/secrets/index.js";
import { openStore } from "../../../src/store/index.js";
import { startReceiver, type Receiver } from "../../support/receiver.js";
import { useTempDir } from "../store/helpers.js";

const K1 = "k1-0123456789abcdef0123456789abcdef";
const K2 = "k2-fedcba9876543210fedcba9876543210";
const PASSWORD = "s3cr3t-Pa55w0rd-unit";

const { dir, track } = useTempDir();
const receivers: Receiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

function service(key: string, oldKeys: string[] = [], config?: TickdConfig) {
  const store = track(openStore(join(dir(), "tickd.db")));
  const logs: string[] = [];
  const cfg = config ?? (configSchema.parse({}) as TickdConfig);
  const svc = new ConnectorService({
    store: new SqliteConnectorStore(store.db),
    box: new SecretBox({ key, oldKeys }),
    config: () => cfg,
    direct: fetchSender,
    createHandler: (spec, send) =>
      createHandlerFactory({
        config: {
          victorops: cfg.victorops,
          httppost: [],
          escalation: cfg.escalation,
          webhook: { allowedHosts: ["*"] },
        },
        logger: { log: (l, m, f) => logs.push(JSON.stringify({ l, m, f })) },
        send,
        version: "test",
      }).create(spec),
    caDir: join(dir(), "connector-ca"),
    log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, fields })),
  });
  return { svc, store, logs };
}

/** The `.webhook` config both the create and the expected read-back use. */
function webhookConfig(url: string): Record<string, unknown> {
  return {
    url: `${url}/hook`,
    method: "post",
    headers: { "Content-Type": "application/json" },
    hasAuth: true,
    authType: "webhook-authentication-basic",
    verificationMode: "full",
  };
}

async function webhookConnector(svc: ConnectorService): Promise<Receiver> {
  const r = await startReceiver({ fallback: { status: 200, body: '{"received":true}' } });
  receivers.push(r);
  svc.create("ops-webhook-basic", {
    name: "ops",
    connector_type_id: ".webhook",
    config: webhookConfig(r.url),
    secrets: { user: "ops", password: PASSWORD },
  });
  return r;
}

describe("ConnectorService with a real SQLite file", () => {
  it("creates a .webhook connector, never returns its secrets, and keeps none in the file", async () => {
    const { svc, store, logs } = service(K1);
    const r = await webhookConnector(svc);
    const view = svc.get("ops-webhook-basic");
    expect(view).toEqual({
      id: "ops-webhook-basic",
      name: "ops",
      connector_type_id: ".webhook",
      config: webhookConfig(r.url),
      is_preconfigured: false,
      is_deprecated: false,
      is_missing_secrets: false,
      is_system_action: false,
    });
    expect(JSON.stringify(svc.list())).not.toContain(PASSWORD);

    const result = await svc.execute("ops-webhook-basic", { body: '{"text":"hello"}' });
    expect(result).toEqual({ status: "ok", connector_id: "ops-webhook-basic", data: { received: true } });
    const [req] = await r.waitFor(1);
    expect(req!.body).toBe('{"text":"hello"}');
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from(`ops:${PASSWORD}`).toString("base64")}`);

    store.close();
    const base64 = Buffer.from(`ops:${PASSWORD}`).toString("base64");
    for (const f of readdirSync(dir())) {
      if (f === "connector-ca") continue;
      const bytes = readFileSync(join(dir(), f));
      expect(bytes.includes(PASSWORD), f).toBe(false);
      expect(bytes.includes(base64), f).toBe(false);
    }
    expect(logs.join("\n")).not.toContain(PASSWORD);
  });

  it("reports is_missing_secrets when no configured key opens them, refuses to execute, and works again after a PUT", async () => {
    const first = service(K1);
    const r = await webhookConnector(first.svc);
    first.store.close();

    const { svc, logs } = service(K2);
    expect(svc.get("ops-webhook-basic").is_missing_secrets).toBe(true);
    const res = await svc.execute("ops-webhook-basic", { body: "{}" });
    expect(res.status).toBe("error");
    expect(res.message).toContain("is missing secrets");
    expect(r.requests).toHaveLength(0);
    expect(logs.some((l) => l.includes("missing secrets"))).toBe(true);

    svc.update("ops-webhook-basic", {
      name: "ops",
      config: { url: `${r.url}/hook`, hasAuth: true },
      secrets: { user: "ops", password: PASSWORD },
    });
    expect(svc.get("ops-webhook-basic").is_missing_secrets).toBe(false);
    expect((await svc.execute("ops-webhook-basic", { body: "{}" })).status).toBe("ok");
  });

  it("reads secrets sealed under an old key, and reseal() moves them to the new one", async () => {
    const first = service(K1);
    await webhookConnector(first.svc);
    first.store.close();

    const rotating = service(K2, [K1]);
    expect(rotating.svc.get("ops-webhook-basic").is_missing_secrets).toBe(false);
    expect(rotating.svc.reseal()).toEqual({ resealed: 1, unreadable: [] });
    expect(rotating.svc.reseal()).toEqual({ resealed: 0, unreadable: [] });
    rotating.store.close();

    const after = service(K2);
    expect(after.svc.get("ops-webhook-basic").is_missing_secrets).toBe(false);
  });

  it("answers Kibana's execute errors: retry on 5xx, invalid response on 4xx", async () => {
    const { svc } = service(K1);
    const r = await webhookConnector(svc);
    r.answerNext({ status: 503, body: "down" }, { status: 400, body: "bad" });
    expect(await svc.execute("ops-webhook-basic", { body: "{}" })).toEqual({
      status: "error",
      connector_id: "ops-webhook-basic",
      message: "error calling webhook, retry later",
      service_message: "[503] down",
      retry: true,
    });
    expect(await svc.execute("ops-webhook-basic", { body: "{}" })).toMatchObject({
      status: "error",
      message: "error calling webhook, invalid response",
      retry: false,
    });
  });

  it("refuses a .webhook without both user and password, a secret put in config, and an unknown type", () => {
    const { svc } = service(K1);
    expect(() =>
      svc.create("a", {
        name: "a",
        connector_type_id: ".webhook",
        config: { url: "http://127.0.0.1:1/" },
        secrets: {},
      }),
    ).toThrow(/both user and password must be specified/);
    expect(() =>
      svc.create("b", {
        name: "b",
        connector_type_id: ".pagerduty",
        config: { "routing-key": "rk-in-config" },
        secrets: {},
      }),
    ).toThrow(/\[routing-key\] is a secret: give it in secrets/);
    expect(() => svc.create("c", { name: "c", connector_type_id: ".nope", config: {} })).toThrow(
      /action type ".nope" is not registered/,
    );
    expect(() =>
      svc.create(undefined, {
        name: "d",
        connector_type_id: ".webhook",
        config: { url: "http://127.0.0.1:1/", hasAuth: false },
      }),
    ).not.toThrow();
  });

  it("executes a tickd kind (.escalation) against a real receiver with a sample alert built from params", async () => {
    const r = await startReceiver();
    receivers.push(r);
    const cfg = configSchema.parse({
      escalation: [
        { name: "oncall", url: `${r.url}/esc`, "auth-key": "esc-signing-key", scheme: "hmac-sha256" },
      ],
    }) as TickdConfig;
    const { svc } = service(K1, [], cfg);
    svc.create("esc", { name: "esc", connector_type_id: ".escalation", config: { name: "oncall" } });
    const res = await svc.execute("esc", { message: "db down", level: "WARNING", id: "db:1" });
    expect(res).toMatchObject({ status: "ok", connector_id: "esc" });
    const [req] = await r.waitFor(1);
    const body = JSON.parse(req!.body) as { data: { id: string; title: string; level: string } };
    expect(body.data).toMatchObject({ id: "db:1", title: "db down", level: "WARNING" });
    expect(req!.headers["x-webhook-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it("records the last event and last error of a connector's deliveries, its secrets redacted", async () => {
    const { svc } = service(K1);
    await webhookConnector(svc);
    svc.bindHandler("ops", "via-connector", "ops-webhook-basic");
    svc.recordDelivery({ topic: "ops", handler: "via-connector", ok: true, error: "" });
    // Not a connector's handler: nothing recorded.
    svc.recordDelivery({ topic: "ops", handler: "other", ok: false, error: "x" });
    const basic = Buffer.from(`ops:${PASSWORD}`).toString("base64");
    svc.recordDelivery({
      topic: "ops",
      handler: "via-connector",
      ok: false,
      error: `HTTP 401: bad credentials ops:${PASSWORD} (Basic ${basic})`,
    });
    const [row] = svc.activityList();
    expect(row).toMatchObject({
      id: "ops-webhook-basic",
      last_event: expect.stringMatching(/^\d{4}-/),
      last_error: "HTTP 401: bad credentials ops:<redacted> (Basic <redacted>)",
      last_error_at: expect.stringMatching(/^\d{4}-/),
    });
    svc.delete("ops-webhook-basic");
    expect(svc.activityList()).toEqual([]);
  });
});
