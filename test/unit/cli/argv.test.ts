import { describe, expect, it } from "vitest";
import { normalizeGoFlags } from "../../../src/cli/argv.js";

describe("normalizeGoFlags", () => {
  it("rewrites Kapacitor's single-dash long flags", () => {
    expect(normalizeGoFlags(["define", "cpu", "-tick", "cpu.tick", "-dbrp", "telegraf.autogen"])).toEqual([
      "define",
      "cpu",
      "--tick",
      "cpu.tick",
      "--dbrp",
      "telegraf.autogen",
    ]);
  });
  it("keeps short flags, values, negative numbers and everything after --", () => {
    expect(normalizeGoFlags(["-h", "--json", "-5", "-url=http://x", "--", "-tick"])).toEqual([
      "-h",
      "--json",
      "-5",
      "--url=http://x",
      "--",
      "-tick",
    ]);
  });
});
