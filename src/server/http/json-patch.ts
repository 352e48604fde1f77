/**
 * RFC 6902 JSON Patch (add, remove, replace, move, copy, test) over plain JSON values, as
 * Kapacitor applies it to a topic handler (`PATCH …/handlers/<id>`). RFC 6901 pointers:
 * `""` is the whole document, `~1` is `/`, `~0` is `~`, `-` appends to an array.
 *
 * The input document is never changed: the patch works on a copy and either every operation
 * applies or the whole patch fails.
 */

export type PatchOp =
  | { op: "add" | "replace" | "test"; path: string; value: unknown }
  | { op: "remove"; path: string }
  | { op: "move" | "copy"; from: string; path: string };

/** `kind: "decode"` — the patch itself is malformed; `"apply"` — it does not fit the document. */
export class JsonPatchError extends Error {
  constructor(
    readonly kind: "decode" | "apply",
    message: string,
  ) {
    super(message);
    this.name = "JsonPatchError";
  }
}

const OPS = new Set(["add", "remove", "replace", "move", "copy", "test"]);

/** Checks the shape of a decoded JSON patch document. */
export function decodePatch(doc: unknown): PatchOp[] {
  const bad = (msg: string): JsonPatchError => new JsonPatchError("decode", msg);
  if (!Array.isArray(doc)) throw bad("a JSON patch must be an array of operations");
  return doc.map((raw, i): PatchOp => {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw bad(`operation ${i} is not an object`);
    }
    const o = raw as Record<string, unknown>;
    const op = o["op"];
    if (typeof op !== "string" || !OPS.has(op)) {
      throw bad(`operation ${i}: unknown op ${JSON.stringify(op ?? null)}`);
    }
    const path = o["path"];
    if (typeof path !== "string") throw bad(`operation ${i} (${op}): missing "path"`);
    parsePointer(path, () => bad(`operation ${i} (${op}): invalid path ${JSON.stringify(path)}`));
    switch (op) {
      case "add":
      case "replace":
      case "test":
        if (!Object.hasOwn(o, "value")) throw bad(`operation ${i} (${op}): missing "value"`);
        return { op, path, value: o["value"] };
      case "remove":
        return { op, path };
      default: {
        const from = o["from"];
        if (typeof from !== "string") throw bad(`operation ${i} (${op}): missing "from"`);
        parsePointer(from, () => bad(`operation ${i} (${op}): invalid from ${JSON.stringify(from)}`));
        return { op: op as "move" | "copy", from, path };
      }
    }
  });
}

function parsePointer(p: string, bad: () => Error): string[] {
  if (p === "") return [];
  if (!p.startsWith("/")) throw bad();
  return p
    .slice(1)
    .split("/")
    .map((t) => {
      if (/~[^01]|~$/.test(t)) throw bad();
      return t.replace(/~1/g, "/").replace(/~0/g, "~");
    });
}

function applyError(msg: string): JsonPatchError {
  return new JsonPatchError("apply", msg);
}

type Container = Record<string, unknown> | unknown[];

function isContainer(v: unknown): v is Container {
  return typeof v === "object" && v !== null;
}

/** An array index token: "0" or digits without a leading zero. */
function arrayIndex(token: string, length: number, allowEnd: boolean, path: string): number {
  if (allowEnd && token === "-") return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token))
    throw applyError(`invalid array index ${JSON.stringify(token)} in ${path}`);
  const i = Number(token);
  if (i > length || (!allowEnd && i === length)) throw applyError(`array index ${i} out of range in ${path}`);
  return i;
}

/** The container holding the pointer's last token, and that token. */
function parentOf(doc: unknown, tokens: string[], path: string): [Container, string] {
  let cur: unknown = doc;
  for (let i = 0; i < tokens.length - 1; i++) {
    cur = child(cur, tokens[i]!, path);
  }
  if (!isContainer(cur)) throw applyError(`path not found: ${path}`);
  return [cur, tokens[tokens.length - 1]!];
}

function child(cur: unknown, token: string, path: string): unknown {
  if (Array.isArray(cur)) return cur[arrayIndex(token, cur.length, false, path)];
  if (isContainer(cur) && Object.hasOwn(cur, token)) return (cur as Record<string, unknown>)[token];
  throw applyError(`path not found: ${path}`);
}

function get(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const t of parsePointer(path, () => applyError(`invalid path ${path}`))) cur = child(cur, t, path);
  return cur;
}

function add(doc: unknown, path: string, value: unknown): unknown {
  const tokens = parsePointer(path, () => applyError(`invalid path ${path}`));
  if (tokens.length === 0) return value;
  const [parent, last] = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true, path), 0, value);
  else parent[last] = value;
  return doc;
}

function remove(doc: unknown, path: string): [unknown, unknown] {
  const tokens = parsePointer(path, () => applyError(`invalid path ${path}`));
  if (tokens.length === 0) throw applyError("cannot remove the whole document");
  const [parent, last] = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const [removed] = parent.splice(arrayIndex(last, parent.length, false, path), 1);
    return [doc, removed];
  }
  if (!Object.hasOwn(parent, last)) throw applyError(`path not found: ${path}`);
  const removed = parent[last];
  delete parent[last];
  return [doc, removed];
}

/** JSON equality: object key order does not matter, array order does. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || !isContainer(a) || !isContainer(b)) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ka = Object.keys(a);
  const bo = b as Record<string, unknown>;
  return (
    ka.length === Object.keys(bo).length &&
    ka.every((k) => Object.hasOwn(bo, k) && jsonEqual((a as Record<string, unknown>)[k], bo[k]))
  );
}

/** Applies every operation in order to a copy of `doc`; throws JsonPatchError("apply"). */
export function applyPatch(doc: unknown, ops: readonly PatchOp[]): unknown {
  let cur: unknown = structuredClone(doc);
  for (const op of ops) {
    switch (op.op) {
      case "add":
        cur = add(cur, op.path, structuredClone(op.value));
        break;
      case "remove":
        [cur] = remove(cur, op.path);
        break;
      case "replace":
        get(cur, op.path);
        cur =
          op.path === ""
            ? structuredClone(op.value)
            : add(remove(cur, op.path)[0], op.path, structuredClone(op.value));
        break;
      case "move": {
        if (op.path !== op.from && op.path.startsWith(op.from + "/")) {
          throw applyError(`cannot move ${op.from} into its own child ${op.path}`);
        }
        if (op.path === op.from) {
          get(cur, op.from);
          break;
        }
        const [next, value] = remove(cur, op.from);
        cur = add(next, op.path, value);
        break;
      }
      case "copy":
        cur = add(cur, op.path, structuredClone(get(cur, op.from)));
        break;
      case "test":
        if (!jsonEqual(get(cur, op.path), op.value)) {
          throw applyError(`test failed: the value at ${JSON.stringify(op.path)} differs`);
        }
        break;
    }
  }
  return cur;
}
