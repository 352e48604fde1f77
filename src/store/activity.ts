/**
 * Where the last event and the last error of connectors and inbound integration sources are
 * kept (src/core/activity.ts): the `activity` table (migration 10), so the console still shows
 * them after a restart, or memory only (tests, tools). One row per (scope, name); an event
 * and an error each overwrite only their own columns.
 */
import type Database from "better-sqlite3";
import { shortMessage, type Activity } from "../core/activity.js";

export type ActivityScope = "connector" | "integration";

export interface ActivityLog {
  /** Records an event (`error` undefined) or an error at `atMs`; the message is shortened. */
  record(scope: ActivityScope, name: string, atMs: number, error?: string): void;
  get(scope: ActivityScope, name: string): Activity;
  /** Drops what is known of `name` (a deleted connector). */
  forget(scope: ActivityScope, name: string): void;
}

export class MemoryActivity implements ActivityLog {
  private readonly rows = new Map<string, Activity>();

  record(scope: ActivityScope, name: string, atMs: number, error?: string): void {
    const key = `${scope}\0${name}`;
    const a = { ...this.rows.get(key) };
    if (error === undefined) a.lastEventMs = atMs;
    else {
      a.lastErrorMs = atMs;
      a.lastError = shortMessage(error);
    }
    this.rows.set(key, a);
  }

  get(scope: ActivityScope, name: string): Activity {
    return { ...this.rows.get(`${scope}\0${name}`) };
  }

  forget(scope: ActivityScope, name: string): void {
    this.rows.delete(`${scope}\0${name}`);
  }
}

interface Row {
  last_event_ms: number | null;
  last_error_ms: number | null;
  last_error: string;
}

export class SqliteActivity implements ActivityLog {
  private readonly eventStmt: Database.Statement<[string, string, number]>;
  private readonly errorStmt: Database.Statement<[string, string, number, string]>;
  private readonly getStmt: Database.Statement<[string, string], Row>;
  private readonly deleteStmt: Database.Statement<[string, string]>;

  constructor(db: Database.Database) {
    this.eventStmt = db.prepare(
      `INSERT INTO activity (scope, name, last_event_ms) VALUES (?, ?, ?)
       ON CONFLICT (scope, name) DO UPDATE SET last_event_ms = excluded.last_event_ms`,
    );
    this.errorStmt = db.prepare(
      `INSERT INTO activity (scope, name, last_error_ms, last_error) VALUES (?, ?, ?, ?)
       ON CONFLICT (scope, name) DO UPDATE SET last_error_ms = excluded.last_error_ms,
         last_error = excluded.last_error`,
    );
    this.getStmt = db.prepare<[string, string], Row>(
      "SELECT last_event_ms, last_error_ms, last_error FROM activity WHERE scope = ? AND name = ?",
    );
    this.deleteStmt = db.prepare<[string, string]>("DELETE FROM activity WHERE scope = ? AND name = ?");
  }

  record(scope: ActivityScope, name: string, atMs: number, error?: string): void {
    if (error === undefined) this.eventStmt.run(scope, name, atMs);
    else this.errorStmt.run(scope, name, atMs, shortMessage(error));
  }

  get(scope: ActivityScope, name: string): Activity {
    const r = this.getStmt.get(scope, name);
    if (r === undefined) return {};
    return {
      ...(r.last_event_ms !== null ? { lastEventMs: Number(r.last_event_ms) } : {}),
      ...(r.last_error_ms !== null ? { lastErrorMs: Number(r.last_error_ms), lastError: r.last_error } : {}),
    };
  }

  forget(scope: ActivityScope, name: string): void {
    this.deleteStmt.run(scope, name);
  }
}
