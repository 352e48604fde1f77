/**
 * Reading notification records (src/cluster/notification-decode.ts): a record this tickd
 * cannot send becomes a reason and a stable event id, never an exception that would stop
 * the partition.
 */
import { describe, expect, it } from "vitest";
import { decodeNotification } from "../../../src/cluster/notification-decode.js";

const at = { topic: "tickd-x-notifications", partition: 2, offset: "41", key: "cpu/a" };
const request = {
  method: "POST",
  url: "http://127.0.0.1:1/hook",
  headers: { "Content-Type": "application/json" },
  body: "{}",
  timeoutMs: 1000,
  delivery: { handler: "h", topic: "t", alertId: "cpu/a", kind: "post" },
};
const buf = (v: unknown): Buffer => Buffer.from(typeof v === "string" ? v : JSON.stringify(v));

describe("decodeNotification", () => {
  it("reads a version 1 record", () => {
    const d = decodeNotification(
      buf({ v: 1, eventId: "e1", request, origin: { member: "m", topic: "p", partition: 3 } }),
      at,
    );
    expect(d).toEqual({
      kind: "ok",
      record: { v: 1, eventId: "e1", request, origin: { member: "m", topic: "p", partition: 3 } },
    });
  });

  it("refuses an unknown version, naming it, and keeps the record's own ids", () => {
    const d = decodeNotification(buf({ v: 2, eventId: "e2", request }), at);
    expect(d.kind).toBe("invalid");
    if (d.kind !== "invalid") return;
    expect(d.reason).toBe(
      "notification record tickd-x-notifications/2@41: unknown version 2 (this tickd reads 1; upgrade it); skipped",
    );
    expect(d.eventId).toBe("e2");
    expect(d.meta).toEqual({ handler: "h", topic: "t", alertId: "cpu/a", kind: "post" });
  });

  it("refuses unparsable JSON and empty values with an event id made of the record's place", () => {
    for (const [v, why] of [
      [buf("{nope"), /not JSON/],
      [null, /empty value/],
      [buf("[1]"), /not a JSON object/],
    ] as const) {
      const d = decodeNotification(v, at);
      expect(d.kind).toBe("invalid");
      if (d.kind !== "invalid") continue;
      expect(d.reason).toMatch(why);
      // Stable: reading the record again after a rebalance names it the same.
      expect(d.eventId).toBe("tickd-x-notifications/2@41");
      expect(d.meta.alertId).toBe("cpu/a");
    }
  });

  it("refuses a request of the wrong shape, naming the field", () => {
    const cases: [unknown, RegExp][] = [
      [{ v: 1, eventId: "", request }, /eventId/],
      [{ v: 1, eventId: "e", request: { ...request, url: 5 } }, /request\.url/],
      [{ v: 1, eventId: "e", request: { ...request, headers: { a: 1 } } }, /request\.headers/],
      [{ v: 1, eventId: "e", request: { ...request, timeoutMs: "1" } }, /request\.timeoutMs/],
      [{ v: 1, eventId: "e", request: { ...request, method: "" } }, /request\.method/],
      [{ v: 1, eventId: "e" }, /request is not an object/],
    ];
    for (const [v, why] of cases) {
      const d = decodeNotification(buf(v), at);
      expect(d.kind, JSON.stringify(v)).toBe("invalid");
      if (d.kind === "invalid") expect(d.reason).toMatch(why);
    }
  });
});
