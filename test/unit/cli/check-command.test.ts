import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCheck } from "../../../src/cli/check-command.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tickd-check-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function run(files: string[], json = false): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCheck(files, { json, out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const GOOD =
  'dbrp "telegraf"."autogen"\nstream\n    |from()\n        .measurement(\'cpu\')\n    |alert()\n        .crit(lambda: "usage_idle" < 10.0)\n';
const BAD =
  "stream\n    |from()\n        .measurement('cpu')\n    |alert()\n        .critt(lambda: \"value\" > 90)\n";
const WARN = "stream\n    |from()\n    |alert()\n        .victorops()\n";

describe("tickctl check", () => {
  it("exits 0 and prints the summary for clean files", async () => {
    const r = await run([file("good.tick", GOOD)]);
    expect(r).toEqual({ code: 0, out: "checked 1 file: 0 errors, 0 warnings\n", err: "" });
  });

  it("exits 1 and prints each problem with its line and caret", async () => {
    const bad = file("bad.tick", BAD);
    const r = await run([bad, file("good.tick", GOOD)]);
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      [
        `${bad}:5:10: error: unknown property .critt on alert`,
        '5 |         .critt(lambda: "value" > 90)',
        "             ^^^^^",
        "  hint: did you mean .crit?",
        "checked 2 files: 1 error, 0 warnings",
        "",
      ].join("\n"),
    );
  });

  it("allows warnings", async () => {
    const r = await run([file("warn.tick", WARN)]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("warning: write .victorOps()");
    expect(r.out).toContain("checked 1 file: 0 errors, 1 warning\n");
  });

  it("exits 2 naming a file it cannot read, and still checks the others", async () => {
    const missing = join(dir, "missing.tick");
    const r = await run([missing, file("bad.tick", BAD)]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`tickctl check: cannot read ${missing}: no such file\n`);
    expect(r.out).toContain("checked 1 file: 1 error, 0 warnings");
  });

  it("prints one JSON document with --json", async () => {
    const bad = file("bad.tick", BAD);
    const good = file("good.tick", GOOD);
    const r = await run([bad, good], true);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out) as {
      files: { file: string; diagnostics: { code: string; line: number; column: number; hint?: string }[] }[];
      errors: number;
      warnings: number;
    };
    expect(doc.errors).toBe(1);
    expect(doc.warnings).toBe(0);
    expect(doc.files.map((f) => f.file)).toEqual([bad, good]);
    expect(doc.files[0]!.diagnostics[0]).toMatchObject({
      code: "E_TICK_UNKNOWN_PROPERTY",
      line: 5,
      column: 10,
      hint: "did you mean .crit?",
    });
    expect(doc.files[1]!.diagnostics).toEqual([]);
  });

  it("reports parse errors too", async () => {
    const r = await run([file("syntax.tick", "stream\n    |from(\n")]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/syntax\.tick:\d+:\d+: error: /);
  });
});
