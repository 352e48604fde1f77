#!/usr/bin/env -S node --max-semi-space-size=32
/**
 * tickd — the daemon. `tickd -config kapacitor.conf` (also `--config`, or env
 * TICKD_CONFIG_PATH); without a config it runs on the embedded defaults: HTTP on
 * 127.0.0.1:9092, SQLite in ./data, tasks/ and handlers/ loaded from the working directory.
 *
 * Signals, all handled here: SIGTERM/SIGINT stop intake, drain deliveries, flush state and
 * exit 0 (forced after [http] shutdown-timeout); SIGHUP re-reads the config file, then tasks/
 * and handlers/, and logs what changed (and which changed settings need a restart). A bad
 * config or a busy port exits 1 with the reason.
 */
import { existsSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Command } from "commander";
import { ConfigError, loadConfig, type ConfigOverrides, type LoadedConfig } from "../config/index.js";
import { coerceError } from "../core/errors.js";
import { startDaemon } from "../server/daemon.js";
import { createLogger, type DaemonLogger } from "../server/logger.js";
import { normalizeGoFlags } from "./argv.js";
import { VERSION } from "./version.js";

/** `[logging] file`: STDOUT, STDERR, or a file opened for appending (its directory must exist). */
function logDestination(file: string): number {
  if (file === "STDOUT") return 1;
  if (file === "STDERR") return 2;
  try {
    return openSync(file, "a");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const dir = dirname(resolve(file));
    let why: string;
    if (code === "ENOENT" && !existsSync(dir)) why = `the directory ${dir} does not exist`;
    else if (code === "EACCES" || code === "EPERM") why = "permission denied";
    else if (code === "EISDIR") why = "it is a directory";
    else why = coerceError(e).message;
    throw new Error(`cannot open ${JSON.stringify(file)} for writing: ${why}`, { cause: e });
  }
}

async function main(): Promise<void> {
  const program = new Command("tickd")
    .description("Kapacitor-compatible alerting daemon")
    .version(VERSION)
    .option("--config <file>", "TOML config file (Kapacitor's format); env TICKD_CONFIG_PATH")
    .parse(normalizeGoFlags(process.argv.slice(2)), { from: "user" });
  const file = program.opts<{ config?: string }>().config ?? process.env["TICKD_CONFIG_PATH"];

  const load = (overrides?: ConfigOverrides): LoadedConfig =>
    loadConfig({
      ...(file !== undefined && file !== "" ? { file } : {}),
      ...(overrides !== undefined ? { overrides } : {}),
    });
  let loaded: LoadedConfig;
  try {
    loaded = load();
  } catch (e) {
    process.stderr.write(`tickd: ${e instanceof ConfigError ? e.message : coerceError(e).message}\n`);
    process.exit(1);
  }
  const { config } = loaded;
  let logger: DaemonLogger;
  try {
    logger = createLogger({ level: config.logging.level, destination: logDestination(config.logging.file) });
  } catch (e) {
    // One line naming the key and where it is set, not a stack trace.
    const where = loaded.locate(["logging", "file"]);
    process.stderr.write(`tickd: ${where}: [logging] file: ${coerceError(e).message}\n`);
    process.exit(1);
  }
  logger.log("info", `tickd ${VERSION} starting`, { config: file ?? "(embedded defaults)" });
  const db = resolve(config.storage.dir, "tickd.db");
  logger.log("info", `state is kept in ${db}`, { storage: db, from: loaded.storageFrom });
  if (loaded.ignored.length > 0) {
    logger.log("warn", "ignoring Kapacitor settings tickd does not implement", { keys: loaded.ignored });
  }
  for (const w of loaded.warnings) logger.log("warn", w);

  // Signal handlers go in before anything listens: a signal during startup must not kill the
  // process with the default action. A stop requested during startup runs once it is up.
  let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
  let stopRequested: string | undefined;
  let stopping = false;
  const stop = (signal: string): void => {
    if (daemon === undefined) {
      stopRequested = signal;
      return;
    }
    if (stopping) return;
    stopping = true;
    const d = daemon;
    logger.log("info", `${signal}: draining and stopping`);
    const force = setTimeout(() => {
      logger.log("error", "shutdown timed out; exiting with work still in flight");
      process.exit(1);
    }, config.http.shutdownTimeout / 1e6);
    force.unref();
    d.stop().then(
      async () => {
        await logger.flush();
        process.exit(0);
      },
      async (e: unknown) => {
        logger.log("error", `shutdown failed: ${coerceError(e).message}`);
        await logger.flush();
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGHUP", () => {
    if (daemon === undefined) {
      logger.log("warn", "SIGHUP during startup ignored: tasks and handlers are being loaded now");
      return;
    }
    daemon.reload().then(
      (r) => logger.log("info", "reloaded tasks and handlers", { ...r }),
      (e: unknown) => logger.log("error", `reload failed: ${coerceError(e).message}`),
    );
  });

  try {
    daemon = await startDaemon({
      config,
      logger,
      version: VERSION,
      reloadConfig: (overrides) => {
        const again = load(overrides);
        for (const w of again.warnings) logger.log("warn", w);
        return again.config;
      },
    });
  } catch (e) {
    logger.log("error", `tickd could not start: ${coerceError(e).message}`);
    await logger.flush();
    process.exit(1);
  }
  logger.log("info", "ready", { port: daemon.port });
  if (stopRequested !== undefined) stop(stopRequested);
}

await main();
