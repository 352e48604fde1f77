/**
 * Go's `filepath.Match` (Unix flavour), which Kapacitor's `?pattern=` uses for tasks, topics
 * and handlers: `*` is any run of characters but `/`, `?` one character but `/`, `[abc]`,
 * `[a-z]` and `[^…]` classes, and `\c` the character c. The whole name must match. A
 * malformed pattern (an unclosed `[`, an empty class, a trailing `\`) is an error even when
 * the name would fail to match first, as in Go since 1.16.
 *
 * The pattern is compiled once to a RegExp over code points (Go matches runes).
 */
import { TickdError } from "../core/errors.js";
import { StoreErrorCodes } from "./errors.js";

export type GlobMatcher = (name: string) => boolean;

export function compileGlob(pattern: string): GlobMatcher {
  const re = globToRegExp(pattern);
  return (name) => re.test(name);
}

export function globMatch(pattern: string, name: string): boolean {
  return globToRegExp(pattern).test(name);
}

export function globToRegExp(pattern: string): RegExp {
  const cps = Array.from(pattern, (c) => c.codePointAt(0)!);
  const bad = (why: string): TickdError =>
    new TickdError(StoreErrorCodes.PATTERN, `syntax error in pattern ${JSON.stringify(pattern)}: ${why}`);
  let i = 0;

  // Go's getEsc: one class member, possibly escaped; a class may not end right after it.
  const classChar = (): number => {
    let c = cps[i];
    if (c === undefined) throw bad("unclosed [");
    if (c === DASH || c === RBRACKET) throw bad(`unexpected ${String.fromCodePoint(c)} in a [ ] class`);
    if (c === BACKSLASH) {
      c = cps[++i];
      if (c === undefined) throw bad("trailing \\");
    }
    i++;
    if (i >= cps.length) throw bad("unclosed [");
    return c;
  };

  let re = "^";
  while (i < cps.length) {
    const c = cps[i]!;
    if (c === STAR) {
      re += "[^/]*";
      i++;
    } else if (c === QUESTION) {
      re += "[^/]";
      i++;
    } else if (c === BACKSLASH) {
      const next = cps[i + 1];
      if (next === undefined) throw bad("trailing \\");
      re += esc(next);
      i += 2;
    } else if (c === LBRACKET) {
      i++;
      let negated = false;
      if (cps[i] === CARET) {
        negated = true;
        i++;
      }
      let body = "";
      for (let ranges = 0; ; ranges++) {
        if (cps[i] === RBRACKET && ranges > 0) {
          i++;
          break;
        }
        const lo = classChar();
        let hi = lo;
        if (cps[i] === DASH) {
          i++;
          hi = classChar();
        }
        // Go accepts a reversed range and simply never matches it; a RegExp would throw.
        if (lo <= hi) body += lo === hi ? esc(lo) : `${esc(lo)}-${esc(hi)}`;
      }
      re += negated ? `[^${body}]` : `[${body}]`;
    } else {
      re += esc(c);
      i++;
    }
  }
  return new RegExp(re + "$", "u");
}

const STAR = 0x2a;
const QUESTION = 0x3f;
const BACKSLASH = 0x5c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const CARET = 0x5e;
const DASH = 0x2d;

/** Every literal as a \u{…} escape: nothing in the pattern can mean RegExp syntax. */
function esc(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}
