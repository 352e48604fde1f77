/**
 * The Kapacitor conformance scenarios (test/conformance/scenarios/) as the conformance tests
 * read them: one loader for the in-process runner (scenarios.test.ts), the daemon's HTTP path
 * (http.test.ts) and the parity test (parity.test.ts).
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
import type { ChainExpr, Expr } from "../../grammar/ast.js";
import { parse } from "../../grammar/index.js";
import { parseVars } from "../../src/cli/test-command.js";
import { parseSrpl } from "../../src/core/srpl.js";

export const SCENARIOS_ROOT = fileURLToPath(new URL("../conformance/scenarios/", import.meta.url));

export interface Scenario {
  name: string;
  dir: string;
  /** The task.tick path and its text. */
  scriptFile: string;
  script: string;
  /** data.srpl, or data.lp when there is no .srpl. */
  data: string;
  precision?: string;
  /** `name=literal` lines of vars.txt. */
  vars: string[];
  expected: string[];
  expectedErrors: number;
}

/** Non-blank lines. */
export function lines(text: string): string[] {
  return text.split("\n").filter((l) => l.trim() !== "");
}

/** A line-by-line diff that points at the first differing character of each changed line. */
export function lineDiff(expected: string[], got: string[]): string {
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
      out.push(
        `  ${" ".repeat(String(i + 1).length)}  ${" ".repeat(c)}^ first difference at column ${c + 1}`,
      );
    }
  }
  return `expected ${expected.length} events, got ${got.length}\n${out.join("\n")}`;
}

/** Every scenario directory name, sorted. */
export function scenarioNames(): string[] {
  return readdirSync(SCENARIOS_ROOT)
    .filter((d) => statSync(join(SCENARIOS_ROOT, d)).isDirectory())
    .sort();
}

export function loadScenario(name: string): Scenario {
  const dir = join(SCENARIOS_ROOT, name);
  const srpl = join(dir, "data.srpl");
  const data = existsSync(srpl) ? srpl : join(dir, "data.lp");
  const precisionFile = join(dir, "precision");
  const varsFile = join(dir, "vars.txt");
  const readme = readFileSync(join(dir, "README.md"), "utf8");
  const errs = /^Expected errors:\s*(\d+)/im.exec(readme);
  const scriptFile = join(dir, "task.tick");
  const s: Scenario = {
    name,
    dir,
    scriptFile,
    script: readFileSync(scriptFile, "utf8"),
    data,
    vars: existsSync(varsFile) ? lines(readFileSync(varsFile, "utf8")).map((l) => l.trim()) : [],
    expected: lines(readFileSync(join(dir, "expected.jsonl"), "utf8")),
    expectedErrors: errs?.[1] !== undefined ? Number(errs[1]) : 0,
  };
  if (existsSync(precisionFile)) s.precision = readFileSync(precisionFile, "utf8").trim();
  return s;
}

/** The scenario's vars as the task API's `vars` object. */
export function varsJson(s: Scenario): Record<string, { type: string; value: unknown }> {
  const vars = parseVars(s.vars);
  return Object.fromEntries(
    Object.entries(vars).map(([k, v]) => [
      k,
      { type: v.type, value: typeof v.value === "bigint" ? Number(v.value) : v.value },
    ]),
  );
}

/** The script's `dbrp "db"."rp"` statements, if any. */
export function scriptDbrps(script: string): { db: string; rp: string }[] {
  return [...script.matchAll(/^\s*dbrp\s+"([^"]*)"\s*\.\s*"([^"]*)"/gm)].map((m) => ({
    db: m[1]!,
    rp: m[2]!,
  }));
}

/** One `/write` request: consecutive records of the same db/rp share a body, in file order. */
export interface WriteBody {
  db: string;
  rp: string;
  precision: string;
  body: string;
}

/** The scenario's data as `/write` bodies (a .lp file goes to the script's first dbrp). */
export function writeBodies(s: Scenario): WriteBody[] {
  const text = readFileSync(s.data, "utf8");
  if (!s.data.endsWith(".srpl")) {
    const dbrp = scriptDbrps(s.script)[0];
    if (dbrp === undefined) throw new Error(`${s.name}: data.lp needs a dbrp statement in task.tick`);
    return [{ ...dbrp, precision: s.precision ?? "ns", body: text }];
  }
  const records = parseSrpl(text, s.data);
  const out: WriteBody[] = [];
  let i = 0;
  while (i < records.length) {
    const { db, rp } = records[i]!;
    const body: string[] = [];
    for (; i < records.length && records[i]!.db === db && records[i]!.rp === rp; i++) {
      const p = records[i]!.point;
      const tags = Object.entries(p.tags)
        .map(([k, v]) => `,${k}=${v}`)
        .join("");
      const fields = Object.entries(p.fields)
        .map(
          ([k, v]) =>
            `${k}=${typeof v === "bigint" ? `${v}i` : typeof v === "string" ? JSON.stringify(v) : String(v)}`,
        )
        .join(",");
      body.push(`${p.name}${tags} ${fields} ${p.time / 1_000_000_000n}`);
    }
    out.push({ db, rp, precision: "s", body: body.join("\n") });
  }
  return out;
}

export interface Rewritten {
  script: string;
  /** Handler URL path per alert node, in node order; undefined for nodes left without one. */
  paths: (string | undefined)[];
}

/**
 * Points every alert node's `.post()` at `base` + `/<name>/alert<i>`, adding one where a node
 * has none when `addMissing` (found with the real parser's spans). Adding a handler gives the
 * node an anonymous topic, which changes previousLevel and restored state for a node that
 * only collected into a `.topic()`.
 */
export function rewritePosts(name: string, script: string, base: string, addMissing: boolean): Rewritten {
  const { ast } = parse(script, name);
  if (ast === undefined) throw new Error(`${name}: script does not parse`);
  const edits: { from: number; to: number; text: string }[] = [];
  const paths: (string | undefined)[] = [];
  const chains: ChainExpr[] = [];
  const visit = (e: Expr): void => {
    if (e.type === "Chain") chains.push(e);
  };
  for (const st of ast.statements) {
    if (st.type === "ExprStatement") visit(st.expr);
    if (st.type === "VarDecl") visit(st.value);
  }
  for (const chain of chains) {
    chain.links.forEach((link, i) => {
      if (link.type !== "NodeLink" || link.name !== "alert") return;
      const path = `/${name}/alert${paths.length}`;
      let found = false;
      for (const prop of chain.links.slice(i + 1)) {
        if (prop.type !== "PropertyLink") break;
        if (prop.name !== "post") continue;
        found = true;
        const arg = prop.args[0];
        if (arg?.type === "String")
          edits.push({ from: arg.span.start.offset, to: arg.span.end.offset, text: `'${base}${path}'` });
      }
      if (!found && addMissing)
        edits.push({ from: link.span.end.offset, to: link.span.end.offset, text: `.post('${base}${path}')` });
      paths.push(found || addMissing ? path : undefined);
    });
  }
  let out = script;
  for (const e of edits.sort((a, b) => b.from - a.from))
    out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return { script: out, paths };
}
