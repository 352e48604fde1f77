/**
 * `TICKD_<SECTION>_<KEY>` environment overrides, applied to the parsed TOML before validation.
 *
 * Names are the TOML path upper-cased with `-` → `_`: `TICKD_HTTP_BIND_ADDRESS`,
 * `TICKD_KAFKA_INPUT_0_BROKERS`. Arrays of tables are indexed (`TICKD_HTTPPOST_0_URL`; an
 * element past the end is created), nested tables continue the path
 * (`TICKD_HTTPPOST_0_BASIC_AUTH_PASSWORD`, `TICKD_HTTP_USERS_0_PASSWORD`), and a map takes the
 * rest of the name, case kept, as its key (`TICKD_HTTPPOST_0_HEADERS_Authorization`, as
 * Kapacitor). A value is read as the type of its key: true/false (also 1/0, yes/no), a
 * number, a string (durations and sizes stay strings, "10s"), JSON for tables, and JSON or a
 * comma-separated list for lists. Empty values are skipped, as Kapacitor does.
 */
import { z } from "zod";

import { SECTIONS, TOP_LEVEL, unwrap } from "./schema.js";

export const ENV_PREFIX = "TICKD_";

/** Variables under the prefix that are not config keys (read by the CLI). */
const NOT_CONFIG = new Set(["TICKD_CONFIG_PATH"]);

export type Path = (string | number)[];

export interface EnvProblem {
  readonly env: string;
  readonly path: Path;
  readonly message: string;
}

export interface EnvResult {
  /** Path key ("http.bind-address", "httppost.0.url") → the variable that set it. */
  readonly sources: ReadonlyMap<string, string>;
  readonly problems: readonly EnvProblem[];
  /** Variables under the prefix that name no key (with a suggestion when one is close). */
  readonly unknown: readonly string[];
}

const envForm = (key: string) => key.toUpperCase().replace(/-/g, "_");

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === "object" && v !== null && !Array.isArray(v);

/** The longest key of `keys` whose env form is `rest` or a prefix of it followed by "_". */
function matchKey(keys: Iterable<string>, rest: string): string | undefined {
  let best: string | undefined;
  for (const k of keys) {
    const e = envForm(k);
    if ((rest === e || rest.startsWith(e + "_")) && (best === undefined || e.length > envForm(best).length))
      best = k;
  }
  return best;
}

class EnvError extends Error {}

