/**
 * Task commands of tickctl, as the `kapacitor` CLI runs them against /kapacitor/v1/tasks
 * (KAPACITOR-COMPAT.md §6): define (create, or update an existing task and reload it if it
 * was enabled), enable, disable, delete tasks, list tasks, show.
 *
 * Ids with glob characters (`*?[\`) are expanded through `GET /tasks?pattern=` as Kapacitor
 * does; plain ids are addressed directly, so a typo gets the server's "task does not exist"
 * instead of silently matching nothing.
 */
import { readFile } from "node:fs/promises";
import { coerceError } from "../../core/errors.js";
import { compareGoStrings } from "../../core/go-format.js";
import {
  UnreachableError,
  UsageError,
  isGlob,
  listAllPages,
  printJson,
  runClient,
  seg,
  type ApiClient,
  type ClientOptions,
} from "./api.js";
import {
  columnWidth,
  formatDbrps,
  formatRfc822,
  formatVarValue,
  padRight,
  println,
  type Dbrp,
} from "./format.js";
import { readErrorReason } from "../read-error.js";

const TASKS = "/kapacitor/v1/tasks";
const PAGE = 100;

/** The Task JSON fields the commands read. */
interface Task {
  id: string;
  "template-id"?: string;
  type?: string;
  dbrps?: Dbrp[];
  script?: string;
  vars?: Record<string, { type?: string; value?: unknown; description?: string }>;
  dot?: string;
  status?: string;
  executing?: boolean;
  error?: string;
  created?: string;
  modified?: string;
  "last-enabled"?: string;
}

export interface DefineOptions {
  /** Path of the TICKscript; absent leaves the script of an existing task as it is. */
  tick?: string;
  type?: string;
  /** `db.rp` or `"db"."rp"`, each as given to `-dbrp`. */
  dbrps?: readonly string[];
  /** Path of a JSON file of task vars (`{"name": {"type": …, "value": …}}`). */
  vars?: string;
  /** Kapacitor's `-no-reload`: leave an enabled task running its old definition. */
  noReload?: boolean;
  /** Kapacitor's `-template`: the task runs this template's script with `-vars`. */
  template?: string;
}

/**
 * Parses a `-dbrp` value: `db.rp`, where either part may be double-quoted (`"my.db"."rp"`,
 * with `\"` inside quotes). Unquoted, the database ends at the first dot.
 */
export function parseDbrp(value: string): Dbrp {
  const bad = (why: string): UsageError =>
    new UsageError(`invalid -dbrp ${JSON.stringify(value)}: ${why}; expected db.rp or "db"."rp"`);
  if (value === "") throw bad("empty");
  let db: string;
  let rest: string;
  if (value.startsWith('"')) {
    const q = readQuoted(value);
    if (q === undefined) throw bad("unterminated quote");
    db = q.text;
    rest = value.slice(q.end);
  } else {
    const dot = value.indexOf(".");
    if (dot === -1) throw bad("no '.' between database and retention policy");
    db = value.slice(0, dot);
    rest = value.slice(dot);
  }
  if (!rest.startsWith(".")) throw bad("missing or extra '.'");
  rest = rest.slice(1);
  let rp = rest;
  if (rest.startsWith('"')) {
    const q = readQuoted(rest);
    if (q === undefined || q.end !== rest.length) throw bad("unterminated quote");
    rp = q.text;
  }
  if (db === "") throw bad("empty database");
  if (rp === "") throw bad("empty retention policy");
  return { db, rp };
}

/** Reads a double-quoted string at the start of `s`; `end` is the index after the closing quote. */
function readQuoted(s: string): { text: string; end: number } | undefined {
  let text = "";
  for (let i = 1; i < s.length; i++) {
    const ch = s[i];
    if (ch === "\\" && s[i + 1] === '"') {
      text += '"';
      i++;
    } else if (ch === '"') {
      return { text, end: i + 1 };
    } else {
      text += ch;
    }
  }
  return undefined;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    const reason = readErrorReason(e);
    throw new UsageError(`cannot read ${what} ${path}: ${reason}`);
  }
}

