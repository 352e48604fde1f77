/**
 * Restarts of the spawned daemon (SIGTERM, then kill -9) with tasks defined every way a user
 * defines them: the API's `dbrps` field (as Chronograf sends it), `tickctl define -dbrp`, a
 * `dbrp` statement in the script, and the tasks/ load directory. Each task must run again
 * after each restart and deliver exactly one CRITICAL and one OK. A task that cannot start
 * must be reported, not merely logged.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { runBuilt } from "../support/cli.js";
import { startTickd, type TickdProcess, type TickdOptions } from "../support/daemon.js";
import { startReceiver, type Receiver } from "../support/receiver.js";

const running: TickdProcess[] = [];
const dirs = new Set<string>();
const receivers: Receiver[] = [];
afterEach(async () => {
  for (const t of running.splice(0)) await t.stop("SIGKILL");
  for (const r of receivers.splice(0)) await r.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
});

async function tickd(opts: TickdOptions = {}): Promise<TickdProcess> {
  const t = await startTickd(opts);
  running.push(t);
  dirs.add(t.dir);
  return t;
}

/** The task body every way shares; `dbrp` is prepended only where the script carries it. */
function cpuTask(hook: string): string {
  return `stream
    |from().measurement('cpu').groupBy('host')
    |alert()
        .id('{{ .TaskName }}/{{ index .Tags "host" }}')
        .crit(lambda: "usage_idle" < 10.0)
        .stateChangesOnly()
        .post('${hook}')
`;
}
const DBRP = 'dbrp "telegraf"."autogen"\n';

interface TaskJson {
  id: string;
  status: string;
  executing: boolean;
  error: string;
  dbrps: { db: string; rp: string }[];
  stats: { "node-stats": Record<string, { collected: number }> | null };
}

