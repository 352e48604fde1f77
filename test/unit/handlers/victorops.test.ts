import { describe, expect, it } from "vitest";

import { Level } from "../../../src/core/types.js";
import { goPathJoin } from "../../../src/handlers/victorops.js";
import type { Receiver } from "../../support/receiver.js";
import { alertEvent, factory, handlerConfig, logText, receivers } from "./helpers.js";

/** The §3 body for alertEvent(): data as a string, keys sorted, plus tickd's two extra keys. */
const SERIES =
  '{"series":[{"name":"cpu","tags":{"host":"serverA"},"columns":["time","count"],' +
  '"values":[["1971-01-01T00:00:10Z",10]]}]}';
const SERIES_STRING = JSON.stringify(SERIES);

function expectedBody(messageType: string, message: string, data: string): string {
  return (
    `{"data":${data},"entity_display_name":${JSON.stringify(message)},"entity_id":"kapacitor/cpu/serverA",` +
    `"message_type":"${messageType}","monitoring_tool":"kapacitor","state_message":${JSON.stringify(message)},` +
    `"state_start_time":31536010,"timestamp":31536010}\n`
  );
}

let rx: Receiver;
const startReceiver = receivers();

function vo(over: Partial<ReturnType<typeof handlerConfig>["victorops"]> = {}) {
  const base = handlerConfig();
  return handlerConfig({ victorops: { ...base.victorops, url: rx.url, ...over } });
}

describe("victorops handler", () => {
  it("posts Kapacitor's body to <url>/<api-key>/<routing-key>, one request per routing key", async () => {
    rx = await startReceiver();
    const { f, logs } = factory(vo());
    // TestStream_AlertVictorOps: two .victorOps() handlers with their own routing keys.
    const a = f.create({ kind: "victorops", options: { "routing-key": "test_key" }, topic: "t", id: "vo1" });
    const b = f.create({ kind: "victorops", options: { "routing-key": "test_key2" }, topic: "t", id: "vo2" });
    await a.handle(alertEvent(), Level.OK);
    await b.handle(alertEvent(), Level.OK);
    expect(rx.requests.map((r) => r.path)).toEqual(["/api_key/test_key", "/api_key/test_key2"]);
    for (const r of rx.requests) {
      expect(r.method).toBe("POST");
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.body).toBe(expectedBody("CRITICAL", "kapacitor/cpu/serverA is CRITICAL", SERIES_STRING));
    }
    const parsed = JSON.parse(rx.requests[0]!.body) as { data: unknown; timestamp: number };
    expect(typeof parsed.data).toBe("string");
    expect(parsed.timestamp).toBe(31536010);
    expect(logs).toEqual([]);
  });

  it("sends one POST per key when routing-key is a list", async () => {
    rx = await startReceiver();
    const { f } = factory(vo());
    const h = f.create({ kind: "victorops", options: { "routing-key": ["k1", "k2"] }, topic: "t", id: "vo" });
    await h.handle(alertEvent(), Level.OK);
    expect(rx.requests.map((r) => r.path)).toEqual(["/api_key/k1", "/api_key/k2"]);
  });

  it("sends RECOVERY for OK with state_start_time = time - duration", async () => {
    rx = await startReceiver();
    const { f } = factory(vo());
    const h = f.create({ kind: "victorops", options: {}, topic: "t", id: "vo" });
    await h.handle(alertEvent({ level: Level.OK, time: 31536020e9, duration: 10e9 }), Level.CRITICAL);
    const body = JSON.parse(rx.requests[0]!.body) as Record<string, unknown>;
    expect(body.message_type).toBe("RECOVERY");
    expect(body.timestamp).toBe(31536020);
    expect(body.state_start_time).toBe(31536010);
    expect(rx.requests[0]!.path).toBe("/api_key/routing_key"); // the configured default key
  });

  it("inlines data with json-data and uses the default routing key", async () => {
    rx = await startReceiver();
    const { f } = factory(vo({ jsonData: true }));
    const h = f.create({ kind: "victorops", options: { "routing-key": "" }, topic: "t", id: "vo" });
    await h.handle(alertEvent(), Level.OK);
    expect(rx.requests[0]!.path).toBe("/api_key/routing_key");
    expect(rx.requests[0]!.body).toBe(expectedBody("CRITICAL", "kapacitor/cpu/serverA is CRITICAL", SERIES));
  });

  it("path-joins onto a URL that has a path", async () => {
    rx = await startReceiver();
    const { f } = factory(vo({ url: `${rx.url}/integrations/generic/20131114/alert/` }));
    await f
      .create({ kind: "victorops", options: { "routing-key": "k" }, topic: "t", id: "vo" })
      .handle(alertEvent(), 0);
    expect(rx.requests[0]!.path).toBe("/integrations/generic/20131114/alert/api_key/k");
  });

  it("logs 'service is not enabled' and sends nothing when disabled", async () => {
    rx = await startReceiver();
    const { f, logs } = factory(vo({ enabled: false }));
    await f.create({ kind: "victorops", options: {}, topic: "t", id: "vo" }).handle(alertEvent(), Level.OK);
    expect(rx.requests).toHaveLength(0);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.fields).toMatchObject({
      error: "service is not enabled",
      handler: "vo",
      alert: "kapacitor/cpu/serverA",
      code: "E_HANDLER_DISABLED",
    });
  });

  it("reports 404 and JSON error messages like Kapacitor, without the API key", async () => {
    rx = await startReceiver({
      answers: [{ status: 404 }, { status: 400, body: '{"result":"failure","message":"bad routing key"}' }],
    });
    const { f, logs } = factory(vo({ apiKey: "SECRET-KEY-123" }));
    const h = f.create({ kind: "victorops", options: { "routing-key": ["a", "b"] }, topic: "t", id: "vo" });
    await h.handle(alertEvent(), Level.OK);
    expect(rx.requests).toHaveLength(2);
    expect(logs.map((l) => l.fields?.error)).toEqual(["URL or API key not found: 404", "bad routing key"]);
    expect(logs[0]!.fields?.url).toBe(`${rx.url}/<redacted>/a`);
    expect(logText(logs)).not.toContain("SECRET-KEY-123");
  });

  // Kapacitor accepts only 200. tickd accepts any 2xx: the delivery journal answers 202 once a
  // notification is safely queued, and the delivery layer judges the endpoint's own answer.
  it("treats a 2xx as success and anything else as a failure", async () => {
    rx = await startReceiver({ statuses: [202, 302] });
    const { f, logs } = factory(vo());
    const h = f.create({ kind: "victorops", options: {}, topic: "t", id: "vo" });
    await h.handle(alertEvent(), Level.OK);
    expect(logs).toHaveLength(0);
    await h.handle(alertEvent(), Level.OK);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.fields?.status).toBe(302);
  });

  it("skips NoExternal events", async () => {
    rx = await startReceiver();
    const { f } = factory(vo());
    await f
      .create({ kind: "victorops", options: {}, topic: "t", id: "vo" })
      .handle(alertEvent({ noExternal: true }), 0);
    expect(rx.requests).toHaveLength(0);
  });

  it("joins paths like Go's path.Join", () => {
    expect(goPathJoin("", "api_key", "test_key")).toBe("api_key/test_key");
    expect(goPathJoin("/a/", "k", "")).toBe("/a/k");
    expect(goPathJoin("/a", "../b")).toBe("/b");
    expect(goPathJoin("", "", "")).toBe("");
  });
});
