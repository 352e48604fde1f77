/**
 * TOML → env overrides → validation → frozen config.
 *
 * Every problem is collected and reported at once, each naming where it comes from
 * (`kapacitor.conf:12: [victorops] url: expected a URL`, or `env TICKD_X: …`), then thrown as
 * one {@link ConfigError}. Keys are sorted into three kinds: keys tickd reads; keys Kapacitor
 * reads but tickd does not (returned in `ignored`, never fatal, so a real kapacitor.conf
 * loads); and keys neither knows, which are errors with a did-you-mean.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

import toml from "toml";
import { z } from "zod";

import { ErrorCodes, TickdError } from "../core/errors.js";
import { parseTickDuration } from "../core/go-format.js";
import { applyEnv, envNames, type Path } from "./env.js";
import {
  KAPACITOR_OTHER_SECTIONS,
  KAPACITOR_SHARED_SECTION_KEYS,
  KAPACITOR_TOP_LEVEL_KEYS,
} from "./kapacitor-keys.js";
import { indexLines, lineOf, type LineIndex } from "./locate.js";
import { applyOverrides, type ConfigOverrides } from "./overrides.js";
import { configSchema, describe, SECRET_KEYS, SECTIONS, TOP_LEVEL, camelCase, unwrap } from "./schema.js";
import { NOTIFIER_SECRET_URLS } from "./notifiers.js";
import type { TickdConfig } from "./types.js";

export interface LoadConfigOptions {
  /** Path of the TOML file; without one, the embedded defaults (plus env overrides) are used. */
  readonly file?: string;
  /** Where `TICKD_*` overrides are read; defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Values set through `/kapacitor/v1/config`: they win over the file and the environment. */
  readonly overrides?: ConfigOverrides;
}

export interface LoadedConfig {
  readonly config: TickdConfig;
  /** Kapacitor sections ("smtp") and keys ("http.https-enabled") present but not implemented, sorted, each once. */
  readonly ignored: readonly string[];
  /** Things that load but deserve a look (an enabled Kapacitor feature tickd lacks, an unknown TICKD_ variable). */
  readonly warnings: readonly string[];
  /**
   * Where `storage.dir` came from: `[storage] dir`, `env TICKD_STORAGE_DIR`, `[storage] boltdb`
   * (the directory of Kapacitor's database file), `data_dir` (Kapacitor's), or `default`.
   */
  readonly storageFrom: string;
  /** Where a key was set, for messages about its value: `file:line`, `env TICKD_…`, the file, or `defaults`. */
  locate(path: readonly (string | number)[]): string;
}

