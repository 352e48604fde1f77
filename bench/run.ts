/**
 * `npm run bench [-- name…]`: runs the selected benches, prints a table, writes
 * bench/results.json. Each bench runs in a fresh Node process (same flags), so the garbage
 * and JIT state one leaves behind cannot skew the next one's figures.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import type { Bench, BenchResult } from "./harness.js";
import { benches as registry } from "./registry.js";

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !registry.some((b: Bench) => b.name === w));
  if (unknown.length > 0) {
    console.error(
      `unknown benchmark(s): ${unknown.join(", ")}; known: ${registry.map((b) => b.name).join(", ")}`,
    );
    process.exit(2);
  }
  const selected = wanted.length === 0 ? registry : registry.filter((b) => wanted.includes(b.name));
  const results: BenchResult[] = [];
  for (const b of selected) {
    process.stderr.write(`running ${b.name}…\n`);
    results.push(...runChild(b.name));
  }
  const rows = results.map((r) => [
    r.name,
    formatValue(r.value),
    r.unit,
    r.baseline
      ? `${r.baseline.name}: ${formatValue(r.baseline.value)} (ratio ${(r.value / r.baseline.value).toFixed(2)})`
      : "",
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => (row[i] ?? "").length), 4));
  for (const row of rows) {
    console.log(
      `${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padStart(widths[1]!)}  ${row[2]!.padEnd(widths[2]!)}  ${row[3]}`,
    );
  }
  // dist/bench/run.js → <repo>/bench/results.json
  const out = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bench", "results.json");
  writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
  console.log(`wrote ${out}`);
}

const CHILD_FLAG = "--child";
const RESULT_PREFIX = "bench-results: ";

/** Runs one bench in a child process; its other output goes to our stderr. */
function runChild(name: string): BenchResult[] {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), CHILD_FLAG, name],
    {
      stdio: ["ignore", "pipe", "inherit"],
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const lines = r.stdout.split("\n");
  const other = lines.filter((l) => !l.startsWith(RESULT_PREFIX) && l !== "");
  if (other.length > 0) process.stderr.write(other.join("\n") + "\n");
  const found = lines.find((l) => l.startsWith(RESULT_PREFIX));
  if (r.status !== 0 || found === undefined) {
    throw new Error(`bench ${name} failed (exit ${r.status ?? r.signal}); see its output above`);
  }
  return JSON.parse(found.slice(RESULT_PREFIX.length)) as BenchResult[];
}

/** The child side: run one bench, print its results on one marked line. */
async function child(name: string): Promise<void> {
  const b = registry.find((x) => x.name === name);
  if (b === undefined) throw new Error(`unknown benchmark ${name}`);
  const results = await b.run();
  process.stdout.write(RESULT_PREFIX + JSON.stringify(results) + "\n");
}

function formatValue(v: number): string {
  if (v >= 1000) return Math.round(v).toLocaleString("en-US");
  return v.toPrecision(4);
}

if (process.argv[2] === CHILD_FLAG) await child(process.argv[3] ?? "");
else await main();
