/**
 * Migration 14: `topic_events` and `oncall_alerts` as rowid tables. A row of about a KB no
 * longer takes an overflow page of its own (WITHOUT ROWID keeps at most ~1,000 bytes of a row
 * on its leaf), so a storm of new alerts writes less than half the pages; a database written
 * at schema version 13 upgrades with every row readable as before, keyed and ordered as before.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AlertEvent } from "../../../src/core/alert-event.js";
import { Level } from "../../../src/core/types.js";
import { onCallPersistence } from "../../../src/oncall/index.js";
import { encodeEvent } from "../../../src/oncall/store.js";
import { LATEST_SCHEMA_VERSION, MIGRATIONS, openStore, type Store } from "../../../src/store/index.js";
import { sampleEvent, T0, useTempDir } from "./helpers.js";

const tmp = useTempDir();

/** An engine event about the size of a `.post()` alert's: ~1.1 KB as stored JSON. */
function alertEvent(id: string, message = `${id} is CRITICAL`): AlertEvent {
  return {
    topic: "main:cpu:alert2",
    state: {
      id,
      message,
      details: "&#34;Fields&#34;:{&#34;v&#34;:95}".repeat(18),
      time: BigInt(T0),
      duration: 0,
      level: Level.CRITICAL,
    },
    data: {
      name: "cpu",
      taskName: "cpu",
      category: "",
      group: `host=${id}`,
      tags: { host: id },
      fields: { v: 95 },
      series: [{ name: "cpu", tags: { host: id }, columns: ["time", "v"], values: [[BigInt(T0), 95]] }],
      recoverable: true,
    },
  };
}

const labels = (id: string) => ({ alertname: "cpu", host: id, level: "CRITICAL", topic: "main:cpu:alert2" });

/** `n` new alerts as the daemon writes them: a topic event and an on-call alert row each. */
function newAlerts(store: Store, n: number, details: string): void {
  const p = onCallPersistence(store.db);
  store.batch(() => {
    for (let i = 0; i < n; i++) {
      const id = `cpu:host=h${String(i).padStart(4, "0")}`;
      store.topicEvents.put(sampleEvent("main:cpu:alert2", id, { details }));
      p.putAlert({ topic: "main:cpu:alert2", id, labels: labels(id), event: alertEvent(id) });
    }
  });
}

const pages = (store: Store): number => store.db.pragma("page_count", { simple: true }) as number;

describe("topic events and on-call alerts in rowid tables (migration 14)", () => {
  it("a KB-sized topic event and on-call alert take no page of their own each", () => {
    const store = tmp.track(openStore(join(tmp.dir(), "tickd.db")));
    const event = encodeEvent(alertEvent("cpu:host=h0000"));
    expect(event.length).toBeGreaterThan(1040);
    const before = pages(store);
    // Details of ~1.1 KB: a topic event with a handful of fields in Kapacitor's HTML details.
    newAlerts(store, 300, "<td>usage_idle</td>".repeat(60));
    // Rows of ~1.2 KB each, three to a 4 KB page: some 120 pages per table, plus the keys.
    // WITHOUT ROWID put each row's tail on an overflow page: 300 per table, 600+ in all.
    expect(pages(store) - before).toBeLessThan(330);
  });

  it("an on-call alert written twice is one row with the newest labels and event", () => {
    const store = tmp.track(openStore(join(tmp.dir(), "tickd.db")));
    const p = onCallPersistence(store.db);
    p.putAlert({ topic: "t", id: "a", labels: labels("a"), event: alertEvent("a", "first") });
    p.putAlert({
      topic: "t",
      id: "a",
      labels: { ...labels("a"), extra: "x" },
      event: alertEvent("a", "second"),
    });
    const all = [...p.loadAlerts()];
    expect(all).toHaveLength(1);
    expect(all[0]!.labels["extra"]).toBe("x");
    expect(all[0]!.event.state.message).toBe("second");
    p.deleteAlert("t", "a");
    expect([...p.loadAlerts()]).toEqual([]);
  });

  it("a database written at schema version 13 upgrades with its rows readable, keyed and ordered", () => {
    const path = join(tmp.dir(), "tickd.db");
    const old = openStore(path, { migrations: MIGRATIONS.slice(0, 13) });
    const oldAlerts = onCallPersistence(old.db);
    // Written out of key order: reads come back by (topic, id) all the same.
    for (const id of ["z", "b", "a"]) {
      old.topicEvents.put(sampleEvent("cpu", id, { details: "d".repeat(1500) }));
      old.topicEvents.put(sampleEvent("mem", id, { level: Level.WARNING }));
      oldAlerts.putAlert({ topic: "cpu", id, labels: labels(id), event: alertEvent(id) });
    }
    oldAlerts.putAlert({ topic: "aaa", id: "q", labels: labels("q"), event: alertEvent("q") });
    const events = old.topicEvents.listAll();
    const alerts = [...oldAlerts.loadAlerts()];
    old.close();

    const store = tmp.track(openStore(path));
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(store.topicEvents.listAll()).toEqual(events);
    expect(store.topicEvents.listTopic("cpu").map((e) => e.eventId)).toEqual(["a", "b", "z"]);
    const p = onCallPersistence(store.db);
    expect([...p.loadAlerts()]).toEqual(alerts);
    expect(alerts.map((a) => `${a.topic}/${a.id}`)).toEqual(["aaa/q", "cpu/a", "cpu/b", "cpu/z"]);
    // The key still refuses a second row and an upsert still replaces.
    expect(() =>
      store.db
        .prepare(
          "INSERT INTO topic_events (topic, event_id, level, message, details, time, duration) VALUES ('cpu', 'a', 3, '', '', 0, 0)",
        )
        .run(),
    ).toThrow(/UNIQUE/);
    store.topicEvents.put(sampleEvent("cpu", "a", { message: "newer" }));
    expect(store.topicEvents.get("cpu", "a")!.message).toBe("newer");
    expect(store.topicEvents.put(sampleEvent("cpu", "b", { level: Level.OK }))).toBeUndefined();
    expect(store.topicEvents.listTopic("cpu").map((e) => e.eventId)).toEqual(["a", "z"]);
    // Neither table is WITHOUT ROWID any more; nothing of the old tables is left.
    const sql = store.db
      .prepare(
        "SELECT name, sql FROM sqlite_master WHERE name IN ('topic_events', 'oncall_alerts') OR name LIKE '%_v13'",
      )
      .all() as { name: string; sql: string }[];
    expect(sql.map((r) => r.name).sort()).toEqual(["oncall_alerts", "topic_events"]);
    for (const r of sql) expect(r.sql).not.toMatch(/WITHOUT ROWID/i);
  });
});
