/**
 * Resolves alerts whose vendor never sends a resolve (Elasticsearch Watcher) after a quiet
 * period. One timer per (topic, event id):
 *   idle ──arm──▶ armed ──arm again (a new alert)──▶ armed (timer restarted)
 *   armed ──cancel (the vendor resolved it)──▶ idle
 *   armed ──timer──▶ idle, `onExpire(topic, alert)` collects the resolve
 * Every armed timer is also kept in the persistence (SQLite `auto_resolve`, with its due time),
 * so a restart does not forget it: `restore()` arms each again for what is left of its wait,
 * and one whose time passed while tickd was down fires at once. `close()` drops the in-memory
 * timers only (daemon stop): the persisted ones are armed again at the next start.
 */
import type Database from "better-sqlite3";
import { decodeJson, encodeJson, intFromDb, textFromDb } from "../store/codec.js";
import type { SourceAlert } from "./sources/index.js";

/** setTimeout's largest delay (~24.8 days); longer waits are cut to it (and re-armed when it fires early). */
const MAX_DELAY_MS = 2 ** 31 - 1;

export interface PendingResolve {
  topic: string;
  alert: SourceAlert;
  /** Unix ms. */
  dueMs: number;
}

/** Where armed timers are kept across restarts. */
export interface AutoResolvePersistence {
  put(p: PendingResolve): void;
  delete(topic: string, id: string): void;
  all(): PendingResolve[];
}

export class AutoResolver {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly now: () => number;

  constructor(
    private readonly onExpire: (topic: string, alert: SourceAlert) => void,
    private readonly persistence?: AutoResolvePersistence,
    now?: () => number,
  ) {
    this.now = now ?? Date.now;
  }

  /** Arms every persisted timer again (daemon start); returns how many. */
  restore(): number {
    const pending = this.persistence?.all() ?? [];
    for (const p of pending) this.schedule(p);
    return pending.length;
  }

  arm(topic: string, alert: SourceAlert, afterNs: number): void {
    this.cancel(topic, alert.id);
    const p: PendingResolve = { topic, alert, dueMs: this.now() + Math.max(1, Math.round(afterNs / 1e6)) };
    this.persistence?.put(p);
    this.schedule(p);
  }

  cancel(topic: string, id: string): void {
    const key = `${topic}\0${id}`;
    const t = this.timers.get(key);
    if (t !== undefined) {
      clearTimeout(t);
      this.timers.delete(key);
    }
    this.persistence?.delete(topic, id);
  }

  get size(): number {
    return this.timers.size;
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(p: PendingResolve): void {
    const key = `${p.topic}\0${p.alert.id}`;
    const old = this.timers.get(key);
    if (old !== undefined) clearTimeout(old);
    const wait = p.dueMs - this.now();
    const t = setTimeout(
      () => {
        this.timers.delete(key);
        // Cut to setTimeout's limit: not due yet, wait the rest.
        if (p.dueMs > this.now()) {
          this.schedule(p);
          return;
        }
        this.persistence?.delete(p.topic, p.alert.id);
        this.onExpire(p.topic, p.alert);
      },
      Math.min(MAX_DELAY_MS, Math.max(1, wait)),
    );
    t.unref();
    this.timers.set(key, t);
  }
}

/** The `auto_resolve` table (migration 9). */
export function sqliteAutoResolve(db: Database.Database): AutoResolvePersistence {
  const put = db.prepare<[string, string, string, number]>(
    `INSERT INTO auto_resolve (topic, alert_id, alert, due_ms) VALUES (?, ?, ?, ?)
     ON CONFLICT (topic, alert_id) DO UPDATE SET alert = excluded.alert, due_ms = excluded.due_ms`,
  );
  const del = db.prepare<[string, string]>("DELETE FROM auto_resolve WHERE topic = ? AND alert_id = ?");
  const all = db.prepare<[], { topic: unknown; alert: unknown; due_ms: unknown }>(
    "SELECT topic, alert, due_ms FROM auto_resolve ORDER BY due_ms",
  );
  return {
    put: (p) => void put.run(p.topic, p.alert.id, encodeJson(p.alert, "auto-resolve alert"), p.dueMs),
    delete: (topic, id) => void del.run(topic, id),
    all: () =>
      all.all().map((r) => ({
        topic: textFromDb(r.topic, "auto-resolve topic"),
        alert: decodeJson(textFromDb(r.alert, "auto-resolve alert"), "auto-resolve alert") as SourceAlert,
        dueMs: intFromDb(r.due_ms, "auto-resolve due time"),
      })),
  };
}
