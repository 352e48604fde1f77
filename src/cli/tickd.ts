#!/usr/bin/env node
/**
 * tickd — the daemon entry point.
 *
 * This build loads and checks the TICKscripts in tasks/ and answers the Kapacitor ping.
 * The stream engine, /write ingestion, config file and handlers arrive with the engine and
 * daemon issues; until then /write answers 503 so no writer believes its points were used.
 */
import { createServer } from "node:http";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { checkScript } from "../pipeline/check.js";
import { formatDiagnostic } from "../../grammar/diagnostic.js";
import { normalizeGoFlags } from "./argv.js";
import { VERSION } from "./version.js";

const DEFAULT_BIND = "127.0.0.1:9092";

async function loadTasks(dir: string): Promise<{ ok: number; failed: number }> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".tick")).sort();
  } catch {
    log("warn", `tasks dir ${dir} not readable; no tasks loaded`);
    return { ok: 0, failed: 0 };
  }
  let ok = 0;
  let failed = 0;
  for (const name of names) {
    const file = join(dir, name);
    const text = await readFile(file, "utf8");
    const { diagnostics } = checkScript(text, file, {});
    for (const d of diagnostics) process.stderr.write(formatDiagnostic(d, text) + "\n");
    if (diagnostics.some((d) => d.severity === "error")) failed++;
    else ok++;
  }
  return { ok, failed };
}

function log(level: string, msg: string): void {
  process.stdout.write(JSON.stringify({ level, time: new Date().toISOString(), msg }) + "\n");
}

async function main(): Promise<void> {
  const args = normalizeGoFlags(process.argv.slice(2));
  if (args.includes("--config")) {
    process.stderr.write("tickd: config files are not supported by this build yet; run without --config\n");
    process.exit(1);
  }
  const tasksDir = resolve("tasks");
  const loaded = await loadTasks(tasksDir);
  log(
    "info",
    `tickd ${VERSION}: checked tasks in ${tasksDir}: ${loaded.ok} ok, ${loaded.failed} with errors`,
  );

  const [host, port] = DEFAULT_BIND.split(":") as [string, string];
  const server = createServer((req, res) => {
    res.setHeader("X-Kapacitor-Version", `tickd-${VERSION}`);
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/kapacitor/v1/ping" && (req.method === "GET" || req.method === "HEAD")) {
      res.writeHead(204).end();
    } else if (path === "/write" || path === "/kapacitor/v1/write") {
      res.writeHead(503, { "Content-Type": "text/plain" }).end("stream engine not available in this build\n");
    } else {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("Not Found\n");
    }
  });
  server.listen(Number(port), host, () => log("info", `listening on http://${DEFAULT_BIND}`));
  const stop = (): void => {
    log("info", "shutting down");
    server.close(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

await main();
