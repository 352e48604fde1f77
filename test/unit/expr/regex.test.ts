import { describe, expect, it } from "vitest";
import { compileRegex, translateRegex } from "../../../src/expr/index.js";

function matches(pattern: string, s: string): boolean {
  return compileRegex(pattern).re.test(s);
}

function error(pattern: string): string {
  const t = translateRegex(pattern);
  if (t.ok) throw new Error(`expected /${pattern}/ to be refused`);
  return t.error;
}

describe("Go RE2 → JS RegExp", () => {
  it("keeps the original pattern", () => {
    expect(compileRegex("^cpu").pattern).toBe("^cpu");
  });
  it("turns leading inline flags into JS flags", () => {
    expect(translateRegex("(?i)^server")).toEqual({ ok: true, source: "^server", flags: "i" });
    expect(matches("(?i)^server", "SERVERa")).toBe(true);
    expect(translateRegex("(?is)a").ok && translateRegex("(?is)a")).toMatchObject({ flags: "is" });
    expect(matches("(?m)^b$", "a\nb\nc")).toBe(true);
    expect(matches("^b$", "a\nb\nc")).toBe(false);
  });
  it("matches . like Go: anything but \\n unless (?s)", () => {
    expect(matches("a.b", "a\rb")).toBe(true);
    expect(matches("a.b", "a\nb")).toBe(false);
    expect(matches("(?s)a.b", "a\nb")).toBe(true);
  });
  it("translates \\A and \\z", () => {
    expect(matches("x\\z", "x\n")).toBe(false);
    expect(matches("x\\z", "ax")).toBe(true);
    expect(matches("(?m)\\Ab", "a\nb")).toBe(false);
    expect(matches("\\Aa", "ab")).toBe(true);
  });
  it("translates named groups", () => {
    const r = compileRegex("(?P<host>\\w+)\\.example");
    expect(r.re.exec("web1.example")?.groups?.host).toBe("web1");
  });
  it("supports \\Q…\\E, octal and \\x{…}", () => {
    expect(matches("\\Qa.b*\\E$", "xa.b*")).toBe(true);
    expect(matches("\\Qa.b*\\E$", "xaxbb")).toBe(false);
    expect(matches("^\\101$", "A")).toBe(true);
    expect(matches("^\\x{263a}$", "☺")).toBe(true);
    expect(matches("^\\x41$", "A")).toBe(true);
  });
  it("uses Go's ASCII \\s", () => {
    expect(matches("\\s", "\v")).toBe(false);
    expect(matches("\\s", "\t")).toBe(true);
    expect(matches("^\\S+$", "ab")).toBe(true);
  });
  it("supports POSIX classes and Unicode classes", () => {
    expect(matches("^[[:alpha:]]+$", "abcXYZ")).toBe(true);
    expect(matches("^[[:digit:][:space:]]+$", "1 2")).toBe(true);
    expect(matches("^\\pL+$", "héllo")).toBe(true);
    expect(matches("^\\p{Greek}+$", "αβγ")).toBe(true);
    expect(matches("^\\PL$", "1")).toBe(true);
  });
  it("accepts escaped punctuation that JS refuses in unicode mode", () => {
    expect(matches("^a\\-b\\!\\pL$", "a-b!c")).toBe(true);
  });
  it("keeps a leading ] in a class literal, as Go", () => {
    expect(matches("^[]a]+$", "]a]")).toBe(true);
  });
  it("refuses what Go refuses", () => {
    expect(error("a(?=b)")).toMatch(/^invalid or unsupported Perl syntax/);
    expect(error("(a)\\1")).toMatch(/backreferences are not supported/);
    expect(error("\\q")).toBe("invalid escape sequence: \\q");
    expect(error("[a")).toMatch(/^missing closing ]/);
    expect(error("a\\")).toMatch(/trailing backslash/);
  });
  it("refuses what JS cannot express", () => {
    expect(error("(?U)a+")).toMatch(/ungreedy/);
    expect(error("a(?i)b")).toMatch(/only supported at the start/);
    expect(error("(?i:a)b")).toMatch(/only supported at the start/);
    expect(error("[[:^alpha:]]")).toMatch(/negated POSIX class/);
  });
  it("reports JS syntax errors as they are", () => {
    expect(error("a**")).toMatch(/Nothing to repeat/);
  });
});
