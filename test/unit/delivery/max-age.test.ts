/**
 * Issue 11 item 6: with the defaults a notification gave up after 10 attempts (~9 minutes of
 * backoff), so a long outage turned pages into permanent failures. `[delivery] max-age`
 * (default 24h) now bounds the retries by age; max-attempts (default 0 = no count) still
 * fails a notification first when it is set. The clock is injected: "24 hours" pass by
 * moving it, while the backoff waits stay a few ms of real time.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/index.js";
import { DeliveryJournalRepository } from "../../../src/store/delivery-journal.js";
import type { Store } from "../../../src/store/index.js";
import { MS, notification, until, useFixture } from "./helpers.js";

const fx = useFixture();
const HOUR = 3600_000;
const journalOf = (s: Store): DeliveryJournalRepository => new DeliveryJournalRepository(s.db);

function clock(): { now: () => number; advance(ms: number): void } {
  let t = Date.UTC(2026, 0, 1);
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe("[delivery] max-age", () => {
  it("with the default settings keeps retrying an outage past 10 attempts, and fails it after 24h", async () => {
    const rx = await fx.receiver({ fallback: { status: 503, body: "down for maintenance" } });
    const store = fx.store();
    const c = clock();
    // The shipped defaults, with the backoff shrunk to ms so many attempts happen quickly.
    const defaults = loadConfig({ env: {} }).config.delivery;
    const svc = fx.service({
      store,
      now: c.now,
      delivery: { ...defaults, backoffInitial: 1 * MS, backoffMax: 2 * MS },
    });
    svc.start();
    await svc.sender.send(notification(rx.url, "outage"));
    await rx.waitFor(15);
    expect(journalOf(store).list()[0]).toMatchObject({ status: "retrying" });

    c.advance(23 * HOUR);
    const seen = rx.requests.length;
    await rx.waitFor(seen + 3);
    expect(journalOf(store).list()[0]).toMatchObject({ status: "retrying" });

    c.advance(1 * HOUR);
    await svc.idle();
    const row = journalOf(store).list()[0]!;
    expect(row).toMatchObject({
      status: "failed",
      lastStatus: 503,
      lastError: "HTTP 503: down for maintenance",
    });
    expect(row.attempts).toBeGreaterThan(15);
    const failed = fx.logs.find((l) => l.msg === "notification failed permanently");
    expect(failed?.fields.reason).toBe("max-age reached");
  });

  it("max-attempts, when set, fails a notification before max-age", async () => {
    const rx = await fx.receiver({ fallback: { status: 500 } });
    const store = fx.store();
    const svc = fx.service({ store, delivery: { maxAttempts: 4, maxAge: 24 * HOUR * MS } });
    svc.start();
    await svc.sender.send(notification(rx.url, "x"));
    await svc.idle();
    expect(rx.requests).toHaveLength(4);
    expect(journalOf(store).list()[0]).toMatchObject({ status: "failed", attempts: 4 });
    expect(fx.logs.find((l) => l.msg === "notification failed permanently")?.fields.reason).toBe(
      "max-attempts reached",
    );
  });

  it("a replayed notification older than max-age gets one more attempt, then fails", async () => {
    const rx = await fx.receiver({ fallback: { status: 502 } });
    const store = fx.store();
    const c = clock();
    const first = fx.service({ store, now: c.now, delivery: { maxAttempts: 0, maxAge: 1 * HOUR * MS } });
    await first.sender.send(notification(rx.url, "old")); // journaled, never started
    await first.stop();
    c.advance(2 * HOUR);
    const svc = fx.service({ store, now: c.now, delivery: { maxAttempts: 0, maxAge: 1 * HOUR * MS } });
    svc.start();
    await svc.idle();
    expect(rx.requests).toHaveLength(1);
    expect(journalOf(store).list()[0]).toMatchObject({ status: "failed", attempts: 1, lastStatus: 502 });
  });

  it("reconfigure() applies a new max-age to notifications already retrying", async () => {
    const rx = await fx.receiver({ fallback: { status: 503 } });
    const store = fx.store();
    const c = clock();
    const cfg = { maxAttempts: 0, maxAge: 0, backoffInitial: 1 * MS, backoffMax: 2 * MS };
    const svc = fx.service({ store, now: c.now, delivery: cfg });
    svc.start();
    await svc.sender.send(notification(rx.url, "x"));
    await rx.waitFor(3);
    c.advance(48 * HOUR);
    await rx.waitFor(rx.requests.length + 2);
    expect(journalOf(store).list()[0]).toMatchObject({ status: "retrying" });
    svc.reconfigure({
      delivery: { ...cfg, concurrency: 1, journal: true, maxAge: 24 * HOUR * MS },
      webhook: { verificationMode: "full", caFile: "", timeout: 2000 * MS },
    });
    await svc.idle();
    expect(journalOf(store).list()[0]).toMatchObject({ status: "failed" });
    await until(() => svc.pendingCount() === 0);
  });
});
