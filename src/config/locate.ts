/**
 * Finds the line of a key in TOML source text, for error messages. Not a parser: it follows
 * `[table]` and `[[array]]` headers and `key =` lines, skipping multi-line strings, which is
 * all a well-formed config (it has already parsed) needs.
 *
 * Paths are joined with "." and array elements appear as their index:
 * `httppost.0.url`, `http.users.1.password`, `influxdb.0.subscriptions`.
 */

const KEY_PART = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;
const KEY_LINE = new RegExp(String.raw`^\s*(${KEY_PART}(?:\s*\.\s*${KEY_PART})*)\s*=`);
const HEADER_LINE = new RegExp(String.raw`^\s*(\[\[?)\s*(${KEY_PART}(?:\s*\.\s*${KEY_PART})*)\s*\]\]?`);
const SPLIT_PART = new RegExp(KEY_PART, "g");

function splitKey(key: string): string[] {
  const parts = key.match(SPLIT_PART) ?? [];
  return parts.map((p) => {
    if (p.startsWith('"')) return JSON.parse(p) as string;
    if (p.startsWith("'")) return p.slice(1, -1);
    return p;
  });
}

export type LineIndex = ReadonlyMap<string, number>;

/** Maps every table header and key path in `text` to its 1-based line (first occurrence). */
export function indexLines(text: string): LineIndex {
  const lines = new Map<string, number>();
  const arrayIndex = new Map<string, number>(); // resolved array path -> current element
  let table: string[] = [];
  let inMultiline: '"""' | "'''" | null = null;

  const resolve = (parts: string[]): string[] => {
    const out: string[] = [];
    for (const p of parts) {
      out.push(p);
      const idx = arrayIndex.get(out.join("."));
      if (idx !== undefined) out.push(String(idx));
    }
    return out;
  };
  const record = (path: string[], line: number) => {
    const k = path.join(".");
    if (!lines.has(k)) lines.set(k, line);
  };

  const src = text.split(/\r?\n/);
  for (let i = 0; i < src.length; i++) {
    const raw = src[i] ?? "";
    const lineNo = i + 1;
    if (inMultiline) {
      if (raw.includes(inMultiline)) inMultiline = null;
      continue;
    }
    const header = HEADER_LINE.exec(raw);
    if (header) {
      const parts = splitKey(header[2] ?? "");
      if (header[1] === "[[") {
        const parent = resolve(parts.slice(0, -1));
        const path = [...parent, parts[parts.length - 1] ?? ""];
        const key = path.join(".");
        const next = (arrayIndex.get(key) ?? -1) + 1;
        arrayIndex.set(key, next);
        record(path, lineNo);
        table = [...path, String(next)];
      } else {
        table = resolve(parts);
      }
      record(table, lineNo);
      continue;
    }
    const kv = KEY_LINE.exec(raw);
    if (kv) {
      record([...table, ...splitKey(kv[1] ?? "")], lineNo);
      const rest = raw.slice(kv[0].length);
      for (const q of ['"""', "'''"] as const) {
        if (rest.split(q).length === 2) inMultiline = q; // opened, not closed on this line
      }
    }
  }
  return lines;
}

/** The line of `path`, or of its nearest ancestor that has one. */
export function lineOf(index: LineIndex, path: readonly (string | number)[]): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const line = index.get(path.slice(0, n).join("."));
    if (line !== undefined) return line;
  }
  return undefined;
}
