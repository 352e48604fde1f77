/**
 * `/kapacitor/v1/tasks`: Kapacitor's task JSON (client.Task in client/v1) built from
 * TaskService views, and request bodies decoded the way Kapacitor's CreateTaskOptions /
 * UpdateTaskOptions decode them (empty values mean "not given").
 *
 * Shapes worth knowing:
 * - A task is a Go struct (fixed key order); a list entry is a Go map, so its keys are sorted
 *   and only the requested `fields` (plus `id` and `link`) appear.
 * - `stats` is `{"task-stats": null, "node-stats": null}` for a task that is not executing
 *   (Kapacitor's zero ExecutionStats); in a list it is `null`. While executing, node-stats
 *   maps each node to its counters.
 * - Int vars are JSON integers (bigint), durations integer ns, times RFC3339Nano with Go's
 *   zero time for "never".
 */
import { ErrorCodes, TickdError } from "../../core/errors.js";
import { formatRFC3339Nano, parseTickDuration } from "../../core/go-format.js";
import type { TaskVar } from "../../pipeline/check.js";
import type { Dbrp } from "../../pipeline/task-graph.js";
import { seriesJson } from "../../alert/alert-json.js";
import type { HttpOutResult } from "../../engine/nodes/http-out-node.js";
import { StoreErrorCodes } from "../../store/errors.js";
import type { TaskInput, TaskService, TaskView } from "../task-service.js";
import { decodeSegment, HttpError, JsonBodyError, type RequestContext } from "./request-context.js";
import { timeFromMs } from "../../core/time.js";

export const TASKS_PATH = "/kapacitor/v1/tasks";
const ZERO_TIME = "0001-01-01T00:00:00Z";
const VAR_TYPES = new Set(["bool", "int", "float", "string", "regex", "duration", "lambda", "list", "star"]);
const ALL_FIELDS = [
  "link",
  "id",
  "type",
  "dbrps",
  "script",
  "dot",
  "status",
  "executing",
  "error",
  "stats",
  "created",
  "modified",
  "last-enabled",
  "vars",
] as const;

export function goTime(ns: number | bigint): string {
  if (typeof ns === "bigint") return ns === 0n ? ZERO_TIME : formatRFC3339Nano(ns);
  // A float64 ns count is a wall-clock time taken in ms (task created/modified): print the ms.
  return ns === 0 ? ZERO_TIME : formatRFC3339Nano(timeFromMs(ns / 1e6));
}

function taskLink(id: string): { rel: string; href: string } {
  return { rel: "self", href: `${TASKS_PATH}/${id}` };
}

function toBigInt(v: unknown): unknown {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  return v;
}

function varValue(v: TaskVar): unknown {
  switch (v.type) {
    case "int":
      return toBigInt(v.value);
    case "float":
      return typeof v.value === "bigint" ? Number(v.value) : v.value;
    case "duration":
      if (typeof v.value === "string") {
        try {
          return BigInt(Math.trunc(parseTickDuration(v.value)));
        } catch {
          return v.value;
        }
      }
      return typeof v.value === "number" ? BigInt(Math.trunc(v.value)) : v.value;
    case "list":
      return Array.isArray(v.value) ? (v.value as TaskVar[]).map(varJson) : [];
    case "star":
      return null;
    default:
      return v.value;
  }
}

export function varJson(v: TaskVar): Record<string, unknown> {
  return { type: v.type, value: varValue(v), description: v.description ?? "" };
}

function varsJson(vars: Record<string, TaskVar>): Map<string, unknown> {
  return new Map(Object.entries(vars).map(([k, v]) => [k, varJson(v)]));
}

function dbrpsJson(dbrps: readonly Dbrp[]): { db: string; rp: string }[] {
  return dbrps.map((d) => ({ db: d.db, rp: d.rp }));
}

/**
 * Kapacitor's ExecutionStats: `task-stats` {throughput (float)}, `node-stats` per node its stat
 * vars (every one an integer: counts, working_cardinality, avg_exec_time_ns) plus collected and
 * emitted. Both are Go maps, so their keys come out sorted.
 */