async function getTask(t: TickdProcess, id: string): Promise<TaskJson> {
  const res = await fetch(`${t.url}/kapacitor/v1/tasks/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as TaskJson;
}

async function write(t: TickdProcess, body: string): Promise<void> {
  const res = await fetch(`${t.url}/write?db=telegraf&rp=autogen&precision=s`, { method: "POST", body });
  expect(res.status).toBe(204);
}

/** Journal rows, all statuses (delivered rows stay listed). */
async function deliveries(t: TickdProcess): Promise<{ status: string; alert_id: string }[]> {
  const res = await fetch(`${t.url}/tickd/v1/deliveries?limit=1000`);
  return ((await res.json()) as { deliveries: { status: string; alert_id: string }[] }).deliveries;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The startup summary line ("loaded tasks and handlers"). */
async function startupLine(t: TickdProcess): Promise<Record<string, unknown>> {
  return t.waitForLog((l) => l["msg"] === "loaded tasks and handlers");
}

describe("restart matrix: tasks defined every Kapacitor way survive SIGTERM and kill -9", () => {
  const IDS = ["api_dbrps", "cli_dbrp", "script_dbrp", "load_dir"] as const;

  it("keeps every task executing and delivers exactly CRITICAL then OK for each", async () => {
    const hook = await startReceiver();
    receivers.push(hook);
    const first = await tickd({ tasks: { "load_dir.tick": DBRP + cpuTask(`${hook.url}/load_dir`) } });

    // (1) The API's dbrps field, with status enabled, as Chronograf posts it.
    const api = await fetch(`${first.url}/kapacitor/v1/tasks`, {
      method: "POST",
      body: JSON.stringify({
        id: "api_dbrps",
        type: "stream",
        dbrps: [{ db: "telegraf", rp: "autogen" }],
        script: cpuTask(`${hook.url}/api_dbrps`),
        status: "enabled",
      }),
    });
    expect(api.status).toBe(200);
    // (2) tickctl define -dbrp, then enable.
    const file = join(first.dir, "cli_dbrp.tick");
    writeFileSync(file, cpuTask(`${hook.url}/cli_dbrp`));
    const define = runBuilt("tickctl", [
      "define",
      "cli_dbrp",
      "-tick",
      file,
      "-dbrp",
      "telegraf.autogen",
      "-url",
      first.url,
    ]);
    expect(define.stderr).toBe("");
    expect(define.status).toBe(0);
    expect(runBuilt("tickctl", ["enable", "cli_dbrp", "-url", first.url]).status).toBe(0);
    // (3) A dbrp statement inside the script.
    const inScript = await fetch(`${first.url}/kapacitor/v1/tasks`, {
      method: "POST",
      body: JSON.stringify({
        id: "script_dbrp",
        script: DBRP + cpuTask(`${hook.url}/script_dbrp`),
        status: "enabled",
      }),
    });
    expect(inScript.status).toBe(200);
    // (4) load_dir came from tasks/ at start.

    const expectAllExecuting = async (t: TickdProcess, when: string): Promise<void> => {
      for (const id of IDS) {
        const task = await getTask(t, id);
        expect({ when, id, status: task.status, executing: task.executing, error: task.error }).toEqual({
          when,
          id,
          status: "enabled",
          executing: true,
          error: "",
        });
        expect(task.dbrps).toEqual([{ db: "telegraf", rp: "autogen" }]);
      }
    };
    await expectAllExecuting(first, "before any restart");

    // Into CRITICAL: one page per task.
    await write(first, "cpu,host=a usage_idle=5 100\n");
    await hook.waitFor(IDS.length, 15_000);
    await until(
      async () => (await deliveries(first)).filter((d) => d.status === "delivered").length === IDS.length,
      "the journal records the four pages as delivered",
    );

    // SIGTERM + restart: a still-critical point must not page again.
    expect(await first.stop("SIGTERM")).toBe(0);
    const second = await tickd({ dir: first.dir });
    expect((await startupLine(second))["problems"]).toBe(0);
    await expectAllExecuting(second, "after SIGTERM");
    await write(second, "cpu,host=a usage_idle=4 110\n");
    for (const id of IDS) {
      // The point reached the alert node (a stopped task would drop it silently)...
      const stats = (await getTask(second, id)).stats["node-stats"];
      expect(stats?.["alert2"]?.collected, id).toBe(1);
    }
    // ...and the still-critical point was not journaled as a notification: journal rows are
    // written in the write's own commit, so the answer to /write means any page is listed.
    expect(await deliveries(second)).toHaveLength(IDS.length);

    // kill -9 + restart: the recovery still arrives, once per task.
    expect(await second.stop("SIGKILL")).toBeNull();
    const third = await tickd({ dir: first.dir });
    expect((await startupLine(third))["problems"]).toBe(0);
    await expectAllExecuting(third, "after kill -9");
    await write(third, "cpu,host=a usage_idle=80 120\n");
    await hook.waitFor(2 * IDS.length, 15_000);
    await until(
      async () => (await deliveries(third)).filter((d) => d.status === "delivered").length === 2 * IDS.length,
      "the journal records the four recoveries as delivered",
    );

    const byTask = new Map<string, string[]>();
    for (const r of hook.requests) {
      const b = JSON.parse(r.body) as { id: string; level: string; previousLevel: string };
      const seq = byTask.get(r.path) ?? [];
      seq.push(`${b.id} ${b.previousLevel}->${b.level}`);
      byTask.set(r.path, seq);
    }
    expect(Object.fromEntries([...byTask].sort())).toEqual(
      Object.fromEntries(
        IDS.map((id) => [`/${id}`, [`${id}/a OK->CRITICAL`, `${id}/a CRITICAL->OK`]]).sort(),
      ),
    );
    expect(hook.requests).toHaveLength(2 * IDS.length);
  });
});

describe("a task that cannot start", () => {
  it("counts as a startup problem, shows executing false with its error, and is in /metrics", async () => {
    const hook = await startReceiver();
    receivers.push(hook);
    const first = await tickd();
    for (const id of ["good", "stale"]) {
      const res = await fetch(`${first.url}/kapacitor/v1/tasks`, {
        method: "POST",
        body: JSON.stringify({ id, script: DBRP + cpuTask(`${hook.url}/${id}`), status: "enabled" }),
      });
      expect(res.status).toBe(200);
    }
    expect(await first.stop("SIGTERM")).toBe(0);

    // A definition an older release accepted and this one does not (here: a property that
    // does not exist) is what a restart after an upgrade meets. Put it in the real store.
    const store = openStore(join(first.dir, "data", "tickd.db"));
    try {
      const stale = store.tasks.get("stale")!;
      store.tasks.put({
        ...stale,
        script: stale.script.replace(".stateChangesOnly()", ".stateChangesOnIy()"),
      });
    } finally {
      store.close();
    }

    const second = await tickd({ dir: first.dir });
    const startup = await startupLine(second);
    expect(startup["problems"]).toBe(1);
    expect(startup["failedTasks"]).toEqual(["stale"]);

    const stale = await getTask(second, "stale");
    expect(stale).toMatchObject({ status: "enabled", executing: false });
    expect(stale.error).toMatch(/unknown property \.stateChangesOnIy/);
    expect(stale.stats["node-stats"]).toBeNull();
    expect(await getTask(second, "good")).toMatchObject({ executing: true, error: "" });

    const metrics = await (await fetch(`${second.url}/metrics`)).text();
    expect(metrics).toContain('tickd_task_executing{task="stale"} 0\n');
    expect(metrics).toContain('tickd_task_failed{task="stale"} 1\n');
    expect(metrics).toContain('tickd_task_failed{task="good"} 0\n');
    expect(metrics).toContain("tickd_tasks_failed 1\n");

    // The good task still alerts.
    await write(second, "cpu,host=a usage_idle=5 100\n");
    const [req] = await hook.waitFor(1, 15_000);
    expect(req!.path).toBe("/good");
  });
});
