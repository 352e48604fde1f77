import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { Level } from "../../../src/core/types.js";
import type { HttpPostEndpointConfig } from "../../../src/handlers/index.js";
import type { Receiver } from "../../support/receiver.js";
import { alertEvent, factory, handlerConfig, logText, POST_BODY, receivers } from "./helpers.js";

let rx: Receiver;
const startReceiver = receivers();

function endpoint(over: Partial<HttpPostEndpointConfig> = {}): HttpPostEndpointConfig {
  return {
    endpoint: "example",
    url: rx.url,
    headers: {},
    basicAuth: null,
    alertTemplate: "",
    alertTemplateFile: "",
    ...over,
  };
}

function b64(s: string): string {
  return Buffer.from(s).toString("base64");
}

describe("post handler", () => {
  it("posts the alert JSON exactly (TestStream_AlertHTTPPost)", async () => {
    rx = await startReceiver();
    const { f, logs } = factory(handlerConfig());
    const h = f.create({ kind: "post", options: { url: rx.url + "/alert" }, topic: "t", id: "p" });
    await h.handle(alertEvent(), Level.OK);
    expect(rx.requests).toHaveLength(1);
    const r = rx.requests[0]!;
    expect(r.method).toBe("POST");
    expect(r.path).toBe("/alert");
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.body).toBe(POST_BODY);
    expect(logs).toEqual([]);
  });

  it("uses a [[httppost]] endpoint: its URL, basic auth and headers, handler headers overwrite", async () => {
    rx = await startReceiver();
    const ep = endpoint({
      url: rx.url + "/ep",
      headers: { "X-Team": "sre", "X-Env": "prod", "content-type": "text/plain" },
      basicAuth: { username: "user", password: "pw" },
    });
    const { f } = factory(handlerConfig({ httppost: [ep] }));
    const h = f.create({
      kind: "post",
      options: { endpoint: "example", headers: { "x-env": "staging", "X-Extra": "1" } },
      topic: "t",
      id: "p",
    });
    await h.handle(alertEvent(), Level.OK);
    const r = rx.requests[0]!;
    expect(r.path).toBe("/ep");
    expect(r.headers["x-team"]).toBe("sre");
    expect(r.headers["x-env"]).toBe("staging");
    expect(r.headers["x-extra"]).toBe("1");
    expect(r.headers.authorization).toBe("Basic " + b64("user:pw"));
    // The alert JSON body always sets application/json, over any user header.
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.body).toBe(POST_BODY);
  });

  it("does not send basic auth unless both username and password are set", async () => {
    rx = await startReceiver();
    const ep = endpoint({ basicAuth: { username: "user", password: "" } });
    const { f } = factory(handlerConfig({ httppost: [ep] }));
    await f
      .create({ kind: "post", options: { endpoint: "example" }, topic: "t", id: "p" })
      .handle(alertEvent(), 0);
    expect(rx.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("falls back to url when the endpoint is unknown, and errors without either", () => {
    const { f } = factory(handlerConfig());
    expect(() => f.create({ kind: "post", options: { endpoint: "nope" }, topic: "t", id: "p" })).toThrow(
      /option "endpoint": no \[\[httppost\]\] endpoint named "nope"/,
    );
    expect(() =>
      f.create({
        kind: "post",
        options: { endpoint: "nope", url: "http://127.0.0.1:1/" },
        topic: "t",
        id: "p",
      }),
    ).not.toThrow();
  });

  it("templates the URL over alert.Data", async () => {
    rx = await startReceiver();
    const { f } = factory(handlerConfig());
    const url = rx.url + '/{{ .Level }}/{{ index (index .Data.Series 0).Tags "host" }}?id={{ urlquery .ID }}';
    await f.create({ kind: "post", options: { url }, topic: "t", id: "p" }).handle(alertEvent(), 0);
    expect(rx.requests[0]!.path).toBe("/CRITICAL/serverA?id=kapacitor%2Fcpu%2FserverA");
  });

  it("sends a templated body without Content-Type, with Go names and json", async () => {
    rx = await startReceiver();
    const ep = endpoint({
      alertTemplate:
        "{{ .ID }}|{{ .Message }}|{{ .Time }}|{{ .Duration }}|{{ .Level }}|{{ .PreviousLevel }}|" +
        "{{ .Recoverable }}|{{ (index .Data.Series 0).Name }}|{{ json . }}",
    });
    const { f } = factory(handlerConfig({ httppost: [ep] }));
    await f
      .create({ kind: "post", options: { endpoint: "example" }, topic: "t", id: "p" })
      .handle(alertEvent(), 0);
    const r = rx.requests[0]!;
    expect(r.headers["content-type"]).toBeUndefined();
    expect(r.body).toBe(
      "kapacitor/cpu/serverA|kapacitor/cpu/serverA is CRITICAL|1971-01-01 00:00:10 +0000 UTC|0s|CRITICAL|OK|true|cpu|" +
        POST_BODY,
    );
  });

  it("reads alert-template-file from the endpoint", async () => {
    rx = await startReceiver();
    const dir = mkdtempSync(join(tmpdir(), "tickd-post-"));
    const file = join(dir, "body.tmpl");
    writeFileSync(file, "level={{ .Level }}");
    const { f } = factory(handlerConfig({ httppost: [endpoint({ alertTemplateFile: file })] }));
    await f
      .create({ kind: "post", options: { endpoint: "example" }, topic: "t", id: "p" })
      .handle(alertEvent(), 0);
    expect(rx.requests[0]!.body).toBe("level=CRITICAL");
  });

  it("offers the Logz.io helpers in body templates (at most five samples)", async () => {
    rx = await startReceiver();
    const tmpl =
      '{"title":"{{ alert_title }}","description":"{{ alert_description }}",' +
      '"severity":"{{ alert_severity }}","samples":{{ alert_event_samples }}}';
    const { f } = factory(handlerConfig());
    const h = f.create({
      kind: "post",
      options: { url: rx.url, "alert-template": tmpl, method: "put", "bearer-token": "tok-123" },
      topic: "t",
      id: "p",
    });
    const e = alertEvent();
    const s = e.data.series[0]!;
    s.columns = ["time", "value"];
    s.values = [1, 2, 3, 4, 5, 6, 7].map((i) => [(31_536_000n + BigInt(i)) * 1_000_000_000n, i * 1.5]);
    await h.handle(e, Level.OK);
    const r = rx.requests[0]!;
    expect(r.method).toBe("PUT");
    expect(r.headers.authorization).toBe("Bearer tok-123");
    const body = JSON.parse(r.body) as {
      title: string;
      description: string;
      severity: string;
      samples: unknown[];
    };
    expect(body.title).toBe("kapacitor/cpu/serverA is CRITICAL");
    expect(body.description).toBe("details");
    expect(body.severity).toBe("CRITICAL");
    expect(body.samples).toHaveLength(5);
    expect(body.samples[0]).toEqual({ host: "serverA", time: "1971-01-01T00:00:01Z", value: 1.5 });
    expect(r.body).toContain('"samples":[{"host":"serverA","time":"1971-01-01T00:00:01Z","value":1.5},');
  });

  it("JSON-escapes the helpers inside JSON strings only, and sends a JSON body as application/json", async () => {
    rx = await startReceiver();
    const { f, logs } = factory(handlerConfig());
    const message = 'say "hi"\n\tC:\\new';
    const send = async (tmpl: string, level: Level, headers: Record<string, string> = {}) => {
      const h = f.create({
        kind: "post",
        options: { url: rx.url, "alert-template": tmpl, headers },
        topic: "t",
        id: "p",
      });
      await h.handle(alertEvent({ level, message, details: "" }), Level.CRITICAL);
      return rx.requests[rx.requests.length - 1]!;
    };
    const json =
      '{"type":"{{alert_message_type}}","id":"{{ alert_id }}","title":"{{ alert_title }}",' +
      '"text":"{{ alert_description | printf "%s!" }}","escaped \\"{{alert_severity}}\\"":1,' +
      '"samples":{{alert_event_samples}},"samplesText":"{{alert_event_samples}}"}';
    for (const level of [Level.CRITICAL, Level.OK]) {
      const r = await send(json, level);
      expect(r.headers["content-type"]).toBe("application/json");
      const body = JSON.parse(r.body) as Record<string, unknown>;
      expect(body.type).toBe(level === Level.OK ? "RECOVERY" : "CRITICAL");
      expect(body.id).toBe("kapacitor/cpu/serverA");
      expect(body.title).toBe(message);
      expect(body.text).toBe(message + "!");
      expect(body.samples).toEqual([{ host: "serverA", time: "1971-01-01T00:00:10Z", count: 10 }]);
      expect(JSON.parse(body.samplesText as string)).toEqual(body.samples);
    }
    // Not JSON: printed as is, no Content-Type.
    const text = await send("{{ alert_title }} / {{ alert_severity }}", Level.CRITICAL);
    expect(text.body).toBe(`${message} / CRITICAL`);
    expect(text.headers["content-type"]).toBeUndefined();
    // Kapacitor's own fields print as Kapacitor prints them (byte-compatible templates).
    const kap = await send('{"m":"{{ .Message }}"}', Level.CRITICAL);
    expect(kap.body).toBe(`{"m":"${message}"}`);
    // The handler's Content-Type wins.
    const own = await send('{"t":"{{ alert_title }}"}', Level.CRITICAL, {
      "content-type": "application/vnd.x+json",
    });
    expect(own.headers["content-type"]).toBe("application/vnd.x+json");
    // A body that looks like JSON but is not: sent as rendered, with a warning.
    expect(logs).toHaveLength(1);
    expect(logs[0]!.level).toBe("warn");
    expect(logs[0]!.msg).toBe("post body template rendered invalid JSON");
  });

  it("refuses a URL outside [webhook] allowed-hosts after templating, and never requests it", async () => {
    rx = await startReceiver();
    const url = `{{ if eq .Level "CRITICAL" }}http://127.0.0.1:${rx.port}/ok{{ else }}${rx.url}/other{{ end }}`;
    const { f, logs } = factory(handlerConfig({ webhook: { allowedHosts: ["example.com", "*.internal"] } }));
    const h = f.create({ kind: "post", options: { url }, topic: "t", id: "p" });
    await h.handle(alertEvent(), Level.OK);
    expect(rx.requests).toHaveLength(0);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.level).toBe("error");
    expect(logs[0]!.fields).toMatchObject({
      code: "E_HANDLER_REFUSED",
      handler: "p",
      alert: "kapacitor/cpu/serverA",
    });
    expect(String(logs[0]!.fields?.error)).toMatch(/host "127\.0\.0\.1" is not in \[webhook\] allowed-hosts/);

    const { f: f2 } = factory(handlerConfig({ webhook: { allowedHosts: ["127.0.0.1"] } }));
    await f2.create({ kind: "post", options: { url }, topic: "t", id: "p" }).handle(alertEvent(), 0);
    expect(rx.requests.map((r) => r.path)).toEqual(["/ok"]);
  });

  it("logs non-2xx with the response body when capture-response is set, secrets redacted", async () => {
    rx = await startReceiver({ answers: [{ status: 500, body: "boom" }] });
    const { f, logs } = factory(handlerConfig());
    const h = f.create({
      kind: "post",
      options: {
        url: rx.url + "/hook?token=abc",
        "capture-response": true,
        "basic-auth": { username: "u", password: "hunter2" },
      },
      topic: "t",
      id: "p",
    });
    await h.handle(alertEvent(), Level.OK);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.fields).toMatchObject({ status: 500, response: "boom", code: "E_HANDLER_STATUS" });
    expect(logs[0]!.fields?.url).toBe(rx.url + "/hook?token=<redacted>");
    expect(logText(logs)).not.toContain("hunter2");
  });

  it("times out a hanging endpoint with the handler timeout", async () => {
    rx = await startReceiver({ answers: [{ hang: true }] });
    const { f, logs } = factory(handlerConfig());
    const h = f.create({ kind: "post", options: { url: rx.url, timeout: 200e6 }, topic: "t", id: "p" });
    await h.handle(alertEvent(), Level.OK);
    expect(logs[0]!.fields?.code).toBe("E_HANDLER_TIMEOUT");
  });

  it("logs a reset connection and keeps going", async () => {
    rx = await startReceiver({ answers: [{ reset: true }] });
    const { f, logs } = factory(handlerConfig());
    const h = f.create({ kind: "post", options: { url: rx.url }, topic: "t", id: "p" });
    await h.handle(alertEvent(), Level.OK);
    await h.handle(alertEvent(), Level.CRITICAL);
    expect(rx.requests).toHaveLength(2);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.fields?.code).toBe("E_HANDLER_SEND");
  });

  it("keeps event order per handler", async () => {
    rx = await startReceiver({ answers: [{ delayMs: 100 }] });
    const { f } = factory(handlerConfig());
    const h = f.create({
      kind: "post",
      options: { url: rx.url, "alert-template": "{{ .Level }}" },
      topic: "t",
      id: "p",
    });
    const a = h.handle(alertEvent(), Level.OK);
    const b = h.handle(alertEvent({ level: Level.OK }), Level.CRITICAL);
    await Promise.all([a, b]);
    expect(rx.requests.map((r) => r.body)).toEqual(["CRITICAL", "OK"]);
  });

  it("validates options strictly, naming the key", () => {
    const { f } = factory(handlerConfig());
    const create = (options: Record<string, unknown>) => () =>
      f.create({ kind: "post", options, topic: "t", id: "p" });
    expect(create({ url: "http://x", bogus: 1 })).toThrow(/unknown option "bogus"/);
    expect(create({})).toThrow(/option "url"/);
    expect(create({ url: "http://x", headers: { Authenticate: "x" } })).toThrow(
      /option "headers.Authenticate"/,
    );
    expect(create({ url: "http://x", timeout: "soon" })).toThrow(/option "timeout"/);
    expect(create({ url: "http://x", method: "DELETE" })).toThrow(/option "method"/);
    expect(create({ url: "http://x", "alert-template": "{{ .Oops" })).toThrow(/option "alert-template"/);
    expect(
      create({ url: "http://x", "bearer-token": "a", "basic-auth": { username: "u", password: "p" } }),
    ).toThrow(/option "bearer-token"/);
    try {
      create({ url: 5 })();
    } catch (e) {
      expect((e as { code: string }).code).toBe("E_HANDLER_OPTIONS");
    }
    // Kapacitor's own keys, durations as ns or strings.
    expect(
      create({ url: "http://x", "capture-response": true, timeout: 10e9, "skip-ssl-verification": true }),
    ).not.toThrow();
    expect(create({ url: "http://x", timeout: "10s" })).not.toThrow();
  });
});
