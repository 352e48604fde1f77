/**
 * Kapacitor conformance scenarios: every directory under scenarios/ holds a TICKscript, the
 * data it replays and the alert JSON lines Kapacitor's `.post()` would send, derived by hand
 * from Kapacitor's semantics (KAPACITOR-COMPAT.md). Each one runs through `tickctl test --json`
 * in-process and must print exactly those lines, in order.
 *
 * Layout of a scenario directory:
 *   task.tick        the script
 *   data.srpl        db / rp / line-protocol records, second timestamps (or data.lp + `precision`)
 *   precision        with data.lp: the precision (ns, u, ms, s, m, h) on one line
 *   vars.txt         optional, one `name=literal` per line
 *   expected.jsonl   the alert JSON lines, in order
 *   README.md        what it pins; a line `Expected errors: N` when N `error:` lines are expected
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runTest } from "../../src/cli/test-command.js";

const ROOT = fileURLToPath(new URL("./scenarios/", import.meta.url));

interface Scenario {
  name: string;
  dir: string;
  data: string;
  precision?: string;
  vars: string[];
  expected: string[];
  expectedErrors: number;
}

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l.trim() !== "");
}

function load(name: string): Scenario {
  const dir = join(ROOT, name);
  const srpl = join(dir, "data.srpl");
  const lp = join(dir, "data.lp");
  const data = existsSync(srpl) ? srpl : lp;
  const precisionFile = join(dir, "precision");
  const varsFile = join(dir, "vars.txt");
  const readme = readFileSync(join(dir, "README.md"), "utf8");
  const errs = /^Expected errors:\s*(\d+)/im.exec(readme);
  const s: Scenario = {
    name,
    dir,
    data,
    vars: existsSync(varsFile) ? lines(readFileSync(varsFile, "utf8")).map((l) => l.trim()) : [],
    expected: lines(readFileSync(join(dir, "expected.jsonl"), "utf8")),
    expectedErrors: errs?.[1] !== undefined ? Number(errs[1]) : 0,
  };
  if (existsSync(precisionFile)) s.precision = readFileSync(precisionFile, "utf8").trim();
  return s;
}

/** A line-by-line diff that points at the first differing character of each changed line. */
function diff(expected: string[], got: string[]): string {
  const out: string[] = [];
  const n = Math.max(expected.length, got.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const g = got[i];
    if (e === g) {
      out.push(`  ${i + 1}: ${e ?? ""}`);
      continue;
    }
    if (e !== undefined) out.push(`- ${i + 1}: ${e}`);
    if (g !== undefined) out.push(`+ ${i + 1}: ${g}`);
    if (e !== undefined && g !== undefined) {
      let c = 0;
      while (c < e.length && e[c] === g[c]) c++;
      out.push(`  ${" ".repeat(String(i + 1).length)}  ${" ".repeat(c)}^ first difference at column ${c + 1}`);
    }
  }
  return `expected ${expected.length} events, got ${got.length}\n${out.join("\n")}`;
}

const names = readdirSync(ROOT)
  .filter((d) => statSync(join(ROOT, d)).isDirectory())
  .sort();

describe("Kapacitor conformance scenarios", () => {
  it("has at least 28 scenarios", () => {
    expect(names.length).toBeGreaterThanOrEqual(28);
  });

  for (const name of names) {
    it(name, async () => {
      const s = load(name);
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
      const code = await runTest(join(s.dir, "task.tick"), opts);
      const got = lines(out);
      const errorLines = lines(err).filter((l) => l.startsWith("error:"));
      const context = `\nstderr:\n${err || "(empty)"}`;

      if (got.join("\n") !== s.expected.join("\n")) {
        expect.fail(`${name}: alert JSON differs\n${diff(s.expected, got)}${context}`);
      }
      expect(code, `exit code${context}`).toBe(0);
      expect(errorLines.length, `error: lines (README declares ${s.expectedErrors})${context}`).toBe(s.expectedErrors);
    });
  }
});
