/**
 * `/write` in cluster mode: the points go to the producer (not the local engine), points
 * without a timestamp are stamped before they are produced, the answer waits for the
 * producer, and a produce failure is a 503 with the reason, logged.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Point } from "../../../src/core/types.js";
import { startServer, type TestServer } from "../server/support.js";

let s: TestServer | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

describe("/write in cluster mode", () => {
  it("produces the points (time stamped first) and answers 204 once produced", async () => {
    const produced: { db: string; rp: string; points: readonly Point[] }[] = [];
    let release!: () => void;
    const acked = new Promise<void>((r) => (release = r));
    s = await startServer({
      defaultRetentionPolicy: "autogen",
      producePoints: async (db, rp, points) => {
        produced.push({ db, rp, points });
        await acked;
      },
    });
    const before = Date.now() * 1e6;
    let answered = false;
    const res = fetch(`${s.url}/kapacitor/v1/write?db=telegraf`, {
      method: "POST",
      body: "cpu,host=a value=1\ncpu,host=b value=2 1700000000000000000",
    }).then((r) => ((answered = true), r));
    for (let i = 0; i < 100 && produced.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(produced).toHaveLength(1);
    expect(answered).toBe(false);
    release();
    expect((await res).status).toBe(204);
    expect(s.tasks.writes).toEqual([]);
    const [a, b] = produced[0]!.points;
    expect(produced[0]!.rp).toBe("autogen");
    expect(a!.time).toBeGreaterThanOrEqual(before - 1e9);
    expect(b!.time).toBe(1700000000000000000n);
  });

  it("produces every field, not only those the local tasks read (the owner's tasks may read others)", async () => {
    const produced: Point[] = [];
    s = await startServer({
      producePoints: async (_db, _rp, points) => void produced.push(...points),
    });
    // The local tasks read usage_idle of cpu only: a single node would decode just that one.
    Object.assign(s.tasks, { fieldFilter: () => ({ fieldsFor: () => new Set(["usage_idle"]) }) });
    const res = await fetch(`${s.url}/write?db=telegraf`, {
      method: "POST",
      body: 'cpu,host=a usage_idle=5,usage_user=90i,note="hot" 1700000000000000000',
    });
    expect(res.status).toBe(204);
    expect(produced.map((p) => p.fields)).toEqual([{ usage_idle: 5, usage_user: 90n, note: "hot" }]);
  });

  it("answers 503 with the reason when producing fails, and logs it", async () => {
    s = await startServer({
      producePoints: () =>
        Promise.reject(new Error('producing to Kafka topic "tickd-x-points" failed: boom')),
    });
    const res = await fetch(`${s.url}/write?db=telegraf`, { method: "POST", body: "cpu value=1" });
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/tickd-x-points.*boom/);
    expect(s.logs.some((l) => l.level === "error" && /producing to Kafka failed/.test(l.msg))).toBe(true);
  });
});
