/**
 * The alert every Kapacitor alert-handler stream test raises (integrations/streamer_test.go,
 * TestStream_AlertSensu … TestStream_AlertSNMPTrap), with data and names of our own: a
 * per-host 10s window counts `disk` points of host web01 (web02 is filtered out by the where
 * clause), and the count of the one window that closes (10) crosses info > 6, warn > 7 and
 * crit > 8, so every handler of the alert gets exactly one CRITICAL event, at the window's
 * time. The in-process daemon runs the task from its tasks/ dir with the given config (TOML,
 * Kapacitor's key names), and `raise` writes the points through /write.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/index.js";
import type { Daemon } from "../../src/server/daemon.js";
import { startDaemonIn } from "./in-process-daemon.js";

/** First point, in seconds; the window that alerts starts here and closes at T0 + 10. */
export const T0 = 1_700_000_000;
/** The alert's time as alert JSON prints it (RFC3339Nano) and as Go's time.Time String() does. */
export const ALERT_TIME = "2023-11-14T22:13:30Z";
export const ALERT_TIME_GO = "2023-11-14 22:13:30 +0000 UTC";
/** The alert's data: one series, the window's count at its time. */
export const ALERT_SERIES = {
  series: [{ name: "disk", tags: { host: "web01" }, columns: ["time", "count"], values: [[ALERT_TIME, 10]] }],
};

/**
 * The TICKscript of the handler tests: `id` is the alert's id template, `chain` the handler
 * properties after the thresholds (`.sensu().metadata('k', 'v')`), `extra` alert properties
 * before them (`.details('')`).
 */
export function handlerScript(id: string, chain: string, extra = ""): string {
  return `dbrp "metrics"."autogen"
stream
  |from()
    .measurement('disk')
    .where(lambda: "host" == 'web01')
    .groupBy('host')
  |window()
    .period(10s)
    .every(10s)
  |count('used')
  |alert()
    .id('${id}')${extra}
    .info(lambda: "count" > 6.0)
    .warn(lambda: "count" > 7.0)
    .crit(lambda: "count" > 8.0)
    ${chain}
`;
}

/** Ten points per host from T0, then web01's point at T0 + 10 that closes its window. */
export function handlerPoints(): string {
  const lines: string[] = [];
  for (let i = 0; i < 10; i++) {
    lines.push(`disk,host=web01 used=${40 + i} ${T0 + i}`);
    lines.push(`disk,host=web02 used=${90 - i} ${T0 + i}`);
  }
  lines.push(`disk,host=web01 used=61 ${T0 + 10}`);
  return lines.join("\n") + "\n";
}

export interface HandlerRun {
  daemon: Daemon;
  url: string;
  /** Writes handlerPoints() through /write (the alert follows asynchronously). */
  raise(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the daemon with task `<task>.tick` = `script` and `toml` as its config file (the
 * daemon's own HTTP, storage and load settings are kept).
 */
export async function startHandlerRun(task: string, script: string, toml: string): Promise<HandlerRun> {
  const confDir = mkdtempSync(join(tmpdir(), "tickd-kap-handlers-"));
  const file = join(confDir, "tickd.conf");
  writeFileSync(file, toml);
  const fromFile = loadConfig({ file, env: {} }).config;
  const { daemon, dir } = await startDaemonIn(
    { tasks: { [`${task}.tick`]: script } },
    {
      config: (c) => ({
        ...fromFile,
        http: c.http,
        storage: c.storage,
        load: c.load,
        influxdb: [],
        kafkaInput: [],
      }),
    },
  );
  const url = `http://127.0.0.1:${daemon.port}`;
  return {
    daemon,
    url,
    async raise() {
      const res = await fetch(`${url}/write?db=metrics&rp=autogen&precision=s`, {
        method: "POST",
        body: handlerPoints(),
      });
      if (res.status !== 204) throw new Error(`write answered ${res.status}: ${await res.text()}`);
    },
    async stop() {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(confDir, { recursive: true, force: true });
    },
  };
}
