import { describe, expect, it } from "vitest";
import { compileGlob } from "../../../src/alert/glob.js";

describe("compileGlob (Go path.Match)", () => {
  it("matches everything for an empty or absent pattern", () => {
    expect(compileGlob("")("anything")).toBe(true);
    expect(compileGlob(undefined)("main:t:alert2")).toBe(true);
  });

  it.each([
    ["cpu*", "cpu_alert", true],
    ["cpu*", "mem", false],
    ["main:*:alert?", "main:cpu:alert2", true],
    ["main:*:alert?", "main:cpu:alert12", false],
    ["*", "a/b", false],
    ["[a-c]pu", "cpu", true],
    ["[^a-c]pu", "cpu", false],
    ["[^a-c]pu", "gpu", true],
    ["\\*", "*", true],
    ["\\*", "x", false],
    ["a.b", "axb", false],
    ["[\\-x]", "-", true],
    ["[z-a]", "m", false],
    ["héllo*", "héllo-wörld", true],
    ["?", "é", true],
  ])("%s against %s → %s", (pattern, name, want) => {
    expect(compileGlob(pattern)(name)).toBe(want);
  });

  it.each(["[", "[]", "[a", "a\\", "[-a]", "[a-]"])("rejects the malformed pattern %s", (pattern) => {
    expect(() => compileGlob(pattern)).toThrow(expect.objectContaining({ code: "E_PATTERN" }));
  });
});
