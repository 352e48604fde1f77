/**
 * The on-call history's rows as the store keeps them: the task each delivery row and note
 * takes, the indexes a history row enters, and a database written by an older tickd (schema
 * version 10, before migration 11 dropped `alert_history_task`) upgrading with its history
 * readable.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HistoryService } from "../../../src/oncall/history.js";
import type { DeliveryJournalRepository } from "../../../src/store/delivery-journal.js";
import { MIGRATIONS, openStore } from "../../../src/store/index.js";
import { useTempDir } from "../store/helpers.js";
import { alertEvent, notification, services } from "./history-steps.js";

const tmp = useTempDir();

const event = (id: string, task: string, level: number) => alertEvent(id, level, task);

function notify(journal: DeliveryJournalRepository, topic: string, alertId: string, at: number): number {
  const rec = journal.insert(notification(alertId, topic), at);
  journal.update(rec.id, {
    status: "delivered",
    attempts: 1,
    lastError: "",
    lastStatus: 200,
    nextRetryMs: 0,
    updatedMs: at + 1,
  });
  return rec.id;
}

/** The history of an alert, oldest first, as [type, status or level, task]. */
function steps(history: HistoryService, alertId: string, topic?: string): string[][] {
  return history
    .list({ alertId, ...(topic !== undefined ? { topic } : {}), limit: 10_000 })
    .reverse()
    .map((e) => [e.type, e.status ?? e.level ?? "", e.task]);
}

describe("on-call history rows in the store", () => {
  it("a history row enters the time and alert indexes only (no index for the task lookup)", () => {
    const store = tmp.track(openStore(join(tmp.dir(), "tickd.db")));
    const indexes = store.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'alert_history'")
      .pluck()
      .all();
    expect(indexes.sort()).toEqual(["alert_history_alert", "alert_history_time"]);
    // The task lookup of the triggers and notes is one search of the alert index.
    const plan = store.db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT task FROM alert_history WHERE alert_id = 'a' AND topic = 't' ORDER BY id DESC LIMIT 1",
      )
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join("\n")).toContain("USING INDEX alert_history_alert (alert_id=?)");
  });

  it("delivery rows and notes take the task of the alert's newest state change in their topic", () => {
    const store = tmp.track(openStore(join(tmp.dir(), "tickd.db")));
    let t = 1_000;
    const { history, journal } = services(store, () => t);
    // The same alert id in two topics, from two tasks.
    history.recordState("a", event("cpu", "task-a", 3), 0);
    history.recordState("b", event("cpu", "task-b", 2), 0);
    for (let i = 0; i < 50; i++) notify(journal, "a", "cpu", ++t);
    notify(journal, "b", "cpu", ++t);
    history.note("a", "cpu", "ack", "looking", "alice");
    // A later state change from another task: rows after it take that task.
    history.recordState("a", event("cpu", "task-c", 0), 3);
    notify(journal, "a", "cpu", ++t);
    // A note on an alert without any state change has no task.
    history.note("c", "cpu", "ack", "", "bob");

    const a = steps(history, "cpu", "a");
    expect(a[0]).toEqual(["state", "CRITICAL", "task-a"]);
    expect(a.slice(1, 101).every(([, , task]) => task === "task-a")).toBe(true);
    expect(a.slice(1, 101).filter(([type]) => type === "delivery")).toHaveLength(100);
    expect(a.slice(101)).toEqual([
      ["note", "ack", "task-a"],
      ["state", "OK", "task-c"],
      ["delivery", "queued", "task-c"],
      ["delivery", "delivered", "task-c"],
    ]);
    expect(steps(history, "cpu", "b")).toEqual([
      ["state", "WARNING", "task-b"],
      ["delivery", "queued", "task-b"],
      ["delivery", "delivered", "task-b"],
    ]);
    expect(steps(history, "cpu", "c")).toEqual([["note", "ack", ""]]);
  });

  it("a database written at schema version 10 upgrades with its history readable", () => {
    const path = join(tmp.dir(), "tickd.db");
    const old = openStore(path, { migrations: MIGRATIONS.slice(0, 10) });
    expect(old.schemaVersion).toBe(10);
    let t = 5_000;
    const before = services(old, () => t);
    before.history.recordState("a", event("disk", "task-a", 3), 0);
    const id = notify(before.journal, "a", "disk", ++t);
    before.history.note("a", "disk", "ack", "on it", "alice");
    const written = before.history.list({ alertId: "disk" });
    expect(written.map((e) => [e.type, e.status ?? e.level, e.task])).toEqual([
      ["note", "ack", "task-a"],
      ["delivery", "delivered", "task-a"],
      ["delivery", "queued", "task-a"],
      ["state", "CRITICAL", "task-a"],
    ]);
    old.close();

    const store = tmp.track(openStore(path));
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    const after = services(store, () => t);
    expect(after.history.list({ alertId: "disk" })).toEqual(written);
    expect(after.history.list({ task: "task-a", type: "delivery" }).map((e) => e.delivery_id)).toEqual([
      id,
      id,
    ]);
    // Rows written after the upgrade still take the task, through the new lookup.
    notify(after.journal, "a", "disk", ++t);
    expect(steps(after.history, "disk").slice(-2)).toEqual([
      ["delivery", "queued", "task-a"],
      ["delivery", "delivered", "task-a"],
    ]);
  });
});
