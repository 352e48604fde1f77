/**
 * Task templates (Kapacitor's template store): a TICKscript whose vars each task made from it
 * supplies. Which tasks use a template is the tasks' own `template_id` column; nothing else is
 * kept. Times are ns since the epoch, as for tasks.
 */
import type Database from "better-sqlite3";
import type { TaskType } from "../pipeline/task-graph.js";
import { nsFromDb, nsToDb, textFromDb } from "./codec.js";
import { compileGlob } from "./glob.js";

export interface TemplateRecord {
  id: string;
  type: TaskType;
  script: string;
  /** ns since the epoch. */
  created: number;
  /** ns since the epoch. */
  modified: number;
}

interface Row {
  id: unknown;
  type: unknown;
  script: unknown;
  created: unknown;
  modified: unknown;
}

const COLUMNS = "id, type, script, created, modified";

function fromRow(r: Row): TemplateRecord {
  return {
    id: textFromDb(r.id, "templates.id"),
    type: textFromDb(r.type, "templates.type") as TaskType,
    script: textFromDb(r.script, "templates.script"),
    created: nsFromDb(r.created, "templates.created"),
    modified: nsFromDb(r.modified, "templates.modified"),
  };
}

export class TemplateRepository {
  private readonly getStmt: Database.Statement<[string], Row>;
  private readonly allStmt: Database.Statement<[], Row>;
  private readonly putStmt: Database.Statement<unknown[]>;
  private readonly deleteStmt: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.getStmt = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM templates WHERE id = ?`).safeIntegers();
    this.allStmt = db.prepare<[], Row>(`SELECT ${COLUMNS} FROM templates ORDER BY id`).safeIntegers();
    this.putStmt = db.prepare(
      `INSERT INTO templates (${COLUMNS}) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET type = excluded.type, script = excluded.script,
         created = excluded.created, modified = excluded.modified`,
    );
    this.deleteStmt = db.prepare<[string]>("DELETE FROM templates WHERE id = ?");
  }

  get(id: string): TemplateRecord | undefined {
    const r = this.getStmt.get(id);
    return r === undefined ? undefined : fromRow(r);
  }

  /** Sorted by id; `pattern` is a filepath.Match-style glob ("" = all). Throws E_PATTERN. */
  list(opts: { pattern?: string; offset?: number; limit?: number } = {}): TemplateRecord[] {
    const pattern = opts.pattern ?? "";
    const match = pattern === "" ? (): boolean => true : compileGlob(pattern);
    const all = this.allStmt
      .all()
      .map(fromRow)
      .filter((t) => match(t.id));
    const offset = Math.max(0, opts.offset ?? 0);
    return opts.limit === undefined ? all.slice(offset) : all.slice(offset, offset + Math.max(0, opts.limit));
  }

  put(t: TemplateRecord): void {
    this.putStmt.run(
      t.id,
      t.type,
      t.script,
      nsToDb(t.created, "templates.created"),
      nsToDb(t.modified, "templates.modified"),
    );
  }

  delete(id: string): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }
}
