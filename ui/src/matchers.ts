/**
 * Alertmanager matchers in the console: the label filter kept in the URL
 * (`host="a", severity=~"crit.*"`) and the preview of what a new silence matches. Semantics
 * are Alertmanager's (DESIGN §12): every matcher must match, a missing label matches as "",
 * regular expressions are anchored. Pure functions (the unit tests import this file).
 */
export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export type Labels = Readonly<Record<string, string>>;

const OPS: readonly (readonly [string, boolean, boolean])[] = [
  // [operator, isRegex, isEqual]; two-character operators are tried first.
  ["=~", true, true],
  ["!~", true, false],
  ["!=", false, false],
  ["=", false, true],
];

export function operatorOf(m: Matcher): string {
  return (m.isEqual ? "=" : "!") + (m.isRegex ? "~" : m.isEqual ? "" : "=");
}

/** `name="value"` with the value quoted as Alertmanager prints it. */
export function formatMatcher(m: Matcher): string {
  return `${m.name}${operatorOf(m)}${JSON.stringify(m.value)}`;
}

export function formatMatchers(ms: readonly Matcher[]): string {
  return ms.map(formatMatcher).join(", ");
}

/**
 * `{a="b", c!~"d.*"}` or `a=b,c!~d.*` → matchers. Throws an Error naming the bad part.
 * Values may be quoted (JSON string escapes) or bare (up to the next comma).
 */
export function parseMatchers(text: string): Matcher[] {
  let s = text.trim();
  if (s.startsWith("{") && s.endsWith("}")) s = s.slice(1, -1);
  const out: Matcher[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  while (true) {
    skipSpace();
    if (i >= s.length) break;
    const nameMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
    if (nameMatch === null) throw new Error(`expected a label name at ${JSON.stringify(s.slice(i))}`);
    const name = nameMatch[0];
    i += name.length;
    skipSpace();
    const op = OPS.find(([o]) => s.startsWith(o, i));
    if (op === undefined) throw new Error(`expected =, !=, =~ or !~ after ${name}`);
    i += op[0].length;
    skipSpace();
    let value: string;
    if (s[i] === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === "\\" ? 2 : 1;
      if (j >= s.length) throw new Error(`unterminated quoted value for ${name}`);
      try {
        value = JSON.parse(s.slice(i, j + 1)) as string;
      } catch {
        throw new Error(`bad escape in the value of ${name}`);
      }
      i = j + 1;
    } else {
      const end = s.indexOf(",", i);
      value = (end < 0 ? s.slice(i) : s.slice(i, end)).trim();
      i = end < 0 ? s.length : end;
    }
    if (op[1]) compileRegex(value);
    out.push({ name, value, isRegex: op[1], isEqual: op[2] });
    skipSpace();
    if (i < s.length) {
      if (s[i] !== ",") throw new Error(`expected "," after the matcher on ${name}`);
      i++;
    }
  }
  return out;
}

const regexCache = new Map<string, RegExp>();

function compileRegex(source: string): RegExp {
  let re = regexCache.get(source);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${source})$`);
    } catch (e) {
      throw new Error(`invalid regular expression ${JSON.stringify(source)}: ${(e as Error).message}`);
    }
    regexCache.set(source, re);
  }
  return re;
}

export function matcherMatches(m: Matcher, labels: Labels): boolean {
  const v = labels[m.name] ?? "";
  const hit = m.isRegex ? compileRegex(m.value).test(v) : v === m.value;
  return hit === m.isEqual;
}

export function matchesAll(ms: readonly Matcher[], labels: Labels): boolean {
  return ms.every((m) => matcherMatches(m, labels));
}
