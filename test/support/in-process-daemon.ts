/**
 * Starts the daemon in this process on its embedded defaults, rooted in a fresh temp
 * directory: HTTP on a free 127.0.0.1 port, no InfluxDB or Kafka, and the given task and
 * handler files loaded from its tasks/ and handlers/. `opts.dir` reuses a directory (a
 * restart); `opts.config` adjusts the config.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type TickdConfig } from "../../src/config/index.js";
import { startDaemon, type Daemon } from "../../src/server/daemon.js";
import { createLogger } from "../../src/server/logger.js";

export async function startDaemonIn(
  files: { tasks?: Record<string, string>; handlers?: Record<string, string> } = {},
  opts: { dir?: string; config?: (c: TickdConfig) => TickdConfig } = {},
): Promise<{ daemon: Daemon; dir: string }> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "tickd-daemon-"));
  for (const kind of ["tasks", "handlers"] as const) {
    mkdirSync(join(dir, kind), { recursive: true });
    for (const [name, text] of Object.entries(files[kind] ?? {})) writeFileSync(join(dir, kind, name), text);
  }
  const { config } = loadConfig({ env: {} });
  const over = opts.config ?? ((c: TickdConfig): TickdConfig => c);
  const daemon = await startDaemon({
    config: over({
      ...config,
      http: { ...config.http, bindAddress: "127.0.0.1:0" },
      storage: { ...config.storage, dir: join(dir, "data") },
      load: {
        ...config.load,
        enabled: true,
        tasksDir: join(dir, "tasks"),
        handlersDir: join(dir, "handlers"),
      },
      influxdb: [],
      kafkaInput: [],
    }),
    logger: createLogger({ level: (process.env.TICKD_TEST_LOG as "info") ?? "silent" }),
    version: "test",
  });
  return { daemon, dir };
}
