/**
 * The delivery service's seam for the cluster dispatcher (`external`, src/delivery/service.ts):
 * notifications made by another member are journaled under their own event id, at most once
 * per event id, sent with that id as `X-Tickd-Event-Id`, and reported when they are over.
 */
import { describe, expect, it } from "vitest";
import type { ExternalNotification } from "../../../src/delivery/types.js";
import { DeliveryJournalRepository } from "../../../src/store/delivery-journal.js";
import { MS, notification, until, useFixture } from "./helpers.js";

const fx = useFixture();
const ORIGIN = "tickd-c-notifications/3";

function ext(eventId: string, over: Partial<ExternalNotification> = {}): ExternalNotification {
  return { eventId, origin: ORIGIN, createdMs: Date.now(), ...over };
}

describe("external deliveries (cluster dispatcher)", () => {
  it("sends under the producer's event id, tells when it is delivered, and never sends an event id twice", async () => {
    const rx = await fx.receiver();
    const svc = fx.service({ delivery: { concurrency: 8 } });
    svc.start();
    const settled: [string, string][] = [];
    svc.external.onSettled((id, st) => settled.push([id, st]));
    expect(svc.external.accept(notification(`${rx.url}/a`, "cpu/a"), ext("ev-1"))).toBe("journaled");
    // Read again in the same turn (a re-fetch) and after the row is written: not sent again.
    expect(svc.external.accept(notification(`${rx.url}/a`, "cpu/a"), ext("ev-1"))).toBe("sending");
    await svc.idle();
    expect(settled).toEqual([["ev-1", "delivered"]]);
    expect(svc.external.accept(notification(`${rx.url}/a`, "cpu/a"), ext("ev-1"))).toBe("delivered");
    await svc.idle();
    expect(rx.requests).toHaveLength(1);
    expect(rx.requests[0]!.headers["x-tickd-event-id"]).toBe("ev-1");
    // A local notification is no "external" one: its settle is not reported.
    await svc.sender.send(notification(`${rx.url}/b`, "cpu/b"));
    await svc.idle();
    expect(settled).toHaveLength(1);
  });

  it("a record read again after its event id settled, before the outcome is written, is settled too", async () => {
    // Found by the cluster-dispatch integration test: "sending" there made the dispatcher wait
    // for a settle that had already happened, so the partition's offset never moved again.
    const rx = await fx.receiver();
    const svc = fx.service();
    svc.start();
    let again: string | undefined;
    svc.external.onSettled((id) => {
      // The outcome is buffered until the turn's flush; a record read in between sees the row.
      queueMicrotask(() => {
        again = svc.external.accept(notification(`${rx.url}/a`, "cpu/a"), ext(id));
      });
    });
    svc.external.accept(notification(`${rx.url}/a`, "cpu/a"), ext("ev-s"));
    await svc.idle();
    await until(() => again !== undefined);
    expect(again).toBe("delivered");
    expect(rx.requests).toHaveLength(1);
  });

  it("reports a permanent failure as settled too", async () => {
    const rx = await fx.receiver({ statuses: [400] });
    const svc = fx.service();
    svc.start();
    const settled: [string, string][] = [];
    svc.external.onSettled((id, st) => settled.push([id, st]));
    svc.external.accept(notification(rx.url, "cpu/a"), ext("ev-400"));
    await svc.idle();
    expect(settled).toEqual([["ev-400", "failed"]]);
    expect(svc.external.accept(notification(rx.url, "cpu/a"), ext("ev-400"))).toBe("failed");
  });

  it("journals an unreadable record as failed with the reason, once", () => {
    const store = fx.store();
    const svc = fx.service({ store });
    svc.start();
    const meta = { handler: "h", topic: "t", alertId: "cpu/x", kind: "post" };
    svc.external.reject(meta, ext("tickd-c-notifications/3@9"), "unknown version 2");
    svc.external.reject(meta, ext("tickd-c-notifications/3@9"), "unknown version 2");
    const rows = new DeliveryJournalRepository(store.db).list({ status: "failed" });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      eventId: "tickd-c-notifications/3@9",
      origin: ORIGIN,
      lastError: "unknown version 2",
    });
    expect(svc.metrics()).toMatch(/tickd_deliveries_total\{topic="t",handler="h",outcome="failed"\} 1/);
  });

  it("max-age counts from when the record was produced, not from when this member read it", async () => {
    const rx = await fx.receiver({ fallback: { status: 503 } });
    const svc = fx.service({ delivery: { maxAttempts: 0, maxAge: 60_000 * MS } });
    svc.start();
    svc.external.accept(notification(rx.url, "cpu/a"), ext("old", { createdMs: Date.now() - 120_000 }));
    await svc.idle();
    expect(rx.requests).toHaveLength(1);
    expect(fx.logs.find((l) => l.msg === "notification failed permanently")?.fields["reason"]).toBe(
      "max-age reached",
    );
  });

  it("is not refused when the journal is full (the dispatcher pauses instead)", async () => {
    const rx = await fx.receiver({ fallback: { hang: true } });
    const svc = fx.service({ delivery: { maxJournalRows: 1 } });
    svc.start();
    await svc.sender.send(notification(rx.url, "cpu/a"));
    await expect(svc.sender.send(notification(rx.url, "cpu/b"))).rejects.toThrow(/journal is full/);
    expect(svc.external.accept(notification(rx.url, "cpu/c"), ext("ev-c"))).toBe("journaled");
    expect(svc.pendingCount()).toBe(2);
  });

  it("hold() starts no new attempt while the ones under way finish; release(origin) drops a partition's pending rows", async () => {
    let answer!: () => void;
    const gate = new Promise<void>((r) => (answer = r));
    const rx = await fx.receiver({ answers: [{ after: gate }] });
    const store = fx.store();
    const svc = fx.service({ store, delivery: { concurrency: 4 } });
    svc.start();
    svc.external.accept(notification(`${rx.url}/1`, "cpu/a"), ext("e1"));
    await until(() => rx.requests.length === 1);
    expect(svc.external.attempting()).toBe(1);
    svc.external.hold(true);
    svc.external.accept(notification(`${rx.url}/2`, "cpu/b"), ext("e2"));
    svc.external.accept(
      notification(`${rx.url}/3`, "cpu/c"),
      ext("e3", { origin: "tickd-c-notifications/4" }),
    );
    await new Promise((r) => setTimeout(r, 150));
    expect(rx.requests).toHaveLength(1);
    answer();
    await until(() => svc.external.attempting() === 0);
    expect(svc.external.release(ORIGIN)).toBe(1); // e2; e1 is delivered
    svc.external.hold(false);
    await svc.idle();
    expect(rx.requests.map((r) => r.path)).toEqual(["/1", "/3"]);
    const journal = new DeliveryJournalRepository(store.db);
    expect(journal.findExternal("e2")).toBeUndefined();
    expect(svc.pendingCount()).toBe(0);
    // Released, so a later read of the same record journals and sends it.
    expect(svc.external.accept(notification(`${rx.url}/2`, "cpu/b"), ext("e2"))).toBe("journaled");
    await svc.idle();
    expect(rx.requests.map((r) => r.path)).toEqual(["/1", "/3", "/2"]);
  });

  it("holdExternal: a restart leaves the cluster's pending rows parked until releaseParked(); local rows replay as always", async () => {
    const rx = await fx.receiver({ fallback: { hang: true } });
    const store = fx.store();
    const first = fx.service({ store, delivery: { concurrency: 4 } });
    first.start();
    first.external.accept(notification(`${rx.url}/ext`, "cpu/a"), ext("e1"));
    await first.sender.send(notification(`${rx.url}/local`, "cpu/b"));
    await until(() => rx.requests.length === 2);
    await first.stop({ graceMs: 10 });
    rx.setFallback({ status: 200 });
    rx.requests.length = 0;

    const second = fx.service({ store, holdExternal: true });
    second.start();
    await second.idle();
    expect(rx.requests.map((r) => r.path)).toEqual(["/local"]);
    expect(second.pendingCount()).toBe(1);
    expect(second.external.releaseParked()).toBe(1);
    expect(second.pendingCount()).toBe(0);
    expect(new DeliveryJournalRepository(store.db).findExternal("e1")).toBeUndefined();
  });

  it("single-node mode (no holdExternal) replays such rows like any other", async () => {
    const rx = await fx.receiver({ fallback: { hang: true } });
    const store = fx.store();
    const first = fx.service({ store });
    first.start();
    first.external.accept(notification(`${rx.url}/ext`, "cpu/a"), ext("e1"));
    await until(() => rx.requests.length === 1);
    await first.stop({ graceMs: 10 });
    rx.setFallback({ status: 200 });
    const second = fx.service({ store });
    second.start();
    await second.idle();
    expect(rx.requests.map((r) => r.headers["x-tickd-event-id"])).toEqual(["e1", "e1"]);
  });
});
