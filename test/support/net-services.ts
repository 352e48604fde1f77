/**
 * Real Debian daemons for the mqtt and snmptrap handler tests, each started by the test on a
 * free 127.0.0.1 port with a config in its own temp dir, and stopped (dir removed) by close():
 *   - `mosquitto` (package mosquitto) requiring a user and password;
 *   - `snmptrapd` (package snmptrapd) with `disableAuthorization yes`, printing each trap as
 *     `TRAP <security info>` and its varbinds joined by "~", numeric OIDs.
 * `bash scripts/services.sh up` installs both; a missing binary fails the test saying so.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

function binary(name: string, pkg: string): string {
  for (const dir of ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new Error(
    `${name} is not installed: run 'bash scripts/services.sh up' (installs it) or 'apt-get install -y ${pkg}'`,
  );
}

async function freeTcpPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => p.kill("SIGKILL"), 3000);
    p.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
    p.kill("SIGTERM");
  });
}

export interface Mosquitto {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startMosquitto(creds: { user: string; pass: string }): Promise<Mosquitto> {
  const bin = binary("mosquitto", "mosquitto");
  const passwd = binary("mosquitto_passwd", "mosquitto");
  const dir = mkdtempSync(join(tmpdir(), "tickd-mosquitto-"));
  const port = await freeTcpPort();
  const pwFile = join(dir, "passwd");
  writeFileSync(pwFile, "");
  const pw = spawnSync(passwd, ["-b", pwFile, creds.user, creds.pass], { encoding: "utf8" });
  if (pw.status !== 0) throw new Error(`mosquitto_passwd failed: ${pw.stderr}`);
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    [
      // As root mosquitto would switch to the `mosquitto` user, who cannot read this temp dir.
      `user ${userInfo().username}`,
      `listener ${port} 127.0.0.1`,
      "allow_anonymous false",
      `password_file ${pwFile}`,
      "persistence false",
      "log_dest stderr",
      "",
    ].join("\n"),
  );
  const proc = spawn(bin, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  proc.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  // Ready when the port takes connections.
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`mosquitto exited: ${log}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(true));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(false)));
    });
    if (ok) break;
    if (i > 100) throw new Error(`mosquitto did not listen on ${port}: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `tcp://127.0.0.1:${port}`,
    port,
    async close() {
      await stopProcess(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Trap {
  /** snmptrapd's security info, e.g. `TRAP2, SNMP v2c, community public`. */
  info: string;
  /** `[oid, "TYPE: value"]` in order, numeric OIDs with a leading dot. */
  varbinds: [string, string][];
}

export interface Snmptrapd {
  readonly port: number;
  readonly traps: Trap[];
  waitFor(n: number, ms?: number): Promise<Trap[]>;
  close(): Promise<void>;
}

export async function startSnmptrapd(): Promise<Snmptrapd> {
  const bin = binary("snmptrapd", "snmptrapd");
  const dir = mkdtempSync(join(tmpdir(), "tickd-snmptrapd-"));
  const port = await freeUdpPort();
  const conf = join(dir, "snmptrapd.conf");
  writeFileSync(conf, "disableAuthorization yes\n");
  const proc = spawn(
    bin,
    [
      "-f",
      "-Lo",
      "-C",
      "-c",
      conf,
      "-n",
      "-On",
      "-m",
      "",
      "-M",
      "/dev/null",
      "-F",
      "TRAP %P\\n%V~%v\\n",
      `udp:127.0.0.1:${port}`,
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, SNMP_PERSISTENT_DIR: dir, SNMPCONFPATH: dir },
    },
  );
  const traps: Trap[] = [];
  let out = "";
  let pendingInfo: string | undefined;
  let started = false;
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
    let nl: number;
    while ((nl = out.indexOf("\n")) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (line.startsWith("NET-SNMP version")) started = true;
      else if (line.startsWith("TRAP ")) pendingInfo = line.slice(5);
      else if (pendingInfo !== undefined) {
        const varbinds = line.split("~").map((v): [string, string] => {
          const eq = v.indexOf(" = ");
          return [v.slice(0, eq), v.slice(eq + 3)];
        });
        traps.push({ info: pendingInfo, varbinds });
        pendingInfo = undefined;
      }
    }
  });
  let err = "";
  proc.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  for (let i = 0; !started; i++) {
    if (proc.exitCode !== null) throw new Error(`snmptrapd exited: ${err}`);
    if (i > 100) throw new Error(`snmptrapd did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    traps,
    async waitFor(n, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (traps.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} traps, got ${traps.length}: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return traps;
    },
    async close() {
      await stopProcess(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
