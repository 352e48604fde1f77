/**
 * Go RE2 → JS RegExp, done once at compile time.
 *
 * Handled: leading inline flags `(?i)` `(?s)` `(?m)` (also combined, `(?is)`) become JS flags;
 * `(?P<n>…)` → `(?<n>…)`; `\A` `\z` (start/end of text whatever the flags); `\Q…\E` quoting;
 * `.` not matching only `\n` (JS also stops at `\r`, U+2028, U+2029); `\s` as Go's ASCII set;
 * octal `\123`; `\x{…}`; `\pL` `\p{Greek}` `\PL` (turns on the `u` flag); POSIX classes
 * `[[:alpha:]]`; `\a`; escaped punctuation JS would refuse in `u` mode.
 * Refused, as Go refuses them: lookarounds, backreferences. Refused because JS cannot express
 * them: `(?U)`, flags that are not at the start, scoped flags `(?i:…)`, `[[:^alpha:]]`.
 */
import { Regex } from "./values.js";

export type RegexTranslation = { ok: true; source: string; flags: string } | { ok: false; error: string };

const POSIX: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

const GENERAL_CATEGORIES = new Set(
  "L Lu Ll Lt Lm Lo M Mn Mc Me N Nd Nl No P Pc Pd Ps Pe Pi Pf Po S Sm Sc Sk So Z Zs Zl Zp C Cc Cf Cs Co Cn Any".split(
    " ",
  ),
);

/** Characters that keep their backslash in the JS output (valid identity escapes even in `u` mode). */
const JS_SYNTAX = new Set("^$\\.*+?()[]{}|/".split(""));

const GO_SPACE = "\\t\\n\\f\\r ";

function hex4(code: number): string {
  return "\\u" + code.toString(16).padStart(4, "0");
}

/** One literal code point, escaped when needed. */
function literal(code: number, inClass: boolean): string {
  const ch = String.fromCodePoint(code);
  if (JS_SYNTAX.has(ch) || (inClass && ch === "-")) return "\\" + ch;
  if (code < 0x20 || code === 0x7f) return hex4(code);
  return ch;
}

