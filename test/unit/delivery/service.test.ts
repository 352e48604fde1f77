/**
 * The delivery service against real local HTTP servers and a real SQLite file: journal before
 * send, retries and their limits, Retry-After, per-handler isolation, replay, the bound.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { ACCEPTED_STATUS, DeliveryCodes } from "../../../src/delivery/index.js";
import { DeliveryJournalRepository } from "../../../src/store/delivery-journal.js";
import { MS, notification, until, useFixture } from "./helpers.js";

const fx = useFixture();

function journalOf(store: ReturnType<typeof fx.store>): DeliveryJournalRepository {
  return new DeliveryJournalRepository(store.db);
}

/** A port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("journal before send", () => {
  it("writes the row before the first attempt and marks it delivered after a 2xx", async () => {
    const rx = await fx.receiver({ answers: [{ status: 200, delayMs: 100 }] });
    const store = fx.store();
    const svc = fx.service({ store });
    svc.start();
    const res = await svc.sender.send(notification(`${rx.url}/hook?token=s3cret`, "cpu:serverA"));
    expect(res.status).toBe(ACCEPTED_STATUS);
    // When the request arrives (the answer is 100 ms away), the row is there.
    await rx.waitFor(1);
    const [row] = journalOf(store).list();
    expect(row).toMatchObject({ status: "queued", alertId: "cpu:serverA", handler: "h1", topic: "cpu" });
    expect(row?.urlRedacted).toBe(`${rx.url}/hook?token=<redacted>`);
    await svc.idle();
    expect(journalOf(store).get(row!.id)).toMatchObject({
      status: "delivered",
      attempts: 1,
      lastStatus: 200,
    });
    expect(rx.requests).toHaveLength(1);
    expect(JSON.parse(rx.requests[0]!.body)).toEqual({ id: "cpu:serverA" });
    expect(rx.requests[0]!.headers["content-type"]).toBe("application/json");
  });

  it("journals while not started and sends on start", async () => {
    const rx = await fx.receiver();
    const svc = fx.service();
    await svc.sender.send(notification(rx.url, "a"));
    await new Promise((r) => setTimeout(r, 50));
    expect(rx.requests).toHaveLength(0);
    expect(svc.pendingCount()).toBe(1);
    svc.start();
    await rx.waitFor(1);
    await svc.idle();
    expect(svc.pendingCount()).toBe(0);
  });
});

describe("retries", () => {
  it("503 three times then 200: exactly one successful delivery after retries", async () => {
    const rx = await fx.receiver({ statuses: [503, 503, 503, 200] });
    const store = fx.store();
    const svc = fx.service({ store });
    svc.start();
    await svc.sender.send(notification(rx.url, "x"));
    await svc.idle();
    expect(rx.requests).toHaveLength(4);
    const [row] = journalOf(store).list();
    expect(row).toMatchObject({ status: "delivered", attempts: 4, lastStatus: 200 });
    expect(svc.metrics()).toContain('tickd_deliveries_total{topic="cpu",handler="h1",outcome="delivered"} 1');
    expect(svc.metrics()).toContain('tickd_deliveries_total{topic="cpu",handler="h1",outcome="retried"} 3');
  });

  it("retries 408 and 429, records other 4xx as failed after one attempt", async () => {
    const rx = await fx.receiver({ statuses: [408, 429, 200, 404] });
    const store = fx.store();
    const svc = fx.service({ store });
    svc.start();
    await svc.sender.send(notification(rx.url, "retried"));
    await svc.idle();
    await svc.sender.send(notification(rx.url, "permanent"));
    await svc.idle();
    const rows = journalOf(store).list();
    expect(rows.find((r) => r.alertId === "retried")).toMatchObject({ status: "delivered", attempts: 3 });
    expect(rows.find((r) => r.alertId === "permanent")).toMatchObject({
      status: "failed",
      attempts: 1,
      lastStatus: 404,
    });
    expect(fx.logs.some((l) => l.level === "error" && l.fields.alert === "permanent")).toBe(true);
  });

  it("gives up after max-attempts and records the last error", async () => {
    const rx = await fx.receiver({ fallback: { status: 500, body: "boom" } });
    const store = fx.store();
    const svc = fx.service({ store, delivery: { maxAttempts: 3 } });
    svc.start();
    await svc.sender.send(notification(rx.url, "x"));
    await svc.idle();
    expect(rx.requests).toHaveLength(3);
    expect(journalOf(store).list()[0]).toMatchObject({
      status: "failed",
      attempts: 3,
      lastStatus: 500,
      lastError: "HTTP 500: boom",
    });
  });

  it("retries timeouts and connection resets", async () => {
    const rx = await fx.receiver({ answers: [{ hang: true }, { reset: true }, { status: 200 }] });
    const store = fx.store();
    const svc = fx.service({ store });
    svc.start();
    await svc.sender.send(notification(rx.url, "x", { timeoutMs: 150 }));
    await svc.idle();
    expect(rx.requests).toHaveLength(3);
    expect(journalOf(store).list()[0]).toMatchObject({ status: "delivered", attempts: 3 });
    const warns = fx.logs.filter((l) => l.msg.includes("will retry")).map((l) => String(l.fields.error));
    expect(warns[0]).toMatch(/E_HANDLER_TIMEOUT/);
    expect(warns[1]).toMatch(/E_HANDLER_SEND/);
  });

  it("honours Retry-After over the backoff", async () => {
    const rx = await fx.receiver({
      answers: [{ status: 503, headers: { "Retry-After": "1" } }, { status: 200 }],
    });
    const svc = fx.service({ delivery: { backoffInitial: 1 * MS, backoffMax: 2 * MS } });
    svc.start();
    await svc.sender.send(notification(rx.url, "x"));
    const [a, b] = await rx.waitFor(2, 5000);
    expect(b!.receivedAt - a!.receivedAt).toBeGreaterThanOrEqual(950);
    const retry = fx.logs.find((l) => l.msg.includes("will retry"));
    expect(retry?.fields.retryInMs).toBe(1000);
  });

  it("with max-attempts 0, keeps retrying an endpoint that is down until it comes up", async () => {
    const port = await deadPort();
    const store = fx.store();
    const svc = fx.service({
      store,
      delivery: { maxAttempts: 0, backoffInitial: 10 * MS, backoffMax: 40 * MS },
    });
    svc.start();
    for (let i = 0; i < 20; i++)
      await svc.sender.send(notification(`http://127.0.0.1:${port}/`, `a${i}`, { handler: `h${i % 3}` }));
    await until(
      () =>
        journalOf(store)
          .list()
          .filter((r) => r.attempts >= 3).length >= 3,
      5000,
    );
    expect(journalOf(store).counts().delivered).toBe(0);
    // The endpoint comes up on the same port.
    const up = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.end());
    });
    await new Promise<void>((r) => up.listen(port, "127.0.0.1", () => r()));
    try {
      await svc.idle();
      expect(journalOf(store).counts()).toMatchObject({ delivered: 20, failed: 0, queued: 0, retrying: 0 });
    } finally {
      await svc.stop();
      up.closeAllConnections();
      await new Promise<void>((r) => up.close(() => r()));
    }
  });
});

describe("queues", () => {
  it("a hung endpoint does not block another handler", async () => {
    const hung = await fx.receiver({ fallback: { hang: true } });
    const ok = await fx.receiver();
    const svc = fx.service();
    svc.start();
    // The stuck handler's request outlives the test: were queues shared, "fine" would never run.
    await svc.sender.send(notification(hung.url, "a", { handler: "stuck", timeoutMs: 60_000 }));
    await svc.sender.send(notification(hung.url, "b", { handler: "stuck", timeoutMs: 60_000 }));
    for (let i = 0; i < 5; i++) await svc.sender.send(notification(ok.url, `ok${i}`, { handler: "fine" }));
    await ok.waitFor(5);
    expect(hung.requests).toHaveLength(1);
    expect(svc.metrics()).toContain('tickd_delivery_queue_depth{topic="cpu",handler="stuck"} 2');
  });

  it("keeps each handler's order with concurrency 1, also across a retry", async () => {
    const rx = await fx.receiver({ statuses: [200, 503, 200] });
    const svc = fx.service();
    svc.start();
    for (const id of ["1", "2", "3", "4", "5"]) await svc.sender.send(notification(rx.url, id));
    await svc.idle();
    const ids = rx.requests.map((r) => (JSON.parse(r.body) as { id: string }).id);
    expect(ids).toEqual(["1", "2", "2", "3", "4", "5"]);
  });

  it("with concurrency > 1 keeps each alert's notifications in order, also across a retry", async () => {
    // A's CRITICAL is answered slowly with 503 and retried: A's OK waits for it to be
    // delivered, while B and C use the free slots meanwhile.
    const rx = await fx.receiver({ answers: [{ status: 503, delayMs: 150 }] });
    const svc = fx.service({ delivery: { concurrency: 4, backoffInitial: 50 * MS, backoffMax: 50 * MS } });
    svc.start();
    const send = (alertId: string, level: string) =>
      svc.sender.send({ ...notification(rx.url, alertId), body: JSON.stringify({ id: alertId, level }) });
    await send("A", "CRITICAL");
    await send("A", "OK");
    await send("B", "CRITICAL");
    await send("A", "WARNING");
    await send("C", "CRITICAL");
    await svc.idle();
    const got = rx.requests.map((r) => {
      const b = JSON.parse(r.body) as { id: string; level: string };
      return `${b.id}:${b.level}`;
    });
    expect(got.filter((x) => x.startsWith("A:"))).toEqual(["A:CRITICAL", "A:CRITICAL", "A:OK", "A:WARNING"]);
    // B and C did not wait for A.
    expect(got.indexOf("B:CRITICAL")).toBeLessThan(got.indexOf("A:OK"));
    expect(got.indexOf("C:CRITICAL")).toBeLessThan(got.indexOf("A:OK"));
    expect(got).toHaveLength(6);
  });

  it("counts notifications waiting behind their alert's earlier one in the queue depth", async () => {
    const rx = await fx.receiver({ fallback: { hang: true } });
    const svc = fx.service({ delivery: { concurrency: 4 } });
    svc.start();
    for (let i = 0; i < 3; i++) await svc.sender.send(notification(rx.url, "same"));
    await rx.waitFor(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(rx.requests).toHaveLength(1);
    expect(svc.metrics()).toContain('tickd_delivery_queue_depth{topic="cpu",handler="h1"} 3');
  });

  it("runs up to `concurrency` requests of one handler at once", async () => {
    // A hung endpoint holds every request it gets: exactly `concurrency` of them arrive.
    const rx = await fx.receiver({ fallback: { hang: true } });
    const svc = fx.service({ delivery: { concurrency: 4 } });
    svc.start();
    for (let i = 0; i < 8; i++) await svc.sender.send(notification(rx.url, `a${i}`));
    await rx.waitFor(4);
    await new Promise((r) => setTimeout(r, 200));
    expect(rx.requests).toHaveLength(4);
  });

  it("starts at most `rate-limit` requests per second per handler", async () => {
    const rx = await fx.receiver();
    const svc = fx.service({ delivery: { rateLimit: 2 } });
    svc.start();
    for (let i = 0; i < 5; i++) await svc.sender.send(notification(rx.url, `r${i}`));
    await rx.waitFor(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(rx.requests).toHaveLength(2); // the rest wait for the next second
    await svc.idle();
    expect(rx.requests.map((r) => (JSON.parse(r.body) as { id: string }).id)).toEqual([
      "r0",
      "r1",
      "r2",
      "r3",
      "r4",
    ]);
  });
});

describe("restart", () => {
  it("stop() keeps queued and retrying rows; a new service over the reopened store delivers them", async () => {
    const rx = await fx.receiver({ fallback: { status: 503 } });
    const store = fx.store();
    const first = fx.service({ store, delivery: { backoffInitial: 5000 * MS, backoffMax: 5000 * MS } });
    first.start();
    for (let i = 0; i < 3; i++) await first.sender.send(notification(rx.url, `a${i}`));
    await rx.waitFor(1);
    await first.stop();
    store.close();
    expect(rx.requests).toHaveLength(1);

    rx.setFallback({ status: 200 });
    const reopened = fx.store();
    expect(journalOf(reopened).counts()).toMatchObject({ queued: 2, retrying: 1 });
    const second = fx.service({
      store: reopened,
      delivery: { backoffInitial: 5000 * MS, backoffMax: 5000 * MS },
    });
    // Pretend the planned retry time has passed.
    reopened.db.prepare("UPDATE deliveries SET next_retry_ms = 1 WHERE status = 'retrying'").run();
    second.start();
    await second.idle();
    expect(journalOf(reopened).counts()).toMatchObject({ delivered: 3, queued: 0, retrying: 0 });
    const ids = rx.requests.slice(1).map((r) => (JSON.parse(r.body) as { id: string }).id);
    expect(ids).toEqual(["a0", "a1", "a2"]);
    expect(fx.logs.some((l) => l.msg === "replaying delivery journal" && l.fields.pending === 3)).toBe(true);
  });

  it("with journal = false nothing touches the store file", async () => {
    const rx = await fx.receiver();
    const store = fx.store();
    const svc = fx.service({ store, delivery: { journal: false } });
    svc.start();
    await svc.sender.send(notification(rx.url, "a"));
    await svc.idle();
    expect(journalOf(store).counts().delivered).toBe(0);
    expect(rx.requests).toHaveLength(1);
  });
});

describe("bounded journal", () => {
  it("refuses past max rows with a coded error, a log line and a metric, then accepts again", async () => {
    const rx = await fx.receiver({ fallback: { hang: true } });
    const svc = fx.service({ delivery: { maxJournalRows: 3 } });
    for (let i = 0; i < 3; i++) await svc.sender.send(notification(rx.url, `a${i}`));
    const refused = svc.sender.send(notification(rx.url, "over"));
    await expect(refused).rejects.toMatchObject({ code: DeliveryCodes.FULL });
    await expect(svc.sender.send(notification(rx.url, "over2"))).rejects.toMatchObject({
      code: DeliveryCodes.FULL,
    });
    expect(fx.logs.filter((l) => l.msg.includes("journal is full"))).toHaveLength(1);
    expect(svc.metrics()).toContain("tickd_delivery_refused_total 2");
    expect(svc.metrics()).toContain("tickd_delivery_journal_capacity 3");
    expect(svc.metrics()).toContain('tickd_delivery_journal_rows{status="queued"} 3');
    // Space frees up once something is delivered.
    rx.setFallback({ status: 200 });
    svc.start();
    await svc.idle();
    await expect(svc.sender.send(notification(rx.url, "later"))).resolves.toMatchObject({ status: 202 });
  });

  it("prunes completed rows beyond keep-completed, never pending ones", async () => {
    const rx = await fx.receiver();
    const store = fx.store();
    const svc = fx.service({ store, delivery: { keepCompleted: 10, concurrency: 8 } });
    svc.start();
    for (let i = 0; i < 250; i++) await svc.sender.send(notification(rx.url, `a${i}`));
    await svc.idle();
    expect(journalOf(store).counts().delivered).toBeLessThanOrEqual(110);
    await svc.stop();
    const again = fx.service({ store, delivery: { keepCompleted: 10 } });
    again.start();
    expect(journalOf(store).counts().delivered).toBe(10);
  });

  it("prunes a little at a time: no single step deletes more than 100 rows (a stall mid-storm)", async () => {
    const rx = await fx.receiver();
    const store = fx.store();
    // Rows one synchronous run deletes: counted by a trigger, closed at the next microtask.
    const runs: number[] = [];
    let n = 0;
    store.db.function("tickd_test_deleted", () => {
      if (n++ === 0)
        queueMicrotask(() => {
          runs.push(n);
          n = 0;
        });
      return null;
    });
    store.db.exec(
      "CREATE TEMP TRIGGER count_deletes AFTER DELETE ON deliveries BEGIN SELECT tickd_test_deleted(); END",
    );
    // Pruned every keep/10 = 150 completions before, 150 rows at once past the first 1500.
    const svc = fx.service({ store, delivery: { keepCompleted: 1500, concurrency: 32 } });
    svc.start();
    for (let i = 0; i < 1700; i++) await svc.sender.send(notification(rx.url, `a${i}`));
    await svc.idle();
    await new Promise((r) => setImmediate(r));
    expect(Math.max(0, ...runs)).toBeGreaterThan(0);
    expect(Math.max(...runs)).toBeLessThanOrEqual(100);
    // Still about the newest 1500 in the end (give or take one step's slack).
    const left = journalOf(store).counts().delivered;
    expect(left).toBeGreaterThanOrEqual(1500);
    expect(left).toBeLessThanOrEqual(1600);
  }, 30_000);
});
