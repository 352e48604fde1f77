/**
 * pagerduty2 and pagerduty (Kapacitor's services/pagerduty2 and services/pagerduty): the
 * trigger and resolve requests for a CRITICAL and an OK event, from `.pagerDuty2()…` /
 * `.pagerDuty()…` and from handler files, and their service tests.
 */
import { describe, expect, it } from "vitest";
import type { TickdConfig } from "../../../../src/config/index.js";
import { headersOf, section, serviceTest, startKind } from "./harness.js";

const SERIES_95 =
  '{"name":"cpu","tags":{"host":"serverA"},"columns":["time","usage"],"values":[["1970-01-01T00:00:01Z",95]]}';

describe("pagerduty2", () => {
  const config = (c: TickdConfig, url: string): TickdConfig =>
    section(c, "pagerduty2", { enabled: true, routingKey: "conf-key", url: `${url}/v2/enqueue` });

  it("triggers and resolves, from a TICKscript property chain and from a handler file", async () => {
    const run = await startKind({
      config,
      chain: ".pagerDuty2().routingKey('tick-key').link('https://runbook.example/cpu', 'runbook')",
      handlerFile: () => "topic: ops\nid: pd2\nkind: pagerduty2\noptions: {}\n",
      isFromTick: (r) => r.body.includes('"tick-key"'),
    });
    const [crit, ok] = run.fromTick;
    expect(crit!.path).toBe("/v2/enqueue");
    expect(headersOf(crit!, ["Content-Type", "Accept"])).toEqual({
      "Content-Type": "application/json",
      Accept: "application/vnd.pagerduty+json;version=2",
    });
    const port = new URL(run.url).port;
    expect(crit!.body).toBe(
      '{"routing_key":"tick-key","event_action":"trigger","dedup_key":"cpu/serverA","payload":' +
        '{"summary":"cpu/serverA is CRITICAL at 95","source":"serverA","severity":"critical",' +
        '"timestamp":"1970-01-01T00:00:01.000000000Z","class":"cpu","component":"","group":"",' +
        `"custom_details":{"result":{"series":[${SERIES_95}]}}},"images":null,` +
        '"links":[{"href":"https://runbook.example/cpu","text":"runbook"}],"client":"kapacitor",' +
        `"client_url":"http://localhost:${port}"}\n`,
    );
    expect(ok!.body).toBe('{"routing_key":"tick-key","dedup_key":"cpu/serverA","event_action":"resolve"}\n');
    const [fileCrit, fileOk] = run.fromFile;
    expect(JSON.parse(fileCrit!.body)).toMatchObject({ routing_key: "conf-key", links: null });
    expect(fileOk!.body).toBe(
      '{"routing_key":"conf-key","dedup_key":"cpu/serverA","event_action":"resolve"}\n',
    );
  });

  it("service test: Kapacitor's defaults and request", async () => {
    const run = await startKind({ config });
    expect(await serviceTest(run.url, "pagerduty2")).toEqual({ success: true, message: "" });
    const [req] = await run.rx.waitFor(1);
    expect(JSON.parse(req!.body)).toMatchObject({
      routing_key: "conf-key",
      event_action: "trigger",
      dedup_key: "testIncidentKey",
      payload: {
        summary: "test pagerduty2 message",
        severity: "critical",
        timestamp: "2014-11-12T11:45:26.371000000Z",
      },
    });
    run.rx.answerNext({
      status: 400,
      body: '{"status":"invalid event","message":"Event object is invalid"}',
    });
    expect(await serviceTest(run.url, "pagerduty2")).toEqual({
      success: false,
      message: "Event object is invalid",
    });
  });
});

describe("pagerduty", () => {
  const config = (c: TickdConfig, url: string): TickdConfig =>
    section(c, "pagerduty", { enabled: true, serviceKey: "conf-key", url: `${url}/create_event.json` });

  it("triggers and resolves, from a TICKscript property chain and from a handler file", async () => {
    const run = await startKind({
      config,
      chain: ".pagerDuty().serviceKey('tick-key')",
      handlerFile: () => "topic: ops\nid: pd\nkind: pagerduty\n",
      isFromTick: (r) => r.body.includes('"tick-key"'),
    });
    const port = new URL(run.url).port;
    const [crit, ok] = run.fromTick;
    expect(crit!.path).toBe("/create_event.json");
    expect(headersOf(crit!, ["Content-Type"])).toEqual({ "Content-Type": "application/json" });
    expect(crit!.body).toBe(
      `{"client":"kapacitor","client_url":"http://localhost:${port}","description":"cpu/serverA is CRITICAL at 95",` +
        '"details":"usage is 95","event_type":"trigger","incident_key":"cpu/serverA","service_key":"tick-key"}\n',
    );
    expect(ok!.body).toBe(
      `{"client":"kapacitor","client_url":"http://localhost:${port}","description":"cpu/serverA is OK at 5",` +
        '"details":"usage is 5","event_type":"resolve","incident_key":"cpu/serverA","service_key":"tick-key"}\n',
    );
    expect(run.fromFile.map((r) => (JSON.parse(r.body) as Record<string, string>).service_key)).toEqual([
      "conf-key",
      "conf-key",
    ]);
  });

  it("service test, and INFO refused as Kapacitor does", async () => {
    const run = await startKind({ config });
    expect(await serviceTest(run.url, "pagerduty")).toEqual({ success: true, message: "" });
    const [req] = await run.rx.waitFor(1);
    expect(JSON.parse(req!.body)).toMatchObject({
      description: "test pagerduty message",
      event_type: "trigger",
    });
    expect(await serviceTest(run.url, "pagerduty", { level: "INFO" })).toEqual({
      success: false,
      message: "AlertLevel 'info' is currently ignored by the PagerDuty service",
    });
  });
});
