/** Runs the built CLIs (dist/) as real processes: claims about exit codes and output are about the process. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runBuilt(
  bin: "tickctl" | "tickd",
  args: string[],
  opts: { cwd?: string; input?: string } = {},
): RunResult {
  const entry = `${REPO}dist/src/cli/${bin}.js`;
  if (!existsSync(entry))
    throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does it)`);
  const r = spawnSync(process.execPath, [entry, ...args], {
    cwd: opts.cwd ?? REPO,
    encoding: "utf8",
    timeout: 30_000,
    input: opts.input ?? "",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * runBuilt without blocking the event loop: for commands whose daemon talks back to a receiver
 * running in the test process (a blocking spawnSync would keep it from answering).
 */
export function runBuiltAsync(
  bin: "tickctl" | "tickd",
  args: string[],
  opts: { cwd?: string } = {},
): Promise<RunResult> {
  const entry = `${REPO}dist/src/cli/${bin}.js`;
  if (!existsSync(entry))
    throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does it)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], {
      cwd: opts.cwd ?? REPO,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 30_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