async function readVars(path: string): Promise<Record<string, unknown>> {
  const text = await readText(path, "-vars file");
  let vars: unknown;
  try {
    vars = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`invalid JSON in -vars file ${path}: ${coerceError(e).message}`);
  }
  if (typeof vars !== "object" || vars === null || Array.isArray(vars)) {
    throw new UsageError(`invalid -vars file ${path}: expected an object of {"name": {"type", "value"}}`);
  }
  return vars as Record<string, unknown>;
}

/**
 * `tickctl define <id> -tick f [-type stream|batch] [-dbrp db.rp]… [-vars f.json] [-no-reload]`.
 * Reads every file before the first request, so a bad flag never half-defines a task.
 */
export function runDefine(id: string, def: DefineOptions, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    if (def.type !== undefined && def.type !== "stream" && def.type !== "batch") {
      throw new UsageError(`invalid -type ${JSON.stringify(def.type)}: expected stream or batch`);
    }
    const dbrps = (def.dbrps ?? []).map(parseDbrp);
    const script = def.tick !== undefined ? await readText(def.tick, "TICKscript") : undefined;
    const vars = def.vars !== undefined ? await readVars(def.vars) : undefined;

    // Only the given options are sent: an update leaves everything else as it was.
    const fields: Record<string, unknown> = {};
    if (def.type !== undefined) fields["type"] = def.type;
    if (dbrps.length > 0) fields["dbrps"] = dbrps;
    if (script !== undefined) fields["script"] = script;
    if (vars !== undefined) fields["vars"] = vars;
    if (def.template !== undefined) {
      if (script !== undefined) throw new UsageError("give -tick or -template, not both");
      fields["template-id"] = def.template;
    }

    const path = `${TASKS}/${seg(id)}`;
    const existing = await api.get(path, [404]);
    if (existing.status === 404) {
      if (script === undefined && def.template === undefined) {
        throw new UsageError(`task ${JSON.stringify(id)} does not exist: give -tick to create it`);
      }
      await api.request("POST", TASKS, { id, ...fields, status: "disabled" });
      return 0;
    }
    await api.request("PATCH", path, fields);
    const task = existing.body as Partial<Task> | undefined;
    // The new definition only runs after a restart of the task (Kapacitor's reload).
    if (task?.status === "enabled" && def.noReload !== true) {
      await api.request("PATCH", path, { status: "disabled" });
      await api.request("PATCH", path, { status: "enabled" });
    }
    return 0;
  });
}

/** Every task id matching a Kapacitor glob, through the paginated list. */
async function matchingTaskIds(api: ApiClient, pattern: string): Promise<string[]> {
  const ids: string[] = [];
  for (const task of await listTasks(api, pattern, ["link"])) ids.push(task.id);
  return ids;
}

function listTasks(api: ApiClient, pattern: string, fields: readonly string[]): Promise<Task[]> {
  return listAllPages<Task>(api, TASKS, "tasks", pattern, fields, PAGE);
}

/**
 * Applies `action` to each task an argument names (or, for a glob, matches). A failure on one
 * task is reported and the rest still run; only an unreachable server stops everything.
 */
async function forEachTask(
  api: ApiClient,
  opts: ClientOptions,
  args: readonly string[],
  verb: string,
  action: (id: string) => Promise<void>,
): Promise<number> {
  let code = 0;
  for (const arg of args) {
    const ids = isGlob(arg) ? await matchingTaskIds(api, arg) : [arg];
    for (const id of ids) {
      try {
        await action(id);
      } catch (e) {
        if (e instanceof UnreachableError) throw e;
        opts.err(`tickctl: ${verb} task ${id}: ${coerceError(e).message}\n`);
        code = 1;
      }
    }
  }
  return code;
}

function setStatus(
  ids: readonly string[],
  status: "enabled" | "disabled",
  opts: ClientOptions,
): Promise<number> {
  const verb = status === "enabled" ? "enabling" : "disabling";
  return runClient(opts, (api) =>
    forEachTask(api, opts, ids, verb, async (id) => {
      await api.request("PATCH", `${TASKS}/${seg(id)}`, { status });
    }),
  );
}

/** `tickctl enable <id|glob>…`: PATCH `{"status":"enabled"}`. */
export function runEnable(ids: readonly string[], opts: ClientOptions): Promise<number> {
  return setStatus(ids, "enabled", opts);
}

