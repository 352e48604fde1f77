import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runBuilt } from "../support/cli.js";

describe("tickctl check (built binary)", () => {
  it("accepts the shipped tasks/ and exits 0", () => {
    const r = runBuilt("tickctl", ["check", `${REPO}tasks/cpu_alert.tick`]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("checked 1 file: 0 errors, 0 warnings");
  });

  it("reports every problem as file:line:col with a caret and exits 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "tickd-check-"));
    const file = join(dir, "bad.tick");
    writeFileSync(
      file,
      [
        "stream",
        "    |from()",
        "        .measurement('cpu')",
        "    |alert()",
        '        .critt(lambda: "value" > 90)',
        "",
      ].join("\n"),
    );
    const r = runBuilt("tickctl", ["check", file]);
    expect(r.status).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out).toContain(`${file}:5:10: error: unknown property .critt on alert`);
    expect(out).toContain("did you mean .crit?");
    expect(out).toMatch(/\n\s*\^+/);
  });

  it("accepts Kapacitor's single-dash flags and prints JSON with --json / -json", () => {
    const r = runBuilt("tickctl", ["check", "-json", `${REPO}tasks/cpu_alert.tick`]);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { errors: number; files: { file: string; diagnostics: unknown[] }[] };
    expect(doc.errors).toBe(0);
    expect(doc.files).toHaveLength(1);
    expect(doc.files[0]!.diagnostics).toEqual([]);
  });

  it("exits 2 with a clear message for a file that cannot be read", () => {
    const r = runBuilt("tickctl", ["check", "/nonexistent/x.tick"]);
    expect(r.status).toBe(2);
    expect(r.stdout + r.stderr).toContain("/nonexistent/x.tick");
  });
});
