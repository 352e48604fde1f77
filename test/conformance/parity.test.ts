/**
 * Parity: the offline path (`tickctl test --json`, the built CLI) and the daemon (spawned
 * tickd, /write in, `.post()` out to a real node:http receiver) must produce the same event
 * sequence for every conformance scenario: same events, same order, byte for byte.
 *
 * Both paths run the same script: every alert node's `.post()` points at the receiver, and a
 * node without a handler gets one (test/support/scenarios.ts), since a node without handlers
 * sends nothing out of the daemon. That gives such a node an anonymous topic on both sides.
 *
 * The daemon's global order: a `.post()` journals its notification synchronously while the
 * event is collected, so the delivery journal's ids are the collect order across nodes, and
 * each handler delivers in journal order. The journal also says when the daemon is done: the
 * /write answer comes after every event is journaled, and the test waits until every row of
 * the scenario is `delivered` — no fixed sleep, and an extra event would show as an extra row.
 *
 * One daemon serves all scenarios, one after another; each task is deleted (with its topics)
 * before the next scenario so that no earlier task sees later data. The CLI runs (a process
 * start each, most of this test's time) go on a couple of scenarios ahead meanwhile.
 */
import { execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../support/cli.js";
import { startTickd, type TickdProcess } from "../support/daemon.js";
import { startReceiver, type Receiver } from "../support/receiver.js";
import {
  lineDiff,
  lines,
  loadScenario,
  rewritePosts,
  scenarioNames,
  scriptDbrps,
  varsJson,
  writeBodies,
  type Scenario,
} from "../support/scenarios.js";

const names = scenarioNames();

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface Prepared {
  scenario: Scenario;
  script: string;
  /** Starts the CLI run once; later calls return the same promise. */
  cli: () => Promise<CliResult>;
  started?: Promise<CliResult>;
}

/** How many scenarios ahead the CLI runs while the daemon works on the current one. */
const PREFETCH = 2;

let tickd: TickdProcess;
let hook: Receiver;
let tmp: string;
const prepared = new Map<string, Prepared>();

/** Runs the built tickctl without blocking the event loop (the receiver lives in this process). */
const children = new Set<ChildProcess>();

function tickctl(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(REPO, "dist/src/cli/tickctl.js"), ...args],
      // Well inside the test's timeout, so that a stuck run fails with its output.
      { cwd: REPO, encoding: "utf8", timeout: 40_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
        children.delete(child);
        resolve({ code, stdout, stderr: err?.killed === true ? `${stderr}\n(killed after 40 s)` : stderr });
      },
    );
    children.add(child);
  });
}

beforeAll(async () => {
  hook = await startReceiver();
  tmp = mkdtempSync(join(tmpdir(), "tickd-parity-"));
  // tickctl test renders ServerInfo.Hostname as "localhost", Kapacitor's default hostname.
  // Kapacitor's order: each handler's notifications one after another ([delivery]
  // concurrency 1). The default (32) keeps only each alert id's order, so alerts interleave.
  tickd = await startTickd({ hostname: "localhost", extraConfig: "[delivery]\n  concurrency = 1" });
  for (const name of names) {
    const scenario = loadScenario(name);
    const { script } = rewritePosts(name, scenario.script, hook.url, true);
    const file = join(tmp, `${name}.tick`);
    writeFileSync(file, script);
    const args = ["test", file, "--data", scenario.data, "--json", "--task", name];
    if (scenario.precision !== undefined) args.push("--precision", scenario.precision);
    for (const v of scenario.vars) args.push("--var", v);
    const p: Prepared = { scenario, script, cli: () => (p.started ??= tickctl(args)) };
    prepared.set(name, p);
  }
}, 30_000);

afterAll(async () => {
  await tickd?.stop("SIGTERM");
  await hook?.close();
  // Runs started ahead for scenarios that were filtered out or failed early are not needed:
  // end them (this test's own children), and let every run settle before the directory goes.
  for (const child of children) child.kill();
  await Promise.allSettled([...prepared.values()].map((p) => p.started));
  if (tickd !== undefined) rmSync(tickd.dir, { recursive: true, force: true });
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
}, 30_000);

