/**
 * `/kapacitor/v1/templates`: Kapacitor's template JSON (client.Template) and its CRUD routes,
 * served as an extra route by the daemon. A template is a Go struct (fixed key order: link,
 * id, type, script, vars, dot, error, created, modified); a list entry is a Go map (sorted keys,
 * only the asked `fields` plus `id` and `link`; `vars` only when asked, as Kapacitor).
 *
 * `vars` are the script's declared vars: `{type, value, description}` with the declared
 * default (null for a typed declaration such as `var period duration`) and the `//` comment
 * just above the declaration as the description.
 */
import { TickdError } from "../../core/errors.js";
import type { TaskVar } from "../../pipeline/check.js";
import type { ArgValue } from "../../pipeline/task-graph.js";
import { StoreErrorCodes } from "../../store/errors.js";
import type { TemplateApi, TemplateInput, TemplateView } from "../template-service.js";
import { decodeSegment, HttpError, JsonBodyError, type RequestContext } from "./request-context.js";
import { goTime, varJson } from "./task-routes.js";
import type { ExtraRoute } from "./types.js";

export const TEMPLATES_PATH = "/kapacitor/v1/templates";
const DEFAULT_FIELDS = ["link", "id", "type", "script", "dot", "error", "created", "modified"];
const ALL_FIELDS = new Set([...DEFAULT_FIELDS, "vars"]);

function link(id: string): { rel: string; href: string } {
  return { rel: "self", href: `${TEMPLATES_PATH}/${id}` };
}

/** A declared value as a task var would carry it. */
function argVar(v: ArgValue, script: string): TaskVar | undefined {
  switch (v.type) {
    case "int":
    case "float":
    case "bool":
    case "string":
      return { type: v.type, value: v.value };
    case "duration":
      return { type: "duration", value: v.ns };
    case "regex":
      return { type: "regex", value: v.pattern };
    case "star":
      return { type: "star", value: null };
    case "lambda":
      return {
        type: "lambda",
        value: script.slice(v.span.start.offset, v.span.end.offset).replace(/^lambda:\s*/, ""),
      };
    case "list": {
      const items = v.items.map((i) => argVar(i, script)).filter((i): i is TaskVar => i !== undefined);
      return { type: "list", value: items };
    }
    default:
      return undefined;
  }
}

