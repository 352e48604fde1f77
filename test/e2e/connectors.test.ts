/**
 * Connectors (Kibana's actions API) and secrets at rest, against the built daemon: the
 * README's curl script, one executed connector per type against a real receiver, topic
 * handlers and TICKscripts naming a connector, no secret in any file after a stop, key
 * rotation, and a restart without the key (is_missing_secrets, refusals journaled).
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO, runBuiltAsync } from "../support/cli.js";
import { useDaemons, type TickdProcess } from "../support/daemon.js";

const { tickd, receiver, running } = useDaemons();
const run = promisify(execFile);

const K1 = "k1-e2e-0123456789abcdef0123456789abcdef";
const K2 = "k2-e2e-fedcba9876543210fedcba9876543210";
const HOOK_PASSWORD = "hook-Pa55-e2e-9f3a";
const POST_PASSWORD = "post-Pa55-e2e-71c2";
const ROUTING_KEY = "pd-routing-key-e2e-55aa";

function secretsConfig(key: string, oldKeys: string[] = []): string {
  return ["[secrets]", `  key = ${JSON.stringify(key)}`, `  old-keys = ${JSON.stringify(oldKeys)}`].join(
    "\n",
  );
}

async function api(
  t: TickdProcess,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(t.url + path, {
    method,
    headers: { "kbn-xsrf": "e2e", "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

/** Every file under `dir`, recursively. */
function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

