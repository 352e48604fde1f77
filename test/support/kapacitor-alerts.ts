/**
 * The alert of Kapacitor's handler integration tests (integrations/streamer_test.go:
 * TestStream_AlertOpsGenie … TestStream_AlertSNMPTrap), with data of our own: a task in the
 * in-process daemon, points written over /write, one CRITICAL event from a 10 s window whose
 * count is 10. Each test points the handler's config section at its own real receiver.
 */
import { rmSync } from "node:fs";
import { expect } from "vitest";
import type { TickdConfig } from "../../src/config/index.js";
import { startDaemonIn } from "./in-process-daemon.js";

/** 2023-11-14T22:13:20Z, a multiple of 10 s: the first 10 s window starts there. */
export const T0 = 1_700_000_000;
/** The config's `hostname`: the alert's ServerInfo.Hostname and the host of tickd's URL. */
export const HOSTNAME = "alerts.example.net";

/**
 * Eleven points of host db1 (and of db2, which the script's where() drops), one per second
 * from T0: the point at T0+10 closes the window [T0, T0+10) with count 10, so one CRITICAL
 * event (count > 8) at 2023-11-14T22:13:30Z.
 */
export const WINDOWED = Array.from(
  { length: 11 },
  (_, i) => `disk,host=db1 used=${60 + i} ${T0 + i}\ndisk,host=db2 used=${10 + i} ${T0 + i}`,
).join("\n");

/** The event's data (models.Result) as Kapacitor's json.Marshal writes it. */
export const DATA =
  '{"series":[{"name":"disk","tags":{"host":"db1"},"columns":["time","count"],' +
  '"values":[["2023-11-14T22:13:30Z",10]]}]}';

/** Kapacitor's handler-test task: window 10s, count, info/warn/crit on the count; `alert` adds id, handlers…. */
export function windowedScript(alert: string): string {
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
    ${alert}
    .info(lambda: "count" > 6.0)
    .warn(lambda: "count" > 7.0)
    .crit(lambda: "count" > 8.0)
`;
}

export interface AlertRun {
  url: string;
  port: number;
  /** Writes line protocol (second precision) to db "metrics", rp "autogen". */
  write(lines: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The daemon with one task (`task` is its file name and id) and the config `over` makes;
 * fails at once when the daemon refused the script. `stop()` also removes its directory.
 */
export async function startAlertTask(
  task: string,
  script: string,
  over: (c: TickdConfig) => TickdConfig,
): Promise<AlertRun> {
  const { daemon, dir } = await startDaemonIn(
    { tasks: { [`${task}.tick`]: script } },
    { config: (c) => over({ ...c, hostname: HOSTNAME }) },
  );
  const stop = async (): Promise<void> => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
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
  return {
    url,
    port: daemon.port,
    async write(lines) {
      const res = await fetch(`${url}/write?db=metrics&rp=autogen&precision=s`, {
        method: "POST",
        body: lines,
      });
      if (res.status !== 204) throw new Error(`write answered ${res.status}: ${await res.text()}`);
    },
    stop,
  };
}
