/**
 * Receivers' own dedup keys in cluster mode (issue 16 item 3, DESIGN §11): a notification can
 * reach a receiver twice — re-sent by the next dispatcher from its record, or built again by
 * the next input owner replaying the input — so VictorOps `entity_id`, PagerDuty v2
 * `dedup_key` and Opsgenie `alias` must come from the alert id, never from a random value or
 * the wall clock, and an escalation signature must still verify on the re-sent record.
 */
import { describe, expect, it } from "vitest";
import type { NotificationRecord } from "../../../src/cluster/records.js";
import type { NotifierConfigs } from "../../../src/config/types.js";
import { Level } from "../../../src/core/types.js";
import { verifyHmacSha256Signature, verifyVictorOpsSignature } from "../../../src/handlers/escalation.js";
import type { HttpRequest, HttpSender } from "../../../src/handlers/types.js";
import { alertEvent, factory, handlerConfig } from "../handlers/helpers.js";

const ALERT = "cpu/serverA";

/** Builds the requests `kind` makes for CRITICAL then OK of one alert, at wall-clock `nowMs`. */
async function build(
  kind: string,
  nowMs: number,
  options: Record<string, unknown> = {},
): Promise<HttpRequest[]> {
  const out: HttpRequest[] = [];
  const send: HttpSender = {
    journaled: true,
    send: (req) => {
      out.push(req);
      return Promise.resolve({ status: 202, body: "" });
    },
  };
  const base = handlerConfig();
  const notifiers = {
    pagerduty2: { enabled: true, routingKey: "rk", url: "http://127.0.0.1:9/v2/enqueue", global: false },
    opsgenie2: {
      enabled: true,
      apiKey: "gk",
      teams: [],
      recipients: [],
      url: "http://127.0.0.1:9/v2/alerts",
      recovery_action: "close",
      details: false,
      global: false,
    },
  } as unknown as NotifierConfigs;
  const { f } = factory(
    handlerConfig({
      victorops: { ...base.victorops, url: "http://127.0.0.1:9/vo" },
      escalation: [
        { name: "hmac", url: "http://127.0.0.1:9/esc", authKey: "k1", scheme: "hmac-sha256", events: [] },
        { name: "vo", url: "http://127.0.0.1:9/esc-vo", authKey: "k2", scheme: "victorops", events: [] },
      ],
      notifiers,
    }),
    { send, now: () => nowMs },
  );
  const h = f.create({ kind, options, topic: "ops", id: kind });
  await h.handle(alertEvent({ id: ALERT }), Level.OK);
  await h.handle(
    alertEvent({ id: ALERT, level: Level.OK, time: 31536020e9, duration: 10e9 }),
    Level.CRITICAL,
  );
  return out;
}

/** What a dispatcher sends: the request as carried through the notifications topic. */
function throughTopic(req: HttpRequest): HttpRequest {
  const rec: NotificationRecord = {
    v: 1,
    eventId: "e",
    request: req,
    origin: { member: "m", topic: "p", partition: 0 },
  };
  return (JSON.parse(JSON.stringify(rec)) as NotificationRecord).request;
}

describe("receivers' dedup keys are stable per event", () => {
  for (const [kind, key] of [
    ["victorops", (b: Record<string, unknown>) => b["entity_id"]],
    ["pagerduty2", (b: Record<string, unknown>) => b["dedup_key"]],
  ] as const) {
    it(`${kind}: the key is the alert id, and a rebuild later is byte-identical`, async () => {
      const first = await build(kind, 1_000);
      const later = await build(kind, 9_999_000);
      expect(first).toHaveLength(2);
      expect(later.map((r) => [r.url, r.body])).toEqual(first.map((r) => [r.url, r.body]));
      for (const r of first) expect(key(JSON.parse(r.body) as Record<string, unknown>)).toBe(ALERT);
    });
  }

  it("opsgenie2: the alias is the alert id (URL-safe base64) on the trigger and in the recovery's URL", async () => {
    const first = await build("opsgenie2", 1_000);
    const later = await build("opsgenie2", 9_999_000);
    expect(later.map((r) => [r.url, r.body])).toEqual(first.map((r) => [r.url, r.body]));
    const alias = Buffer.from(ALERT).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
    expect((JSON.parse(first[0]!.body) as { alias: string }).alias).toBe(alias);
    expect(first[1]!.url).toBe(`http://127.0.0.1:9/v2/alerts/${alias}/close?identifierType=alias`);
  });

  it("escalation hmac-sha256: the re-sent record still verifies (the body carries its own timestamp)", async () => {
    const [req] = await build("escalation", 1_700_000_000_000, { name: "hmac" });
    const again = throughTopic(req!);
    expect(again.body).toBe(req!.body);
    expect(
      verifyHmacSha256Signature({
        secret: "k1",
        body: again.body,
        signature: again.headers["X-Webhook-Signature"]!,
      }),
    ).toBe(true);
    // The signed timestamp is the one the body states, so a receiver's freshness check and
    // the signature agree; the incident id is the alert id.
    const body = JSON.parse(again.body) as { timestamp: number; data: { id: string } };
    expect(String(body.timestamp)).toBe(again.headers["X-Webhook-Timestamp"]);
    expect(body.data.id).toBe(ALERT);
  });

  it("escalation victorops scheme: the re-sent record still verifies against its URL, and a rebuild is identical", async () => {
    const [req] = await build("escalation", 1_000, { name: "vo" });
    const again = throughTopic(req!);
    expect(
      verifyVictorOpsSignature({
        authKey: "k2",
        url: again.url,
        form: again.body,
        signature: again.headers["X-VictorOps-Signature"]!,
      }),
    ).toBe(true);
    const [later] = await build("escalation", 9_999_000, { name: "vo" });
    expect([later!.body, later!.headers["X-VictorOps-Signature"]]).toEqual([
      req!.body,
      req!.headers["X-VictorOps-Signature"],
    ]);
    expect(new URLSearchParams(again.body).get("Incident")).toBe(ALERT);
  });
});
