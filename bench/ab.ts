/**
 * A/B of two builds on the same benches:
 *   node dist/bench/ab.js --old <repo with built dist/> [--runs N] <bench>…
 * Alternates old and new (this checkout) N times, one child process per bench and build (as
 * `npm run bench` runs them), and prints per-figure medians, their ratio and the range.
 * Both builds are measured with this checkout's bench/measure.ts (median of several rounds of
 * main-thread CPU time): the old build's dist/ is copied to a temp dir (never touched in place)
 * and its harness's opsPerSecond is replaced by ours, so only the code under test differs; each
 * build keeps its own bench workloads (which may differ in types, e.g. number vs bigint time).
 *
 * Why processes and not both builds in one process, alternating round by round: tried, and the
 * build loaded second ran the line-protocol parser up to 35% slower whichever build it was, so
 * the pairing measured load order rather than code.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url)); // <repo>/dist/bench
const newRepo = resolve(here, "..", "..");
const PREFIX = "bench-results: ";

function args(): { old: string; runs: number; benches: string[] } {
  const a = process.argv.slice(2);
  let old = "";
  let runs = 4;
  const benches: string[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === "--old") old = a[++i] ?? "";
    else if (a[i] === "--runs") runs = Number(a[++i]);
    else benches.push(a[i]!);
  }
  if (old === "" || !(runs > 0) || benches.length === 0) {
    console.error("usage: node dist/bench/ab.js --old <repo with built dist/> [--runs N] <bench>…");
    process.exit(2);
  }
  return { old: resolve(old), runs, benches };
}

/** A copy of the old build whose harness measures with our measure.js. */
function oldCopy(oldRepo: string): string {
  const dir = mkdtempSync(join(tmpdir(), "tickd-ab-"));
  cpSync(join(oldRepo, "dist"), join(dir, "dist"), { recursive: true });
  cpSync(join(oldRepo, "package.json"), join(dir, "package.json"));
  for (const link of ["tasks", "node_modules"]) {
    const target = existsSync(join(oldRepo, link)) ? join(oldRepo, link) : join(newRepo, link);
    symlinkSync(target, join(dir, link));
  }
  const bench = join(dir, "dist", "bench");
  renameSync(join(bench, "harness.js"), join(bench, "harness.orig.js"));
  cpSync(join(here, "measure.js"), join(bench, "measure.js"));
  writeFileSync(
    join(bench, "harness.js"),
    'export * from "./harness.orig.js";\nexport { opsPerSecond } from "./measure.js";\n',
  );
  return dir;
}

function runOne(repo: string, bench: string): BenchResult[] {
  const r = spawnSync(
    process.execPath,
    ["--expose-gc", "--max-semi-space-size=32", join(repo, "dist", "bench", "run.js"), "--child", bench],
    { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 26 },
  );
  const line = r.stdout.split("\n").find((l) => l.startsWith(PREFIX));
  if (r.status !== 0 || line === undefined) throw new Error(`${bench} in ${repo} failed (${r.status})`);
  return JSON.parse(line.slice(PREFIX.length)) as BenchResult[];
}

/** Figures of one result list, keyed so a name repeated with two baselines stays two rows. */
function figures(results: BenchResult[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of results) {
    out.set(r.name, r.value);
    if (r.baseline) out.set(`${r.name} [baseline: ${r.baseline.name}]`, r.baseline.value);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function main(): void {
  const { old, runs, benches } = args();
  const copy = oldCopy(old);
  const samples = { old: new Map<string, number[]>(), new: new Map<string, number[]>() };
  try {
    for (let i = 0; i < runs; i++) {
      // Swap which goes first each time, so a drifting machine favours neither.
      const order = i % 2 === 0 ? (["old", "new"] as const) : (["new", "old"] as const);
      for (const side of order) {
        for (const b of benches) {
          for (const [k, v] of figures(runOne(side === "old" ? copy : newRepo, b))) {
            const list = samples[side].get(k) ?? [];
            list.push(v);
            samples[side].set(k, list);
          }
          process.stderr.write(`run ${i + 1}/${runs} ${side} ${b} done\n`);
        }
      }
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
  const fmt = (v: number) => Math.round(v).toLocaleString("en-US");
  const range = (xs: number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
  console.log(
    `| figure (${runs} runs each, alternating) | old median | new median | ratio | old range | new range |`,
  );
  console.log(`|---|---|---|---|---|---|`);
  for (const [k, newVals] of samples.new) {
    const oldVals = samples.old.get(k);
    if (oldVals === undefined) continue;
    const o = median(oldVals);
    const n = median(newVals);
    console.log(
      `| ${k} | ${fmt(o)} | ${fmt(n)} | ${(n / o).toFixed(2)} | ${range(oldVals)} | ${range(newVals)} |`,
    );
  }
}

main();