function executingStats(t: TaskView): Record<string, unknown> {
  return {
    "task-stats": new Map<string, unknown>([["throughput", t.throughput]]),
    "node-stats": new Map(
      t.nodeStats.map((n) => [
        n.name,
        new Map<string, unknown>([
          ["avg_exec_time_ns", BigInt(Math.trunc(n.avgExecTimeNs))],
          ["collected", BigInt(n.collected)],
          ["emitted", BigInt(n.emitted)],
          ["errors", BigInt(n.errors)],
          ["working_cardinality", BigInt(n.workingCardinality)],
          ...Object.entries(n.extra).map(([k, v]): [string, unknown] => [k, BigInt(Math.trunc(v))]),
        ]),
      ]),
    ),
  };
}

/**
 * An httpOut answer as Kapacitor's models.Result: `{"series":null}` before any data, each row
 * a models.Row (`tags` left out when empty, times as RFC3339Nano strings), compact.
 */
export function httpOutJson(r: HttpOutResult): { series: Record<string, unknown>[] | null } {
  return { series: r.series === null ? null : r.series.map(seriesJson) };
}

/** What `dot-view` asks for: the figures as node attributes (default) or as labels. */
export interface TaskJsonOptions {
  dotView?: "attributes" | "labels";
}

function dotOf(t: TaskView, opts: TaskJsonOptions): string {
  return opts.dotView === "labels" ? t.dotLabels : t.dot;
}

/** Kapacitor's client.Task, key for key. */
export function taskJson(t: TaskView, opts: TaskJsonOptions = {}): Record<string, unknown> {
  return {
    link: taskLink(t.id),
    id: t.id,
    "template-id": t.templateId,
    type: t.type,
    dbrps: dbrpsJson(t.dbrps),
    script: t.script,
    vars: varsJson(t.vars),
    dot: dotOf(t, opts),
    status: t.status,
    executing: t.executing,
    error: t.error,
    stats: t.executing ? executingStats(t) : { "task-stats": null, "node-stats": null },
    created: goTime(t.created),
    modified: goTime(t.modified),
    "last-enabled": goTime(t.lastEnabled),
  };
}

