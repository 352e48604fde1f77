import { describe, expect, it } from "vitest";
import {
  columnWidth,
  formatDbrps,
  formatRfc822,
  formatVarValue,
  padLeft,
  padRight,
} from "../../../../src/cli/client/format.js";

describe("client output formatting", () => {
  it("formats API times as Go's RFC 822 layout in the offset they were written with", () => {
    expect(formatRfc822("2024-03-13T10:04:59.999999999Z")).toBe("13 Mar 24 10:04 UTC");
    expect(formatRfc822("0001-01-01T00:00:00Z")).toBe("01 Jan 01 00:00 UTC");
    expect(formatRfc822("2024-12-01T23:59:00-05:30")).toBe("01 Dec 24 23:59 -0530");
    expect(formatRfc822("yesterday")).toBe("yesterday");
    expect(formatRfc822(undefined)).toBe("");
  });

  it("formats dbrps as Go prints []DBRP", () => {
    expect(formatDbrps([])).toBe("[]");
    expect(formatDbrps(undefined)).toBe("[]");
    expect(
      formatDbrps([
        { db: "telegraf", rp: "autogen" },
        { db: 'a"b', rp: "r\tp" },
      ]),
    ).toBe('["telegraf"."autogen" "a\\"b"."r\\tp"]');
  });

  it("formats var values as kapacitor show does", () => {
    expect(formatVarValue("duration", 10_000_000_000)).toBe("10s");
    expect(formatVarValue("duration", "10s")).toBe("10s");
    expect(formatVarValue("int", 12345678901)).toBe("12345678901");
    expect(formatVarValue("float", 0.5)).toBe("0.5");
    expect(formatVarValue("float", 1e21)).toBe("1e+21");
    expect(formatVarValue("bool", true)).toBe("true");
    expect(formatVarValue("lambda", '"x" > 1')).toBe('"x" > 1');
    expect(formatVarValue("list", [{ type: "string", value: "a" }, { type: "star" }])).toBe("[a, *]");
  });

  it("pads by characters, not UTF-16 units", () => {
    expect(padRight("µs", 4)).toBe("µs  ");
    expect(padRight("toolong", 3)).toBe("toolong");
    expect(padLeft("7", 3)).toBe("  7");
    expect(columnWidth(["a", "abcd"], 2)).toBe(5);
    expect(columnWidth([], 2)).toBe(3);
  });
});