interface DeliveryRow {
  id: number;
  url: string;
  status: string;
  last_error: string;
}

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${tickd.url}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    // A daemon that stops answering fails the scenario with the request that hung.
    signal: AbortSignal.timeout(10_000),
  });
}

/**
 * The alert JSON the daemon sent for this scenario, in collect order: journal rows in id
 * order, each matched with the next request its handler's URL received.
 */
async function daemonEvents(name: string): Promise<string[]> {
  const prefix = `${hook.url}/${name}/`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await api("GET", "/tickd/v1/deliveries?limit=10000");
    expect(res.status).toBe(200);
    const rows = ((await res.json()) as { deliveries: DeliveryRow[] }).deliveries
      .filter((r) => r.url.startsWith(prefix))
      .sort((a, b) => a.id - b.id);
    const failed = rows.filter((r) => r.status === "failed");
    if (failed.length > 0) expect.fail(`deliveries failed: ${JSON.stringify(failed)}`);
    const received = hook.requests.filter((r) => `${hook.url}${r.path}`.startsWith(prefix));
    if (rows.every((r) => r.status === "delivered") && received.length === rows.length) {
      const byUrl = new Map<string, string[]>();
      for (const r of received) {
        const url = `${hook.url}${r.path}`;
        byUrl.set(url, [...(byUrl.get(url) ?? []), r.body.trimEnd()]);
      }
      return rows.map((row) => {
        const body = byUrl.get(row.url)?.shift();
        if (body === undefined) expect.fail(`journal row ${row.id} (${row.url}) has no request at the receiver`);
        return body;
      });
    }
    if (Date.now() > deadline)
      expect.fail(`deliveries not done: ${received.length} received, rows ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("parity: tickctl test --json and the daemon send the same events", () => {
  it("covers every scenario, groups sharing one alert ID included", () => {
    expect(names.length).toBeGreaterThanOrEqual(29);
    expect(names).toContain("32-groups-sharing-id");
  });

  it.each(names)("%s", { timeout: 60_000 }, async (name) => {
    const p = prepared.get(name)!;
    const s = p.scenario;
    // This scenario's CLI run, and the next ones', go on while the daemon works.
    const cli = p.cli();
    const i = names.indexOf(name);
    for (const next of names.slice(i + 1, i + 1 + PREFETCH)) void prepared.get(next)!.cli();

    const bodies = writeBodies(s);
    const first = bodies[0]!;
    const defined = await api("POST", "/kapacitor/v1/tasks", {
      id: name,
      script: p.script,
      status: "enabled",
      dbrps: scriptDbrps(p.script).length > 0 ? undefined : [{ db: first.db, rp: first.rp }],
      vars: varsJson(s),
    });
    expect(defined.status, await defined.clone().text()).toBe(200);
    try {
      for (const { db, rp, precision, body } of bodies) {
        const res = await fetch(`${tickd.url}/write?db=${db}&rp=${rp}&precision=${precision}`, {
          method: "POST",
          body,
          signal: AbortSignal.timeout(10_000),
        });
        expect(res.status, await res.clone().text()).toBe(204);
      }
      const daemon = await daemonEvents(name);

      const offlineRun = await cli;
      expect(offlineRun.code, `tickctl test exit code\nstderr:\n${offlineRun.stderr}`).toBe(0);
      const offline = lines(offlineRun.stdout);
      expect(offline.length, "tickctl test printed no events: the scenario shows nothing").toBeGreaterThan(0);
      if (daemon.join("\n") !== offline.join("\n")) {
        expect.fail(
          `${name}: the daemon (+) and tickctl test (-) differ\n${lineDiff(offline, daemon)}\ntickctl stderr:\n${offlineRun.stderr || "(empty)"}`,
        );
      }
    } finally {
      await api("DELETE", `/kapacitor/v1/tasks/${name}`);
      const topics = await api("GET", "/kapacitor/v1/alerts/topics");
      for (const t of ((await topics.json()) as { topics: { id: string }[] }).topics)
        await api("DELETE", `/kapacitor/v1/alerts/topics/${encodeURIComponent(t.id)}`);
    }
  });
});
