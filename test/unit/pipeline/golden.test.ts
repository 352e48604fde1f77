/**
 * Golden tests: each test/fixtures/tick/invalid/<name>.tick is checked and the formatted
 * diagnostics (`formatDiagnostic(d, source)`, one after another) must equal
 * <name>.expected.txt byte for byte — wording and positions are both pinned.
 *
 * Options for the check come from an optional sidecar <name>.opts.json:
 * `{"vars": {…task vars…}, "dbrps": [{"db","rp"}], "type": "stream"|"batch", "requireDbrp": true}`.
 *
 * Nothing is rewritten by default. After a deliberate wording change, run
 *   UPDATE_GOLDEN=1 npx vitest run --project unit test/unit/pipeline/golden.test.ts
 * and review the diff of the .expected.txt files before committing.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../../grammar/diagnostic.js";
import { checkScript, type CheckOptions } from "../../../src/pipeline/check.js";

const DIR = join(import.meta.dirname, "../../fixtures/tick/invalid");
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".tick"))
  .sort();

function render(name: string): { output: string; errors: number } {
  const path = join(DIR, name);
  const text = readFileSync(path, "utf8");
  const optsFile = path.replace(/\.tick$/, ".opts.json");
  const opts = existsSync(optsFile)
    ? (JSON.parse(readFileSync(optsFile, "utf8")) as Omit<CheckOptions, "file">)
    : {};
  const { diagnostics } = checkScript(text, name, opts);
  return {
    output: diagnostics.map((d) => `${formatDiagnostic(d, text)}\n`).join(""),
    errors: diagnostics.filter((d) => d.severity === "error").length,
  };
}

describe("invalid TICKscripts (golden diagnostics)", () => {
  it("covers at least 30 distinct errors", () => {
    const withErrors = files.filter((f) => render(f).errors > 0);
    expect(withErrors.length).toBeGreaterThanOrEqual(30);
  });

  it.each(files)("%s", (name) => {
    const { output } = render(name);
    expect(output, "a fixture here must produce diagnostics").not.toBe("");
    const golden = join(DIR, name.replace(/\.tick$/, ".expected.txt"));
    if (UPDATE) writeFileSync(golden, output);
    expect(existsSync(golden), `missing ${golden}; run with UPDATE_GOLDEN=1 to create it`).toBe(true);
    expect(output).toBe(readFileSync(golden, "utf8"));
  });
});