function fieldValue(t: TaskView, field: string, opts: TaskJsonOptions): unknown {
  switch (field) {
    case "link":
      return taskLink(t.id);
    case "id":
      return t.id;
    case "template-id":
      return t.templateId;
    case "type":
      return t.type;
    case "dbrps":
      return dbrpsJson(t.dbrps);
    case "script":
      return t.script;
    case "dot":
      return dotOf(t, opts);
    case "status":
      return t.status;
    case "executing":
      return t.executing;
    case "error":
      return t.error;
    case "stats":
      return t.executing ? executingStats(t) : null;
    case "created":
      return goTime(t.created);
    case "modified":
      return goTime(t.modified);
    case "last-enabled":
      return goTime(t.lastEnabled);
    case "vars":
      return varsJson(t.vars);
    default:
      throw new HttpError(400, `unsupported field ${JSON.stringify(field)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Request bodies

function invalidJson(reason: string): HttpError {
  return new HttpError(400, `invalid JSON: ${reason}`);
}

function optString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalidJson(`"${key}" must be a string`);
  return v === "" ? undefined : v;
}

function decodeVar(name: string, raw: unknown): TaskVar {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw invalidJson(`var ${name} must be an object with "type" and "value"`);
  }
  const o = raw as Record<string, unknown>;
  const type = o["type"];
  if (typeof type !== "string" || !VAR_TYPES.has(type)) {
    throw invalidJson(`unknown var type ${JSON.stringify(type ?? null)} for var ${name}`);
  }
  const desc = o["description"];
  if (desc !== undefined && desc !== null && typeof desc !== "string") {
    throw invalidJson(`var ${name}: "description" must be a string`);
  }
  const value = o["value"];
  const bad = (what: string): HttpError => new HttpError(400, `invalid var ${name}: expected ${what} value`);
  let v: unknown;
  switch (type) {
    case "bool":
      if (typeof value !== "boolean") throw bad("bool");
      v = value;
      break;
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value)) throw bad("int");
      v = BigInt(value);
      break;
    case "float":
      if (typeof value !== "number") throw bad("float");
      v = value;
      break;
    case "duration":
      if (typeof value === "number" && Number.isInteger(value)) v = value;
      else if (typeof value === "string") {
        try {
          v = parseTickDuration(value);
        } catch (e) {
          throw new HttpError(400, `invalid var ${name}: ${(e as Error).message}`);
        }
      } else throw bad("int or string duration");
      break;
    case "string":
    case "regex":
    case "lambda":
      if (typeof value !== "string") throw bad(type);
      v = value;
      break;
    case "list":
      if (!Array.isArray(value)) throw bad("list");
      v = value.map((item, i) => decodeVar(`${name}[${i}]`, item));
      break;
    case "star":
      v = null;
      break;
  }
  const out: TaskVar = { type: type as TaskVar["type"], value: v };
  if (typeof desc === "string" && desc !== "") out.description = desc;
  return out;
}

function decodeTaskInput(body: unknown): TaskInput {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidJson("expected a JSON object");
  }
  const o = body as Record<string, unknown>;
  const input: TaskInput = {};
  const id = optString(o, "id");
  if (id !== undefined) input.id = id;
  const templateId = optString(o, "template-id");
  if (templateId !== undefined) input.templateId = templateId;
  const type = optString(o, "type");
  if (type !== undefined) {
    if (type !== "stream" && type !== "batch") throw invalidJson(`unknown task type ${JSON.stringify(type)}`);
    input.type = type;
  }
  const status = optString(o, "status");
  if (status !== undefined) {
    if (status !== "enabled" && status !== "disabled") {
      throw invalidJson(`unknown task status ${JSON.stringify(status)}`);
    }
    input.status = status;
  }
  const script = optString(o, "script");
  if (script !== undefined) input.script = script;
  const dbrps = o["dbrps"];
  if (dbrps !== undefined && dbrps !== null) {
    if (!Array.isArray(dbrps)) throw invalidJson(`"dbrps" must be a list of {"db","rp"}`);
    const list = dbrps.map((d): Dbrp => {
      if (typeof d !== "object" || d === null) throw invalidJson(`"dbrps" must be a list of {"db","rp"}`);
      const { db, rp } = d as Record<string, unknown>;
      if ((db !== undefined && typeof db !== "string") || (rp !== undefined && typeof rp !== "string")) {
        throw invalidJson(`"db" and "rp" must be strings`);
      }
      return { db: db ?? "", rp: rp ?? "" };
    });
    if (list.length > 0) input.dbrps = list;
  }
  const vars = o["vars"];
  if (vars !== undefined && vars !== null) {
    if (typeof vars !== "object" || Array.isArray(vars)) throw invalidJson(`"vars" must be an object`);
    const entries = Object.entries(vars as Record<string, unknown>);
    if (entries.length > 0) input.vars = Object.fromEntries(entries.map(([k, v]) => [k, decodeVar(k, v)]));
  }
  return input;
}

async function readTaskInput(ctx: RequestContext): Promise<TaskInput> {
  let body: unknown;
  try {
    body = await ctx.readJson();
  } catch (e) {
    if (e instanceof JsonBodyError) throw invalidJson(e.reason);
    throw e;
  }
  return decodeTaskInput(body);
}

/** TaskService errors → Kapacitor's statuses. */
function taskError(e: unknown): unknown {
  if (e instanceof TickdError) {
    if (e.code === "E_TASK_INVALID") return new HttpError(400, e.message);
    if (e.code === "E_TASK_UNKNOWN") return new HttpError(404, e.message);
    if (
      e.code === ErrorCodes.TICK_PARSE ||
      e.code === ErrorCodes.TICK_LEX ||
      e.code === ErrorCodes.TICK_CHECK
    ) {
      return new HttpError(400, e.message);
    }
  }
  return e;
}

function parseIntParam(ctx: RequestContext, name: string, dflt: number): number {
  const s = ctx.query.get(name) ?? "";
  if (s === "") return dflt;
  if (!/^[+-]?[0-9]+$/.test(s) || !Number.isSafeInteger(Number(s))) {
    throw new HttpError(
      400,
      `invalid ${name} parameter ${JSON.stringify(s)} must be an integer: strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`,
    );
  }
  return Number(s);
}

function checkViewParams(ctx: RequestContext): TaskJsonOptions {
  const scriptFormat = ctx.query.get("script-format") ?? "";
  if (scriptFormat !== "" && scriptFormat !== "formatted" && scriptFormat !== "raw") {
    throw new HttpError(400, `invalid script-format parameter ${JSON.stringify(scriptFormat)}`);
  }
  const dotView = ctx.query.get("dot-view") ?? "";
  if (dotView !== "" && dotView !== "attributes" && dotView !== "labels") {
    throw new HttpError(400, `invalid dot-view parameter ${JSON.stringify(dotView)}`);
  }
  return dotView === "labels" ? { dotView: "labels" } : {};
}

// ---------------------------------------------------------------------------------------------
// Routes

/** Handles the request when its path is under /kapacitor/v1/tasks; false when it is not ours. */
export async function serveTasks(ctx: RequestContext, tasks: TaskService): Promise<boolean> {
  if (ctx.path === TASKS_PATH) {
    if (ctx.method === "GET") listTasks(ctx, tasks);
    else if (ctx.method === "POST") {
      const input = await readTaskInput(ctx);
      let view: TaskView;
      try {
        view = await tasks.define(input);
      } catch (e) {
        throw taskError(e);
      }
      ctx.json(200, taskJson(view));
    } else return false;
    return true;
  }
  if (!ctx.path.startsWith(TASKS_PATH + "/")) return false;
  const rest = ctx.path.slice(TASKS_PATH.length + 1);
  const method = ctx.method;
  if (method !== "GET" && method !== "PATCH" && method !== "DELETE") return false;
  if (rest === "") throw new HttpError(400, "must specify task id on path");

  const slash = rest.indexOf("/");
  if (slash >= 0) {
    // `|httpOut('name')` results live at /tasks/<id>/<name>.
    if (method !== "GET") return false;
    const id = decodeSegment(rest.slice(0, slash));
    const name = decodeSegment(rest.slice(slash + 1));
    const result = tasks.httpOut(id, name);
    if (result === undefined) {
      throw new HttpError(
        404,
        tasks.get(id) === undefined
          ? "no task exists"
          : `task ${id} has no httpOut endpoint ${JSON.stringify(name)}`,
      );
    }
    ctx.json(200, httpOutJson(result), { pretty: false });
    return true;
  }

  const id = decodeSegment(rest);
  switch (method) {
    case "GET": {
      const view = tasks.get(id);
      if (view === undefined) throw new HttpError(404, "no task exists");
      ctx.json(200, taskJson(view, checkViewParams(ctx)));
      return true;
    }
    case "PATCH": {
      const input = await readTaskInput(ctx);
      let view: TaskView;
      try {
        view = await tasks.update(id, input);
      } catch (e) {
        throw taskError(e);
      }
      ctx.json(200, taskJson(view));
      return true;
    }
    default:
      await tasks.delete(id);
      ctx.noContent();
      return true;
  }
}

function listTasks(ctx: RequestContext, tasks: TaskService): void {
  const requested = ctx.query.getAll("fields").filter((f) => f !== "");
  const fields = requested.length === 0 ? [...ALL_FIELDS] : [...new Set([...requested, "id", "link"])];
  const opts = checkViewParams(ctx);
  const offset = parseIntParam(ctx, "offset", 0);
  const limit = parseIntParam(ctx, "limit", 100);
  const pattern = ctx.query.get("pattern") ?? "";
  let views: TaskView[];
  try {
    views = tasks.list({ pattern, offset, limit });
  } catch (e) {
    if (e instanceof TickdError && (e.code === StoreErrorCodes.PATTERN || e.code === StoreErrorCodes.VALUE)) {
      throw new HttpError(400, `failed to list tasks with pattern ${JSON.stringify(pattern)}: ${e.message}`);
    }
    throw e;
  }
  const list = views.map((t) => new Map(fields.map((f) => [f, fieldValue(t, f, opts)])));
  ctx.json(200, { tasks: list });
}
