/**
 * Topic handler files (`handlers/*.yaml|*.yml|*.json`), Kapacitor's `define-topic-handler`
 * format: keys `topic`, `id`, `kind`, `options` (a mapping) and `match` (optional). YAML is
 * read as YAML 1.1, as Kapacitor's Go YAML library does, so `mode: 0644` is the octal 420 and
 * a date stays a string. Options are kept as written: normalising them is the kind's job.
 *
 * Every problem is reported as `file:line: reason` and skips only that file.
 */
import { readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { isMap, isScalar, LineCounter, parseDocument, type Document, type YAMLMap } from "yaml";
import { TickdError } from "../core/errors.js";
import { didYouMean } from "../expr/index.js";
import type { TopicHandlerSpec } from "./handler.js";

/** The handler directory itself cannot be read (missing, permissions). */
export const HANDLER_DIR_ERROR = "E_HANDLER_DIR";

export const HANDLER_FILE_EXTENSIONS: readonly string[] = [".yaml", ".yml", ".json"];

const KEYS = ["topic", "id", "kind", "options", "match"] as const;
type Key = (typeof KEYS)[number];

const VALID_ID = /^[-._\p{L}0-9]+$/u;
const VALID_TOPIC = /^[-:._\p{L}0-9]+$/u;

/**
 * Kapacitor's `HandlerSpec.Validate` messages (the API prefixes "invalid handler spec: ").
 * Kapacitor quotes the handler id in the topic message; we quote the topic, which is what is wrong.
 */
export function validateHandlerSpec(spec: { topic: string; id: string; kind: string }): string | undefined {
  if (!VALID_TOPIC.test(spec.topic)) {
    return `handler topic must contain only letters, numbers, '-', '.' and '_'. ${JSON.stringify(spec.topic)}`;
  }
  if (!VALID_ID.test(spec.id)) {
    return `handler ID must contain only letters, numbers, '-', '.' and '_'. ${JSON.stringify(spec.id)}`;
  }
  if (spec.kind === "") return "handler Kind must not be empty";
  return undefined;
}

/** One valid handler file, with where its parts were written (for errors found later). */
export interface HandlerFile {
  path: string;
  spec: TopicHandlerSpec;
  /** Line of a top-level key (the file's first line when the key is absent). */
  lineOf(key: Key): number;
  /** Line of option `name`, or of `options` when there is no such option. */
  optionLine(name: string): number;
  /** Line where the match expression's own line 1 is written. */
  matchLine(exprLine: number): number;
}

export interface HandlerFileProblem {
  path: string;
  line: number;
  message: string;
}

export function formatProblem(p: HandlerFileProblem): string {
  return `${p.path}:${p.line}: ${p.message}`;
}

export type ParsedHandlerFile = { ok: true; file: HandlerFile } | { ok: false; problem: HandlerFileProblem };

const YAML_11_NO_TIMESTAMPS = {
  version: "1.1" as const,
  // Go's YAML decoder feeding JSON leaves dates as strings.
  customTags: (tags: unknown[]) =>
    tags.filter((t) => (t as { tag?: string }).tag !== "tag:yaml.org,2002:timestamp") as never,
};

/** Parses and validates one file's text. `path` is only used in messages. */
export function parseHandlerFile(path: string, text: string): ParsedHandlerFile {
  const lines = new LineCounter();
  const isJson = extname(path).toLowerCase() === ".json";
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const fail = (line: number, message: string): ParsedHandlerFile => ({
    ok: false,
    problem: { path, line, message },
  });
  const lineAt = (offset: number | undefined): number =>
    offset === undefined ? 1 : lines.linePos(offset).line;

  let doc: Document;
  try {
    doc = parseDocument(body, {
      lineCounter: lines,
      ...(isJson ? { version: "1.2" } : YAML_11_NO_TIMESTAMPS),
    });
  } catch (e) {
    return fail(1, e instanceof Error ? e.message : String(e));
  }
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const line = syntax.linePos?.[0].line ?? lineAt(syntax.pos[0]);
    // The library's message ends with " at line L, column C:" and a code excerpt.
    const reason = (syntax.message.split("\n")[0] ?? syntax.message).replace(
      / at line \d+, column \d+:?$/,
      "",
    );
    return fail(line, `${isJson ? "invalid JSON" : "invalid YAML"}: ${reason}`);
  }
  if (isJson) {
    // YAML accepts more than JSON (`{"id": }`, trailing commas): a .json file must be JSON.
    try {
      JSON.parse(body);
    } catch (e) {
      const message = (e as Error).message.split("\n")[0] ?? "";
      const at = /at position (\d+)/.exec(message);
      const reason = message.replace(/ in JSON at position \d+.*$/, "");
      return fail(at === null ? 1 : lineAt(Number(at[1])), `invalid JSON: ${reason}`);
    }
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ""))) {
    return fail(1, "empty handler file: expected topic, id, kind, options and match");
  }
  if (!isMap(root)) {
    return fail(
      lineAt(root.range?.[0]),
      "a handler file must be a mapping with keys topic, id, kind, options, match",
    );
  }

  const keyLines = new Map<Key, number>();
  for (const pair of root.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const line = lineAt(isScalar(pair.key) ? pair.key.range?.[0] : undefined);
    if (!(KEYS as readonly string[]).includes(name)) {
      const guess = didYouMean(name, KEYS);
      const hint = guess === undefined ? "" : ` (did you mean "${guess}"?)`;
      return fail(
        line,
        `unknown key ${JSON.stringify(name)}${hint}; a handler file has topic, id, kind, options and match`,
      );
    }
    keyLines.set(name as Key, line);
  }

  const value = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  const lineOf = (key: Key): number => keyLines.get(key) ?? 1;

  const strings: Partial<Record<Key, string>> = {};
  for (const key of ["topic", "id", "kind", "match"] as const) {
    const v = value[key];
    if (v === undefined || v === null) {
      if (key === "topic" || key === "id") return fail(1, `missing ${JSON.stringify(key)}`);
      continue;
    }
    if (typeof v !== "string") {
      return fail(lineOf(key), `${JSON.stringify(key)} must be a string, got ${describe(v)}`);
    }
    strings[key] = v;
  }
  const options = value["options"] ?? {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    return fail(
      lineOf("options"),
      `"options" must be a mapping of option names to values, got ${describe(options)}`,
    );
  }
  const spec: TopicHandlerSpec = {
    topic: strings.topic ?? "",
    id: strings.id ?? "",
    kind: strings.kind ?? "",
    options: options as Record<string, unknown>,
    match: strings.match ?? "",
  };
  const invalid = validateHandlerSpec(spec);
  if (invalid !== undefined) {
    const key: Key = !VALID_TOPIC.test(spec.topic) ? "topic" : !VALID_ID.test(spec.id) ? "id" : "kind";
    return fail(lineOf(key), invalid);
  }

  const optionsNode = root.get("options", true);
  const matchNode = root.get("match", true);
  const matchStart = lineAt(isScalar(matchNode) ? matchNode.range?.[0] : undefined);
  // A block scalar (`match: |`) starts its text on the next line.
  const blockOffset = isScalar(matchNode) && matchNode.type?.startsWith("BLOCK") === true ? 1 : 0;
  return {
    ok: true,
    file: {
      path,
      spec,
      lineOf,
      optionLine: (name) => {
        if (isMap(optionsNode)) {
          const pair = (optionsNode as YAMLMap).items.find(
            (p) => isScalar(p.key) && String(p.key.value) === name,
          );
          if (pair !== undefined && isScalar(pair.key)) return lineAt(pair.key.range?.[0]);
        }
        return lineOf("options");
      },
      matchLine: (exprLine) => (keyLines.has("match") ? matchStart + blockOffset + exprLine - 1 : 1),
    },
  };
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}