/** A config that cannot be used; `problems` holds one line per problem, as in the message. */
export class ConfigError extends TickdError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    const head =
      problems.length === 1
        ? "invalid configuration:"
        : `invalid configuration (${problems.length} problems):`;
    super(ErrorCodes.CONFIG, `${head}\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

interface Problem {
  readonly path: Path;
  readonly message: string;
  /** Set when the value came from this env variable. */
  readonly env?: string;
  /** Set when the value came from elsewhere than the file or env (an API override). */
  readonly origin?: string;
}

const OVERRIDE_ORIGIN = "config override (/kapacitor/v1/config)";

export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const file = opts.file;
  let raw: Table = {};
  let lines: LineIndex = new Map();

  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new ConfigError([`${file}: cannot read the config file: ${(e as Error).message}`]);
    }
    raw = parseToml(file, text);
    lines = indexLines(text);
  }

  const problems: Problem[] = [];
  const warnings: string[] = [];
  const misshapen = new Set<string>();
  const ignored = classifyKeys(raw, problems, warnings, misshapen);

  const envResult = applyEnv(raw, env);
  for (const p of envResult.problems) problems.push(p);
  if (envResult.unknown.length > 0) {
    const candidates = envNames();
    for (const name of envResult.unknown) {
      const near = closest(name, candidates);
      warnings.push(`env ${name} names no config key${near ? ` — did you mean ${near}?` : ""}; ignored`);
    }
  }
  const envOf = (path: Path): string | undefined => {
    for (let n = path.length; n > 0; n--) {
      const src = envResult.sources.get(path.slice(0, n).join("."));
      if (src !== undefined) return src;
    }
    return undefined;
  };
  const overridden = opts.overrides !== undefined ? applyOverrides(raw, opts.overrides) : new Set<string>();
  const byOverride = (path: readonly (string | number)[]): boolean => {
    for (let n = path.length; n > 0; n--) if (overridden.has(path.slice(0, n).join("."))) return true;
    return false;
  };
  const storageFrom = deriveStorageDir(raw, ignored, envOf(["storage", "dir"]));

  const result = configSchema.safeParse(raw, { error: issueMessage });
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (misshapen.has(String(issue.path[0])) && issue.path.length === 1) continue; // already explained
      const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
      const src = envOf(path);
      if (byOverride(path)) problems.push({ path, message: issue.message, origin: OVERRIDE_ORIGIN });
      else
        problems.push(
          src === undefined ? { path, message: issue.message } : { path, message: issue.message, env: src },
        );
    }
  }
  for (const p of crossChecks(raw)) {
    const src = envOf(p.path);
    problems.push(src === undefined ? p : { ...p, env: src });
  }

  if (problems.length > 0 || !result.success) {
    throw new ConfigError(formatProblems(problems, file, lines));
  }
  return {
    config: deepFreeze(result.data),
    ignored: [...ignored].sort(),
    warnings,
    storageFrom,
    locate(path) {
      const src = envOf([...path]);
      if (src !== undefined) return `env ${src}`;
      if (file === undefined) return "defaults";
      const line = lineOf(lines, path);
      return line === undefined ? file : `${file}:${line}`;
    },
  };
}

/**
 * Kapacitor keeps its database in the file `[storage] boltdb` and its server ids in `data_dir`;
 * tickd keeps both in one SQLite file in `[storage] dir`. Without that key, a Kapacitor config
 * puts tickd's state where Kapacitor kept its own (the boltdb file's directory, else data_dir)
 * instead of in ./data of whatever directory tickd was started from. Sets `raw.storage.dir`
 * and returns where it came from; keys used this way are no longer reported as ignored.
 */
function deriveStorageDir(raw: Table, ignored: Set<string>, env: string | undefined): string {
  const storage = raw["storage"];
  if (storage !== undefined && !isTable(storage)) return "default"; // misshapen: already a problem
  if (storage?.["dir"] !== undefined) return env !== undefined ? `env ${env}` : "[storage] dir";
  const bolt = storage?.["boltdb"];
  const dataDir = raw["data_dir"];
  let dir: string;
  let from: string;
  if (typeof bolt === "string" && bolt !== "") {
    dir = dirname(bolt);
    from = "[storage] boltdb";
    ignored.delete("storage.boltdb");
  } else if (typeof dataDir === "string" && dataDir !== "") {
    dir = dataDir;
    from = "data_dir";
  } else return "default";
  if (typeof dataDir === "string" && dataDir !== "" && resolve(dataDir) === resolve(dir))
    ignored.delete("data_dir");
  raw["storage"] = { ...storage, dir };
  return from;
}

// ---------------------------------------------------------------------------------------------
// TOML

function parseToml(file: string, text: string): Table {
  try {
    const parsed: unknown = toml.parse(text);
    return isTable(parsed) ? parsed : {};
  } catch (e) {
    const err = e as { message?: string; line?: number; column?: number; location?: { start: Position } };
    const pos: Position | undefined =
      err.location?.start ??
      (err.line !== undefined ? { line: err.line, column: err.column ?? 1 } : undefined);
    const where = pos ? `${file}:${pos.line}:${pos.column}` : file;
    throw new ConfigError([`${where}: ${err.message ?? String(e)}`]);
  }
}

interface Position {
  line: number;
  column: number;
}

// ---------------------------------------------------------------------------------------------
// known, ignored and unknown keys

const TICKD_SECTIONS = new Map(SECTIONS.map((s) => [s.name, s]));
const KAPACITOR_SECTIONS = new Set(KAPACITOR_OTHER_SECTIONS);

/**
 * Walks the parsed file: records problems for keys nobody knows, returns the Kapacitor-only
 * ones. Values are left in place (validation strips what it does not read).
 */
function classifyKeys(
  raw: Table,
  problems: Problem[],
  warnings: string[],
  misshapen: Set<string>,
): Set<string> {
  const ignored = new Set<string>();
  const topCandidates = [
    ...Object.keys(TOP_LEVEL),
    ...KAPACITOR_TOP_LEVEL_KEYS,
    ...TICKD_SECTIONS.keys(),
    ...KAPACITOR_SECTIONS,
  ];

  for (const [key, value] of Object.entries(raw)) {
    const section = TICKD_SECTIONS.get(key);
    if (section) {
      const kapacitorKeys = KAPACITOR_SHARED_SECTION_KEYS[key] ?? [];
      if (section.kind === "array") {
        if (!Array.isArray(value)) {
          misshapen.add(key);
          problems.push({
            path: [key],
            message: `[[${key}]] is a list of tables: write [[${key}]], not [${key}]`,
          });
          continue;
        }
        value.forEach((el, i) => {
          if (isTable(el)) walkTable(el, [key, i], section.shape, kapacitorKeys, ignored, problems, warnings);
        });
      } else if (isTable(value)) {
        walkTable(value, [key], section.shape, kapacitorKeys, ignored, problems, warnings);
      } else {
        misshapen.add(key);
        problems.push({ path: [key], message: `[${key}] is a table: write [${key}], not [[${key}]]` });
      }
    } else if (key in TOP_LEVEL) {
      continue;
    } else if (KAPACITOR_TOP_LEVEL_KEYS.includes(key)) {
      ignored.add(key);
    } else if (KAPACITOR_SECTIONS.has(key)) {
      ignored.add(key);
      const elements = Array.isArray(value) ? value : [value];
      if (key !== "reporting" && elements.some((el) => isTable(el) && el["enabled"] === true))
        warnings.push(`[${key}] is enabled, but tickd does not implement it; the section is ignored`);
    } else {
      const near = closest(key, topCandidates);
      const what = isTable(value) || Array.isArray(value) ? `section [${key}]` : `key ${key}`;
      const hint = near
        ? ` — did you mean ${isTable(raw[near]) || TICKD_SECTIONS.has(near) ? `[${near}]` : near}?`
        : "";
      problems.push({ path: [key], message: `unknown ${what}${hint}` });
    }
  }
  return ignored;
}

function walkTable(
  table: Table,
  path: Path,
  shape: z.ZodRawShape,
  kapacitorKeys: readonly string[],
  ignored: Set<string>,
  problems: Problem[],
  warnings: string[],
): void {
  const section = String(path[0]);
  for (const [key, value] of Object.entries(table)) {
    const schema = shape[key] as z.ZodType | undefined;
    if (schema) {
      const inner = unwrap(schema);
      if (inner instanceof z.ZodObject && isTable(value)) {
        walkTable(value, [...path, key], inner.shape, [], ignored, problems, warnings);
      } else if (inner instanceof z.ZodArray && Array.isArray(value)) {
        const el = unwrap(inner.element as z.ZodType);
        if (el instanceof z.ZodObject)
          value.forEach((v, i) => {
            if (isTable(v)) walkTable(v, [...path, key, i], el.shape, [], ignored, problems, warnings);
          });
      }
      continue;
    }
    if (kapacitorKeys.includes(key)) {
      ignored.add(`${section}.${key}`);
      if (key.endsWith("enabled") && value === true)
        warnings.push(`[${section}] ${key} = true, but tickd does not implement it; ignored`);
      continue;
    }
    const near = closest(key, [...Object.keys(shape), ...kapacitorKeys]);
    problems.push({
      path: [...path, key],
      message: `unknown key ${label([...path, key])}${near ? ` — did you mean ${near}?` : ""}`,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// checks across keys (run on the raw values, so they report even when other keys are invalid)

function crossChecks(raw: Table): Problem[] {
  const out: Problem[] = [];
  const tableAt = (k: string): Table => (isTable(raw[k]) ? raw[k] : {});
  const listAt = (k: string): Table[] => (Array.isArray(raw[k]) ? (raw[k] as unknown[]).filter(isTable) : []);
  const nonEmpty = (v: unknown) => typeof v === "string" && v !== "";

  const unique = (section: string, key: string, fallback?: string) => {
    const seen = new Map<string, number>();
    listAt(section).forEach((el, i) => {
      const v = el[key] ?? fallback;
      if (typeof v !== "string") return;
      const first = seen.get(v);
      if (first === undefined) seen.set(v, i);
      else
        out.push({
          path: [section, i, key],
          message: `duplicate ${key} "${v}" (also [${section}.${first}])`,
        });
    });
  };

  const http = tableAt("http");
  const users = Array.isArray(http["users"]) ? (http["users"] as unknown[]).filter(isTable) : [];
  if (http["auth-enabled"] === true && users.length === 0 && !nonEmpty(http["shared-secret"]))
    out.push({
      path: ["http", "auth-enabled"],
      message: "auth is enabled but there is no [[http.users]] and no shared-secret: nobody could log in",
    });
  const userNames = new Set<unknown>();
  users.forEach((u, i) => {
    if (userNames.has(u["username"]))
      out.push({
        path: ["http", "users", i, "username"],
        message: `duplicate user ${describe(u["username"])}`,
      });
    userNames.add(u["username"]);
  });

  const vo = tableAt("victorops");
  if (vo["enabled"] === true && !nonEmpty(vo["api-key"]))
    out.push({ path: ["victorops", "api-key"], message: "required when enabled = true" });

  unique("httppost", "endpoint");
  listAt("httppost").forEach((p, i) => {
    const url = p["url"];
    if (typeof url === "string" && !url.includes("{{") && !isHttpUrl(url))
      out.push({
        path: ["httppost", i, "url"],
        message: `expected a URL (http:// or https://), got ${describe(url)}`,
      });
    const auth = p["basic-auth"];
    if (isTable(auth) && (!nonEmpty(auth["username"]) || !nonEmpty(auth["password"])))
      out.push({ path: ["httppost", i, "basic-auth"], message: "expected both username and password" });
    for (const kind of ["alert", "row"]) {
      if (nonEmpty(p[`${kind}-template`]) && nonEmpty(p[`${kind}-template-file`]))
        out.push({
          path: ["httppost", i, `${kind}-template-file`],
          message: `set ${kind}-template or ${kind}-template-file, not both`,
        });
    }
  });

  unique("escalation", "name");
  unique("influxdb", "name", "default");
  const influx = listAt("influxdb");
  const enabled = influx.map((el, i) => ({ el, i })).filter(({ el }) => el["enabled"] !== false);
  const defaults = enabled.filter(({ el }) => el["default"] === true);
  for (const extra of defaults.slice(1))
    out.push({
      path: ["influxdb", extra.i, "default"],
      message: `only one enabled [[influxdb]] may be the default (also [influxdb.${defaults[0]?.i}])`,
    });
  if (enabled.length > 1 && defaults.length === 0)
    out.push({
      path: ["influxdb", enabled[0]?.i ?? 0, "default"],
      message: "several [[influxdb]] are enabled: mark one with default = true",
    });

  unique("kafka", "id", "default");
  listAt("kafka").forEach((k, i) => {
    if (k["enabled"] === true && !(Array.isArray(k["brokers"]) && k["brokers"].length > 0))
      out.push({
        path: ["kafka", i, "brokers"],
        message: "expected at least one broker when enabled = true",
      });
  });
  unique("kafka-input", "name");

  // [smtp], [[mqtt]], [snmptrap], [sensu]: Kapacitor's Validate() rules, by its messages.
  const smtp = tableAt("smtp");
  if (smtp["enabled"] === true && !nonEmpty(smtp["from"]))
    out.push({ path: ["smtp", "from"], message: "must provide a 'from' address when enabled = true" });
  if (nonEmpty(smtp["from"]) && !String(smtp["from"]).includes("@"))
    out.push({ path: ["smtp", "from"], message: `invalid from email address: ${describe(smtp["from"])}` });
  if (Array.isArray(smtp["to"]))
    (smtp["to"] as unknown[]).forEach((t, i) => {
      if (typeof t === "string" && !t.includes("@"))
        out.push({ path: ["smtp", "to", i], message: `invalid to email address: ${describe(t)}` });
    });
  unique("mqtt", "name", "default");
  const mqtt = listAt("mqtt");
  mqtt.forEach((m, i) => {
    if (m["enabled"] === true && !nonEmpty(m["url"]))
      out.push({ path: ["mqtt", i, "url"], message: "must specify a url for mqtt service" });
  });
  const mqttDefaults = mqtt.map((m, i) => ({ m, i })).filter(({ m }) => m["default"] === true);
  for (const extra of mqttDefaults.slice(1))
    out.push({
      path: ["mqtt", extra.i, "default"],
      message: "more than one configuration is marked as the default",
    });
  if (mqtt.length > 1 && mqttDefaults.length === 0)
    out.push({ path: ["mqtt", 0, "default"], message: "no configuration is marked as the default" });
  const snmp = tableAt("snmptrap");
  if (snmp["enabled"] === true && snmp["addr"] === "")
    out.push({ path: ["snmptrap", "addr"], message: "must specify addr" });
  const sensu = tableAt("sensu");
  if (sensu["enabled"] === true && !nonEmpty(sensu["addr"]))
    out.push({ path: ["sensu", "addr"], message: "must specify client address" });

  const delivery = tableAt("delivery");
  const initial = durationOf(delivery["backoff-initial"] ?? "1s");
  const max = durationOf(delivery["backoff-max"] ?? "5m");
  if (initial !== undefined && max !== undefined && initial > max)
    out.push({ path: ["delivery", "backoff-initial"], message: "is longer than backoff-max" });
  return out;
}

