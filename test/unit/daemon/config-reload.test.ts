/**
 * Daemon.reload() re-reads the config: handler sections, [webhook] and [delivery] reach the
 * handlers and queues already running. In process (the spawned SIGHUP path is
 * test/e2e/reload.test.ts), with real receivers and a real SQLite journal.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/index.js";
import { startDaemon, type Daemon } from "../../../src/server/daemon.js";
import { createLogger } from "../../../src/server/logger.js";
import { startReceiver, type Receiver } from "../../support/receiver.js";

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function receiver(statuses: number[] = []): Promise<Receiver> {
  const r = await startReceiver({ statuses });
  cleanups.push(() => r.close());
  return r;
}

interface Running {
  daemon: Daemon;
  url: string;
  /** Rewrites the config file with `sections` (after the fixed part) and reloads. */
  reload(sections: string): ReturnType<Daemon["reload"]>;
  write(line: { host: string; v: number; t: number }): void;
}

async function start(
  sections: string,
  files: { tasks?: Record<string, string>; handlers?: Record<string, string> },
): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "tickd-reload-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  for (const kind of ["tasks", "handlers"] as const) {
    mkdirSync(join(dir, kind));
    for (const [name, text] of Object.entries(files[kind] ?? {})) writeFileSync(join(dir, kind, name), text);
  }
  const file = join(dir, "tickd.conf");
  const fixed = [
    "[http]",
    '  bind-address = "127.0.0.1:0"',
    "[storage]",
    `  dir = ${JSON.stringify(join(dir, "data"))}`,
    "[load]",
    `  dir = ${JSON.stringify(dir)}`,
    "",
  ].join("\n");
  writeFileSync(file, fixed + sections);
  const load = () => loadConfig({ file, env: {} }).config;
  const daemon = await startDaemon({
    config: load(),
    logger: createLogger({ level: "silent" }),
    version: "test",
    reloadConfig: load,
  });
  cleanups.push(() => daemon.stop());
  return {
    daemon,
    url: `http://127.0.0.1:${daemon.port}`,
    reload(next) {
      writeFileSync(file, fixed + next);
      return daemon.reload();
    },
    write: ({ host, v, t }) =>
      daemon.tasks.write("telegraf", "autogen", [
        { name: "cpu", tags: { host }, fields: { v }, time: BigInt(t * 1e9) },
      ]),
  };
}

/** Every point over 90 is a CRITICAL event (no stateChangesOnly), sent to `handler`. */
const script = (handler: string) => `dbrp "telegraf"."autogen"
stream |from().measurement('cpu').groupBy('host')
  |alert().id('cpu/{{ index .Tags "host" }}').crit(lambda: "v" > 90.0)${handler}
`;

const httppost = (url: string) => `[[httppost]]\n  endpoint = "hook"\n  url = ${JSON.stringify(url)}\n`;
const escalation = (url: string) =>
  `[[escalation]]\n  name = "oncall"\n  url = ${JSON.stringify(url)}\n  auth-key = "s3cret"\n`;

