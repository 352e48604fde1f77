/**
 * Alertmanager matchers: `{name, value, isRegex, isEqual}`; all matchers of a silence (or a
 * filter) must match. A label the alert lacks matches as "" (so `team!="db"` and `team=~".*"`
 * match an alert without `team`, `team="db"` does not). Regexes are Go RE2, anchored at both
 * ends as Alertmanager anchors them (`^(?:re)$`).
 *
 * Text form (amtool's `filter` and `tickctl silence add` arguments): `name=value`, `name!=v`,
 * `name=~re`, `name!~re`, the value bare or double-quoted with Go escapes; several may be given
 * as `{a="x",b=~"y"}`.
 */
import { compileRegex } from "../expr/regex.js";
import type { LabelSet } from "./labels.js";

export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export class MatcherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MatcherError";
  }
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A matcher ready to test label sets; compiling checks the name and the regex. */
export interface CompiledMatcher extends Matcher {
  test(labels: Readonly<LabelSet>): boolean;
}

export function compileMatcher(m: Matcher): CompiledMatcher {
  if (typeof m.name !== "string" || m.name === "") throw new MatcherError("matcher has an empty label name");
  if (typeof m.value !== "string") throw new MatcherError(`matcher ${m.name}: value must be a string`);
  const isEqual = m.isEqual !== false;
  const isRegex = m.isRegex === true;
  let hit: (v: string) => boolean;
  if (isRegex) {
    let re: RegExp;
    try {
      const r = compileRegex(`^(?:${m.value})$`).re;
      // Stateless tests (no lastIndex carried between calls).
      re = new RegExp(r.source, r.flags.replace(/[gy]/g, ""));
    } catch (e) {
      throw new MatcherError(
        `matcher ${m.name}: invalid regular expression ${JSON.stringify(m.value)}: ${(e as Error).message}`,
      );
    }
    hit = (v) => re.test(v);
  } else {
    hit = (v) => v === m.value;
  }
  return {
    name: m.name,
    value: m.value,
    isRegex,
    isEqual,
    test: (labels) => hit(labels[m.name] ?? "") === isEqual,
  };
}

export function matchAll(ms: readonly CompiledMatcher[], labels: Readonly<LabelSet>): boolean {
  for (const m of ms) if (!m.test(labels)) return false;
  return true;
}

export function matcherText(m: Matcher): string {
  const op = m.isRegex ? (m.isEqual ? "=~" : "!~") : m.isEqual ? "=" : "!=";
  return `${m.name}${op}${JSON.stringify(m.value)}`;
}

/** Parses `a="x"`, `{a="x",b!~"y.*"}` or `a=x` into matchers. Throws MatcherError. */
export function parseMatchers(text: string): Matcher[] {
  let s = text.trim();
  if (s.startsWith("{")) {
    if (!s.endsWith("}")) throw new MatcherError(`${JSON.stringify(text)}: missing closing "}"`);
    s = s.slice(1, -1).trim();
  }
  const out: Matcher[] = [];
  let i = 0;
  while (i < s.length) {
    const nameMatch = /^\s*([^=!~,\s"]+)\s*(=~|!~|!=|=)\s*/.exec(s.slice(i));
    if (nameMatch === null)
      throw new MatcherError(
        `${JSON.stringify(text)}: expected name=value, name!=value, name=~regex or name!~regex`,
      );
    const name = nameMatch[1]!;
    const op = nameMatch[2]!;
    if (!LABEL_NAME.test(name))
      throw new MatcherError(`${JSON.stringify(text)}: invalid label name ${JSON.stringify(name)}`);
    i += nameMatch[0].length;
    let value: string;
    if (s[i] === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === "\\" ? 2 : 1;
      if (j >= s.length) throw new MatcherError(`${JSON.stringify(text)}: unterminated quoted value`);
      try {
        value = JSON.parse(s.slice(i, j + 1)) as string;
      } catch {
        throw new MatcherError(`${JSON.stringify(text)}: invalid escape in ${s.slice(i, j + 1)}`);
      }
      i = j + 1;
    } else {
      const end = s.indexOf(",", i);
      value = (end < 0 ? s.slice(i) : s.slice(i, end)).trim();
      i = end < 0 ? s.length : end;
    }
    out.push({ name, value, isRegex: op === "=~" || op === "!~", isEqual: op === "=" || op === "=~" });
    const rest = /^\s*(,\s*)?/.exec(s.slice(i))!;
    i += rest[0].length;
  }
  if (out.length === 0) throw new MatcherError(`${JSON.stringify(text)}: no matcher`);
  for (const m of out) compileMatcher(m);
  return out;
}
