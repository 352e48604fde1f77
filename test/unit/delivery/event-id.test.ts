/**
 * `X-Tickd-Event-Id` (DESIGN §8): every journaled request carries its notification's id, the
 * same on every attempt, different for every other notification, and shown as `event_id` in
 * the deliveries API. Real handlers (post, victorops, escalation) send through the delivery
 * service to a real node:http receiver. (Restarts and kill -9: crash.test.ts and
 * test/e2e/delivery.test.ts.)
 */
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { Level } from "../../../src/core/types.js";
import { deliveryView } from "../../../src/delivery/index.js";
import { DeliveryJournalRepository } from "../../../src/store/delivery-journal.js";
import { MIGRATIONS, migrate } from "../../../src/store/migrations.js";
import type { RecordedRequest } from "../../support/receiver.js";
import { alertEvent, factory, handlerConfig } from "../handlers/helpers.js";
import { notification, useFixture } from "./helpers.js";

const fx = useFixture();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const eventId = (r: RecordedRequest): string | undefined =>
  r.headers["x-tickd-event-id"] as string | undefined;

function journalOf(store: ReturnType<typeof fx.store>): DeliveryJournalRepository {
  return new DeliveryJournalRepository(store.db);
}

describe("X-Tickd-Event-Id", () => {
  it("post, victorops and escalation requests carry it; every notification has its own, shown as event_id", async () => {
    const rx = await fx.receiver();
    const store = fx.store();
    const svc = fx.service({ store });
    svc.start();
    const base = handlerConfig();
    const { f } = factory(
      handlerConfig({
        victorops: { ...base.victorops, url: `${rx.url}/vo` },
        escalation: [
          { name: "oncall", url: `${rx.url}/esc`, authKey: "k", scheme: "hmac-sha256", events: [] },
        ],
      }),
      { send: svc.sender },
    );
    const post = f.create({ kind: "post", options: { url: `${rx.url}/post` }, topic: "t", id: "p" });
    const other = f.create({ kind: "post", options: { url: `${rx.url}/post2` }, topic: "t", id: "p2" });
    const vo = f.create({ kind: "victorops", options: { "routing-key": "rk" }, topic: "t", id: "vo" });
    const esc = f.create({ kind: "escalation", options: { name: "oncall" }, topic: "t", id: "esc" });
    await post.handle(alertEvent(), Level.OK);
    await post.handle(alertEvent({ level: Level.OK }), Level.CRITICAL);
    await other.handle(alertEvent(), Level.OK);
    await vo.handle(alertEvent(), Level.OK);
    await esc.handle(alertEvent(), Level.OK);
    await svc.idle();

    expect(rx.requests.map((r) => r.path).sort()).toEqual([
      "/esc",
      "/post",
      "/post",
      "/post2",
      "/vo/api_key/rk",
    ]);
    const ids = rx.requests.map(eventId);
    for (const id of ids) expect(id).toMatch(UUID);
    // Another event of the same handler, another handler, another kind: another id.
    expect(new Set(ids).size).toBe(5);
    // The API row of each notification names the id its request carried.
    const rows = journalOf(store).list();
    expect(new Set(rows.map((r) => deliveryView(r).event_id))).toEqual(new Set(ids));
    for (const r of rx.requests) {
      const row = rows.find((d) => d.eventId === eventId(r))!;
      expect(new URL(row.url).pathname).toBe(r.path);
    }
  });

  it("is the same on every attempt: 503 then 200, and after a re-queue through the retry API", async () => {
    const rx = await fx.receiver({ statuses: [503, 200, 404, 200] });
    const store = fx.store();
    const svc = fx.service({ store });
    svc.start();
    await svc.sender.send(notification(rx.url, "cpu/a"));
    await svc.idle();
    const [first, second] = rx.requests;
    expect(second!.body).toBe(first!.body);
    expect(eventId(first!)).toMatch(UUID);
    expect(eventId(second!)).toBe(eventId(first!));

    // The same alert again is another notification; its 404 fails it, the retry API re-sends it.
    await svc.sender.send(notification(rx.url, "cpu/a"));
    await svc.idle();
    const failed = journalOf(store).list({ status: "failed" })[0]!;
    svc.retry(failed.id);
    await svc.idle();
    const [, , third, fourth] = rx.requests;
    expect(eventId(third!)).not.toBe(eventId(first!));
    expect(eventId(fourth!)).toBe(eventId(third!));
    expect(failed.eventId).toBe(eventId(third!));
  });

  it("replaces a handler's own header of that name and leaves the handler's headers untouched", async () => {
    const rx = await fx.receiver();
    const svc = fx.service({ delivery: { journal: false } });
    svc.start();
    const headers = { "Content-Type": "application/json", "x-tickd-event-id": "mine" };
    await svc.sender.send(notification(rx.url, "a", { headers }));
    await svc.idle();
    const [r] = rx.requests;
    expect(eventId(r!)).toMatch(UUID);
    expect(r!.rawHeaders.filter((h) => h.toLowerCase() === "x-tickd-event-id")).toHaveLength(1);
    expect(headers).toEqual({ "Content-Type": "application/json", "x-tickd-event-id": "mine" });
  });

  it("rows journaled before the event_id column get one when the store is upgraded, and keep it", async () => {
    const path = `${fx.dir()}/old.db`;
    const old = new Database(path);
    migrate(old, path, MIGRATIONS.slice(0, 3));
    old
      .prepare(
        `INSERT INTO deliveries (handler, topic, alert_id, kind, method, url, url_redacted, headers, body,
           timeout_ms, status, created_ms, updated_ms)
         VALUES ('h', 'cpu', 'a', 'post', 'POST', 'http://127.0.0.1:1/', 'http://127.0.0.1:1/', '{}', '{}',
           100, 'queued', 1, 1)`,
      )
      .run();
    old.close();
    const upgraded = new Database(path);
    migrate(upgraded, path);
    const [row] = new DeliveryJournalRepository(upgraded).pending();
    expect(row!.eventId).toMatch(UUID);
    upgraded.close();
    const again = new Database(path);
    migrate(again, path);
    expect(new DeliveryJournalRepository(again).get(row!.id)!.eventId).toBe(row!.eventId);
    again.close();
  });
});
