import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../../src/store/index.js";
import { DeliveryJournalRepository, type NewDelivery } from "../../../src/store/delivery-journal.js";

let store: Store | undefined;
afterEach(() => store?.close());

/** A small notification of alert `alertId`. */
function delivery(alertId: string): NewDelivery {
  return {
    handler: "h",
    topic: "t",
    alertId,
    kind: "post",
    method: "POST",
    url: "http://127.0.0.1:1/",
    urlRedacted: "http://127.0.0.1:1/",
    headers: {},
    body: "{}",
    timeoutMs: 1000,
  };
}

/** 30 rows: every third stays queued, the others alternate delivered / failed. */
function journal(): { j: DeliveryJournalRepository; ids: number[] } {
  store = openStore(":memory:");
  const j = new DeliveryJournalRepository(store.db);
  const ids: number[] = [];
  for (let i = 0; i < 30; i++) {
    const rec = j.insert(delivery(`a${i}`), i);
    ids.push(rec.id);
    if (i % 3 !== 0) {
      j.update(rec.id, {
        status: i % 2 === 0 ? "delivered" : "failed",
        attempts: 1,
        lastError: "",
        lastStatus: 200,
        nextRetryMs: 0,
        updatedMs: i,
      });
    }
  }
  return { j, ids };
}

const remaining = (j: DeliveryJournalRepository): number[] =>
  j
    .list({ limit: 100 })
    .map((r) => r.id)
    .reverse();

describe("delivery journal pruning", () => {
  it("keeps the newest `keep` completed rows and every pending one", () => {
    const { j, ids } = journal();
    const completed = ids.filter((_, i) => i % 3 !== 0);
    const pending = ids.filter((_, i) => i % 3 === 0);
    expect(j.pruneCompleted(5)).toBe(completed.length - 5);
    expect(remaining(j)).toEqual([...pending, ...completed.slice(-5)].sort((a, b) => a - b));
    expect(j.pruneCompleted(5)).toBe(0);
  });

  it("keep 0 removes every completed row; a keep above the count removes none", () => {
    const { j, ids } = journal();
    expect(j.pruneCompleted(100)).toBe(0);
    expect(j.pruneCompleted(0)).toBe(20);
    expect(remaining(j)).toEqual(ids.filter((_, i) => i % 3 === 0));
  });

  it("a bounded prune removes at most `limit` rows, the oldest first, and the next one goes on", () => {
    const { j, ids } = journal();
    const completed = ids.filter((_, i) => i % 3 !== 0);
    const pending = ids.filter((_, i) => i % 3 === 0);
    // 20 completed, keep 5: 15 to go, 4 at a time.
    expect(j.pruneCompleted(5, 4)).toBe(4);
    expect(remaining(j)).toEqual([...pending, ...completed.slice(4)].sort((a, b) => a - b));
    expect(j.pruneCompleted(5, 4)).toBe(4);
    expect(j.pruneCompleted(5, 4)).toBe(4);
    expect(j.pruneCompleted(5, 4)).toBe(3);
    expect(j.pruneCompleted(5, 4)).toBe(0);
    expect(remaining(j)).toEqual([...pending, ...completed.slice(-5)].sort((a, b) => a - b));
  });
});

describe("delivery journal pruning in steps (pruneBelow with a limit)", () => {
  /** The statement pruneBelow ran up to session 12: the oldest `limit` completed ids below the cut. */
  const OLD = `DELETE FROM deliveries WHERE id IN (
    SELECT id FROM deliveries WHERE status = 'delivered' AND id < ?
    UNION ALL SELECT id FROM deliveries WHERE status = 'failed' AND id < ?
    ORDER BY id LIMIT ?)`;
  const STATUSES = ["queued", "retrying", "delivered", "failed"] as const;

  function filled(statuses: readonly (typeof STATUSES)[number][]): {
    s: Store;
    j: DeliveryJournalRepository;
  } {
    const s = openStore(":memory:");
    const j = new DeliveryJournalRepository(s.db);
    statuses.forEach((status, i) => {
      const rec = j.insert(delivery(`a${i % 5}`), i);
      if (status !== "queued") {
        j.update(rec.id, {
          status,
          attempts: 1,
          lastError: "",
          lastStatus: 200,
          nextRetryMs: 0,
          updatedMs: i,
        });
      }
    });
    return { s, j };
  }

  it("removes the same rows, and reports the same count, as the single DELETE it replaced", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...STATUSES), { maxLength: 60 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 25 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (statuses, steps) => {
          const now = filled(statuses);
          const old = filled(statuses);
          try {
            const oldStmt = old.s.db.prepare<[number, number, number]>(OLD);
            for (const [cut, limit] of steps) {
              expect(now.j.pruneBelow(cut, limit)).toBe(oldStmt.run(cut, cut, limit).changes);
              expect(remaining(now.j)).toEqual(remaining(old.j));
            }
          } finally {
            now.s.close();
            old.s.close();
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