/** A duration's nanoseconds, or undefined when it is not one (validation reports that). */
function durationOf(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v !== "string") return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v);
  try {
    return parseTickDuration(v);
  } catch {
    return undefined;
  }
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// messages

/** Wording for zod's own issues (schemas with their own `error` keep theirs). */
function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "required, but missing";
      return `expected ${typeName(issue.expected)}, got ${describe(issue.input)}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describe(issue.input)}`;
    case "too_small":
      if (issue.origin === "string") return "must not be empty";
      if (issue.origin === "array") return `expected at least ${String(issue.minimum)} item(s)`;
      return undefined;
    default:
      return undefined;
  }
}

function typeName(t: string): string {
  switch (t) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "int":
      return "an integer";
    case "boolean":
      return "true or false";
    case "array":
      return "a list";
    case "object":
    case "record":
      return "a table";
    default:
      return t;
  }
}

const SECTION_NAMES = new Set([...TICKD_SECTIONS.keys(), ...KAPACITOR_SECTIONS]);

/** `[http] bind-address`, `[httppost.0] basic-auth.password`, `[http.users.1] username`, `hostname`. */
function label(path: Path): string {
  if (path.length === 0) return "(config)";
  if (!SECTION_NAMES.has(String(path[0]))) return path.join(".");
  let split = 1;
  path.forEach((p, i) => {
    if (typeof p === "number") split = i + 1;
  });
  const head = `[${path.slice(0, split).join(".")}]`;
  const tail = path.slice(split).join(".");
  return tail === "" ? head : `${head} ${tail}`;
}

