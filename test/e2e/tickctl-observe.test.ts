/**
 * Kapacitor's observability surface against a spawned daemon and the real tickctl:
 * `/kapacitor/v1/debug/vars` in the shape Telegraf's kapacitor input reads, `tickctl stats
 * general|ingress`, `vars`, `level`, `watch`/`logs` (streamed), `backup` (a consistent SQLite
 * snapshot), `reload` and `show-topic-handler`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { REPO, runBuilt } from "../support/cli.js";
import { type TickdProcess, useDaemons } from "../support/daemon.js";

const { tickd: startDaemon } = useDaemons();

const SCRIPT = `dbrp "telegraf"."autogen"
stream
    |from().measurement('cpu').groupBy('host')
    |log().prefix('seen ')
    |alert()
        .id('cpu/{{ index .Tags "host" }}')
        .crit(lambda: "usage_idle" < 10.0)
        .topic('cpu')
`;
const HANDLER = `topic: cpu
id: cpu-log
kind: log
options:
  path: alerts.log
`;

const tmpDirs: string[] = [];
afterEach(() => {
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function daemon(): Promise<TickdProcess> {
  return startDaemon({ tasks: { "cpu.tick": SCRIPT }, handlers: { "cpu.yaml": HANDLER } });
}

async function write(t: TickdProcess, db: string, body: string): Promise<void> {
  const res = await fetch(`${t.url}/write?db=${db}&rp=autogen&precision=s`, { method: "POST", body });
  expect(res.status).toBe(204);
}

function ctl(t: TickdProcess, ...args: string[]) {
  return runBuilt("tickctl", [...args, "--url", t.url]);
}

interface Stat {
  name: string;
  tags: Record<string, string>;
  values: Record<string, unknown>;
}

describe("debug vars and tickctl stats", () => {
  it("reports tasks, ingress per db/rp/measurement, nodes and edges as Kapacitor does", async () => {
    const t = await daemon();
    await write(
      t,
      "telegraf",
      "cpu,host=a usage_idle=50 1\ncpu,host=b usage_idle=5 1\nmem,host=a free=1 1\n",
    );
    await write(t, "other", "disk,host=a used=1 1\n");

    const vars = ctl(t, "vars");
    expect(vars.stderr).toBe("");
    expect(vars.status).toBe(0);
    const doc = JSON.parse(vars.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      num_tasks: 1,
      num_enabled_tasks: 1,
      num_subscriptions: 0,
      host: "tickd-e2e",
    });
    expect(typeof doc["cluster_id"]).toBe("string");
    expect(typeof doc["server_id"]).toBe("string");
    expect(typeof (doc["memstats"] as Record<string, number>)["HeapAlloc"]).toBe("number");
    const stats = Object.values(doc["kapacitor"] as Record<string, Stat>);
    const ingress = stats
      .filter((s) => s.name === "ingress")
      .map((s) => [
        s.tags["database"],
        s.tags["retention_policy"],
        s.tags["measurement"],
        s.values["points_received"],
      ]);
    expect(ingress.sort()).toEqual([
      ["other", "autogen", "disk", 1],
      ["telegraf", "autogen", "cpu", 2],
      ["telegraf", "autogen", "mem", 1],
    ]);
    const alertNode = stats.find((s) => s.name === "nodes" && s.tags["kind"] === "alert");
    expect(alertNode?.tags).toMatchObject({ task: "cpu", type: "stream" });
    expect(alertNode?.values).toMatchObject({
      collected: 2,
      emitted: 0,
      crits_triggered: 1,
      alerts_triggered: 1,
    });
    // Telegraf parses avg_exec_time_ns with Go's time.ParseDuration.
    expect(alertNode?.values["avg_exec_time_ns"]).toMatch(/^\d+(\.\d+)?(ns|µs|ms|s)$/);
    const edge = stats.find((s) => s.name === "edges" && s.tags["child"] === alertNode?.tags["node"]);
    expect(edge?.values).toEqual({ collected: 2, emitted: 2 });

    const general = ctl(t, "stats", "general");
    expect(general.status).toBe(0);
    const pad = (label: string, v: unknown) => `${label.padEnd(30)}${String(v).padEnd(30)}\n`;
    expect(general.stdout).toBe(
      pad("ClusterID:", doc["cluster_id"]) +
        pad("ServerID:", doc["server_id"]) +
        pad("Host:", "tickd-e2e") +
        pad("Tasks:", 1) +
        pad("Enabled Tasks:", 1) +
        pad("Subscriptions:", 0) +
        pad("Platform:", "tickd") +
        pad("Version:", doc["version"]),
    );

    const ing = ctl(t, "stats", "ingress");
    expect(ing.status).toBe(0);
    expect(ing.stdout).toBe(
      [
        "Database Retention Policy Measurement Points Received",
        "other    autogen          disk                      1",
        "telegraf autogen          cpu                       2",
        "telegraf autogen          mem                       1",
        "",
      ].join("\n"),
    );
    expect(ctl(t, "stats", "nodes").stderr).toContain("unknown stats category");
  });
});

describe("tickctl level, watch and logs", () => {
  it("follows a task's log lines and changes the level at run time", async () => {
    const t = await daemon();
    // watch runs until it has printed its one line.
    const child = spawn(process.execPath, [
      `${REPO}dist/src/cli/tickctl.js`,
      "watch",
      "cpu",
      "--count",
      "1",
      "--url",
      t.url,
    ]);
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Points keep coming until the stream is attached and the first one is seen.
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      await write(t, "telegraf", `cpu,host=w usage_idle=50 ${i + 1}\n`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await exited).toBe(0);
    expect(err).toBe("");
    const line = JSON.parse(out.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ task: "cpu", msg: "seen point", name: "cpu", tags: { host: "w" } });

    expect(ctl(t, "level", "debug").status).toBe(0);
    const bad = ctl(t, "level", "loud");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('invalid log level "loud"');
    const badPair = ctl(t, "logs", "service");
    expect(badPair.status).toBe(1);
    expect(badPair.stderr).toContain("bad keyvalue pair: 'service'");
  });
});

describe("tickctl backup, reload and show-topic-handler", () => {
  it("writes a snapshot SQLite can open, reloads a task and shows a handler", async () => {
    const t = await daemon();
    const dir = mkdtempSync(join(tmpdir(), "tickd-backup-test-"));
    tmpDirs.push(dir);
    const file = join(dir, "snap.db");
    const b = ctl(t, "backup", file);
    expect(b.status).toBe(0);
    const db = new Database(file, { readonly: true });
    try {
      const ids = db.prepare("SELECT id FROM tasks").all() as { id: string }[];
      expect(ids.map((r) => r.id)).toEqual(["cpu"]);
    } finally {
      db.close();
    }

    const r = ctl(t, "reload", "cpu");
    expect(r.status).toBe(0);
    const task = (await (await fetch(`${t.url}/kapacitor/v1/tasks/cpu`)).json()) as Record<string, unknown>;
    expect(task).toMatchObject({ status: "enabled", executing: true });

    const h = ctl(t, "show-topic-handler", "cpu", "cpu-log");
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(
      /^ID: cpu-log\nTopic: cpu\nKind: log\nMatch: \nOptions: \{"path":".*alerts\.log"\}\n$/,
    );
  });
});
