/**
 * Config overrides, Kapacitor's `/kapacitor/v1/config` (client/API.md "Configuration"): values
 * set through the API that take precedence over the config file and the environment, kept in
 * SQLite, applied at once, and re-applied on every reload and restart. This is how Chronograf
 * configures VictorOps, Slack or an HTTP endpoint.
 *
 * Only sections the daemon applies while running (reload.ts LIVE_SECTIONS) can be overridden:
 * the others are read once at start, so an override there would silently do nothing.
 *
 * Everything here is pure: the caller loads, stores and applies.
 */
import { formatGoDuration } from "../core/go-format.js";
import { LIVE_SECTIONS } from "./reload.js";
import { camelCase, isSecretKey, SECRET_KEYS, SECTIONS, unwrap, type SectionSpec } from "./schema.js";
import type { TickdConfig } from "./types.js";

type Table = Record<string, unknown>;

/** One array section's overrides: changed elements by name, and elements the API added. */
export interface ArrayOverride {
  set: Record<string, Table>;
  added: Record<string, Table>;
}

/** Per section (TOML name): a table section's overridden keys, or an array section's changes. */
export type ConfigOverrides = Record<string, Table | ArrayOverride>;

/** POST body (client/API.md): any of these, combined. */
export interface OverrideRequest {
  set?: Table;
  delete?: string[];
  add?: Table;
  remove?: string[];
}

/** A request that cannot be applied; `status` is Kapacitor's (403 not overridable, 404 unknown, 400 bad). */
export class OverrideError extends Error {
  constructor(
    readonly status: 400 | 403 | 404,
    message: string,
  ) {
    super(message);
    this.name = "OverrideError";
  }
}

const isTable = (v: unknown): v is Table => typeof v === "object" && v !== null && !Array.isArray(v);
const SECRETS = new Set(SECRET_KEYS);

export function overridableSections(): SectionSpec[] {
  return SECTIONS.filter((s) => LIVE_SECTIONS.includes(s.name));
}

export function sectionSpec(name: string): SectionSpec {
  const spec = SECTIONS.find((s) => s.name === name);
  if (spec === undefined) throw new OverrideError(404, `unknown section ${JSON.stringify(name)}`);
  if (!LIVE_SECTIONS.includes(name)) {
    throw new OverrideError(
      403,
      `section ${JSON.stringify(name)} cannot be overridden: it is read only at start (edit the config file and restart)`,
    );
  }
  return spec;
}

/** The key naming an element of an array section (`[[httppost]] endpoint`, `[[kafka]] id`, …). */
export function elementKey(spec: SectionSpec): string {
  for (const k of ["name", "id", "endpoint", "workspace"]) if (k in spec.shape) return k;
  throw new Error(`section ${spec.name} has no element key`);
}

/**
 * Applies overrides to the raw (TOML-spelled) config table, before it is validated. Returns
 * the dotted paths it set (`victorops.url`, `httppost.1.headers`), so a problem with one of
 * them can be blamed on the override rather than on the file.
 */
export function applyOverrides(raw: Table, overrides: ConfigOverrides): Set<string> {
  const paths = new Set<string>();
  for (const [name, o] of Object.entries(overrides)) {
    const spec = SECTIONS.find((s) => s.name === name);
    if (spec === undefined) continue;
    if (spec.kind === "table") {
      const base = isTable(raw[name]) ? (raw[name] as Table) : {};
      raw[name] = { ...base, ...(o as Table) };
      for (const k of Object.keys(o)) paths.add(`${name}.${k}`);
      continue;
    }
    const ao = o as ArrayOverride;
    const key = elementKey(spec);
    const list = Array.isArray(raw[name]) ? (raw[name] as unknown[]).filter(isTable) : [];
    const merged = list.map((el, i) => {
      const set = ao.set[String(el[key] ?? "")];
      for (const k of Object.keys(set ?? {})) paths.add(`${name}.${i}.${k}`);
      return set === undefined ? el : { ...el, ...set };
    });
    for (const [elName, el] of Object.entries(ao.added)) {
      const full = { ...el, ...(ao.set[elName] ?? {}), [key]: elName };
      for (const k of Object.keys(full)) paths.add(`${name}.${merged.length}.${k}`);
      merged.push(full);
    }
    raw[name] = merged;
  }
  return paths;
}

