/**
 * Every script in test/fixtures/tick/valid/ parses and checks with no error. A fixture may
 * expect warnings by listing their codes in a comment: `// expect-warning: W_TICK_ALIAS`.
 * Typed vars come from a sidecar `<name>.vars.json` (Kapacitor's task vars JSON).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../../grammar/diagnostic.js";
import { checkScript, type TaskVar } from "../../../src/pipeline/check.js";

const DIR = join(import.meta.dirname, "../../fixtures/tick/valid");
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".tick"))
  .sort();

describe("valid TICKscripts", () => {
  it("has at least 45 fixtures", () => {
    expect(files.length).toBeGreaterThanOrEqual(45);
  });

  it.each(files)("%s checks clean", (name) => {
    const path = join(DIR, name);
    const text = readFileSync(path, "utf8");
    const varsFile = path.replace(/\.tick$/, ".vars.json");
    const vars = existsSync(varsFile)
      ? (JSON.parse(readFileSync(varsFile, "utf8")) as Record<string, TaskVar>)
      : undefined;
    const { graph, diagnostics } = checkScript(text, name, vars === undefined ? {} : { vars });
    const expected = [...text.matchAll(/\/\/ expect-warning: (\S+)/g)].map((m) => m[1]).sort();
    const shown = diagnostics.map((d) => formatDiagnostic(d, text)).join("\n");
    expect(
      diagnostics.filter((d) => d.severity === "error"),
      shown,
    ).toEqual([]);
    expect(diagnostics.map((d) => d.code).sort(), shown).toEqual(expected);
    expect(graph).toBeDefined();
    expect(graph?.dbrps.length).toBeGreaterThan(0);
  });
});