function varsJson(t: TemplateView): Map<string, unknown> {
  const byLine = new Map(t.comments.map((c) => [c.line, c.text]));
  const entries: [string, unknown][] = t.vars.map((dv) => {
    // The comment block ending on the line above the declaration.
    const lines: string[] = [];
    for (let l = dv.line - 1; byLine.has(l); l--) lines.unshift(byLine.get(l) ?? "");
    const description = lines.join("\n").trim();
    const tv = dv.value !== undefined ? argVar(dv.value, t.script) : undefined;
    const json = tv !== undefined ? varJson(tv) : { type: dv.type, value: null, description: "" };
    return [dv.name, { ...json, description }];
  });
  return new Map(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function templateJson(t: TemplateView): Record<string, unknown> {
  return {
    link: link(t.id),
    id: t.id,
    type: t.type,
    script: t.script,
    vars: varsJson(t),
    dot: t.dot,
    error: t.error,
    created: goTime(t.created),
    modified: goTime(t.modified),
  };
}

function field(t: TemplateView, f: string): unknown {
  const all = templateJson(t);
  return all[f];
}

function badJson(reason: string): HttpError {
  return new HttpError(400, `invalid JSON: ${reason}`);
}

async function readInput(ctx: RequestContext): Promise<TemplateInput> {
  let body: unknown;
  try {
    body = await ctx.readJson();
  } catch (e) {
    if (e instanceof JsonBodyError) throw badJson(e.reason);
    throw e;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw badJson("expected a JSON object");
  const o = body as Record<string, unknown>;
  const out: TemplateInput = {};
  for (const k of ["id", "type", "script"] as const) {
    const v = o[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string") throw badJson(`"${k}" must be a string`);
    if (k === "type") {
      if (v === "") continue;
      if (v !== "stream" && v !== "batch") throw badJson(`unknown task type ${JSON.stringify(v)}`);
      out.type = v;
    } else out[k] = v;
  }
  return out;
}

function serviceError(e: unknown): unknown {
  if (e instanceof TickdError) {
    if (e.code === "E_TASK_INVALID") return new HttpError(400, e.message);
    if (e.code === "E_TASK_UNKNOWN") return new HttpError(404, e.message);
    if (e.code === "E_TEMPLATE_TASK") return new HttpError(500, e.message);
  }
  return e;
}

function intParam(ctx: RequestContext, name: string, dflt: number): number {
  const s = ctx.query.get(name) ?? "";
  if (s === "") return dflt;
  if (!/^[+-]?[0-9]+$/.test(s)) {
    throw new HttpError(
      400,
      `invalid ${name} parameter ${JSON.stringify(s)} must be an integer: strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`,
    );
  }
  return Number(s);
}

async function serve(ctx: RequestContext, templates: TemplateApi): Promise<void> {
  const format = ctx.query.get("script-format") ?? "";
  if (format !== "" && format !== "formatted" && format !== "raw")
    throw new HttpError(400, `invalid script-format parameter ${JSON.stringify(format)}`);
  if (ctx.path === TEMPLATES_PATH) {
    if (ctx.method === "POST") {
      const input = await readInput(ctx);
      try {
        ctx.json(200, templateJson(await templates.define(input)));
      } catch (e) {
        throw serviceError(e);
      }
      return;
    }
    if (ctx.method !== "GET") throw new HttpError(405, `method ${ctx.method} not allowed`);
    const asked = ctx.query.getAll("fields").filter((f) => f !== "");
    const fields = asked.length === 0 ? DEFAULT_FIELDS : [...new Set([...asked, "id", "link"])];
    for (const f of fields)
      if (!ALL_FIELDS.has(f)) throw new HttpError(400, `unsupported field ${JSON.stringify(f)}`);
    const pattern = ctx.query.get("pattern") ?? "";
    let list: TemplateView[];
    try {
      list = templates.list({
        pattern,
        offset: intParam(ctx, "offset", 0),
        limit: intParam(ctx, "limit", 100),
      });
    } catch (e) {
      if (e instanceof TickdError && (e.code === StoreErrorCodes.PATTERN || e.code === StoreErrorCodes.VALUE))
        throw new HttpError(
          400,
          `failed to list templates with pattern ${JSON.stringify(pattern)}: ${e.message}`,
        );
      throw e;
    }
    const entries = list.map((t) => new Map([...fields].sort().map((f) => [f, field(t, f)])));
    ctx.json(200, { templates: entries });
    return;
  }
  const id = decodeSegment(ctx.path.slice(TEMPLATES_PATH.length + 1));
  if (id === "") throw new HttpError(400, "must specify template id on path");
  switch (ctx.method) {
    case "GET": {
      const t = templates.get(id);
      if (t === undefined) throw new HttpError(404, "no template exists");
      ctx.json(200, templateJson(templates.view(t)));
      return;
    }
    case "PATCH": {
      const input = await readInput(ctx);
      try {
        ctx.json(200, templateJson(await templates.update(id, input)));
      } catch (e) {
        throw serviceError(e);
      }
      return;
    }
    case "DELETE":
      await templates.delete(id);
      ctx.noContent();
      return;
    default:
      throw new HttpError(405, `method ${ctx.method} not allowed`);
  }
}

export function templateRoutes(templates: TemplateApi): ExtraRoute[] {
  return [
    {
      method: ["GET", "POST", "PATCH", "DELETE"],
      path: `${TEMPLATES_PATH}/*`,
      handle: (ctx) => serve(ctx, templates),
    },
  ];
}