/**
 * The overrides after one POST to `/kapacitor/v1/config/<section>[/<element>]`. `existing`
 * lists the element names the section has now (file and added); secrets sent back as `true`
 * or "<redacted>" (what GET shows) keep their value.
 */
export function updateOverrides(
  current: ConfigOverrides,
  section: string,
  element: string | undefined,
  body: unknown,
  existing: readonly string[],
): ConfigOverrides {
  const spec = sectionSpec(section);
  if (!isTable(body)) throw new OverrideError(400, "expected a JSON object with set, delete, add or remove");
  const req = body as OverrideRequest;
  for (const k of Object.keys(req)) {
    if (!["set", "delete", "add", "remove"].includes(k))
      throw new OverrideError(400, `unknown action ${JSON.stringify(k)}: use set, delete, add or remove`);
  }
  const checkKeys = (keys: Iterable<string>): void => {
    for (const k of keys) {
      if (!(k in spec.shape))
        throw new OverrideError(400, `unknown option ${JSON.stringify(k)} in section ${section}`);
    }
  };
  const keepSecrets = (t: Table): Table =>
    Object.fromEntries(
      Object.entries(t).filter(([k, v]) => !(isSecretKey(section, k) && (v === true || v === "<redacted>"))),
    );
  const next: ConfigOverrides = structuredClone(current);

  if (spec.kind === "table") {
    if (element !== undefined && element !== "")
      throw new OverrideError(404, `section ${section} has no element ${JSON.stringify(element)}`);
    if (req.add !== undefined || req.remove !== undefined)
      throw new OverrideError(400, `section ${section} is not a list: use set or delete`);
    const o = { ...((next[section] as Table | undefined) ?? {}) };
    if (req.set !== undefined) {
      if (!isTable(req.set)) throw new OverrideError(400, "set: expected an object of options");
      checkKeys(Object.keys(req.set));
      Object.assign(o, keepSecrets(req.set));
    }
    for (const k of deleteList(req.delete)) {
      checkKeys([k]);
      delete o[k];
    }
    if (Object.keys(o).length === 0) delete next[section];
    else next[section] = o;
    return next;
  }

  const key = elementKey(spec);
  const ao: ArrayOverride = (next[section] as ArrayOverride | undefined) ?? { set: {}, added: {} };
  // `/config/slack/` names the element whose key is "" (a lone [[slack]] with no workspace,
  // as Kapacitor links it); with no such element it means the section, as `/config/slack` does.
  if (element === undefined || (element === "" && !existing.includes(""))) {
    if (req.set !== undefined || req.delete !== undefined)
      throw new OverrideError(
        400,
        `section ${section} is a list: name the element (/config/${section}/<${key}>)`,
      );
    if (req.add !== undefined) {
      if (!isTable(req.add)) throw new OverrideError(400, "add: expected an object of options");
      const name = req.add[key];
      if (typeof name !== "string" || name === "")
        throw new OverrideError(400, `add: expected the element's ${JSON.stringify(key)}`);
      if (existing.includes(name))
        throw new OverrideError(400, `section ${section} already has an element ${JSON.stringify(name)}`);
      checkKeys(Object.keys(req.add));
      ao.added[name] = { ...req.add };
    }
    for (const name of deleteList(req.remove, "remove")) {
      if (!(name in ao.added)) {
        throw new OverrideError(
          400,
          existing.includes(name)
            ? `element ${JSON.stringify(name)} of ${section} comes from the config file: only added elements can be removed`
            : `section ${section} has no added element ${JSON.stringify(name)}`,
        );
      }
      delete ao.added[name];
      delete ao.set[name];
    }
  } else {
    if (req.add !== undefined || req.remove !== undefined)
      throw new OverrideError(
        400,
        `add and remove apply to the section (/config/${section}), not to an element`,
      );
    if (!existing.includes(element))
      throw new OverrideError(404, `section ${section} has no element ${JSON.stringify(element)}`);
    const o = { ...(ao.set[element] ?? {}) };
    if (req.set !== undefined) {
      if (!isTable(req.set)) throw new OverrideError(400, "set: expected an object of options");
      checkKeys(Object.keys(req.set));
      if (key in req.set && req.set[key] !== element)
        throw new OverrideError(400, `cannot change an element's ${key}`);
      Object.assign(o, keepSecrets(req.set));
    }
    for (const k of deleteList(req.delete)) {
      checkKeys([k]);
      delete o[k];
    }
    if (Object.keys(o).length === 0) delete ao.set[element];
    else ao.set[element] = o;
  }
  if (Object.keys(ao.set).length === 0 && Object.keys(ao.added).length === 0) delete next[section];
  else next[section] = ao;
  return next;
}

