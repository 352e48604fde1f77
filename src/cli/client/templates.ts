/**
 * Template commands of tickctl, as the `kapacitor` CLI runs them against
 * /kapacitor/v1/templates: define-template (create, or update the template and with it every
 * task made from it), list templates, show-template, delete templates.
 */
import { readFile } from "node:fs/promises";
import { coerceError } from "../../core/errors.js";
import { compareGoStrings } from "../../core/go-format.js";
import { readErrorReason } from "../read-error.js";
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
import { columnWidth, formatRfc822, formatVarValue, padRight, println } from "./format.js";

const TEMPLATES = "/kapacitor/v1/templates";
const PAGE = 100;

interface Template {
  id: string;
  type?: string;
  script?: string;
  vars?: Record<string, { type?: string; value?: unknown; description?: string }>;
  dot?: string;
  error?: string;
  created?: string;
  modified?: string;
}

/** `tickctl define-template <id> -tick f [-type stream|batch]`. */
export function runDefineTemplate(
  id: string,
  o: { tick?: string; type?: string },
  opts: ClientOptions,
): Promise<number> {
  return runClient(opts, async (api) => {
    if (o.type !== undefined && o.type !== "stream" && o.type !== "batch") {
      throw new UsageError(`invalid -type ${JSON.stringify(o.type)}: expected stream or batch`);
    }
    let script: string | undefined;
    if (o.tick !== undefined) {
      try {
        script = await readFile(o.tick, "utf8");
      } catch (e) {
        throw new UsageError(`cannot read TICKscript ${o.tick}: ${readErrorReason(e)}`);
      }
    }
    const fields: Record<string, unknown> = {};
    if (o.type !== undefined) fields["type"] = o.type;
    if (script !== undefined) fields["script"] = script;
    const path = `${TEMPLATES}/${seg(id)}`;
    const existing = await api.get(path, [404]);
    if (existing.status === 404) {
      if (script === undefined) {
        throw new UsageError(`template ${JSON.stringify(id)} does not exist: give -tick to create it`);
      }
      await api.request("POST", TEMPLATES, { id, ...fields });
      return 0;
    }
    await api.request("PATCH", path, fields);
    return 0;
  });
}

function listTemplates(api: ApiClient, pattern: string, fields: readonly string[]): Promise<Template[]> {
  return listAllPages<Template>(api, TEMPLATES, "templates", pattern, fields, PAGE);
}

/** `tickctl list templates [pattern…]`: ID, Type and the names of its Vars, sorted by id. */
export function runListTemplates(patterns: readonly string[], opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const fields = opts.json
      ? ["type", "script", "vars", "dot", "error", "created", "modified"]
      : ["type", "vars"];
    const byId = new Map<string, Template>();
    for (const pattern of patterns.length > 0 ? patterns : [""]) {
      for (const t of await listTemplates(api, pattern, fields)) byId.set(t.id, t);
    }
    const list = [...byId.values()].sort((a, b) => compareGoStrings(a.id, b.id));
    if (opts.json) {
      printJson(opts, { templates: list });
      return 0;
    }
    const idWidth = columnWidth(
      list.map((t) => t.id),
      2,
    );
    const row = (id: string, type: string, vars: string): string =>
      `${padRight(id, idWidth)}${padRight(type, 10)}${vars}\n`;
    let text = row("ID", "Type", "Vars");
    for (const t of list)
      text += row(
        t.id,
        t.type ?? "",
        Object.keys(t.vars ?? {})
          .sort(compareGoStrings)
          .join(","),
      );
    opts.out(text);
    return 0;
  });
}

/** `tickctl show-template <id>`: the template as `kapacitor show-template` prints it. */
export function runShowTemplate(id: string, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const res = await api.get(`${TEMPLATES}/${seg(id)}?script-format=formatted`);
    const t = res.body as Template;
    if (opts.json) {
      printJson(opts, t);
      return 0;
    }
    let text =
      println("ID:", t.id) +
      println("Error:", t.error ?? "") +
      println("Type:", t.type ?? "") +
      println("Created:", formatRfc822(t.created)) +
      println("Modified:", formatRfc822(t.modified)) +
      `TICKscript:\n${t.script ?? ""}\n`;
    const names = Object.keys(t.vars ?? {}).sort(compareGoStrings);
    if (names.length > 0) {
      const line = (name: string, type: string, value: string, desc: string): string =>
        `${padRight(name, 30)}${padRight(type, 10)}${padRight(value, 40)}${desc}\n`;
      text += "\nVars:\n" + line("Name", "Type", "Default Value", "Description");
      for (const name of names) {
        const v = t.vars?.[name];
        const value =
          v?.value === null || v?.value === undefined ? "<required>" : formatVarValue(v.type, v.value);
        text += line(name, v?.type ?? "", value, v?.description ?? "");
      }
    }
    text += `DOT:\n${t.dot ?? ""}\n`;
    opts.out(text);
    return 0;
  });
}

/** `tickctl delete templates <id|glob>…`: DELETE each (a missing one is not an error). */
export function runDeleteTemplates(ids: readonly string[], opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    let code = 0;
    for (const arg of ids) {
      const list = isGlob(arg) ? (await listTemplates(api, arg, ["link"])).map((t) => t.id) : [arg];
      for (const id of list) {
        try {
          await api.request("DELETE", `${TEMPLATES}/${seg(id)}`, undefined, [404]);
        } catch (e) {
          if (e instanceof UnreachableError) throw e;
          opts.err(`tickctl: deleting template ${id}: ${coerceError(e).message}\n`);
          code = 1;
        }
      }
    }
    return code;
  });
}
