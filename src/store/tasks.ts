/**
 * Task definitions (Kapacitor's task store): what `define`, `enable` and the tasks API write.
 *
 * Times are ns since the epoch as `number`, like every time in tickd; the HTTP layer formats
 * them as RFC3339 (formatRFC3339Nano). `lastEnabled` is 0 for a task never enabled, which the
 * API prints as Go's zero time "0001-01-01T00:00:00Z".
 */
import type Database from "better-sqlite3";
import { TickdError } from "../core/errors.js";
import type { TaskVar } from "../pipeline/check.js";
import type { Dbrp, TaskType } from "../pipeline/task-graph.js";
import { decodeJson, encodeJson, nsFromDb, nsToDb, textFromDb } from "./codec.js";
import { StoreErrorCodes } from "./errors.js";
import { compileGlob } from "./glob.js";

export type TaskStatus = "enabled" | "disabled";

export interface TaskRecord {
  id: string;
  /** "" when the task was not made from a template. */
  templateId: string;
  type: TaskType;
  dbrps: Dbrp[];
  script: string;
  status: TaskStatus;
  /** bigint int values, floats and nested lists come back exactly as they were put. */
  vars: Record<string, TaskVar>;
  /** The last execution error, "" when none. */
  error: string;
  /** ns since the epoch. */
  created: number;
  /** ns since the epoch. */
  modified: number;
  /** ns since the epoch; 0 = never enabled. */
  lastEnabled: number;
}

export interface TaskListOptions {
  /** filepath.Match-style glob over the id; "" or undefined lists every task. */
  pattern?: string | undefined;
  /** Matching tasks to skip (after the pattern, in id order). Default 0. */
  offset?: number | undefined;
  /** At most this many; undefined = no limit. */
  limit?: number | undefined;
}

interface TaskRow {
  id: unknown;
  template_id: unknown;
  type: unknown;
  dbrps: unknown;
  script: unknown;
  status: unknown;
  vars: unknown;
  error: unknown;
  created: unknown;
  modified: unknown;
  last_enabled: unknown;
}

const COLUMNS = "id, template_id, type, dbrps, script, status, vars, error, created, modified, last_enabled";

export class TaskRepository {
  private readonly getStmt: Database.Statement<[string], TaskRow>;
  private readonly pageStmt: Database.Statement<[number, number], TaskRow>;
  private readonly allStmt: Database.Statement<[], TaskRow>;
  private readonly putStmt: Database.Statement<unknown[]>;
  private readonly renameStmt: Database.Statement<[string, string]>;
  private readonly deleteStmt: Database.Statement<[string]>;
  private readonly renameTx: (from: string, to: string) => boolean;

  constructor(db: Database.Database) {
    this.getStmt = db.prepare<[string], TaskRow>(`SELECT ${COLUMNS} FROM tasks WHERE id = ?`).safeIntegers();
    this.pageStmt = db
      .prepare<[number, number], TaskRow>(`SELECT ${COLUMNS} FROM tasks ORDER BY id LIMIT ? OFFSET ?`)
      .safeIntegers();
    this.allStmt = db.prepare<[], TaskRow>(`SELECT ${COLUMNS} FROM tasks ORDER BY id`).safeIntegers();
    this.putStmt = db.prepare(
      `INSERT INTO tasks (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET
         template_id = excluded.template_id, type = excluded.type, dbrps = excluded.dbrps,
         script = excluded.script, status = excluded.status, vars = excluded.vars,
         error = excluded.error, created = excluded.created, modified = excluded.modified,
         last_enabled = excluded.last_enabled`,
    );
    this.renameStmt = db.prepare<[string, string]>("UPDATE tasks SET id = ? WHERE id = ?");
    this.deleteStmt = db.prepare<[string]>("DELETE FROM tasks WHERE id = ?");
    this.renameTx = db.transaction((from: string, to: string): boolean => {
      if (from === to) return this.getStmt.get(from) !== undefined;
      if (this.getStmt.get(to) !== undefined) {
        throw new TickdError(
          StoreErrorCodes.CONFLICT,
          `cannot rename task "${from}": task "${to}" already exists`,
        );
      }
      return this.renameStmt.run(to, from).changes > 0;
    });
  }