function deleteList(v: unknown, what = "delete"): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string"))
    throw new OverrideError(400, `${what}: expected a list of names`);
  return v as string[];
}

export interface ConfigElement {
  link: { rel: "self"; href: string };
  options: Table;
  redacted: string[];
}

export interface ConfigSection {
  link: { rel: "self"; href: string };
  elements: ConfigElement[];
}

const BASE = "/kapacitor/v1/config";

/** GET view of one section from the running config: TOML key names, durations as "10s", secrets as `true`/`false`. */
export function renderSection(config: TickdConfig, spec: SectionSpec): ConfigSection {
  const value = (config as unknown as Table)[camelCase(spec.name)];
  const elements: ConfigElement[] = [];
  if (spec.kind === "table") elements.push(renderElement(spec, value as Table, ""));
  else {
    const key = elementKey(spec);
    for (const el of (value as Table[] | undefined) ?? []) {
      elements.push(renderElement(spec, el, String(el[camelCase(key)])));
    }
  }
  return { link: { rel: "self", href: `${BASE}/${spec.name}` }, elements };
}

export function elementNames(config: TickdConfig, spec: SectionSpec): string[] {
  if (spec.kind === "table") return [""];
  const key = camelCase(elementKey(spec));
  const list = (config as unknown as Table)[camelCase(spec.name)] as Table[] | undefined;
  return (list ?? []).map((el) => String(el[key]));
}

function renderElement(spec: SectionSpec, el: Table, name: string): ConfigElement {
  const options: Table = {};
  const redacted: string[] = [];
  for (const [k, schema] of Object.entries(spec.shape)) {
    const v = el[camelCase(k)];
    if (isSecretKey(spec.name, k)) {
      options[k] = typeof v === "string" && v !== "";
      redacted.push(k);
    } else if (isDuration(schema) && typeof v === "number") options[k] = formatGoDuration(v);
    else options[k] = redactNested(k, v, redacted);
  }
  return {
    link: { rel: "self", href: `${BASE}/${spec.name}/${encodeURIComponent(name)}` },
    options,
    redacted,
  };
}

/** Nested secrets (`basic-auth.password`) become booleans too; credential headers are hidden. */
function redactNested(key: string, v: unknown, redacted: string[]): unknown {
  if (!isTable(v)) return v;
  const out: Table = {};
  for (const [k, x] of Object.entries(v)) {
    if (key === "headers" && /authorization|token|secret|password|api[-_]?key|signature|cookie/i.test(k)) {
      out[k] = typeof x === "string" && x !== "";
      redacted.push(`${key}.${k}`);
    } else if (SECRETS.has(k)) {
      out[k] = typeof x === "string" && x !== "";
      redacted.push(`${key}.${k}`);
    } else out[k] = x;
  }
  return out;
}

function isDuration(schema: unknown): boolean {
  return (
    (schema as { description?: string }).description === "duration" ||
    (unwrap(schema as never) as { description?: string }).description === "duration"
  );
}