describe("config reload in a running daemon", () => {
  it("a changed [[httppost]] endpoint reaches running TICKscript and topic-file handlers", async () => {
    const [a, b] = [await receiver(), await receiver()];
    const d = await start(httppost(`${a.url}/old`), {
      tasks: { "cpu.tick": script(".post().endpoint('hook')"), "top.tick": script(".topic('cpu')") },
      handlers: { "hook.yaml": "topic: cpu\nid: hook\nkind: post\noptions:\n  endpoint: hook\n" },
    });
    d.write({ host: "a", v: 95, t: 1 });
    await a.waitFor(2);

    const report = await d.reload(httppost(`${b.url}/new`));
    expect(report.config).toEqual({ applied: ["[[httppost]]"], needsRestart: [], errors: [] });
    d.write({ host: "a", v: 96, t: 2 });
    const got = await b.waitFor(2);
    expect(got.map((r) => r.path)).toEqual(["/new", "/new"]);
    expect(a.requests).toHaveLength(2);
  });

  it("a changed [[escalation]] url is used at once; a removed one is reported and the handler keeps its target", async () => {
    const [a, b] = [await receiver(), await receiver()];
    const d = await start(escalation(`${a.url}/esc`), {
      tasks: { "cpu.tick": script(".topic('cpu')") },
      handlers: { "esc.yaml": "topic: cpu\nid: esc\nkind: escalation\noptions:\n  name: oncall\n" },
    });
    d.write({ host: "a", v: 95, t: 1 });
    await a.waitFor(1);

    expect((await d.reload(escalation(`${b.url}/esc2`))).config.applied).toEqual(["[[escalation]]"]);
    d.write({ host: "b", v: 95, t: 2 });
    const [moved] = await b.waitFor(1);
    expect(moved!.path).toBe("/esc2");

    const removed = await d.reload("");
    expect(removed.config.applied).toEqual(["[[escalation]]"]);
    expect(removed.config.errors).toEqual([
      expect.stringMatching(
        /^cpu\/esc: cannot be re-created with the new config, the previous one stays active: .*oncall/,
      ),
    ]);
    d.write({ host: "c", v: 95, t: 3 });
    await b.waitFor(2);
  });

  it("[delivery] max-attempts applies to the next notification", async () => {
    const rx = await receiver();
    rx.setFallback({ status: 500 });
    const delivery = (n: number) =>
      `[delivery]\n  max-attempts = ${n}\n  backoff-initial = "1ms"\n  backoff-max = "1ms"\n`;
    const d = await start(delivery(3) + httppost(`${rx.url}/x`), {
      tasks: { "cpu.tick": script(".post().endpoint('hook')") },
    });
    d.write({ host: "a", v: 95, t: 1 });
    await rx.waitFor(3);

    expect((await d.reload(delivery(1) + httppost(`${rx.url}/x`))).config.applied).toEqual([
      "[delivery] max-attempts",
    ]);
    d.write({ host: "b", v: 95, t: 2 });
    await rx.waitFor(4);
    let rows: { alert_id: string; status: string; attempts: number }[] = [];
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`${d.url}/tickd/v1/deliveries?status=failed`);
      rows = ((await res.json()) as { deliveries: typeof rows }).deliveries;
      if (rows.length === 2) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(rows.map((r) => [r.alert_id, r.attempts]).sort()).toEqual([
      ["cpu/a", 3],
      ["cpu/b", 1],
    ]);
  });

  it("an unreadable [webhook] ca-file refuses the reload and keeps the running config", async () => {
    const [a, b] = [await receiver(), await receiver()];
    const d = await start(httppost(`${a.url}/old`), {
      tasks: { "cpu.tick": script(".post().endpoint('hook')") },
    });
    const report = await d.reload(
      `[webhook]\n  ca-file = "/nonexistent/ca.pem"\n` + httppost(`${b.url}/new`),
    );
    expect(report.config.applied).toEqual([]);
    expect(report.config.errors).toEqual([
      expect.stringContaining("[webhook] ca-file: cannot read /nonexistent/ca.pem"),
    ]);
    d.write({ host: "a", v: 95, t: 1 });
    const [req] = await a.waitFor(1);
    expect(req!.path).toBe("/old");
  });

  it("a [webhook] incoming-secret set by a reload guards the incoming webhook at once", async () => {
    const d = await start("", {});
    const post = () =>
      fetch(`${d.url}/tickd/v1/integrations/webhook?topic=ext`, {
        method: "POST",
        body: JSON.stringify({ id: "x", title: "t", severity: "critical" }),
      });
    expect((await post()).status).toBe(200);
    await d.reload(`[webhook]\n  incoming-secret = "k3y"\n`);
    expect((await post()).status).toBe(400);
  });
});
