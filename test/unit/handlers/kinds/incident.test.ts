/**
 * alerta, bigpanda, servicenow and zenoss (Kapacitor's services/<kind>): the request each
 * sends for a CRITICAL and an OK event from a TICKscript property chain and from a handler
 * file (path, headers, auth, body), the refusal while the section is disabled (at define time,
 * and at send time as a failed delivery row), and the service test.
 */
import { describe, expect, it } from "vitest";
import type { TickdConfig } from "../../../../src/config/index.js";
import { rmSync } from "node:fs";
import { startDaemonIn } from "../../../support/in-process-daemon.js";
import { startReceiver, type RecordedRequest } from "../../../support/receiver.js";
import { headersOf, script, section, serviceTest, startKind } from "./harness.js";

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

/** Go's json: keys of maps sorted; the test checks that order and the trailing newline. */
function parsed(r: RecordedRequest, newline: boolean): Record<string, unknown> {
  expect(r.body.endsWith("\n")).toBe(newline);
  return JSON.parse(r.body) as Record<string, unknown>;
}
const sortedKeys = (o: object) => expect(Object.keys(o)).toEqual(Object.keys(o).sort());

const ROW = {
  name: "cpu",
  tags: { host: "serverA" },
  columns: ["time", "usage"],
  values: [["1970-01-01T00:00:01Z", 95]],
};

/**
 * A topic handler of the kind, defined through the API while the section is enabled, after a
 * restart with the section disabled: each event it gets is a failed delivery row with
 * Kapacitor's reason, and nothing is sent.
 */
