/**
 * Parallel across alerts, ordered within one (DESIGN §8), with the `[delivery]` defaults:
 * what a real node:http receiver sees — order per alert id, how many requests are open at
 * once, connections reused — and the journal's group commit (rows of one event-loop turn
 * committed together, before their first attempt), seen from a second SQLite connection.
 */
import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/index.js";
import type { RecordedRequest } from "../../support/receiver.js";
import { MS, notification, until, useFixture } from "./helpers.js";

const fx = useFixture();
/** `[delivery] concurrency` as a config without the key has it. */
const DEFAULT_CONCURRENCY = loadConfig({ env: {} }).config.delivery.concurrency;

const label = (r: RecordedRequest): string => {
  const b = JSON.parse(r.body) as { id: string; level: string };
  return `${b.id}:${b.level}`;
};

function gate(): { promise: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe("parallel across alerts, ordered within one", () => {
  it("defaults to 32 requests in flight per handler", () => {
    expect(DEFAULT_CONCURRENCY).toBe(32);
  });

  it("a slow answer to A's CRITICAL never lets A's OK overtake it, while B..Z keep flowing", async () => {
    // The receiver holds its answer to the first request (A's CRITICAL) until the test opens
    // the gate, and the test opens it only once every other alert's two notifications arrived.
    const slow = gate();
    const rx = await fx.receiver({ answers: [{ status: 200, after: slow.promise }] });
    const svc = fx.service({ delivery: { concurrency: DEFAULT_CONCURRENCY } });
    svc.start();
    const send = (id: string, level: string) =>
      svc.sender.send({ ...notification(rx.url, id), body: JSON.stringify({ id, level }) });
    const others = "BCDEFGHIJKLMNOPQRSTUVWXYZ".split("");
    await send("A", "CRITICAL");
    await send("A", "OK");
    for (const id of others) await send(id, "CRITICAL");
    for (const id of others) await send(id, "OK");

    const seen = await rx.waitFor(1 + 2 * others.length);
    expect(seen.map(label).filter((x) => x.startsWith("A:"))).toEqual(["A:CRITICAL"]);
    slow.open();
    await svc.idle();

    const got = rx.requests.map(label);
    expect(got).toHaveLength(2 + 2 * others.length);
    for (const id of ["A", ...others]) {
      expect(got.filter((x) => x.startsWith(`${id}:`))).toEqual([`${id}:CRITICAL`, `${id}:OK`]);
    }
    expect(got.at(-1)).toBe("A:OK");
  });

  it(
    "keeps at most `concurrency` requests of one handler open, over reused connections",
    { timeout: 30_000 },
    async () => {
      // A hung endpoint holds every request it gets: exactly the default 32 of 40 arrive.
      const hung = await fx.receiver({ fallback: { hang: true } });
      const svc = fx.service({ delivery: { concurrency: DEFAULT_CONCURRENCY } });
      svc.start();
      for (let i = 0; i < 40; i++)
        await svc.sender.send(notification(hung.url, `a${i}`, { timeoutMs: 60_000 }));
      await hung.waitFor(32);
      await new Promise((r) => setTimeout(r, 200));
      expect(hung.requests).toHaveLength(32);
      expect(svc.metrics()).toContain('tickd_delivery_queue_depth{topic="cpu",handler="h1"} 40');

      // Keep-alive: 300 notifications to a live endpoint reuse their connections (a socket
      // whose response was just read may not be free yet for the next attempt: at most one
      // more per slot).
      const rx = await fx.receiver();
      for (let i = 0; i < 300; i++) await svc.sender.send(notification(rx.url, `b${i}`, { handler: "h2" }));
      await rx.waitFor(300);
      expect(rx.connections).toBeLessThanOrEqual(2 * DEFAULT_CONCURRENCY);
    },
  );

  it("a notification waiting for its retry holds no slot: the others go out meanwhile", async () => {
    // Both slots' first answers say "come back in an hour"; C and D must not wait for that.
    const later = { status: 503, headers: { "Retry-After": "3600" } };
    const rx = await fx.receiver({ answers: [later, later] });
    const svc = fx.service({ delivery: { concurrency: 2, backoffInitial: 3600_000 * MS } });
    svc.start();
    for (const id of ["A", "B", "C", "D"]) await svc.sender.send(notification(rx.url, id));
    await rx.waitFor(4);
    await until(() => svc.pendingCount() === 2);
    const ids = rx.requests.map((r) => (JSON.parse(r.body) as { id: string }).id);
    expect(ids.slice(2).sort()).toEqual(["C", "D"]);
    expect(svc.metrics()).toContain('tickd_delivery_retrying{topic="cpu",handler="h1"} 2');
  });
});

describe("group commit", () => {
  it("the rows of one event-loop turn commit together, before the first attempt", async () => {
    const rx = await fx.receiver();
    const store = fx.store();
    const svc = fx.service({ store, delivery: { concurrency: DEFAULT_CONCURRENCY } });
    svc.start();
    const other = new Database(join(fx.dir(), "tickd.db"), { readonly: true });
    try {
      const committed = (): number =>
        (other.prepare("SELECT COUNT(*) AS n FROM deliveries").get() as { n: number }).n;
      const sent: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i++) sent.push(svc.sender.send(notification(rx.url, `g${i}`)));
      // Accepted, and not one commit yet: they are written when this turn ends.
      await Promise.all(sent);
      expect(committed()).toBe(0);
      // By the time the first request arrives, all twenty are committed.
      await rx.waitFor(1);
      expect(committed()).toBe(20);
      await svc.idle();
      expect(rx.requests).toHaveLength(20);
    } finally {
      other.close();
    }
  });

  it("inside the caller's transaction (an alert storm's batch) the row commits with it", async () => {
    const rx = await fx.receiver();
    const store = fx.store();
    const svc = fx.service({ store });
    svc.start();
    const other = new Database(join(fx.dir(), "tickd.db"), { readonly: true });
    try {
      void svc.sender.send(notification(rx.url, "before"));
      store.batch(() => {
        void svc.sender.send(notification(rx.url, "inside"));
      });
      // The batch committed both (the buffered one first, keeping the journal's order).
      const rows = other.prepare("SELECT alert_id FROM deliveries ORDER BY id").all() as {
        alert_id: string;
      }[];
      expect(rows.map((r) => r.alert_id)).toEqual(["before", "inside"]);
      await svc.idle();
      expect(rx.requests.map((r) => (JSON.parse(r.body) as { id: string }).id)).toEqual(["before", "inside"]);
    } finally {
      other.close();
    }
  });
});