/** `tickctl disable <id|glob>…`: PATCH `{"status":"disabled"}`. */
export function runDisable(ids: readonly string[], opts: ClientOptions): Promise<number> {
  return setStatus(ids, "disabled", opts);
}

/** `tickctl reload <id|glob>…`: disable then enable each task (Kapacitor's reload). */
export function runReload(ids: readonly string[], opts: ClientOptions): Promise<number> {
  return runClient(opts, (api) =>
    forEachTask(api, opts, ids, "reloading", async (id) => {
      await api.request("PATCH", `${TASKS}/${seg(id)}`, { status: "disabled" });
      await api.request("PATCH", `${TASKS}/${seg(id)}`, { status: "enabled" });
    }),
  );
}

/** `tickctl delete tasks <id|glob>…`: DELETE each; a missing task is not an error (Kapacitor's 204). */
export function runDeleteTasks(ids: readonly string[], opts: ClientOptions): Promise<number> {
  return runClient(opts, (api) =>
    forEachTask(api, opts, ids, "deleting", async (id) => {
      await api.request("DELETE", `${TASKS}/${seg(id)}`, undefined, [404]);
    }),
  );
}

/**
 * `tickctl list tasks [pattern…]`: Kapacitor's table (ID, Type, Status, Executing, Databases
 * and Retention Policies), sorted by id; `--json` prints `{"tasks": [full Task JSON…]}`.
 */
export function runListTasks(patterns: readonly string[], opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const fields = opts.json ? [] : ["type", "status", "executing", "dbrps"];
    const byId = new Map<string, Task>();
    for (const pattern of patterns.length > 0 ? patterns : [""]) {
      for (const task of await listTasks(api, pattern, fields)) byId.set(task.id, task);
    }
    const tasks = [...byId.values()].sort((a, b) => compareGoStrings(a.id, b.id));
    if (opts.json) {
      printJson(opts, { tasks });
      return 0;
    }
    const idWidth = columnWidth(
      tasks.map((t) => t.id),
      2,
    );
    const row = (id: string, type: string, status: string, executing: string, dbrps: string): string =>
      `${padRight(id, idWidth)}${padRight(type, 10)}${padRight(status, 10)}${padRight(executing, 10)}${dbrps}\n`;
    let text = row("ID", "Type", "Status", "Executing", "Databases and Retention Policies");
    for (const t of tasks) {
      text += row(t.id, t.type ?? "", t.status ?? "", String(t.executing === true), formatDbrps(t.dbrps));
    }
    opts.out(text);
    return 0;
  });
}

/** `tickctl show <id>`: the task as `kapacitor show` prints it; `--json` prints the Task JSON. */
export function runShow(id: string, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const res = await api.get(`${TASKS}/${seg(id)}?dot-view=attributes&script-format=formatted`);
    const t = res.body as Task;
    if (opts.json) {
      printJson(opts, t);
      return 0;
    }
    let text =
      println("ID:", t.id) +
      println("Error:", t.error ?? "") +
      println("Template:", t["template-id"] ?? "") +
      println("Type:", t.type ?? "") +
      println("Status:", t.status ?? "") +
      println("Executing:", t.executing === true) +
      println("Created:", formatRfc822(t.created)) +
      println("Modified:", formatRfc822(t.modified)) +
      println("LastEnabled:", formatRfc822(t["last-enabled"])) +
      println("Databases Retention Policies:", formatDbrps(t.dbrps)) +
      `TICKscript:\n${t.script ?? ""}\n`;
    const names = Object.keys(t.vars ?? {}).sort(compareGoStrings);
    if (names.length > 0) {
      const line = (name: string, type: string, value: string): string =>
        `${padRight(name, 30)}${padRight(type, 10)}${padRight(value, 40)}\n`;
      text += "Vars:\n" + line("Name", "Type", "Value");
      for (const name of names) {
        const v = t.vars?.[name];
        text += line(name, v?.type ?? "", formatVarValue(v?.type, v?.value));
      }
    }
    text += `DOT:\n${t.dot ?? ""}\n`;
    opts.out(text);
    return 0;
  });
}
