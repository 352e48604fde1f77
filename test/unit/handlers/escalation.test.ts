/**
 * Signed escalation webhooks. Signatures are checked with node:crypto directly, written here
 * from DESIGN §7's definition, not with the module's own helpers.
 */
import { createHmac } from "node:crypto";

import { describe, expect, it } from "vitest";

import { Level } from "../../../src/core/types.js";
import {
  verifyHmacSha256Signature,
  verifyVictorOpsSignature,
  type EscalationTargetConfig,
} from "../../../src/handlers/index.js";
import type { Receiver } from "../../support/receiver.js";
import { alertEvent, factory, handlerConfig, receivers } from "./helpers.js";

const KEY = "s3cr3t-auth-key";
const NOW_MS = 1_700_000_000_123;

let rx: Receiver;
const startReceiver = receivers();

function setup(over: Partial<EscalationTargetConfig> = {}) {
  const target: EscalationTargetConfig = {
    name: "oncall",
    url: rx.url + "/escalate",
    authKey: KEY,
    scheme: "hmac-sha256",
    events: [],
    ...over,
  };
  const { f, logs } = factory(handlerConfig({ escalation: [target] }), { now: () => NOW_MS });
  return { h: f.create({ kind: "escalation", options: { name: "oncall" }, topic: "t", id: "esc" }), logs };
}

describe("escalation handler, hmac-sha256 scheme", () => {
  it("posts the JSON envelope signed with HMAC-SHA256 over the body", async () => {
    rx = await startReceiver();
    const { h, logs } = setup();
    await h.handle(alertEvent(), Level.OK);
    expect(logs).toEqual([]);
    const r = rx.requests[0]!;
    expect(r.method).toBe("POST");
    expect(r.path).toBe("/escalate");
    expect(r.body).toBe(
      '{"event":"incident.created","timestamp":1700000000,"data":{"id":"kapacitor/cpu/serverA",' +
        '"title":"kapacitor/cpu/serverA is CRITICAL","description":"details","level":"CRITICAL",' +
        '"previousLevel":"OK","status":"triggered","task":"t","tags":{"host":"serverA"},' +
        '"createdAt":"1971-01-01T00:00:10Z"}}',
    );
    const expected = "sha256=" + createHmac("sha256", KEY).update(r.bodyBytes).digest("hex");
    expect(r.headers["x-webhook-signature"]).toBe(expected);
    expect(r.headers["x-webhook-event"]).toBe("incident.created");
    expect(r.headers["x-webhook-timestamp"]).toBe("1700000000");
    expect(r.headers["user-agent"]).toBe("tickd/9.9.9");
    expect(r.headers["content-type"]).toBe("application/json");
    // The exported verifier agrees, and rejects a tampered body.
    expect(verifyHmacSha256Signature({ secret: KEY, body: r.body, signature: expected })).toBe(true);
    expect(verifyHmacSha256Signature({ secret: KEY, body: r.body + " ", signature: expected })).toBe(false);
    expect(verifyHmacSha256Signature({ secret: "other", body: r.body, signature: expected })).toBe(false);
  });

  it("maps level changes onto incident events and skips repeats", async () => {
    rx = await startReceiver();
    const { h } = setup();
    await h.handle(alertEvent({ level: Level.WARNING }), Level.OK); // created
    await h.handle(alertEvent({ level: Level.WARNING }), Level.WARNING); // repeat: nothing
    await h.handle(alertEvent({ level: Level.CRITICAL, duration: 5e9 }), Level.WARNING); // updated
    await h.handle(alertEvent({ level: Level.OK, duration: 9e9 }), Level.CRITICAL); // resolved
    await h.handle(alertEvent({ level: Level.OK }), Level.OK); // nothing to resolve
    expect(rx.requests.map((r) => r.headers["x-webhook-event"])).toEqual([
      "incident.created",
      "incident.updated",
      "incident.resolved",
    ]);
    const resolved = JSON.parse(rx.requests[2]!.body) as { data: Record<string, unknown> };
    expect(resolved.data).toMatchObject({
      status: "resolved",
      level: "OK",
      previousLevel: "CRITICAL",
      createdAt: "1971-01-01T00:00:01Z",
    });
  });

  it("sends only the events the target lists", async () => {
    rx = await startReceiver();
    const { h } = setup({ events: ["incident.resolved"] });
    await h.handle(alertEvent(), Level.OK);
    await h.handle(alertEvent({ level: Level.OK }), Level.CRITICAL);
    expect(rx.requests.map((r) => r.headers["x-webhook-event"])).toEqual(["incident.resolved"]);
  });

  it("logs a non-2xx answer", async () => {
    rx = await startReceiver({ statuses: [503] });
    const { h, logs } = setup();
    await h.handle(alertEvent(), Level.OK);
    expect(logs[0]!.fields).toMatchObject({
      status: 503,
      code: "E_HANDLER_STATUS",
      incident: "incident.created",
    });
    expect(JSON.stringify(logs)).not.toContain(KEY);
  });

  it("obeys [webhook] allowed-hosts", async () => {
    rx = await startReceiver();
    const target: EscalationTargetConfig = {
      name: "oncall",
      url: rx.url,
      authKey: KEY,
      scheme: "hmac-sha256",
      events: [],
    };
    const { f, logs } = factory(
      handlerConfig({ escalation: [target], webhook: { allowedHosts: ["pager.example.com"] } }),
    );
    await f
      .create({ kind: "escalation", options: { name: "oncall" }, topic: "t", id: "e" })
      .handle(alertEvent(), 0);
    expect(rx.requests).toHaveLength(0);
    expect(logs[0]!.fields?.code).toBe("E_HANDLER_REFUSED");
  });

  it("rejects an unknown target name", () => {
    const { f } = factory(handlerConfig());
    expect(() => f.create({ kind: "escalation", options: { name: "nope" }, topic: "t", id: "e" })).toThrow(
      /escalation handler: option "name": no \[\[escalation\]\] named "nope"/,
    );
    expect(() => f.create({ kind: "escalation", options: {}, topic: "t", id: "e" })).toThrow(
      /option "name": is required/,
    );
  });
});