  get(id: string): TaskRecord | undefined {
    const row = this.getStmt.get(id);
    return row === undefined ? undefined : decodeTask(row);
  }

  /** Sorted by id (bytewise, as Go sorts strings). */
  list(opts: TaskListOptions = {}): TaskRecord[] {
    const offset = opts.offset ?? 0;
    const limit = opts.limit;
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new TickdError(StoreErrorCodes.VALUE, `offset must be a whole number ≥ 0, got ${offset}`);
    }
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
      throw new TickdError(StoreErrorCodes.VALUE, `limit must be a whole number ≥ 0, got ${limit}`);
    }
    if (opts.pattern === undefined || opts.pattern === "") {
      return this.pageStmt.all(limit ?? -1, offset).map(decodeTask);
    }
    const matches = compileGlob(opts.pattern);
    const out: TaskRecord[] = [];
    let skipped = 0;
    for (const row of this.allStmt.iterate()) {
      if (limit !== undefined && out.length >= limit) break;
      if (!matches(textFromDb(row.id, "task id"))) continue;
      if (skipped < offset) skipped++;
      else out.push(decodeTask(row));
    }
    return out;
  }

  /** Inserts or replaces the task with this id. */
  put(t: TaskRecord): void {
    this.putStmt.run(
      t.id,
      t.templateId,
      t.type,
      encodeJson(
        t.dbrps.map((d) => ({ db: d.db, rp: d.rp })),
        `dbrps of task "${t.id}"`,
      ),
      t.script,
      t.status,
      encodeJson(t.vars, `vars of task "${t.id}"`),
      t.error,
      nsToDb(t.created, "created"),
      nsToDb(t.modified, "modified"),
      nsToDb(t.lastEnabled, "lastEnabled"),
    );
  }

  /**
   * Changes a task's id. False when `from` does not exist; a TickdError E_STORE_CONFLICT when
   * `to` already does. Only the task row moves: alert states and topics keyed by the old name
   * are the caller's to move or drop (in one `store.transaction` if it wants both).
   */
  rename(from: string, to: string): boolean {
    return this.renameTx(from, to);
  }

  /** True when a task was deleted. */
  delete(id: string): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }
}

function decodeTask(r: TaskRow): TaskRecord {
  const id = textFromDb(r.id, "task id");
  const what = (col: string): string => `${col} of task "${id}"`;
  const type = textFromDb(r.type, what("type"));
  const status = textFromDb(r.status, what("status"));
  if ((type !== "stream" && type !== "batch") || (status !== "enabled" && status !== "disabled")) {
    throw new TickdError(
      StoreErrorCodes.CORRUPT,
      `stored task "${id}" has type "${type}", status "${status}"`,
    );
  }
  const dbrps = decodeJson(textFromDb(r.dbrps, what("dbrps")), what("dbrps"));
  const vars = decodeJson(textFromDb(r.vars, what("vars")), what("vars"));
  if (!Array.isArray(dbrps) || typeof vars !== "object" || vars === null || Array.isArray(vars)) {
    throw new TickdError(StoreErrorCodes.CORRUPT, `stored task "${id}" has malformed dbrps or vars`);
  }
  return {
    id,
    templateId: textFromDb(r.template_id, what("template id")),
    type,
    dbrps: dbrps as Dbrp[],
    script: textFromDb(r.script, what("script")),
    status,
    vars: vars as Record<string, TaskVar>,
    error: textFromDb(r.error, what("error")),
    created: nsFromDb(r.created, what("created")),
    modified: nsFromDb(r.modified, what("modified")),
    lastEnabled: nsFromDb(r.last_enabled, what("last enabled")),
  };
}
