import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runBuilt } from "../support/cli.js";
import { type TickdProcess, cpuScript, useDaemons } from "../support/daemon.js";
import type { Receiver } from "../support/receiver.js";

const { tickd, receiver } = useDaemons();

async function write(
  t: TickdProcess,
  body: string,
  query = "db=telegraf&rp=autogen&precision=s",
): Promise<Response> {
  return fetch(`${t.url}/write?${query}`, { method: "POST", body });
}

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

type AlertBody = { id: string; level: string; previousLevel: string; duration: number; time: string };
const bodies = (r: Receiver) => r.requests.map((q) => JSON.parse(q.body) as AlertBody);

describe("the tickd launcher", () => {
  it("runs as an executable through its shebang (which passes Node's heap flag)", () => {
    // What `tickd` on the PATH executes: the file itself, not `node file`.
    const entry = `${REPO}dist/src/cli/tickd.js`;
    expect(readFileSync(entry, "utf8").split("\n")[0]).toBe(
      "#!/usr/bin/env -S node --max-semi-space-size=32",
    );
    const r = spawnSync(entry, ["--version"], { encoding: "utf8", timeout: 30_000 });
    const pkg = JSON.parse(readFileSync(`${REPO}package.json`, "utf8")) as { version: string };
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(pkg.version);
    expect(r.status).toBe(0);
  });
});

