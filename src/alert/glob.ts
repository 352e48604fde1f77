/**
 * The `?pattern=` globs of the topic API, with Go's `path.Match` rules (what Kapacitor uses):
 * `*` is any run of characters except `/`, `?` one character except `/`, `[a-z]`, `[^abc]`
 * classes, and `\c` the character c. The whole name must match; an empty pattern matches
 * everything (Kapacitor's `PatternMatch`). A malformed pattern is an error even when the
 * name would already fail to match, so callers can reject it up front.
 *
 * src/store has its own copy for its listings; the alert layer may not import the store.
 */
import { TickdError } from "../core/errors.js";

export const GLOB_ERROR = "E_PATTERN";

export type GlobMatcher = (name: string) => boolean;

const ANY: GlobMatcher = () => true;

/** Compiles once; throws TickdError E_PATTERN (`syntax error in pattern`) for a malformed glob. */
export function compileGlob(pattern: string | undefined): GlobMatcher {
  if (pattern === undefined || pattern === "") return ANY;
  const re = globToRegExp(pattern);
  return (name) => re.test(name);
}

function syntaxError(pattern: string, why: string): TickdError {
  return new TickdError(GLOB_ERROR, `syntax error in pattern ${JSON.stringify(pattern)}: ${why}`);
}

/** Outside a class, under the `u` flag only syntax characters may be escaped. */
function escapeChar(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

function escapeClassChar(c: string): string {
  return /[\\\][^-]/.test(c) ? `\\${c}` : c;
}

function globToRegExp(pattern: string): RegExp {
  const chars = Array.from(pattern);
  let pos = 0;
  let out = "";

  // One class member: a plain or escaped character; `-` and `]` must be escaped (Go's getEsc).
  const member = (): string => {
    let c = chars[pos];
    if (c === undefined) throw syntaxError(pattern, "unclosed [");
    if (c === "-" || c === "]") throw syntaxError(pattern, `unescaped ${c} in a [ ] class`);
    if (c === "\\") {
      c = chars[++pos];
      if (c === undefined) throw syntaxError(pattern, "trailing \\");
    }
    pos++;
    return c;
  };

  while (pos < chars.length) {
    const c = chars[pos]!;
    if (c === "*") {
      out += "[^/]*";
      pos++;
    } else if (c === "?") {
      out += "[^/]";
      pos++;
    } else if (c === "\\") {
      const next = chars[pos + 1];
      if (next === undefined) throw syntaxError(pattern, "trailing \\");
      out += escapeChar(next);
      pos += 2;
    } else if (c === "[") {
      pos++;
      const negated = chars[pos] === "^";
      if (negated) pos++;
      const ranges: string[] = [];
      let first = true;
      while (first || chars[pos] !== "]") {
        if (chars[pos] === undefined) throw syntaxError(pattern, "unclosed [");
        first = false;
        const lo = member();
        let hi = lo;
        if (chars[pos] === "-") {
          pos++;
          hi = member();
        }
        // Go accepts an inverted range and it matches nothing; a JS class would not compile.
        if (lo.codePointAt(0)! <= hi.codePointAt(0)!) {
          ranges.push(lo === hi ? escapeClassChar(lo) : `${escapeClassChar(lo)}-${escapeClassChar(hi)}`);
        }
      }
      pos++; // the closing ]
      if (ranges.length === 0) out += negated ? "[^]" : "[^\\s\\S]";
      else out += `[${negated ? "^" : ""}${ranges.join("")}]`;
    } else {
      out += escapeChar(c);
      pos++;
    }
  }
  return new RegExp(`^${out}$`, "u");
}