function formatProblems(problems: readonly Problem[], file: string | undefined, lines: LineIndex): string[] {
  const located = problems.map((p, order) => {
    const line = p.env === undefined && p.origin === undefined ? lineOf(lines, p.path) : undefined;
    let where: string;
    if (p.origin !== undefined) where = p.origin;
    else if (p.env !== undefined) where = `env ${p.env}`;
    else if (file === undefined) where = "defaults";
    else where = line === undefined ? file : `${file}:${line}`;
    // Unknown-key messages already name the key.
    const text = /^(unknown |\[)/.test(p.message) ? p.message : `${label(p.path)}: ${p.message}`;
    return {
      text: `${where}: ${text}`,
      line: line ?? (p.env === undefined && p.origin === undefined ? 0 : Infinity),
      order,
    };
  });
  located.sort((a, b) => a.line - b.line || a.order - b.order);
  return [...new Set(located.map((l) => l.text))];
}

/** The candidate closest to `word` by edit distance, if it is close enough to be a typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const limit = Math.max(2, Math.floor(word.length / 3));
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance && d <= limit && d > 0) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

// ---------------------------------------------------------------------------------------------
// freezing and redaction

type DeepReadonly<X> = X extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : X extends object
    ? { readonly [K in keyof X]: DeepReadonly<X[K]> }
    : X;

function deepFreeze<X>(value: X): DeepReadonly<X> {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value as DeepReadonly<X>;
}

export const REDACTED = "<redacted>";
const SECRET_FIELDS = new Set(SECRET_KEYS.map(camelCase));
/** Section (TickdConfig's field name) → its own secret fields (notifiers.ts's webhook URLs). */
const SECTION_SECRET_FIELDS = new Map(
  Object.entries(NOTIFIER_SECRET_URLS).map(([s, keys]) => [camelCase(s), new Set(keys.map(camelCase))]),
);
/** Header names whose values are credentials. */
const SECRET_HEADER = /authorization|token|secret|password|api[-_]?key|signature|cookie/i;

/**
 * A deep copy of `config` with every secret that is set replaced by "<redacted>" (an empty
 * secret stays "", so "not configured" remains visible). For the API and for logs.
 */
export function redactConfig(config: TickdConfig): TickdConfig {
  // `section` is the top-level section a value is in: some keys are secrets in one section only.
  const walk = (v: unknown, key: string | undefined, section: string | undefined): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, undefined, section));
    if (isTable(v)) {
      const out: Table = {};
      for (const [k, x] of Object.entries(v)) {
        if (key === "headers" && typeof x === "string")
          out[k] = SECRET_HEADER.test(k) && x !== "" ? REDACTED : x;
        else if (
          (SECRET_FIELDS.has(k) || (section !== undefined && SECTION_SECRET_FIELDS.get(section)?.has(k))) &&
          typeof x === "string"
        )
          out[k] = x === "" ? "" : REDACTED;
        else if (SECRET_FIELDS.has(k) && Array.isArray(x)) out[k] = x.map(() => REDACTED);
        else out[k] = walk(x, k, section ?? k);
      }
      return out;
    }
    return v;
  };
  return deepFreeze(walk(config, undefined, undefined) as TickdConfig);
}
