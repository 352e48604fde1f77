/**
 * Each alert group's full state (tickd's answer to Kapacitor issue #744): level, previous
 * level, first/last triggered, flapping and its history ring, plus the rendered event id. The
 * alert node writes a group's row on every state change and reads its task's rows back at
 * start, so a restart neither re-pages an incident already paged nor forgets that a recovery
 * is owed. Rows live until the task is deleted (deleteTask) or the group expires (delete).
 *
 * put() is one prepared upsert; putMany() batches a burst into one transaction, which is far
 * cheaper than one implicit transaction (and WAL append) per row.
 */
import type Database from "better-sqlite3";
import type { Level } from "../core/types.js";
import type { AlertStateSnapshot } from "../engine/alert-state.js";
import { intFromDb, textFromDb, timeFromDb, timeToDb } from "./codec.js";

export interface AlertStateKey {
  task: string;
  /** The alert node's name within the task (e.g. "alert2"). */
  node: string;
  /** The group key: `k=v,k2=v2` sorted, or "nil" without groupBy. */
  group: string;
}

export interface AlertStateRecord extends AlertStateKey {
  /** The rendered alert id of the group's current incident. */
  eventId: string;
  state: AlertStateSnapshot;
}

interface AlertStateRow {
  task: unknown;
  node: unknown;
  group_key: unknown;
  event_id: unknown;
  level: unknown;
  prev: unknown;
  first_triggered: unknown;
  last_triggered: unknown;
  flapping: unknown;
  history: unknown;
}

const COLUMNS =
  "task, node, group_key, event_id, level, prev, first_triggered, last_triggered, flapping, history";

export class AlertStateRepository {
  private readonly putStmt: Database.Statement<unknown[]>;
  private readonly getStmt: Database.Statement<[string, string, string], AlertStateRow>;
  private readonly listTaskStmt: Database.Statement<[string], AlertStateRow>;
  private readonly deleteStmt: Database.Statement<[string, string, string]>;
  private readonly deleteTaskStmt: Database.Statement<[string]>;
  private readonly putManyTx: (records: Iterable<AlertStateRecord>) => number;
  private readonly groupsStmt: Database.Statement<[string], { node: string; group_key: string }>;

  constructor(db: Database.Database) {
    this.putStmt = db.prepare(
      `INSERT INTO alert_states (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (task, node, group_key) DO UPDATE SET event_id = excluded.event_id,
         level = excluded.level, prev = excluded.prev, first_triggered = excluded.first_triggered,
         last_triggered = excluded.last_triggered, flapping = excluded.flapping, history = excluded.history`,
    );
    this.getStmt = db
      .prepare<[string, string, string], AlertStateRow>(
        `SELECT ${COLUMNS} FROM alert_states WHERE task = ? AND node = ? AND group_key = ?`,
      )
      .safeIntegers();
    this.listTaskStmt = db
      .prepare<[string], AlertStateRow>(
        `SELECT ${COLUMNS} FROM alert_states WHERE task = ? ORDER BY node, group_key`,
      )
      .safeIntegers();
    this.deleteStmt = db.prepare<[string, string, string]>(
      "DELETE FROM alert_states WHERE task = ? AND node = ? AND group_key = ?",
    );
    this.deleteTaskStmt = db.prepare<[string]>("DELETE FROM alert_states WHERE task = ?");
    this.groupsStmt = db.prepare<[string], { node: string; group_key: string }>(
      "SELECT node, group_key FROM alert_states WHERE task = ?",
    );
    this.putManyTx = db.transaction((records: Iterable<AlertStateRecord>): number => {
      let n = 0;
      for (const r of records) {
        this.put(r);
        n++;
      }
      return n;
    });
  }

  put(r: AlertStateRecord): void {
    const s = r.state;
    this.putStmt.run(
      r.task,
      r.node,
      r.group,
      r.eventId,
      s.level,
      s.prev,
      timeToDb(s.firstTriggered, "firstTriggered"),
      timeToDb(s.lastTriggered, "lastTriggered"),
      s.flapping ? 1 : 0,
      // One byte per level, oldest first; NULL when flapping is off (no ring kept).
      s.history === undefined ? null : Buffer.from(s.history),
    );
  }

  /** All or nothing, in one transaction; returns how many were written. */
  putMany(records: Iterable<AlertStateRecord>): number {
    return this.putManyTx(records);
  }

  get(task: string, node: string, group: string): AlertStateRecord | undefined {
    const row = this.getStmt.get(task, node, group);
    return row === undefined ? undefined : decodeState(row);
  }

  /** The task's groups that have a row, each as {@link groupKey}(node, group). */
  groupKeys(task: string): Set<string> {
    const keys = new Set<string>();
    for (const r of this.groupsStmt.iterate(task)) keys.add(groupKey(r.node, r.group_key));
    return keys;
  }

  /** Sorted by node, then group. */
  listTask(task: string): AlertStateRecord[] {
    return this.listTaskStmt.all(task).map(decodeState);
  }

  /** True when a row was deleted (an expired group). */
  delete(task: string, node: string, group: string): boolean {
    return this.deleteStmt.run(task, node, group).changes > 0;
  }

  /** Returns how many rows were deleted. */
  deleteTask(task: string): number {
    return this.deleteTaskStmt.run(task).changes;
  }
}

/** One string for an alert node's group (NUL cannot be in a node name). */
export function groupKey(node: string, group: string): string {
  return `${node}\u0000${group}`;
}

function decodeState(r: AlertStateRow): AlertStateRecord {
  const state: AlertStateSnapshot = {
    level: intFromDb(r.level, "alert level") as Level,
    prev: intFromDb(r.prev, "previous alert level") as Level,
    firstTriggered: timeFromDb(r.first_triggered, "firstTriggered"),
    lastTriggered: timeFromDb(r.last_triggered, "lastTriggered"),
    flapping: intFromDb(r.flapping, "flapping") !== 0,
  };
  if (r.history instanceof Uint8Array) state.history = Array.from(r.history, (l) => l as Level);
  return {
    task: textFromDb(r.task, "task"),
    node: textFromDb(r.node, "node"),
    group: textFromDb(r.group_key, "group"),
    eventId: textFromDb(r.event_id, "event id"),
    state,
  };
}