export interface HandlerDirContents {
  /** Valid files, sorted by file name. */
  files: HandlerFile[];
  problems: HandlerFileProblem[];
  /** Every handler file present, valid or not (a reload keeps the handlers of broken ones). */
  paths: string[];
}

/**
 * Reads every handler file of `dir` (not recursive; dot-files skipped). Throws TickdError
 * E_HANDLER_DIR only when the directory itself cannot be read.
 */
export async function readHandlerDir(dir: string): Promise<HandlerDirContents> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries
      .filter((e) => e.isFile() || e.isSymbolicLink())
      .map((e) => e.name)
      .filter((n) => !n.startsWith(".") && HANDLER_FILE_EXTENSIONS.includes(extname(n).toLowerCase()))
      .sort();
  } catch (e) {
    throw new TickdError(HANDLER_DIR_ERROR, `cannot read handler directory ${dir}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const out: HandlerDirContents = { files: [], problems: [], paths: [] };
  for (const name of names) {
    const path = join(dir, name);
    out.paths.push(path);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      out.problems.push({ path, line: 1, message: `cannot read file: ${(e as Error).message}` });
      continue;
    }
    const parsed = parseHandlerFile(path, text);
    if (parsed.ok) out.files.push(parsed.file);
    else out.problems.push(parsed.problem);
  }
  return out;
}
