/**
 * Starting tickd on Kapacitor 1.8's own sample config (test/fixtures/config/kapacitor-1.8.conf),
 * its paths moved into a temp directory: where the state goes, what a log file that cannot be
 * opened does, and the `[http] log-enabled` access log.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO, runBuilt } from "../support/cli.js";
import { startTickd, type TickdProcess } from "../support/daemon.js";

const SAMPLE = join(REPO, "test", "fixtures", "config", "kapacitor-1.8.conf");

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tickd-kapconf-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The sample with its /var/lib, /var/log and /etc paths under `root`. */
function sampleUnder(root: string, log: string): string {
  const text = readFileSync(SAMPLE, "utf8")
    .replaceAll("/var/lib/kapacitor", join(root, "lib"))
    .replaceAll('"/var/log/kapacitor/kapacitor.log"', JSON.stringify(log))
    .replaceAll("/etc/kapacitor/load", join(root, "load"));
  const file = join(root, "kapacitor.conf");
  writeFileSync(file, text);
  return file;
}

/** Spawns the built tickd and collects its JSON log lines until "ready" (or exit). */
async function spawnTickd(args: string[], cwd: string, env: Record<string, string>) {
  const proc = spawn(process.execPath, [join(REPO, "dist/src/cli/tickd.js"), ...args], {
    cwd,
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
  cleanups.push(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGKILL");
      await exited;
    }
  });
  const logs: Record<string, unknown>[] = [];
  let out = "";
  let err = "";
  proc.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout.setEncoding("utf8").on("data", (c: string) => {
      out += c;
      let i: number;
      while ((i = out.indexOf("\n")) >= 0) {
        const line = JSON.parse(out.slice(0, i)) as Record<string, unknown>;
        out = out.slice(i + 1);
        logs.push(line);
        if (line["msg"] === "ready") resolve();
      }
    });
    void exited.then((code) => reject(new Error(`tickd exited ${code}: ${err}\n${JSON.stringify(logs)}`)));
  });
  await ready;
  return { proc, logs, stop: () => (proc.kill("SIGTERM"), exited) };
}

describe("Kapacitor 1.8's sample config", () => {
  it("a [logging] file in a missing directory: one line naming the key and the path, exit 1", () => {
    const root = tempDir();
    const log = join(root, "no-such-dir", "kapacitor.log");
    const conf = sampleUnder(root, log);
    const r = runBuilt("tickd", ["-config", conf], { cwd: root });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    const line = readFileSync(conf, "utf8")
      .split("\n")
      .findIndex((l) => l.includes(log));
    expect(r.stderr).toBe(
      `tickd: ${conf}:${line + 1}: [logging] file: cannot open ${JSON.stringify(log)} for writing: ` +
        `the directory ${join(root, "no-such-dir")} does not exist\n`,
    );
    // Nothing was started: no state was created either.
    expect(existsSync(join(root, "lib"))).toBe(false);
  });

  it("keeps the state where Kapacitor kept its own ([storage] boltdb, data_dir), not in ./data of the working directory", async () => {
    const root = tempDir();
    const cwd = join(root, "cwd");
    mkdirSync(cwd);
    const conf = sampleUnder(root, "STDOUT");
    const t = await spawnTickd(["-config", conf], cwd, {
      TICKD_HTTP_BIND_ADDRESS: "127.0.0.1:0",
      TICKD_INFLUXDB_0_ENABLED: "false",
    });
    const db = join(root, "lib", "tickd.db");
    expect(existsSync(db)).toBe(true);
    expect(existsSync(join(cwd, "data"))).toBe(false);
    const where = t.logs.find((l) => l["storage"] !== undefined);
    expect(where).toMatchObject({ msg: `state is kept in ${db}`, storage: db, from: "[storage] boltdb" });
    // Both keys are read now, so neither is listed as ignored.
    const ignored = t.logs.find((l) => l["msg"] === "ignoring Kapacitor settings tickd does not implement");
    expect(ignored?.["keys"]).not.toContain("data_dir");
    expect(ignored?.["keys"]).not.toContain("storage.boltdb");
    expect(await t.stop()).toBe(0);
  });
});

describe("[http] log-enabled (spawned daemon)", () => {
  const running: TickdProcess[] = [];
  afterEach(async () => {
    for (const t of running.splice(0)) {
      await t.stop("SIGKILL");
      rmSync(t.dir, { recursive: true, force: true });
    }
  });

  it("logs one access line per request, with the user and without credentials", async () => {
    const t = await startTickd({
      env: {
        TICKD_HTTP_AUTH_ENABLED: "true",
        TICKD_HTTP_USERS_0_USERNAME: "alice",
        TICKD_HTTP_USERS_0_PASSWORD: "wonder-pass",
      },
    });
    running.push(t);
    const basic = "Basic " + Buffer.from("alice:wonder-pass").toString("base64");
    expect((await fetch(`${t.url}/kapacitor/v1/tasks`, { headers: { Authorization: basic } })).status).toBe(
      200,
    );
    expect((await fetch(`${t.url}/kapacitor/v1/ping?u=alice&p=wonder-pass`)).status).toBe(204);
    expect((await fetch(`${t.url}/kapacitor/v1/ping?u=alice&p=bad-pass`)).status).toBe(401);
    await t.waitForLog((l) => l["msg"] === "http request" && l["status"] === 401);
    const lines = t.logs.filter((l) => l["msg"] === "http request");
    expect(lines.map((l) => [l["method"], l["path"], l["status"], l["user"]])).toEqual([
      ["GET", "/kapacitor/v1/tasks", 200, "alice"],
      ["GET", "/kapacitor/v1/ping", 204, "alice"],
      ["GET", "/kapacitor/v1/ping", 401, undefined],
    ]);
    for (const l of lines) expect(typeof l["durationMs"]).toBe("number");
    const text = JSON.stringify(t.logs);
    expect(text).not.toContain("wonder-pass");
    expect(text).not.toContain("bad-pass");
    expect(text).not.toContain("Basic ");
  });
});
