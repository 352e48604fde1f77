import { describe, expect, it } from "vitest";
import { TickdError } from "../../../src/core/errors.js";
import { compileGlob, globMatch, StoreErrorCodes } from "../../../src/store/index.js";

// [pattern, name, matches]: Go's path/filepath.Match semantics on Unix.
const cases: [string, string, boolean][] = [
  ["abc", "abc", true],
  ["abc", "abcd", false],
  ["*", "abc", true],
  ["*", "", true],
  ["*c", "abc", true],
  ["a*", "a", true],
  ["a*", "abc", true],
  ["a*", "ab/c", false],
  ["a*/b", "abc/b", true],
  ["a*/b", "a/c/b", false],
  ["a*b*c*d*e*/f", "axbxcxdxe/f", true],
  ["a*b*c*d*e*/f", "axbxcxdxexxx/f", true],
  ["a*b?c*x", "abxbbxdbxebxczzx", true],
  ["a*b?c*x", "abxbbxdbxebxczzy", false],
  ["ab[c]", "abc", true],
  ["ab[b-d]", "abc", true],
  ["ab[e-g]", "abc", false],
  ["ab[^c]", "abc", false],
  ["ab[^b-d]", "abc", false],
  ["ab[^e-g]", "abc", true],
  ["a\\*b", "a*b", true],
  ["a\\*b", "ab", false],
  ["a?b", "a☺b", true],
  ["a[^a]b", "a☺b", true],
  ["a???b", "a☺b", false],
  ["a[^a][^a][^a]b", "a☺b", false],
  ["[a-ζ]*", "α", true],
  ["*[a-ζ]", "A", false],
  ["a?b", "a/b", false],
  ["a*b", "a/b", false],
  ["[\\]a]", "]", true],
  ["[\\-]", "-", true],
  ["[x\\-]", "x", true],
  ["[x\\-]", "-", true],
  ["[x\\-]", "z", false],
  ["[\\-x]", "x", true],
  ["[z-a]", "m", false],
  ["*x", "xxx", true],
  ["cpu.*", "cpu.x", true],
  ["cpu.*", "cpuXx", false],
  ["(a|b)+", "(a|b)+", true],
  ["(a|b)+", "a", false],
  ["main:cpu_alert:*", "main:cpu_alert:alert2", true],
];

const bad = ["[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[", "a/b[", "ab[c"];

describe("filepath.Match globs", () => {
  it.each(cases)("%j against %j → %s", (pattern, name, want) => {
    expect(globMatch(pattern, name)).toBe(want);
    expect(compileGlob(pattern)(name)).toBe(want);
  });

  it.each(bad)("%j is a bad pattern, whatever the name", (pattern) => {
    for (const name of ["a", "x", "-", "]", ""]) {
      try {
        globMatch(pattern, name);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(TickdError);
        expect((e as TickdError).code).toBe(StoreErrorCodes.PATTERN);
        expect((e as TickdError).message).toContain(JSON.stringify(pattern));
      }
    }
  });
});
