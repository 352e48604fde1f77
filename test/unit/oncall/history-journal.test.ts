/**
 * Delivery history rows written by the journal itself (migration 13) instead of SQLite
 * triggers: the same rows, folding included, as the triggers of schema version 12 wrote for
 * the same steps; and a database written at version 12 upgrades with its history readable and
 * an in-flight notification's outcome still folded into its journaled row.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HistoryService } from "../../../src/oncall/history.js";
import { DeliveryJournalRepository } from "../../../src/store/delivery-journal.js";
import { LATEST_SCHEMA_VERSION, MIGRATIONS, openStore, type Store } from "../../../src/store/index.js";
import { useTempDir } from "../store/helpers.js";
import { alertEvent as event, notification as journaled, outcome, rowCount } from "./history-steps.js";

const tmp = useTempDir();
const logger = { log: () => undefined };

const notification = (alertId: string) => journaled(alertId, "t", "http://127.0.0.1:9/x?key=secret");

/** Every kind of delivery step, as the delivery service and the API make them. */
function steps(store: Store): void {
  let t = 1_000;
  const history = new HistoryService({ db: store.db, retentionMs: 0, logger, now: () => t });
  const journal = new DeliveryJournalRepository(store.db);
  const insert = (alertId: string): number => journal.insert(notification(alertId), ++t).id;
  history.recordState("t", event("cpu", 3), 0);
  const first = insert("cpu");
  t++;
  history.recordState("t", event("cpu", 0), 3);
  // Not folded: the recovery was recorded while it was in flight.
  journal.update(first, outcome("delivered", 1, 200, ++t));
  const second = insert("cpu");
  journal.updateMany([[second, outcome("retrying", 1, 500, ++t)]]);
  // Unchanged status and attempt count: no step.
  journal.update(second, { ...outcome("retrying", 1, 500, ++t), nextRetryMs: t + 50 });
  journal.update(second, outcome("failed", 2, 400, ++t));
  journal.requeue(second, ++t);
  journal.update(second, outcome("delivered", 1, 200, ++t));
  const other = insert("mem");
  const third = insert("cpu");
  journal.transaction(() => {
    journal.updateMany([
      [other, outcome("delivered", 1, 200, ++t)],
      [third, outcome("delivered", 1, 200, ++t)],
    ]);
  });
  journal.insertRefused({ ...notification("disk"), handler: "post1" }, "URL not allowed", ++t);
  history.note("t", "cpu", "ack", "looking", "ann");
  const gone = insert("cpu");
  journal.delete(gone);
  insert("cpu");
}

describe("history: delivery rows written by the journal (migration 13)", () => {
  it("are the rows the schema-12 triggers wrote for the same steps, and the triggers are gone", () => {
    const v12 = tmp.track(openStore(join(tmp.dir(), "v12.db"), { migrations: MIGRATIONS.slice(0, 12) }));
    const now = tmp.track(openStore(join(tmp.dir(), "now.db")));
    steps(v12);
    steps(now);
    const rows = (s: Store): unknown[] => s.db.prepare("SELECT * FROM alert_history ORDER BY id").all();
    expect(rows(now)).toEqual(rows(v12));
    expect(rowCount(now)).toBeGreaterThan(10);
    const triggers = (s: Store): number =>
      s.db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'").pluck().get() as number;
    expect(triggers(v12)).toBe(2);
    expect(triggers(now)).toBe(0);
  });

  it("a database written at schema version 12 upgrades readable; an in-flight outcome still folds", () => {
    const path = join(tmp.dir(), "tickd.db");
    const old = openStore(path, { migrations: MIGRATIONS.slice(0, 12) });
    let t = 5_000;
    const before = new HistoryService({ db: old.db, retentionMs: 0, logger, now: () => t });
    const oldJournal = new DeliveryJournalRepository(old.db);
    before.recordState("t", event("disk", 3), 0);
    const done = oldJournal.insert(notification("disk"), ++t).id;
    oldJournal.update(done, outcome("delivered", 1, 200, ++t));
    const inFlight = oldJournal.insert(notification("disk"), ++t).id;
    const written = before.list({ alertId: "disk" });
    old.close();

    const store = tmp.track(openStore(path));
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    const history = new HistoryService({ db: store.db, retentionMs: 0, logger, now: () => t });
    const journal = new DeliveryJournalRepository(store.db);
    expect(history.list({ alertId: "disk" })).toEqual(written);
    // Replayed after the restart: not journaled by this process, folded all the same.
    const rows = rowCount(store);
    journal.update(inFlight, outcome("delivered", 1, 200, ++t));
    expect(rowCount(store)).toBe(rows);
    const next = journal.insert(notification("disk"), ++t).id;
    journal.update(next, outcome("delivered", 1, 200, ++t));
    expect(rowCount(store)).toBe(rows + 1);
    expect(history.list({ alertId: "disk" }).map((e) => [e.delivery_id ?? e.level, e.status ?? ""])).toEqual([
      [next, "delivered"],
      [next, "queued"],
      [inFlight, "delivered"],
      [inFlight, "queued"],
      [done, "delivered"],
      [done, "queued"],
      ["CRITICAL", ""],
    ]);
  });
});