function parseValue(schema: z.ZodType, value: string): unknown {
  const s = unwrap(schema);
  const type = (s.def as { type: string }).type;
  switch (type) {
    case "boolean":
      if (/^(true|1|yes|on)$/i.test(value)) return true;
      if (/^(false|0|no|off)$/i.test(value)) return false;
      throw new EnvError(`expected true or false, got ${JSON.stringify(value)}`);
    case "number":
      if (/^[-+]?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
      throw new EnvError(`expected a number, got ${JSON.stringify(value)}`);
    case "array": {
      if (value.trim().startsWith("[")) return parseJson(value, "a JSON list");
      const el = unwrap((s as z.ZodArray<z.ZodType>).element);
      if (el instanceof z.ZodObject)
        throw new EnvError(`expected a JSON list of tables, got ${JSON.stringify(value)}`);
      return value
        .split(",")
        .map((x) => x.trim())
        .filter((x) => x !== "");
    }
    case "object":
    case "record": {
      const v = parseJson(value, "a JSON object");
      if (!isTable(v)) throw new EnvError(`expected a JSON object, got ${JSON.stringify(value)}`);
      return v;
    }
    default:
      return value; // strings, enums, durations and sizes (validated later)
  }
}

function parseJson(value: string, what: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch (e) {
    throw new EnvError(`expected ${what}: ${(e as Error).message}`);
  }
}

/** Index of an array element named by the start of `rest` ("0_URL" → 0), creating it if it is the next one. */
/** container[key] as a table, created when absent. */
function childTable(container: Table, key: string): Table {
  if (container[key] === undefined) container[key] = {};
  const t = container[key];
  if (!isTable(t)) throw new EnvError("is not a table");
  return t;
}

/**
 * The element of the list container[key] (created when absent) whose index starts `rest`;
 * the index goes on `path`, and `rest` comes back without it.
 */
function childElement(
  container: Table,
  key: string,
  rest: string,
  path: Path,
): { table: Table; rest: string } {
  if (container[key] === undefined) container[key] = [];
  const arr = container[key];
  if (!Array.isArray(arr)) throw new EnvError("is not a list");
  const el = element(arr, rest);
  path.push(el.index);
  return { table: arr[el.index] as Table, rest: el.rest };
}

function element(arr: unknown[], rest: string): { index: number; rest: string } {
  const m = /^(\d+)(?:_(.*))?$/.exec(rest);
  if (!m) throw new EnvError("expected an element index after the list name, like _0_");
  const index = Number(m[1]);
  if (index > arr.length)
    throw new EnvError(`element ${index} does not exist and is not the next one (${arr.length})`);
  if (index === arr.length) arr.push({});
  if (!isTable(arr[index])) throw new EnvError(`element ${index} is not a table`);
  return { index, rest: m[2] ?? "" };
}

/**
 * Applies the overrides in `env` to `raw` (mutated). Problems are collected, never thrown.
 */
export function applyEnv(raw: Table, env: NodeJS.ProcessEnv): EnvResult {
  const sources = new Map<string, string>();
  const problems: EnvProblem[] = [];
  const unknown: string[] = [];
  const sections = new Map(SECTIONS.map((s) => [s.name, s]));

  const names = Object.keys(env)
    .filter((n) => n.startsWith(ENV_PREFIX) && !NOT_CONFIG.has(n) && env[n] !== undefined && env[n] !== "")
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));

  for (const name of names) {
    const value = env[name] ?? "";
    const rest0 = name.slice(ENV_PREFIX.length);
    const path: Path = [];
    try {
      const top = matchKey([...Object.keys(TOP_LEVEL), ...sections.keys()], rest0.toUpperCase());
      if (top === undefined) {
        unknown.push(name);
        continue;
      }
      const section = sections.get(top);
      let container: Table = raw;
      let shape: z.ZodRawShape;
      let rest = rest0.slice(envForm(top).length + 1);
      let key: string;
      if (!section) {
        key = top;
        shape = TOP_LEVEL;
      } else {
        path.push(top);
        if (rest === "") {
          // The whole section as JSON.
          const v = parseJson(value, section.kind === "array" ? "a JSON list of tables" : "a JSON object");
          raw[top] = v;
          sources.set(path.join("."), name);
          continue;
        }
        if (section.kind === "array") ({ table: container, rest } = childElement(raw, top, rest, path));
        else container = childTable(raw, top);
        shape = section.shape;
        const k = matchKey(Object.keys(shape), rest.toUpperCase());
        if (k === undefined) {
          unknown.push(name);
          continue;
        }
        key = k;
        rest = rest.slice(envForm(k).length + 1);
      }

      // Walk nested tables, lists of tables and maps until the name is used up.
      for (;;) {
        path.push(key);
        const schema = shape[key] as z.ZodType;
        if (rest === "") {
          container[key] = parseValue(schema, value);
          sources.set(path.join("."), name);
          break;
        }
        const inner = unwrap(schema);
        if (inner instanceof z.ZodRecord) {
          // The map key keeps the case written in the variable name.
          const mapKey = name.slice(name.length - rest.length);
          childTable(container, key)[mapKey] = parseValue(inner.def.valueType as z.ZodType, value);
          path.push(mapKey);
          sources.set(path.join("."), name);
          break;
        }
        let nextShape: z.ZodRawShape | undefined;
        if (inner instanceof z.ZodObject) {
          container = childTable(container, key);
          nextShape = inner.shape;
        } else if (inner instanceof z.ZodArray && unwrap(inner.element as z.ZodType) instanceof z.ZodObject) {
          ({ table: container, rest } = childElement(container, key, rest, path));
          nextShape = (unwrap(inner.element as z.ZodType) as z.ZodObject).shape;
          if (rest === "") throw new EnvError("expected a key after the element index");
        }
        const k = nextShape && matchKey(Object.keys(nextShape), rest.toUpperCase());
        if (!nextShape || k === undefined) {
          unknown.push(name);
          break;
        }
        shape = nextShape;
        key = k;
        rest = rest.slice(envForm(k).length + 1);
      }
    } catch (e) {
      if (!(e instanceof EnvError)) throw e;
      problems.push({ env: name, path, message: e.message });
    }
  }
  return { sources, problems, unknown };
}

/** Every variable name a config key can be set by, with `0` for list indexes (for suggestions). */
export function envNames(): string[] {
  const out: string[] = [];
  const walk = (prefix: string, shape: z.ZodRawShape) => {
    for (const [k, s] of Object.entries(shape)) {
      const name = `${prefix}_${envForm(k)}`;
      out.push(name);
      const inner = unwrap(s as z.ZodType);
      if (inner instanceof z.ZodObject) walk(name, inner.shape);
      else if (inner instanceof z.ZodArray) {
        const el = unwrap(inner.element as z.ZodType);
        if (el instanceof z.ZodObject) walk(`${name}_0`, el.shape);
      }
    }
  };
  walk(ENV_PREFIX.slice(0, -1), TOP_LEVEL);
  for (const s of SECTIONS) walk(`${ENV_PREFIX}${envForm(s.name)}${s.kind === "array" ? "_0" : ""}`, s.shape);
  return out;
}
