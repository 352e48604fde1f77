/** `npm run bench [-- name…]`: runs the selected benches, prints a table, writes bench/results.json. */
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
    results.push(...(await b.run()));
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

function formatValue(v: number): string {
  if (v >= 1000) return Math.round(v).toLocaleString("en-US");
  return v.toPrecision(4);
}

await main();
