/**
 * Kapacitor conformance scenarios: every directory under scenarios/ holds a TICKscript, the
 * data it replays and the alert JSON lines Kapacitor's `.post()` would send, derived by hand
 * from Kapacitor's semantics (KAPACITOR-COMPAT.md). Each one runs through `tickctl test --json`
 * in-process and must print exactly those lines, in order. The layout of a scenario directory
 * is described in test/support/scenarios.ts.
 */
import { describe, expect, it } from "vitest";
import { runTest } from "../../src/cli/test-command.js";
import { lineDiff, lines, loadScenario, scenarioNames } from "../support/scenarios.js";

const names = scenarioNames();

describe("Kapacitor conformance scenarios", () => {
  it("has at least 28 scenarios", () => {
    expect(names.length).toBeGreaterThanOrEqual(28);
  });

  for (const name of names) {
    it(name, async () => {
      const s = loadScenario(name);
      let out = "";
      let err = "";
      const opts: Parameters<typeof runTest>[1] = {
        data: s.data,
        json: true,
        vars: s.vars,
        taskName: s.name,
        out: (x) => {
          out += x;
        },
        err: (x) => {
          err += x;
        },
      };
      if (s.precision !== undefined) opts.precision = s.precision;
      const code = await runTest(s.scriptFile, opts);
      const got = lines(out);
      const errorLines = lines(err).filter((l) => l.startsWith("error:"));
      const context = `\nstderr:\n${err || "(empty)"}`;

      if (got.join("\n") !== s.expected.join("\n")) {
        expect.fail(`${name}: alert JSON differs\n${lineDiff(s.expected, got)}${context}`);
      }
      expect(code, `exit code${context}`).toBe(0);
      expect(errorLines.length, `error: lines (README declares ${s.expectedErrors})${context}`).toBe(s.expectedErrors);
    });
  }
});