async function failedWhileDisabled(
  config: (c: TickdConfig, url: string) => TickdConfig,
  kind: string,
  chain: string,
): Promise<{ handler: string; status: string; last_error: string }[]> {
  const rx = await startReceiver();
  const first = await startDaemonIn(
    { tasks: { "cpu.tick": script("") } },
    { config: (c) => config(c, rx.url) },
  );
  const defined = await fetch(
    `http://127.0.0.1:${first.daemon.port}/kapacitor/v1/alerts/topics/ops/handlers`,
    {
      method: "POST",
      body: JSON.stringify({ id: "stored", kind }),
    },
  );
  expect(defined.status).toBe(200);
  await first.daemon.stop();
  const off = (c: TickdConfig, url: string): TickdConfig => {
    const on = config(c, url) as unknown as Record<string, Record<string, unknown>>;
    return { ...on, [kind]: { ...on[kind], enabled: false } } as unknown as TickdConfig;
  };
  const { daemon, dir } = await startDaemonIn({}, { dir: first.dir, config: (c) => off(c, rx.url) });
  try {
    const url = `http://127.0.0.1:${daemon.port}`;
    const w = await fetch(`${url}/write?db=telegraf&rp=autogen&precision=s`, {
      method: "POST",
      body: "cpu,host=serverA usage=97 3\n",
    });
    expect(w.status).toBe(204);
    await daemon.topics.drain();
    const list = (await (await fetch(`${url}/tickd/v1/deliveries?status=failed`)).json()) as {
      deliveries: { handler: string; status: string; last_error: string }[];
    };
    // And a task using the kind is refused at define time.
    expect(await defineRefused(url, chain)).toContain(`${kind} handler: service is not enabled`);
    expect(rx.requests).toEqual([]);
    return list.deliveries;
  } finally {
    await daemon.stop();
    await rx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function defineRefused(url: string, chain: string): Promise<string> {
  const res = await fetch(`${url}/kapacitor/v1/tasks`, {
    method: "POST",
    body: JSON.stringify({
      id: "refused",
      type: "stream",
      dbrps: [{ db: "telegraf", rp: "autogen" }],
      script: `stream|from().measurement('cpu')|alert().crit(lambda: TRUE)${chain}`,
      status: "enabled",
    }),
  });
  expect(res.status).toBe(400);
  return ((await res.json()) as { error: string }).error;
}

describe("alerta", () => {
  const config =
    (over: Partial<TickdConfig["alerta"]> = {}) =>
    (c: TickdConfig, url: string) =>
      section(c, "alerta", {
        enabled: true,
        url: `${url}/api`,
        token: "alerta-secret",
        environment: "production",
        origin: "tickd",
        ...over,
      });

  it("posts Kapacitor's alert from a property chain and a handler file, then refuses once disabled", async () => {
    const run = await startKind({
      config: config(),
      chain:
        ".alerta().resource('{{ .Name }}').event('{{ .ID }}').value('{{ index .Fields \"usage\" }}')" +
        ".services('web').correlated('cpu_low').timeout(1h).tokenPrefix('Key').attribute('team', 'ops')",
      handlerFile: () =>
        "topic: ops\nid: alerta-file\nkind: alerta\noptions:\n  token: file-token\n  environment: '{{ index .Tags \"host\" }}'\n  rename-severities:\n    crit: major\n",
      isFromTick: (r) => r.headers.authorization === "Key alerta-secret",
    });
    const [crit, ok] = run.fromTick;
    expect(crit!.method).toBe("POST");
    expect(crit!.path).toBe("/api/alert");
    expect(headersOf(crit!, ["Content-Type", "Authorization"])).toEqual({
      "Content-Type": "application/json",
      Authorization: "Key alerta-secret",
    });
    const body = parsed(crit!, true);
    sortedKeys(body);
    expect(body).toEqual({
      attributes: { team: "ops" },
      correlate: ["cpu_low"],
      environment: "production",
      event: "cpu/serverA",
      group: "host=serverA",
      origin: "tickd",
      rawData: { series: [ROW] },
      resource: "cpu",
      service: ["web"],
      severity: "critical",
      tags: ["host=serverA"],
      text: "cpu/serverA is CRITICAL at 95",
      timeout: 3600,
      value: "95",
    });
    expect(parsed(ok!, true)).toMatchObject({ severity: "ok", text: "cpu/serverA is OK at 5", value: "5" });

    const [fileCrit, fileOk] = run.fromFile;
    expect(headersOf(fileCrit!, ["Authorization"])).toEqual({ Authorization: "Bearer file-token" });
    expect(parsed(fileCrit!, true)).toMatchObject({
      environment: "serverA",
      severity: "major",
      service: ["cpu"],
      correlate: ["cpu"],
      timeout: 86400,
      resource: "cpu",
      event: "cpu/serverA",
      value: "",
    });
    expect(parsed(fileOk!, true)).toMatchObject({ severity: "ok" });

    const failed = await failedWhileDisabled(config(), "alerta", ".alerta()");
    expect(failed).toMatchObject([
      { handler: "stored", status: "failed", last_error: "E_HANDLER_DISABLED: service is not enabled" },
    ]);
    // The token is a secret: not in the handler's options as the API shows them.
    const h = await (await fetch(`${run.url}/kapacitor/v1/alerts/topics/ops/handlers/alerta-file`)).text();
    expect(h).not.toContain("file-token");
  });

  it("service test: Kapacitor's options and request", async () => {
    const run = await startKind({ config: config() });
    const test = (await (await fetch(`${run.url}/kapacitor/v1/service-tests/alerta`)).json()) as {
      options: unknown;
    };
    expect(test.options).toEqual({
      resource: "testResource",
      event: "testEvent",
      environment: "production",
      severity: "critical",
      group: "testGroup",
      value: "testValue",
      message: "test alerta message",
      origin: "tickd",
      service: ["testServiceA", "testServiceB"],
      correlate: ["testServiceX", "testServiceY"],
      timeout: "24h0m0s",
    });
    expect(await serviceTest(run.url, "alerta")).toEqual({ success: true, message: "" });
    const [req] = await run.rx.waitFor(1);
    expect(parsed(req!, true)).toEqual({
      correlate: ["testServiceX", "testServiceY"],
      environment: "production",
      event: "testEvent",
      group: "testGroup",
      origin: "tickd",
      rawData: { series: null },
      resource: "testResource",
      service: ["testServiceA", "testServiceB"],
      severity: "critical",
      tags: [],
      text: "test alerta message",
      timeout: 86400,
      value: "testValue",
    });
    run.rx.answerNext({ status: 400, body: '{"status":"error","message":"bad environment"}' });
    expect(await serviceTest(run.url, "alerta")).toEqual({ success: false, message: "bad environment" });
  });
});

describe("bigpanda", () => {
  const config = (c: TickdConfig, url: string) =>
    section(c, "bigpanda", {
      enabled: true,
      url: `${url}/data/v2/alerts`,
      appKey: "app-1",
      token: "bp-secret",
    });

  it("posts Kapacitor's alert from a property chain and a handler file, then refuses once disabled", async () => {
    const run = await startKind({
      config,
      chain:
        ".bigPanda().primaryProperty('host').secondaryProperty('check')" +
        ".host('{{ index .Tags \"host\" }}').attribute('link', 'https://example.com/{{ .ID }}')",
      handlerFile: () => "topic: ops\nid: bp-file\nkind: bigpanda\noptions:\n  app-key: app-2\n",
      isFromTick: (r) => r.body.includes('"primary_property"'),
    });
    const [crit, ok] = run.fromTick;
    expect(crit!.path).toBe("/data/v2/alerts");
    expect(headersOf(crit!, ["Content-Type", "Authorization"])).toEqual({
      "Content-Type": "application/json",
      Authorization: "Bearer bp-secret",
    });
    const body = parsed(crit!, false);
    sortedKeys(body);
    expect(body).toEqual({
      app_key: "app-1",
      check: "cpu/serverA",
      description: "cpu/serverA is CRITICAL at 95",
      details: "usage is 95",
      host: "serverA",
      link: "https://example.com/cpu/serverA",
      primary_property: "host",
      secondary_property: "check",
      status: "critical",
      task: "cpu:cpu",
      timestamp: 1,
      usage: "95",
    });
    expect(parsed(ok!, false)).toMatchObject({ status: "ok", timestamp: 2, usage: "5" });
    const [fileCrit] = run.fromFile;
    expect(parsed(fileCrit!, false)).toEqual({
      app_key: "app-2",
      check: "cpu/serverA",
      description: "cpu/serverA is CRITICAL at 95",
      details: "usage is 95",
      host: "serverA",
      status: "critical",
      task: "cpu:cpu",
      timestamp: 1,
      usage: "95",
    });

    const failed = await failedWhileDisabled(config, "bigpanda", ".bigPanda()");
    expect(failed).toMatchObject([
      { handler: "stored", status: "failed", last_error: "E_HANDLER_DISABLED: service is not enabled" },
    ]);
  });

  it("service test: Kapacitor's request", async () => {
    const run = await startKind({ config });
    expect(await serviceTest(run.url, "bigpanda")).toEqual({ success: true, message: "" });
    const [req] = await run.rx.waitFor(1);
    expect(parsed(req!, false)).toEqual({
      app_key: "my-app-key-123456",
      description: "test bigpanda message",
      status: "critical",
      task: ":testBigPanda",
      timestamp: 1,
    });
    run.rx.answerNext({ status: 401, body: '{"error":"bad token"}' });
    expect(await serviceTest(run.url, "bigpanda")).toEqual({ success: false, message: "bad token" });
  });
});

describe("servicenow", () => {
  const config = (c: TickdConfig, url: string) =>
    section(c, "servicenow", {
      enabled: true,
      url: `${url}/api/global/em/jsonv2`,
      source: "Kapacitor",
      username: "sn-user",
      password: "sn-secret",
    });

  it("posts Kapacitor's event record from a property chain and a handler file, then refuses once disabled", async () => {
    const run = await startKind({
      config,
      chain:
        ".serviceNow().node('{{ index .Tags \"host\" }}').type('CPU').resource('CPU-Total')" +
        ".metricName('usage').messageKey('Alert: {{ .ID }}').additionalInfo('team', 'ops')",
      handlerFile: (url) =>
        `topic: ops\nid: sn-file\nkind: servicenow\noptions:\n  url: ${url}/other\n  source: tickd\n`,
      isFromTick: (r) => r.path === "/api/global/em/jsonv2",
    });
    const [crit, ok] = run.fromTick;
    expect(headersOf(crit!, ["Content-Type", "Authorization"])).toEqual({
      "Content-Type": "application/json",
      Authorization: basic("sn-user", "sn-secret"),
    });
    // A struct: field order as Kapacitor's Event, not sorted.
    expect(crit!.body).toBe(
      '{"records":[{"source":"Kapacitor","node":"serverA","type":"CPU","resource":"CPU-Total",' +
        '"metric_name":"usage","message_key":"Alert: cpu/serverA","severity":"1",' +
        '"description":"cpu/serverA is CRITICAL at 95","additional_info":"{\\"team\\":\\"ops\\"}"}]}',
    );
    expect(parsed(ok!, false)).toMatchObject({ records: [{ severity: "5" }] });
    const [fileCrit] = run.fromFile;
    expect(fileCrit!.path).toBe("/other");
    expect(fileCrit!.body).toBe(
      '{"records":[{"source":"tickd","message_key":"cpu/serverA","severity":"1",' +
        '"description":"cpu/serverA is CRITICAL at 95"}]}',
    );

    const failed = await failedWhileDisabled(config, "servicenow", ".serviceNow()");
    expect(failed).toMatchObject([
      { handler: "stored", status: "failed", last_error: "E_HANDLER_DISABLED: service is not enabled" },
    ]);
  });

  it("service test: Kapacitor's request", async () => {
    const run = await startKind({ config });
    expect(await serviceTest(run.url, "servicenow")).toEqual({ success: true, message: "" });
    const [req] = await run.rx.waitFor(1);
    expect(req!.body).toBe(
      '{"records":[{"source":"Kapacitor","message_key":"id","severity":"1","description":"test servicenow alert"}]}',
    );
  });
});

describe("zenoss", () => {
  const config = (c: TickdConfig, url: string) =>
    section(c, "zenoss", {
      enabled: true,
      url: `${url}/zport/dmd/evconsole_router`,
      username: "zen-user",
      password: "zen-secret",
      collector: "Kapacitor",
    });

  it("posts Kapacitor's router call from a property chain and a handler file, then refuses once disabled", async () => {
    const run = await startKind({
      config,
      chain:
        ".zenoss().tid(7).device('{{ index .Tags \"host\" }}').component('cpu').evclass('/App')" +
        ".evclasskey('k').message('{{ .Level }} {{ .TaskName }}').customField('team', 'ops')" +
        ".customField('extra', '{\"b\":1,\"a\":[true]}')",
      handlerFile: () =>
        "topic: ops\nid: zen-file\nkind: zenoss\noptions:\n  action: OtherRouter\n  summary: 'file: {{ .ID }}'\n",
      isFromTick: (r) => r.body.includes('"tid":7'),
    });
    const [crit, ok] = run.fromTick;
    expect(crit!.path).toBe("/zport/dmd/evconsole_router");
    expect(headersOf(crit!, ["Content-Type", "Authorization"])).toEqual({
      "Content-Type": "application/json",
      Authorization: basic("zen-user", "zen-secret"),
    });
    expect(crit!.body).toBe(
      '{"action":"EventsRouter","method":"add_event","data":[{"collector":"Kapacitor","component":"cpu",' +
        '"device":"serverA","evclass":"/App","evclasskey":"k","extra":{"a":[true],"b":1},' +
        '"message":"CRITICAL cpu","severity":"Critical","summary":"cpu/serverA is CRITICAL at 95",' +
        '"team":"ops"}],"type":"rpc","tid":7}',
    );
    expect(parsed(ok!, false)).toMatchObject({ data: [{ severity: "Clear", message: "OK cpu" }] });
    const [fileCrit] = run.fromFile;
    expect(fileCrit!.body).toBe(
      '{"action":"OtherRouter","method":"add_event","data":[{"collector":"Kapacitor","component":"",' +
        '"device":"","evclass":"","evclasskey":"","severity":"Critical","summary":"file: cpu/serverA"}],' +
        '"type":"rpc","tid":1}',
    );

    const failed = await failedWhileDisabled(config, "zenoss", ".zenoss()");
    expect(failed).toMatchObject([
      { handler: "stored", status: "failed", last_error: "E_HANDLER_DISABLED: service is not enabled" },
    ]);
  });

  it("service test: Kapacitor's options and request", async () => {
    const run = await startKind({ config });
    const test = (await (await fetch(`${run.url}/kapacitor/v1/service-tests/zenoss`)).json()) as {
      options: Record<string, unknown>;
    };
    expect(test.options).toMatchObject({
      alert_id: "1001",
      action: "EventsRouter",
      tid: 1,
      collector: "Kapacitor",
    });
    expect(await serviceTest(run.url, "zenoss")).toEqual({ success: true, message: "" });
    const [req] = await run.rx.waitFor(1);
    expect(req!.body).toBe(
      '{"action":"EventsRouter","method":"add_event","data":[{"collector":"Kapacitor","component":"",' +
        '"device":"","evclass":"","evclasskey":"","severity":"Critical","summary":"test zenoss message"}],' +
        '"type":"rpc","tid":1}',
    );
  });
});
