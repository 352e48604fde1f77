/**
 * The README's offline console examples (`npx tickctl check|test …`, which need no daemon) are
 * run as written from the repo root, on the shipped tasks/ and examples/ files, and must print
 * exactly what the README shows, so the first thing a newcomer tries cannot drift from the code.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO, runBuilt } from "../support/cli.js";
import { startTickd, type TickdProcess } from "../support/daemon.js";

interface Example {
  command: string;
  output: string;
}

function consoleExamples(markdown: string): Example[] {
  const out: Example[] = [];
  for (const m of markdown.matchAll(/```console\n([\s\S]*?)```/g)) {
    const [first = "", ...rest] = m[1]!.split("\n");
    out.push({ command: first.replace(/^\$ /, ""), output: rest.join("\n") });
  }
  return out;
}

const examples = consoleExamples(readFileSync(`${REPO}README.md`, "utf8")).filter((e) =>
  /^npx tickctl (check|test) /.test(e.command),
);

describe("README console examples", () => {
  it("has tickctl examples to check", () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  for (const ex of examples) {
    it(ex.command, () => {
      const args = ex.command.replace(/^npx tickctl /, "").split(/\s+/);
      const r = runBuilt("tickctl", args);
      expect(r.stdout + r.stderr).toBe(ex.output);
    });
  }
});

function shipped(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(`${REPO}${dir}`)) {
    if (/\.(tick|ya?ml)$/.test(f)) out[f] = readFileSync(`${REPO}${dir}/${f}`, "utf8");
  }
  return out;
}

describe("README: your first alert", () => {
  let tickd: TickdProcess | undefined;
  afterEach(async () => {
    await tickd?.stop();
    tickd = undefined;
  });

  it("the shipped task and log handler write the CRITICAL to data/alerts.log beside the state", async () => {
    tickd = await startTickd({ tasks: shipped("tasks"), handlers: shipped("handlers") });
    const now = 1_700_000_000;
    const res = await fetch(`${tickd.url}/write?db=telegraf&rp=autogen&precision=s`, {
      method: "POST",
      body: `cpu,host=web1,cpu=cpu-total usage_idle=4 ${now - 60}\ncpu,host=web1,cpu=cpu-total usage_idle=3 ${now}`,
    });
    expect(res.status).toBe(204);
    const log = join(tickd.dir, "data", "alerts.log");
    // The handler creates the file, then writes the line: wait for a whole line.
    const text = (): string => (existsSync(log) ? readFileSync(log, "utf8") : "");
    for (let i = 0; i < 200 && !text().endsWith("\n"); i++) await new Promise((r) => setTimeout(r, 50));
    const line = JSON.parse(text().trimEnd().split("\n").at(-1)!) as Record<string, unknown>;
    expect(line).toMatchObject({
      id: "cpu:web1",
      message: "cpu:web1 is CRITICAL: idle 4.0%",
      level: "CRITICAL",
    });
  });
});