describe("tickd daemon (built, spawned)", () => {
  it("takes a task through the API, alerts on written line protocol and POSTs Kapacitor's alert JSON", async () => {
    const hook = await receiver();
    const t = await tickd();
    const res = await fetch(`${t.url}/kapacitor/v1/tasks`, {
      method: "POST",
      body: JSON.stringify({ id: "cpu", script: cpuScript(`${hook.url}/alert`), status: "enabled" }),
    });
    expect(res.status).toBe(200);
    const task = (await res.json()) as { executing: boolean; dbrps: unknown };
    expect(task.executing).toBe(true);
    expect(task.dbrps).toEqual([{ db: "telegraf", rp: "autogen" }]);

    expect((await write(t, "cpu,host=a usage_idle=50 1\ncpu,host=a usage_idle=5 2\n")).status).toBe(204);
    await hook.waitFor(1);
    const [req] = hook.requests;
    expect(req!.method).toBe("POST");
    expect(req!.path).toBe("/alert");
    expect(req!.headers["content-type"]).toBe("application/json");
    expect(req!.body).toBe(
      '{"id":"cpu/a","message":"cpu/a is CRITICAL","details":"{\\u0026#34;Name\\u0026#34;:\\u0026#34;cpu\\u0026#34;,\\u0026#34;TaskName\\u0026#34;:\\u0026#34;cpu\\u0026#34;,\\u0026#34;Group\\u0026#34;:\\u0026#34;host=a\\u0026#34;,\\u0026#34;Tags\\u0026#34;:{\\u0026#34;host\\u0026#34;:\\u0026#34;a\\u0026#34;},\\u0026#34;ServerInfo\\u0026#34;:{\\u0026#34;Hostname\\u0026#34;:\\u0026#34;tickd-e2e\\u0026#34;,\\u0026#34;ClusterID\\u0026#34;:\\u0026#34;\\u0026#34;,\\u0026#34;ServerID\\u0026#34;:\\u0026#34;\\u0026#34;},\\u0026#34;ID\\u0026#34;:\\u0026#34;cpu/a\\u0026#34;,\\u0026#34;Fields\\u0026#34;:{\\u0026#34;usage_idle\\u0026#34;:5},\\u0026#34;Level\\u0026#34;:\\u0026#34;CRITICAL\\u0026#34;,\\u0026#34;Time\\u0026#34;:\\u0026#34;1970-01-01T00:00:02Z\\u0026#34;,\\u0026#34;Duration\\u0026#34;:0,\\u0026#34;Message\\u0026#34;:\\u0026#34;cpu/a is CRITICAL\\u0026#34;}\\n","time":"1970-01-01T00:00:02Z","duration":0,"level":"CRITICAL","data":{"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","usage_idle"],"values":[["1970-01-01T00:00:02Z",5]]}]},"previousLevel":"OK","recoverable":true}\n',
    );

    // The topic API shows the anonymous topic's state.
    const topic = (await (await fetch(`${t.url}/kapacitor/v1/alerts/topics/main:cpu:alert2`)).json()) as {
      level: string;
    };
    expect(topic.level).toBe("CRITICAL");
  });

  it("defines and enables a task with tickctl using Kapacitor's single-dash flags", async () => {
    const hook = await receiver();
    const t = await tickd();
    const file = join(t.dir, "mem.tick");
    writeFileSync(
      file,
      `stream |from().measurement('mem') |alert().crit(lambda: "used_percent" > 90.0).post('${hook.url}/mem')\n`,
    );
    const define = runBuilt("tickctl", [
      "define",
      "mem",
      "-tick",
      file,
      "-dbrp",
      "telegraf.autogen",
      "-url",
      t.url,
    ]);
    expect(define.stderr).toBe("");
    expect(define.status).toBe(0);
    expect(runBuilt("tickctl", ["enable", "mem", "-url", t.url]).status).toBe(0);
    const list = runBuilt("tickctl", ["list", "tasks", "-url", t.url]);
    expect(list.stdout).toMatch(/mem\s+stream\s+enabled\s+true\s+\["telegraf"\."autogen"\]/);
    expect((await write(t, "mem used_percent=95 10\n")).status).toBe(204);
    const [req] = await hook.waitFor(1);
    expect(JSON.parse(req!.body)).toMatchObject({ id: "mem:nil", level: "CRITICAL" });
  });

  it("after SIGKILL mid-incident, a restart neither re-pages the CRITICAL nor loses the recovery", async () => {
    const hook = await receiver();
    const first = await tickd({ tasks: { "cpu.tick": cpuScript(`${hook.url}/alert`) } });
    await write(first, "cpu,host=a usage_idle=5 100\ncpu,host=b usage_idle=50 100\n");
    await hook.waitFor(1);
    // Kill only once the journal has recorded the page as delivered: a kill between the POST
    // and that record replays it (at-least-once, idempotent by alert id), which is the
    // journal's guarantee, not a second page from the engine.
    await until(async () => {
      const res = await fetch(`${first.url}/tickd/v1/deliveries?status=delivered`);
      return ((await res.json()) as { deliveries: unknown[] }).deliveries.length === 1;
    });
    expect(await first.stop("SIGKILL")).toBeNull();

    const second = await tickd({ dir: first.dir });
    await write(second, "cpu,host=a usage_idle=4 110\ncpu,host=a usage_idle=3 120\n");
    await write(second, "cpu,host=a usage_idle=80 130\n");
    await hook.waitFor(2);
    await new Promise((r) => setTimeout(r, 300)); // nothing else may arrive
    expect(bodies(hook).map((b) => `${b.id} ${b.previousLevel}->${b.level} ${b.duration / 1e9}s`)).toEqual([
      "cpu/a OK->CRITICAL 0s",
      "cpu/a CRITICAL->OK 30s",
    ]);
  });

  it("answers bad input with clear errors and keeps alerting for valid tasks", async () => {
    const hook = await receiver();
    const t = await tickd({
      tasks: {
        "cpu.tick": cpuScript(`${hook.url}/alert`),
        "broken.tick": "stream |from() |alert().critt(lambda: TRUE)\n",
      },
      handlers: {
        "bad.yaml": "topic: cpu\nid: x\nkind: log\noptions: [oops\n",
        "good.yaml": "topic: t\nid: ok\nkind: log\noptions:\n  path: /tmp/tickd-e2e.log\n",
      },
    });
    // Startup reported the broken task file and the broken handler file with positions.
    const problems = t.logs.filter((l) => l["level"] === 50).map((l) => String(l["msg"]));
    expect(problems.some((m) => m.includes("broken.tick:1:") && m.includes("unknown property .critt"))).toBe(
      true,
    );
    expect(problems.some((m) => m.includes("bad.yaml:"))).toBe(true);

    const partial = await write(t, "cpu,host=a usage_idle=5 1\ncpu,host=a usage_idle=oops 2\n");
    expect(partial.status).toBe(400);
    expect(await partial.text()).toContain("line 2:");
    await hook.waitFor(1); // the good line of the same body still alerted

    const noDb = await write(t, "cpu,host=a usage_idle=5 3\n", "precision=s");
    expect(noDb.status).toBe(400);
    expect(await noDb.text()).toBe("database is required\n");

    const badJson = await fetch(`${t.url}/kapacitor/v1/tasks`, { method: "POST", body: "{nope" });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: string }).error).toMatch(/invalid JSON/i);

    const badScript = await fetch(`${t.url}/kapacitor/v1/tasks`, {
      method: "POST",
      body: JSON.stringify({
        id: "bad",
        script: "stream |from() |window().period('10s')",
        dbrps: [{ db: "a", rp: "b" }],
      }),
    });
    expect(badScript.status).toBe(400);
    expect(((await badScript.json()) as { error: string }).error).toMatch(
      /^invalid TICKscript: line 1 char \d+: /,
    );

    // Over the default 25 MB limit.
    const huge = await fetch(`${t.url}/write?db=telegraf&rp=autogen`, {
      method: "POST",
      body: "x".repeat(30 * 1024 * 1024),
    });
    expect(huge.status).toBe(413);

    // Still alerting after all of that.
    await write(t, "cpu,host=z usage_idle=1 5\n");
    await hook.waitFor(2);
    expect(bodies(hook).map((b) => b.id)).toEqual(["cpu/a", "cpu/z"]);
  });

  it("reloads tasks/ on SIGHUP and exits 0 on SIGTERM", async () => {
    const hook = await receiver();
    const t = await tickd();
    writeFileSync(join(t.dir, "tasks", "late.tick"), cpuScript(`${hook.url}/late`));
    t.proc.kill("SIGHUP");
    await t.waitForLog((l) => l["msg"] === "reloaded tasks and handlers");
    await write(t, "cpu,host=a usage_idle=1 1\n");
    await hook.waitFor(1);
    expect(await t.stop("SIGTERM")).toBe(0);
    expect(t.logs.some((l) => l["msg"] === "stopped")).toBe(true);
  });

  it("turns signed incoming webhooks into topic events and refuses bad signatures", async () => {
    const t = await tickd({ extraConfig: '[webhook]\n  incoming-secret = "k3y"\n' });
    const body = JSON.stringify({
      id: "db-down",
      title: "database down",
      severity: "critical",
      status: "triggered",
    });
    const sig = createHmac("sha256", "k3y").update(body).digest("hex");
    const post = (signature: string) =>
      fetch(`${t.url}/tickd/v1/integrations/webhook?topic=ext`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Webhook-Signature": `sha256=${signature}` },
        body,
      });
    expect((await post("00".repeat(32))).status).toBe(401);
    const ok = await post(sig);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ accepted: 1 });
    const event = (await (await fetch(`${t.url}/kapacitor/v1/alerts/topics/ext/events/db-down`)).json()) as {
      state: { level: string; message: string };
    };
    expect(event.state).toMatchObject({ level: "CRITICAL", message: "database down" });
  });
});