export function translateRegex(pattern: string): RegexTranslation {
  let out = "";
  let flags = "";
  let unicode = false;
  let inClass = false;
  let classStart = false;
  let i = 0;
  const n = pattern.length;
  const fail = (error: string): RegexTranslation => ({ ok: false, error });

  // Leading flag groups: (?i) (?s) (?m) (?ims)…
  for (;;) {
    const m = /^\(\?([a-zA-Z]*)\)/.exec(pattern.slice(i));
    if (!m) break;
    for (const f of m[1] ?? "") {
      if (f === "i" || f === "m" || f === "s") {
        if (!flags.includes(f)) flags += f;
      } else if (f === "U") {
        return fail("the ungreedy flag (?U) is not supported; use lazy quantifiers such as *? instead");
      } else {
        return fail(`invalid or unsupported Perl syntax: (?${m[1]})`);
      }
    }
    i += m[0].length;
  }
  const dotAll = flags.includes("s");

  while (i < n) {
    const c = pattern[i]!;
    if (c === "\\") {
      const e = pattern[i + 1];
      if (e === undefined) return fail("trailing backslash at end of expression");
      i += 2;
      if ("dDwWbB".includes(e)) {
        out += "\\" + e;
      } else if (e === "s") {
        out += inClass ? GO_SPACE : `[${GO_SPACE}]`;
      } else if (e === "S") {
        out += inClass ? "\\S" : `[^${GO_SPACE}]`;
      } else if (e === "A") {
        out += "(?<![\\s\\S])";
      } else if (e === "z") {
        out += "(?![\\s\\S])";
      } else if (e === "Q") {
        const end = pattern.indexOf("\\E", i);
        const text = end < 0 ? pattern.slice(i) : pattern.slice(i, end);
        for (const ch of text) out += literal(ch.codePointAt(0)!, inClass);
        i = end < 0 ? n : end + 2;
      } else if (e === "E") {
        // A stray \E outside \Q is ignored by Go.
      } else if (e === "p" || e === "P") {
        let name: string;
        if (pattern[i] === "{") {
          const close = pattern.indexOf("}", i);
          if (close < 0) return fail(`invalid character class range: \\${e}{`);
          name = pattern.slice(i + 1, close);
          i = close + 1;
        } else {
          const ch = pattern[i];
          if (ch === undefined) return fail(`invalid character class range: \\${e}`);
          name = ch;
          i++;
        }
        let negated = e === "P";
        if (name.startsWith("^")) {
          negated = !negated;
          name = name.slice(1);
        }
        if (!/^[A-Za-z_]+$/.test(name)) return fail(`invalid character class range: \\${e}{${name}}`);
        const prop = GENERAL_CATEGORIES.has(name) ? name : `Script=${name}`;
        out += `\\${negated ? "P" : "p"}{${prop}}`;
        unicode = true;
      } else if (e === "x") {
        let code: number;
        if (pattern[i] === "{") {
          const close = pattern.indexOf("}", i);
          const hex = close < 0 ? "" : pattern.slice(i + 1, close);
          if (!/^[0-9A-Fa-f]{1,6}$/.test(hex)) return fail("invalid escape sequence: \\x{");
          code = parseInt(hex, 16);
          i = close + 1;
        } else {
          const hex = pattern.slice(i, i + 2);
          if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return fail(`invalid escape sequence: \\x${hex}`);
          code = parseInt(hex, 16);
          i += 2;
        }
        if (code > 0x10ffff) return fail("invalid escape sequence: \\x{…} out of range");
        if (code > 0xffff) unicode = true;
        out += code > 0xffff ? `\\u{${code.toString(16)}}` : hex4(code);
      } else if (e >= "0" && e <= "7") {
        // Go: a single non-zero digit would be a backreference, which RE2 does not support.
        if (e !== "0" && !(pattern[i]! >= "0" && pattern[i]! <= "7")) {
          return fail(`invalid escape sequence: \\${e} (backreferences are not supported)`);
        }
        let digits = e;
        while (digits.length < 3 && pattern[i]! >= "0" && pattern[i]! <= "7") digits += pattern[i++];
        out += hex4(parseInt(digits, 8));
      } else if (e === "a") {
        out += "\\x07";
      } else if ("fnrtv".includes(e)) {
        out += "\\" + e;
      } else if (/[A-Za-z0-9]/.test(e)) {
        return fail(`invalid escape sequence: \\${e}`);
      } else {
        out += literal(e.codePointAt(0)!, inClass);
      }
      classStart = false;
      continue;
    }
    if (inClass) {
      if (c === "]" && !classStart) {
        inClass = false;
        out += "]";
        i++;
        continue;
      }
      if (c === "]") {
        out += "\\]";
        i++;
        classStart = false;
        continue;
      }
      if (c === "[" && pattern[i + 1] === ":") {
        const close = pattern.indexOf(":]", i + 2);
        if (close > 0) {
          const name = pattern.slice(i + 2, close);
          if (name.startsWith("^")) return fail(`negated POSIX class [:${name}:] is not supported`);
          const set = POSIX[name];
          if (set === undefined) return fail(`invalid character class range: [:${name}:]`);
          out += set;
          i = close + 2;
          classStart = false;
          continue;
        }
      }
      if (c === "[") {
        out += "\\[";
        i++;
        classStart = false;
        continue;
      }
      out += c;
      i++;
      classStart = false;
      continue;
    }
    if (c === "[") {
      inClass = true;
      classStart = true;
      out += "[";
      i++;
      if (pattern[i] === "^") {
        out += "^";
        i++;
      }
      continue;
    }
    if (c === "(" && pattern[i + 1] === "?") {
      const rest = pattern.slice(i + 2);
      if (rest.startsWith("P<")) {
        out += "(?<";
        i += 4;
      } else if (rest.startsWith(":")) {
        out += "(?:";
        i += 3;
      } else if (/^<[A-Za-z_]/.test(rest)) {
        out += "(?<";
        i += 3;
      } else if (/^[a-zA-Z-]*[:)]/.test(rest)) {
        return fail(
          `inline flags are only supported at the start of the expression: (?${rest.split(/[:)]/)[0]}…`,
        );
      } else {
        return fail(`invalid or unsupported Perl syntax: (?${rest.slice(0, 2)}`);
      }
      continue;
    }
    if (c === "." && !dotAll) {
      out += "[^\\n]";
      i++;
      continue;
    }
    out += c === "-" ? "-" : c;
    i++;
  }
  if (inClass) return fail(`missing closing ]: ${pattern}`);
  if (unicode) flags += "u";
  try {
    new RegExp(out, flags);
  } catch (e) {
    return fail((e instanceof Error ? e.message : String(e)).replace(/^Invalid regular expression: /, ""));
  }
  return { ok: true, source: out, flags };
}

/** Compiles a Go RE2 pattern; throws an Error with Go-like wording when it does not compile. */
export function compileRegex(pattern: string): Regex {
  const t = translateRegex(pattern);
  if (!t.ok) throw new Error(t.error);
  return new Regex(pattern, new RegExp(t.source, t.flags));
}

/**
 * Go's `Regexp.ReplaceAllString` template: `$1`, `${1}`, `$name`, `${name}`, `$$`; a `$name`
 * takes the longest run of letters, digits and `_`; unknown groups expand to "".
 */
export function goReplaceAll(re: RegExp, src: string, template: string): string {
  const global = new RegExp(re.source, re.flags.includes("g") ? re.flags : re.flags + "g");
  if (!template.includes("$")) return src.replace(global, () => template);
  return src.replace(global, (...args: unknown[]) => {
    const last = args[args.length - 1];
    const named =
      typeof last === "object" && last !== null ? (last as Record<string, string | undefined>) : undefined;
    const groupsEnd = named ? args.length - 3 : args.length - 2;
    const groups = args.slice(0, groupsEnd) as (string | undefined)[];
    let out = "";
    let k = 0;
    while (k < template.length) {
      const ch = template[k]!;
      if (ch !== "$") {
        out += ch;
        k++;
        continue;
      }
      const next = template[k + 1];
      if (next === "$") {
        out += "$";
        k += 2;
        continue;
      }
      let name: string | undefined;
      if (next === "{") {
        const close = template.indexOf("}", k + 2);
        const inner = close < 0 ? "" : template.slice(k + 2, close);
        if (/^\w+$/.test(inner)) {
          name = inner;
          k = close + 1;
        }
      } else {
        const m = /^\w+/.exec(template.slice(k + 1));
        if (m) {
          name = m[0];
          k += 1 + m[0].length;
        }
      }
      if (name === undefined) {
        out += "$";
        k++;
        continue;
      }
      if (/^\d+$/.test(name)) out += groups[Number(name)] ?? "";
      else out += named?.[name] ?? "";
    }
    return out;
  });
}