describe("escalation handler, victorops scheme", () => {
  it("posts a signed form: base64(HMAC-SHA1(key, url + keys and values in key order))", async () => {
    rx = await startReceiver();
    const { h, logs } = setup({ scheme: "victorops", url: rx.url + "/vo?team=a" });
    await h.handle(alertEvent({ details: "disk & cpu <high>" }), Level.OK);
    expect(logs).toEqual([]);
    const r = rx.requests[0]!;
    expect(r.path).toBe("/vo?team=a");
    expect(r.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(r.headers["user-agent"]).toBe("tickd/9.9.9");
    const form = new URLSearchParams(r.body);
    expect([...form.keys()]).toEqual(["Incident", "Level", "Message", "Summary", "Time"]);
    expect(Object.fromEntries(form)).toEqual({
      Incident: "kapacitor/cpu/serverA",
      Level: "CRITICAL",
      Message: "disk & cpu <high>",
      Summary: "kapacitor/cpu/serverA is CRITICAL",
      Time: "1971-01-01T00:00:10Z",
    });
    // Independent signature: sort the keys ourselves and concatenate, no delimiters.
    const url = rx.url + "/vo?team=a";
    const keys = [...form.keys()].sort();
    const signed = url + keys.map((k) => k + form.get(k)!).join("");
    const expected = createHmac("sha1", KEY).update(signed, "utf8").digest("base64");
    expect(r.headers["x-victorops-signature"]).toBe(expected);
    expect(verifyVictorOpsSignature({ authKey: KEY, url, form: r.body, signature: expected })).toBe(true);
    expect(
      verifyVictorOpsSignature({ authKey: KEY, url: url + "x", form: r.body, signature: expected }),
    ).toBe(false);
  });

  it("shows people the message, not Kapacitor's default details blob (form Message, hmac description)", async () => {
    // What a script without .details() produces: {{ json . }}, HTML-escaped.
    const blob =
      "{&#34;Name&#34;:&#34;cpu&#34;,&#34;TaskName&#34;:&#34;t&#34;,&#34;Group&#34;:&#34;host=serverA&#34;," +
      "&#34;Tags&#34;:{&#34;host&#34;:&#34;serverA&#34;},&#34;Message&#34;:&#34;cpu is CRITICAL&#34;}\n";
    rx = await startReceiver();
    const vo = setup({ scheme: "victorops" }).h;
    await vo.handle(alertEvent({ details: blob, message: "cpu is CRITICAL" }), Level.OK);
    await vo.handle(alertEvent({ details: "see <b>runbook</b>", message: "cpu is CRITICAL" }), Level.OK);
    const hmac = setup({ scheme: "hmac-sha256" }).h;
    await hmac.handle(alertEvent({ details: blob, message: "cpu is CRITICAL" }), Level.OK);
    const [a, b, c] = await rx.waitFor(3);
    expect(new URLSearchParams(a!.body).get("Message")).toBe("cpu is CRITICAL");
    expect(new URLSearchParams(b!.body).get("Message")).toBe("see <b>runbook</b>");
    expect((JSON.parse(c!.body) as { data: { description: string } }).data.description).toBe(
      "cpu is CRITICAL",
    );
  });

  it("uses the message when details are empty", async () => {
    rx = await startReceiver();
    const { h } = setup({ scheme: "victorops" });
    await h.handle(alertEvent({ details: "" }), Level.OK);
    expect(new URLSearchParams(rx.requests[0]!.body).get("Message")).toBe(
      "kapacitor/cpu/serverA is CRITICAL",
    );
  });
});
