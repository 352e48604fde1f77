/**
 * A notification's first outcome folded into its journaled history row (migration 12): one
 * row instead of two in the common case, and the history still lists both steps, newest
 * first, with stable ids — across a reopen, after the journal row is pruned, with time
 * filters and limits — while anything else keeps a row of its own so an alert's order holds.
 * And a database written at schema version 11 (before the fold) upgrades readable.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HistoryEntry } from "../../../src/oncall/history.js";
import type { DeliveryJournalRepository } from "../../../src/store/delivery-journal.js";
import { MIGRATIONS, openStore } from "../../../src/store/index.js";
import { useTempDir } from "../store/helpers.js";
import { alertEvent as event, notification, outcome, rowCount, services } from "./history-steps.js";

const tmp = useTempDir();

const journaled = (journal: DeliveryJournalRepository, alertId: string, at: number): number =>
  journal.insert(notification(alertId), at).id;

/** [id, time ms, type, status or level, attempt, http status] of each entry, newest first. */
const shown = (h: HistoryEntry[]): (string | number | undefined)[][] =>
  h.map((e) => [e.id, Date.parse(e.time), e.type, e.status ?? e.level, e.attempt, e.http_status]);

describe("history: a notification's first outcome folded into its journaled row", () => {
  it("one row for journaled → delivered, listed as both steps, across a reopen and a journal prune", () => {
    const path = join(tmp.dir(), "tickd.db");
    let store = openStore(path);
    let { history, journal } = services(store, () => 2_000);
    history.recordState("t", event("cpu", 3), 0);
    const id = journaled(journal, "cpu", 1_010);
    journal.update(id, outcome("delivered", 1, 200, 1_020));
    // The state change and one row for the notification.
    expect(rowCount(store)).toBe(2);
    const listed = history.list({ alertId: "cpu" });
    // Entry ids are twice the row id, plus one for a folded outcome (rows 1 and 2 here).
    expect(shown(listed)).toEqual([
      [5, 1_020, "delivery", "delivered", 1, 200],
      [4, 1_010, "delivery", "queued", 0, 0],
      [2, 2_000, "state", "CRITICAL", undefined, undefined],
    ]);
    expect(listed[0]).toMatchObject({
      delivery_id: id,
      handler: "post0",
      target: "http://127.0.0.1:9/x",
      task: "cpu",
    });
    expect(listed[1]).toMatchObject({ delivery_id: id, handler: "post0", error: "" });

    store.close();
    store = tmp.track(openStore(path));
    ({ history, journal } = services(store, () => 2_000));
    expect(history.list({ alertId: "cpu" })).toEqual(listed);
    expect(journal.pruneCompleted(0)).toBe(1);
    expect(journal.get(id)).toBeUndefined();
    expect(history.list({ alertId: "cpu" })).toEqual(listed);
  });

  it("time filters apply to each step's own time, and limit counts entries", () => {
    const store = tmp.track(openStore(join(tmp.dir(), "tickd.db")));
    const { history, journal } = services(store, () => 2_000);
    const id = journaled(journal, "cpu", 1_010);
    journal.update(id, outcome("delivered", 1, 200, 1_020));
    const statuses = (h: HistoryEntry[]): (string | undefined)[] => h.map((e) => e.status);
    expect(statuses(history.list({ sinceMs: 1_015 }))).toEqual(["delivered"]);
    expect(statuses(history.list({ untilMs: 1_015 }))).toEqual(["queued"]);
    expect(statuses(history.list({ sinceMs: 1_011, untilMs: 1_019 }))).toEqual([]);
    expect(statuses(history.list({ sinceMs: 1_010, untilMs: 1_020 }))).toEqual(["delivered", "queued"]);
    expect(statuses(history.list({ limit: 1 }))).toEqual(["delivered"]);
  });

  it("an alert's order holds: a step after something else of the alert is a row of its own", () => {
    const store = tmp.track(openStore(join(tmp.dir(), "tickd.db")));
    let t = 1_000;
    const { history, journal } = services(store, () => t);
    history.recordState("t", event("cpu", 3), 0);
    const first = journaled(journal, "cpu", ++t);
    // The recovery is recorded while the CRITICAL notification is in flight.
    t++;
    history.recordState("t", event("cpu", 0), 3);
    journal.update(first, outcome("delivered", 1, 200, ++t));
    // Retried: the first outcome folds, the later ones are rows; a re-queue after a failure
    // carries that failure, so its step is never folded.
    const second = journaled(journal, "cpu", ++t);
    journal.update(second, outcome("retrying", 1, 500, ++t));
    journal.update(second, outcome("failed", 2, 400, ++t));
    journal.requeue(second, ++t);
    journal.update(second, outcome("delivered", 1, 200, ++t));
    // Another alert's notification in between does not stop a fold.
    const other = journaled(journal, "mem", ++t);
    const third = journaled(journal, "cpu", ++t);
    journal.update(other, outcome("delivered", 1, 200, ++t));
    journal.update(third, outcome("delivered", 1, 200, ++t));

    expect(
      history
        .list({ alertId: "cpu" })
        .reverse()
        .map((e) => [e.delivery_id ?? e.level, e.status ?? "", e.attempt ?? 0, Date.parse(e.time) - 1_000]),
    ).toEqual([
      ["CRITICAL", "", 0, expect.any(Number)],
      [first, "queued", 0, 1],
      ["OK", "", 0, expect.any(Number)],
      [first, "delivered", 1, 3],
      [second, "queued", 0, 4],
      [second, "retrying", 1, 5],
      [second, "failed", 2, 6],
      [second, "queued", 0, 7],
      [second, "delivered", 1, 8],
      [third, "queued", 0, 10],
      [third, "delivered", 1, 12],
    ]);
    const ids = history.list().map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
    // Folded: the second notification's first outcome, the third's and the other alert's.
    expect(store.db.prepare("SELECT COUNT(*) FROM alert_history WHERE outcome_ms > 0").pluck().get()).toBe(3);
  });

  it("a database written at schema version 11 upgrades with its history readable, and folds from then on", () => {
    const path = join(tmp.dir(), "tickd.db");
    const old = openStore(path, { migrations: MIGRATIONS.slice(0, 11) });
    expect(old.schemaVersion).toBe(11);
    let t = 5_000;
    const before = services(old, () => t);
    before.history.recordState("t", event("disk", 3), 0);
    const done = journaled(before.journal, "disk", ++t);
    before.journal.update(done, outcome("delivered", 1, 200, ++t));
    // In flight when the old tickd stops: its outcome is recorded by the new one.
    const inFlight = journaled(before.journal, "disk", ++t);
    const written = before.history.list({ alertId: "disk" });
    expect(written.map((e) => [e.delivery_id ?? e.level, e.status ?? ""])).toEqual([
      [inFlight, "queued"],
      [done, "delivered"],
      [done, "queued"],
      ["CRITICAL", ""],
    ]);
    old.close();

    const store = tmp.track(openStore(path));
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    const after = services(store, () => t);
    expect(after.history.list({ alertId: "disk" })).toEqual(written);
    after.journal.update(inFlight, outcome("delivered", 1, 200, ++t));
    const rows = rowCount(store);
    expect(after.history.list({ alertId: "disk" }).map((e) => [e.delivery_id, e.status])).toEqual([
      [inFlight, "delivered"],
      [inFlight, "queued"],
      [done, "delivered"],
      [done, "queued"],
      [undefined, undefined],
    ]);
    expect(rowCount(store)).toBe(rows);
    expect(after.history.list({ sinceMs: t })).toHaveLength(1);
  });
});
