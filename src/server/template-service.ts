/**
 * Task templates (Kapacitor's `/kapacitor/v1/templates`): a TICKscript checked without its
 * vars; tasks made from it (`template-id` + `vars`) run its script with their own vars.
 *
 * Updating a template re-checks and reloads every task made from it. The update is all or
 * nothing: when one task no longer compiles with its vars ("missing value for var …"), the
 * template and the tasks already reloaded go back to the old script and the error names the
 * task (Kapacitor's "error reloading associated task <id>: …"; Kapacitor leaves the template
 * changed, tickd does not).
 */
import { randomUUID } from "node:crypto";

import { TickdError } from "../core/errors.js";
import { checkScript, type DeclaredVar } from "../pipeline/check.js";
import type { TaskType } from "../pipeline/task-graph.js";
import type { Store } from "../store/index.js";
import { TemplateRepository, type TemplateRecord } from "../store/templates.js";
import { pipelineDot } from "./task-dot.js";
import type { TaskRecord } from "../store/tasks.js";
import type { TaskManager } from "./task-manager.js";

/** What a template needs of the task manager: reload its tasks, or plan their reload (cluster mode). */
export type TemplateTasks = Pick<TaskManager, "update" | "planUpdate">;

const ID_RE = /^[-._\p{L}0-9]+$/u;

export interface TemplateInput {
  id?: string;
  type?: TaskType;
  script?: string;
}

export interface TemplateView extends TemplateRecord {
  vars: DeclaredVar[];
  /** The script's comment lines, for var descriptions. */
  comments: { line: number; text: string }[];
  dot: string;
  error: string;
}

function invalid(message: string): never {
  throw new TickdError("E_TASK_INVALID", message);
}

/** Checks a template script; returns its type and declared vars, or throws "invalid TICKscript: …". */
function checkTemplate(
  id: string,
  script: string,
  type?: TaskType,
): { type: TaskType; vars: DeclaredVar[]; dot: string } {
  const { graph, diagnostics, declaredVars } = checkScript(script, `template ${id}`, {
    template: true,
    ...(type !== undefined ? { type } : {}),
  });
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (graph === undefined || errors.length > 0) {
    invalid(
      "invalid TICKscript: " +
        errors
          .map((d) => `line ${d.line} char ${d.column}: ${d.message}${d.hint ? ` (${d.hint})` : ""}`)
          .join("; "),
    );
  }
  return { type: graph.type, vars: declaredVars ?? [], dot: pipelineDot(id, graph) };
}

/** `//` comment lines of a script with their line numbers. */
function commentsOf(script: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  script.split("\n").forEach((l, i) => {
    const m = /^\s*\/\/\s?(.*)$/.exec(l);
    if (m !== null) out.push({ line: i + 1, text: (m[1] ?? "").trimEnd() });
  });
  return out;
}

/**
 * What the templates API uses; write methods may answer a promise (cluster mode,
 * src/cluster/config-writes.ts, answers once the config topic's record is applied here).
 */
export interface TemplateApi {
  get(id: string): TemplateRecord | undefined;
  view(t: TemplateRecord): TemplateView;
  list(opts: { pattern?: string; offset?: number; limit?: number }): TemplateView[];
  define(input: TemplateInput): TemplateView | Promise<TemplateView>;
  update(id: string, patch: TemplateInput): TemplateView | Promise<TemplateView>;
  delete(id: string): void | Promise<void>;
}

export class TemplateService implements TemplateApi {
  readonly repo: TemplateRepository;

  constructor(private readonly d: { store: Store; tasks: TemplateTasks; now: () => number }) {
    this.repo = new TemplateRepository(d.store.db);
  }

  get(id: string): TemplateRecord | undefined {
    return this.repo.get(id);
  }

  view(t: TemplateRecord): TemplateView {
    try {
      const c = checkTemplate(t.id, t.script, t.type);
      return { ...t, vars: c.vars, comments: commentsOf(t.script), dot: c.dot, error: "" };
    } catch (e) {
      return { ...t, vars: [], comments: [], dot: "", error: (e as Error).message };
    }
  }

  list(opts: { pattern?: string; offset?: number; limit?: number }): TemplateView[] {
    return this.repo.list(opts).map((t) => this.view(t));
  }

  define(input: TemplateInput): TemplateView {
    const rec = this.planDefine(input);
    this.repo.put(rec);
    return this.view(rec);
  }

