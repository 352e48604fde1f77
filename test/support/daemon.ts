/**
 * Spawns the built `tickd` (dist/) as a real process in a temp directory with its own
 * config, tasks/, handlers/ and SQLite file, on a free port. Claims about the process (exit
 * codes, SIGTERM draining, state after SIGKILL) are tested against this.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { REPO } from "./cli.js";
import { startReceiver, type Receiver } from "./receiver.js";

export interface TickdProcess {
  readonly dir: string;
  readonly url: string;
  readonly port: number;
  readonly proc: ChildProcess;
  /** JSON log lines so far (non-JSON output is kept as { raw }). */
  readonly logs: Record<string, unknown>[];
  waitForLog(
    pred: (l: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends the signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface TickdOptions {
  /** Reuse a directory (its data/ survives: restart tests). */
  dir?: string;
  /** Extra TOML appended to the generated config. */
  extraConfig?: string;
  tasks?: Record<string, string>;
  handlers?: Record<string, string>;
  env?: Record<string, string>;
  /** The config's `hostname` (ServerInfo.Hostname in alert templates). Default "tickd-e2e". */
  hostname?: string;
}

export async function startTickd(opts: TickdOptions = {}): Promise<TickdProcess> {
  const entry = `${REPO}dist/src/cli/tickd.js`;
  if (!existsSync(entry))
    throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does it)`);
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "tickd-e2e-"));
  mkdirSync(join(dir, "tasks"), { recursive: true });
  mkdirSync(join(dir, "handlers"), { recursive: true });
  for (const [name, text] of Object.entries(opts.tasks ?? {})) writeFileSync(join(dir, "tasks", name), text);
  for (const [name, text] of Object.entries(opts.handlers ?? {}))
    writeFileSync(join(dir, "handlers", name), text);
  const config = join(dir, "tickd.conf");
  writeFileSync(
    config,
    [
      `hostname = ${JSON.stringify(opts.hostname ?? "tickd-e2e")}`,
      "[http]",
      '  bind-address = "127.0.0.1:0"',
      "[storage]",
      `  dir = ${JSON.stringify(join(dir, "data"))}`,
      "[load]",
      `  tasks-dir = ${JSON.stringify(join(dir, "tasks"))}`,
      `  handlers-dir = ${JSON.stringify(join(dir, "handlers"))}`,
      "[logging]",
      '  file = "STDOUT"',
      '  level = "INFO"',
      opts.extraConfig ?? "",
      "",
    ].join("\n"),
  );
  const proc = spawn(process.execPath, [entry, "-config", config], {
    cwd: dir,
    env: { PATH: process.env["PATH"] ?? "", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: {
    pred: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  const onLine = (line: string): void => {
    if (line.trim() === "") return;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      entry = { raw: line };
    }
    logs.push(entry);
    for (const w of [...waiters]) {
      if (w.pred(entry)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(entry);
      }
    }
  };
  for (const stream of [proc.stdout, proc.stderr]) {
    let buf = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
  }
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const waitForLog = (pred: (l: Record<string, unknown>) => boolean, timeoutMs = 30_000) => {
    const found = logs.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(
            new Error(
              `tickd did not log the expected line within ${timeoutMs} ms; logs:\n${logs.map((l) => JSON.stringify(l)).join("\n")}`,
            ),
          ),
        timeoutMs,
      );
      waiters.push({ pred, resolve: (l) => (clearTimeout(t), resolve(l)) });
      void exited.then(() =>
        reject(new Error(`tickd exited; logs:\n${logs.map((l) => JSON.stringify(l)).join("\n")}`)),
      );
    });
  };
  const listening = await waitForLog(
    // "ready" comes after the signal handlers are in place.
    (l) => l["msg"] === "ready" && typeof l["port"] === "number",
  );
  const port = listening["port"] as number;
  return {
    dir,
    url: `http://127.0.0.1:${port}`,
    port,
    proc,
    logs,
    waitForLog,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      return exited;
    },
  };
}

/** A stream task alerting CRITICAL on cpu usage_idle < 10 per host, posting each change to `hook`. */
export function cpuScript(hook: string): string {
  return `dbrp "telegraf"."autogen"
stream
    |from().measurement('cpu').groupBy('host')
    |alert()
        .id('{{ .Name }}/{{ index .Tags "host" }}')
        .crit(lambda: "usage_idle" < 10.0)
        .stateChangesOnly()
        .post('${hook}')
`;
}

/**
 * Spawned daemons and receivers of one test file, stopped (kill -9, temp dir removed) and
 * closed after each test: `const { tickd, receiver } = useDaemons();` at the file's top.
 */
export function useDaemons(): {
  tickd(opts?: TickdOptions): Promise<TickdProcess>;
  receiver(opts?: Parameters<typeof startReceiver>[0]): Promise<Receiver>;
  /** Daemons still running (a test that stops one itself may drop it from here). */
  running: TickdProcess[];
} {
  const running: TickdProcess[] = [];
  const receivers: Receiver[] = [];
  afterEach(async () => {
    for (const t of running.splice(0)) {
      await t.stop("SIGKILL");
      if (t.dir.startsWith(tmpdir())) rmSync(t.dir, { recursive: true, force: true });
    }
    for (const r of receivers.splice(0)) await r.close();
  });
  return {
    running,
    async tickd(opts = {}) {
      const t = await startTickd(opts);
      running.push(t);
      return t;
    },
    async receiver(opts) {
      const r = await startReceiver(opts);
      receivers.push(r);
      return r;
    },
  };
}