describe("connectors API (Kibana's /api/actions/)", () => {
  it("runs the seed-style Kibana flow literally with curl (examples/kibana-connectors.sh)", async () => {
    const hook = await receiver({ fallback: { status: 200, body: '{"ok":true}' } });
    const t = await tickd({ extraConfig: secretsConfig(K1) });
    const { stdout } = await run("bash", [join(REPO, "examples/kibana-connectors.sh")], {
      env: { PATH: process.env["PATH"] ?? "", TICKD_URL: t.url, HOOK_URL: `${hook.url}/ops`, HOOK_PASSWORD },
      timeout: 60_000,
    });
    const [types, created, read, executed, list] = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as unknown);
    const webhookType = (types as Record<string, unknown>[]).find((x) => x.id === ".webhook");
    expect(webhookType).toEqual({
      id: ".webhook",
      name: "Webhook",
      enabled: true,
      enabled_in_config: true,
      enabled_in_license: true,
      minimum_license_required: "basic",
      supported_feature_ids: ["alerting"],
      is_system_action_type: false,
    });
    for (const id of [".victorops", ".escalation", ".email", ".slack"])
      expect((types as { id: string }[]).map((x) => x.id)).toContain(id);
    expect(created).toMatchObject({
      id: "ops-webhook-basic",
      connector_type_id: ".webhook",
      is_missing_secrets: false,
    });
    expect(read).toEqual({
      id: "ops-webhook-basic",
      name: "ops-webhook-basic",
      connector_type_id: ".webhook",
      config: {
        url: `${hook.url}/ops`,
        method: "post",
        headers: { "Content-Type": "application/json" },
        hasAuth: true,
        authType: "webhook-authentication-basic",
        verificationMode: "full",
      },
      is_preconfigured: false,
      is_deprecated: false,
      is_missing_secrets: false,
      is_system_action: false,
    });
    expect(executed).toEqual({ status: "ok", connector_id: "ops-webhook-basic", data: { ok: true } });
    expect(list).toMatchObject([{ id: "ops-webhook-basic", referenced_by_count: 0 }]);
    expect(stdout).not.toContain(HOOK_PASSWORD);
    const [req] = await hook.waitFor(1);
    expect(req!.path).toBe("/ops");
    expect(req!.headers.authorization).toBe(basic("ops", HOOK_PASSWORD));
    expect(JSON.parse(req!.body)).toEqual({ text: "hello from tickd", severity: "critical" });

    // Kibana's rules: writes need kbn-xsrf; errors are {statusCode, error, message}.
    const noXsrf = await fetch(`${t.url}/api/actions/connector/ops-webhook-basic`, { method: "DELETE" });
    expect(noXsrf.status).toBe(400);
    expect(await noXsrf.json()).toEqual({
      statusCode: 400,
      error: "Bad Request",
      message: "Request must contain a kbn-xsrf header.",
    });
    const missing = await api(t, "GET", "/api/actions/connector/nope");
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      statusCode: 404,
      error: "Not Found",
      message: "Saved object [action/nope] not found",
    });
    const again = await api(t, "POST", "/api/actions/connector/ops-webhook-basic", {
      name: "x",
      connector_type_id: ".webhook",
      config: { url: hook.url, hasAuth: false },
    });
    expect(again.status).toBe(409);
    expect(t.logs.map((l) => JSON.stringify(l)).join("\n")).not.toContain(HOOK_PASSWORD);
  });

  it("executes one connector of each HTTP type against a real 127.0.0.1 receiver", async () => {
    const r = await receiver();
    const t = await tickd({
      extraConfig: [
        secretsConfig(K1),
        "[victorops]",
        "  enabled = true",
        '  api-key = "vo-api-key-e2e"',
        `  url = "${r.url}/vo"`,
        "[[escalation]]",
        '  name = "oncall"',
        `  url = "${r.url}/esc"`,
        '  auth-key = "esc-signing-key-e2e"',
        "[[slack]]",
        "  enabled = true",
        `  url = "${r.url}/slack"`,
        "[pagerduty2]",
        "  enabled = true",
        `  url = "${r.url}/pd"`,
      ].join("\n"),
    });
    const create = async (id: string, type: string, config: unknown, secrets?: unknown) => {
      const res = await api(t, "POST", `/api/actions/connector/${id}`, {
        name: id,
        connector_type_id: type,
        config,
        ...(secrets !== undefined ? { secrets } : {}),
      });
      expect(res.status, res.text).toBe(200);
    };
    await create(
      "wh",
      ".webhook",
      { url: `${r.url}/wh`, hasAuth: true },
      { user: "u", password: HOOK_PASSWORD },
    );
    await create("vo", ".victorops", { "routing-key": "ops-team" });
    await create("esc", ".escalation", { name: "oncall" });
    await create("sl", ".slack", { channel: "#ops" });
    await create("pd", ".pagerduty", {}, { "routing-key": ROUTING_KEY });
    const params = { message: "db1 is down", level: "CRITICAL", id: "db1" };
    for (const [id, p] of [
      ["wh", { body: '{"x":1}' }],
      ["vo", params],
      ["esc", params],
      ["sl", params],
      ["pd", params],
    ] as const) {
      const res = await api(t, "POST", `/api/actions/connector/${id}/_execute`, { params: p });
      expect(res.json, id).toMatchObject({ status: "ok", connector_id: id });
    }
    const reqs = await r.waitFor(5);
    const byPath = (prefix: string) => reqs.find((q) => q.path.startsWith(prefix));
    expect(byPath("/wh")!.headers.authorization).toBe(basic("u", HOOK_PASSWORD));
    expect(byPath("/vo")!.path).toBe("/vo/vo-api-key-e2e/ops-team");
    expect(JSON.parse(byPath("/vo")!.body)).toMatchObject({ entity_id: "db1", message_type: "CRITICAL" });
    expect(byPath("/esc")!.headers["x-webhook-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(JSON.parse(byPath("/slack")!.body)).toMatchObject({ channel: "#ops" });
    expect(JSON.parse(byPath("/pd")!.body)).toMatchObject({ routing_key: ROUTING_KEY, dedup_key: "db1" });
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toContain('tickd_connector_executions_total{type=".webhook",status="ok"} 1');
    expect(metrics).toContain("tickd_connectors_missing_secrets 0");
    const listed = await api(t, "GET", "/api/actions/connectors");
    expect(listed.text).not.toContain(ROUTING_KEY);
    expect(listed.text).not.toContain(HOOK_PASSWORD);
  });

  it("sends topic handlers and TICKscripts through a connector; keeps no secret in any file; rotates keys; refuses without them", async () => {
    const r = await receiver();
    const t1 = await tickd({ extraConfig: secretsConfig(K1) });
    const dir = t1.dir;
    expect(
      (
        await api(t1, "POST", "/api/actions/connector/ops-webhook-basic", {
          name: "ops",
          connector_type_id: ".webhook",
          config: { url: `${r.url}/hook`, hasAuth: true },
          secrets: { user: "ops", password: HOOK_PASSWORD },
        })
      ).status,
    ).toBe(200);
    // A topic handler naming the connector, and an API handler with a secret of its own.
    expect(
      (
        await api(t1, "POST", "/kapacitor/v1/alerts/topics/ops/handlers", {
          id: "via-connector",
          kind: "connector",
          options: { id: "ops-webhook-basic" },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await api(t1, "POST", "/kapacitor/v1/alerts/topics/ops/handlers", {
          id: "post-secret",
          kind: "post",
          options: { url: `${r.url}/post`, "basic-auth": { username: "p", password: POST_PASSWORD } },
        })
      ).status,
    ).toBe(200);
    // A TICKscript naming the connector; an unknown connector is refused at define time.
    const script = (c: string) =>
      `dbrp "telegraf"."autogen"\nstream\n  |from().measurement('cpu')\n  |alert().id('cpu:{{ index .Tags "host" }}').crit(lambda: "usage_idle" < 10).connector('${c}')\n`;
    const bad = await api(t1, "POST", "/kapacitor/v1/tasks", {
      id: "bad",
      type: "stream",
      status: "enabled",
      script: script("no-such-connector"),
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('no connector \\"no-such-connector\\"');
    const task = await api(t1, "POST", "/kapacitor/v1/tasks", {
      id: "cpu",
      type: "stream",
      status: "enabled",
      script: script("ops-webhook-basic"),
    });
    expect(task.status, task.text).toBe(200);
    await fetch(`${t1.url}/write?db=telegraf&rp=autogen&precision=s`, {
      method: "POST",
      body: "cpu,host=web1 usage_idle=3 1700000000",
    });
    await fetch(`${t1.url}/tickd/v1/integrations/webhook?topic=ops`, {
      method: "POST",
      body: JSON.stringify({ id: "disk:web1", title: "disk full", severity: "critical" }),
    });
    const got = await r.waitFor(3);
    const hooks = got.filter((q) => q.path === "/hook");
    expect(hooks.map((q) => (JSON.parse(q.body) as { id: string }).id).sort()).toEqual([
      "cpu:web1",
      "disk:web1",
    ]);
    for (const q of hooks) expect(q.headers.authorization).toBe(basic("ops", HOOK_PASSWORD));
    expect(got.find((q) => q.path === "/post")!.headers.authorization).toBe(basic("p", POST_PASSWORD));
    // Referenced by the topic handler and by the TICKscript's .connector().
    expect((await api(t1, "GET", "/api/actions/connectors")).json).toMatchObject([
      { referenced_by_count: 2 },
    ]);
    // The handler test button works for a connector handler too.
    const tested1 = await api(t1, "POST", "/tickd/v1/handlers/test", {
      topic: "ops",
      handler: "via-connector",
    });
    expect(tested1.status, tested1.text).toBe(200);

    // After a stop, no secret (nor its base64 in an Authorization header) is in any stored file.
    expect(await t1.stop()).toBe(0);
    running.splice(running.indexOf(t1), 1);
    const needles = [
      HOOK_PASSWORD,
      POST_PASSWORD,
      basic("ops", HOOK_PASSWORD).slice(6),
      basic("p", POST_PASSWORD).slice(6),
    ];
    const stored = files(join(dir, "data"));
    expect(stored.some((f) => f.endsWith("tickd.db"))).toBe(true);
    for (const f of stored) {
      const bytes = readFileSync(f);
      for (const n of needles) expect(bytes.includes(n), `${n} in ${f}`).toBe(false);
    }
    expect(statSync(join(dir, "data", "tickd.db")).mode & 0o777).toBe(0o600);

    // A new key with the old one in old-keys still reads everything; rotate seals it all again.
    const t2 = await tickd({ dir, extraConfig: secretsConfig(K2, [K1]) });
    expect((await api(t2, "GET", "/api/actions/connector/ops-webhook-basic")).json).toMatchObject({
      is_missing_secrets: false,
    });
    const rotated = await runBuiltAsync("tickctl", ["secrets", "rotate", "--json", "-url", t2.url]);
    expect(rotated.status, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({
      resealed: { connectors: 1, handlers: 1 },
      unreadable: [],
    });
    const listed = await runBuiltAsync("tickctl", ["connectors", "list", "-url", t2.url]);
    expect(listed.stdout).toMatch(/ops-webhook-basic\s+\.webhook\s+ops\s+ok\s+2/);
    expect(await t2.stop()).toBe(0);
    running.splice(running.indexOf(t2), 1);

    // The old key removed: still readable, and it still sends.
    const t3 = await tickd({ dir, extraConfig: secretsConfig(K2) });
    const tested = await runBuiltAsync("tickctl", [
      "connectors",
      "test",
      "ops-webhook-basic",
      "--params",
      '{"body":"{}"}',
      "-url",
      t3.url,
    ]);
    expect(tested.stdout).toBe("connector ops-webhook-basic: ok\n");
    expect(await t3.stop()).toBe(0);
    running.splice(running.indexOf(t3), 1);

    // No key at all: warned once, the connector is missing its secrets, the handlers refuse (journaled).
    const t4 = await tickd({ dir });
    expect(t4.logs.filter((l) => l["code"] === "W_SECRETS_NO_KEY")).toHaveLength(1);
    expect((await api(t4, "GET", "/api/actions/connector/ops-webhook-basic")).json).toMatchObject({
      is_missing_secrets: true,
    });
    const before = r.requests.length;
    await fetch(`${t4.url}/tickd/v1/integrations/webhook?topic=ops`, {
      method: "POST",
      body: JSON.stringify({ id: "mem:web1", title: "memory", severity: "critical" }),
    });
    let failed: { handler: string; last_error: string }[] = [];
    for (let i = 0; i < 100 && failed.length < 2; i++) {
      await new Promise((res) => setTimeout(res, 50));
      const d = (await api(t4, "GET", "/tickd/v1/deliveries?status=failed")).json as {
        deliveries: { handler: string; last_error: string }[];
      };
      failed = d.deliveries;
    }
    expect(failed.map((d) => d.handler).sort()).toEqual(["post-secret", "via-connector"]);
    expect(failed.find((d) => d.handler === "via-connector")!.last_error).toContain("missing secrets");
    expect(r.requests.length).toBe(before);
    const execute = await api(t4, "POST", "/api/actions/connector/ops-webhook-basic/_execute", {
      params: { body: "{}" },
    });
    expect(execute.json).toMatchObject({ status: "error", retry: false });
  });

  it("refuses to start with a [secrets] key shorter than 32 characters", async () => {
    await expect(tickd({ extraConfig: secretsConfig("too-short") })).rejects.toThrow(
      /at least 32 characters/,
    );
  });
});
