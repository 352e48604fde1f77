/**
 * The alert every Kapacitor alert-handler stream test raises (integrations/streamer_test.go,
 * TestStream_AlertSensu … TestStream_AlertSNMPTrap), with data and names of our own: a
 * per-host 10 s window counts `disk` points of host db1 (db2 is dropped by the where clause),
 * and the count of the one window that closes (10) crosses info > 6, warn > 7 and crit > 8, so
 * every handler of the alert gets exactly one CRITICAL event, at 2023-11-14T22:13:30Z. The
 * in-process daemon runs the task from its tasks/ dir with the handler's config given either
 * as TOML text (Kapacitor's key names) or as a TickdConfig transform; `raise` writes the
 * points through /write. Each test points the handler at its own real receiver.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { loadConfig, type TickdConfig } from "../../src/config/index.js";
import type { Daemon } from "../../src/server/daemon.js";
import { startDaemonIn } from "./in-process-daemon.js";

/** 2023-11-14T22:13:20Z, a multiple of 10 s: the first 10 s window starts there. */
export const T0 = 1_700_000_000;
/** The config's `hostname`: the alert's ServerInfo.Hostname and the host of tickd's URL. */
export const HOSTNAME = "alerts.example.net";
/** The alert's time as alert JSON prints it (RFC3339Nano) and as Go's time.Time String() does. */
export const ALERT_TIME = "2023-11-14T22:13:30Z";
export const ALERT_TIME_GO = "2023-11-14 22:13:30 +0000 UTC";

/**
 * Eleven points of host db1 (and of db2, which the script's where() drops), one per second
 * from T0: the point at T0+10 closes the window [T0, T0+10) with count 10.
 */
export const WINDOWED = Array.from(
  { length: 11 },
  (_, i) => `disk,host=db1 used=${60 + i} ${T0 + i}\ndisk,host=db2 used=${10 + i} ${T0 + i}`,
).join("\n");

/** The event's data (models.Result): one series, the window's count at its time. */
export const ALERT_SERIES = {
  series: [{ name: "disk", tags: { host: "db1" }, columns: ["time", "count"], values: [[ALERT_TIME, 10]] }],
};
/** ALERT_SERIES as Kapacitor's json.Marshal writes it. */
export const DATA = JSON.stringify(ALERT_SERIES);

/** The alert.Data the alert JSON handlers (tcp, log, exec, kafka, post) write, with details ''. */
export function alertData(id: string): Record<string, unknown> {
  return {
    id,
    message: `${id} is CRITICAL`,
    details: "",
    time: ALERT_TIME,
    duration: 0,
    level: "CRITICAL",
    data: ALERT_SERIES,
    previousLevel: "OK",
    recoverable: true,
  };
}

/**
 * Kapacitor's handler-test task: window 10s, count, info/warn/crit on the count. `id` is the
 * alert's id template, `handlers` the handler chain after the thresholds
 * (`.sensu().metadata('k', 'v')`), `props` alert properties before them (`.details('')`).
 */
export function alertScript(id: string, handlers: string, props = ""): string {
  return `dbrp "metrics"."autogen"
stream
  |from()
    .measurement('disk')
    .where(lambda: "host" == 'db1')
    .groupBy('host')
  |window()
    .period(10s)
    .every(10s)
  |count('used')
  |alert()
    .id('${id}')${props}
    .info(lambda: "count" > 6.0)
    .warn(lambda: "count" > 7.0)
    .crit(lambda: "count" > 8.0)
    ${handlers}
`;
}

export interface AlertRun {
  daemon: Daemon;
  url: string;
  port: number;
  /** Writes line protocol (second precision) to db "metrics", rp "autogen". */
  write(lines: string): Promise<void>;
  /** Writes WINDOWED (the alert follows asynchronously). */
  raise(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The config a test gives: TOML text (a config file; the daemon's own HTTP, storage and load
 * settings are kept, no InfluxDB or Kafka inputs) or a transform of the daemon's config.
 */
export type AlertConfig = string | ((c: TickdConfig) => TickdConfig);

/** Loads `toml` as a config file; the returned function also removes the file's directory. */
function fromToml(toml: string): { config: (c: TickdConfig) => TickdConfig; cleanup: () => void } {
  const confDir = mkdtempSync(join(tmpdir(), "tickd-kap-handlers-"));
  try {
    const file = join(confDir, "tickd.conf");
    writeFileSync(file, toml);
    const fromFile = loadConfig({ file, env: {} }).config;
    return {
      config: (c) => ({
        ...fromFile,
        http: c.http,
        storage: c.storage,
        load: c.load,
        influxdb: [],
        kafkaInput: [],
      }),
      cleanup: () => rmSync(confDir, { recursive: true, force: true }),
    };
  } catch (e) {
    rmSync(confDir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * The daemon with one task (`task` is its file name and id) and the config `config` gives
 * (hostname HOSTNAME); fails at once when the daemon refused the script. `stop()` also
 * removes its directories.
 */
export async function startAlertTask(task: string, script: string, config: AlertConfig): Promise<AlertRun> {
  const toml = typeof config === "string" ? fromToml(config) : undefined;
  const over = toml ? toml.config : (config as (c: TickdConfig) => TickdConfig);
  let started: Awaited<ReturnType<typeof startDaemonIn>>;
  try {
    started = await startDaemonIn(
      { tasks: { [`${task}.tick`]: script } },
      { config: (c) => ({ ...over(c), hostname: HOSTNAME }) },
    );
  } catch (e) {
    toml?.cleanup();
    throw e;
  }
  const { daemon, dir } = started;
  const stop = async (): Promise<void> => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
    toml?.cleanup();
  };
  const url = `http://127.0.0.1:${daemon.port}`;
  try {
    // A script the daemon refused is not loaded: say why instead of waiting for requests.
    const res = await fetch(`${url}/kapacitor/v1/tasks/${task}`);
    const body = (await res.json()) as { error?: string };
    expect(res.status, `task ${task}: ${JSON.stringify(body)}`).toBe(200);
    expect(body.error ?? "", `task ${task}`).toBe("");
  } catch (e) {
    await stop();
    throw e;
  }
  const write = async (lines: string): Promise<void> => {
    const res = await fetch(`${url}/write?db=metrics&rp=autogen&precision=s`, {
      method: "POST",
      body: lines,
    });
    if (res.status !== 204) throw new Error(`write answered ${res.status}: ${await res.text()}`);
  };
  return { daemon, url, port: daemon.port, write, raise: () => write(WINDOWED), stop };
}