  /** Cluster mode (src/cluster/config-writes.ts): checks a define and returns the record, storing nothing. */
  planDefine(input: TemplateInput): TemplateRecord {
    const id = input.id !== undefined && input.id !== "" ? input.id : randomUUID();
    if (!ID_RE.test(id))
      invalid(`template ID must contain only letters, numbers, '-', '.' and '_'. ${JSON.stringify(id)}`);
    if (this.repo.get(id) !== undefined) invalid(`template ${id} already exists`);
    if (input.script === undefined || input.script === "") invalid("must provide TICKscript");
    const c = checkTemplate(id, input.script, input.type);
    const now = this.d.now();
    return { id, type: c.type, script: input.script, created: now, modified: now };
  }

  /** The record an update makes of `old` (checked; throws E_TASK_INVALID). */
  private nextRecord(old: TemplateRecord, patch: TemplateInput): TemplateRecord {
    const next: TemplateRecord = { ...old };
    if (patch.id !== undefined && patch.id !== "" && patch.id !== old.id) {
      if (!ID_RE.test(patch.id))
        invalid(
          `template ID must contain only letters, numbers, '-', '.' and '_'. ${JSON.stringify(patch.id)}`,
        );
      if (this.repo.get(patch.id) !== undefined) invalid(`template ${patch.id} already exists`);
      next.id = patch.id;
    }
    if (patch.script !== undefined && patch.script !== "") next.script = patch.script;
    next.type = checkTemplate(next.id, next.script, patch.type).type;
    next.modified = this.d.now();
    return next;
  }

  /** Ids of the tasks made from template `id`. */
  taskIds(id: string): string[] {
    return this.d.store.tasks
      .list()
      .filter((t) => t.templateId === id)
      .map((t) => t.id);
  }

  update(id: string, patch: TemplateInput): TemplateView {
    const old = this.repo.get(id);
    if (old === undefined) throw new TickdError("E_TASK_UNKNOWN", "template does not exist, cannot update");
    const next = this.nextRecord(old, patch);
    const taskIds = this.taskIds(id);
    const renamed = next.id !== id;

    const putTemplate = (t: TemplateRecord, drop?: string): void => {
      this.d.store.transaction(() => {
        this.repo.put(t);
        if (drop !== undefined) this.repo.delete(drop);
      });
    };
    putTemplate(next, renamed ? id : undefined);
    const done: string[] = [];
    for (const taskId of taskIds) {
      try {
        this.d.tasks.update(taskId, renamed ? { templateId: next.id } : {});
        done.push(taskId);
      } catch (e) {
        // All or nothing: the old template back, and the tasks already moved back onto it.
        putTemplate(old, renamed ? next.id : undefined);
        for (const t of done) {
          try {
            this.d.tasks.update(t, renamed ? { templateId: old.id } : {});
          } catch {
            // it compiled with the old script before; nothing better to do than keep going
          }
        }
        throw new TickdError(
          "E_TEMPLATE_TASK",
          `error reloading associated task ${taskId}: ${(e as Error).message}`,
        );
      }
    }
    return this.view(next);
  }

  delete(id: string): void {
    this.repo.delete(id);
  }

  /**
   * Cluster mode: checks an update as {@link update} does — every task made from the
   * template must still compile with its vars, else E_TEMPLATE_TASK naming it — and returns
   * the template's new record and those tasks' new records, changing nothing.
   */
  planUpdate(
    id: string,
    patch: TemplateInput,
  ): { template: TemplateRecord; renamedFrom?: string; tasks: TaskRecord[] } {
    const old = this.repo.get(id);
    if (old === undefined) throw new TickdError("E_TASK_UNKNOWN", "template does not exist, cannot update");
    const next = this.nextRecord(old, patch);
    const renamed = next.id !== id;
    const tasks: TaskRecord[] = [];
    for (const taskId of this.taskIds(id)) {
      try {
        tasks.push(
          this.d.tasks.planUpdate(taskId, renamed ? { templateId: next.id } : {}, {
            id: next.id,
            script: next.script,
          }).record,
        );
      } catch (e) {
        throw new TickdError(
          "E_TEMPLATE_TASK",
          `error reloading associated task ${taskId}: ${(e as Error).message}`,
        );
      }
    }
    return renamed ? { template: next, renamedFrom: id, tasks } : { template: next, tasks };
  }

  /** Cluster mode (src/cluster/config-apply.ts): stores what the config topic says; null deletes. */
  applyRecord(id: string, rec: TemplateRecord | null): void {
    if (rec === null) this.repo.delete(id);
    else this.repo.put({ ...rec, id });
  }
}
