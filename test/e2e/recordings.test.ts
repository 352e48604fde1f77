/**
 * Kapacitor's recordings and replays against a spawned daemon with the real tickctl: record a
 * stream task's live points, list it, replay it through a fresh instance of the task (its
 * alerts are sent, the live task's state is untouched), delete it. Batch and query recordings
 * (they need InfluxDB) are in test/integration/recordings-influxdb.test.ts.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { get, request } from "node:http";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runBuilt } from "../support/cli.js";
import { type TickdProcess, useDaemons } from "../support/daemon.js";

const { tickd: startDaemon, receiver } = useDaemons();

const script = (hook: string) => `dbrp "telegraf"."autogen"
stream
    |from().measurement('cpu').groupBy('host')
    |alert()
        .id('cpu/{{ index .Tags "host" }}')
        .crit(lambda: "usage_idle" < 10.0)
        .stateChangesOnly()
        .post('${hook}')
`;

/** POST /write on a fresh connection (see statusOf). */
const write = (t: TickdProcess, db: string, body: string) =>
  new Promise<void>((resolve, reject) => {
    const req = request(
      `${t.url}/write?db=${db}&rp=autogen&precision=s`,
      { method: "POST", agent: false },
      (res) => {
        res.resume();
        if (res.statusCode === 204) resolve();
        else reject(new Error(`write answered ${res.statusCode}`));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
const ctl = (t: TickdProcess, ...args: string[]) => runBuilt("tickctl", [...args, "-url", t.url]);

/** GET status on a fresh connection: the tickctl runs between requests outlast keep-alive. */
const statusOf = (url: string) =>
  new Promise<number>((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on("error", reject);
  });

describe("record stream and replay", () => {
  it("records a task's points, replays them through a fresh task instance, and deletes the recording", async () => {
    const hook = await receiver();
    const t = await startDaemon({ tasks: { "cpu.tick": script(`${hook.url}/hook`) } });

    const rec = spawn(process.execPath, [
      `${REPO}dist/src/cli/tickctl.js`,
      "record",
      "stream",
      "-task",
      "cpu",
      "-duration",
      "5s",
      "-recording-id",
      "rec1",
      "-url",
      t.url,
    ]);
    let out = "";
    let err = "";
    rec.stdout.on("data", (b: Buffer) => (out += b.toString()));
    rec.stderr.on("data", (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => rec.on("exit", (c) => resolve(c)));
    // Wait until the recording exists, then write: cpu (recorded), mem of the same dbrp
    // (recorded too, as Kapacitor records the task's dbrps), and another database (not).
    let started = false;
    for (let i = 0; i < 600 && !started; i++) {
      started = (await statusOf(`${t.url}/kapacitor/v1/recordings/rec1`)) === 202;
      if (!started) await new Promise((res) => setTimeout(res, 50));
    }
    expect(started, "the recording never started").toBe(true);
    await write(
      t,
      "telegraf",
      "cpu,host=a usage_idle=50 100\ncpu,host=a usage_idle=5 110\nmem,host=a free=1 110\n",
    );
    await write(t, "other", "cpu,host=z usage_idle=1 110\n");
    expect(await exited).toBe(0);
    expect(err).toBe("");
    expect(out).toBe("rec1\n");

    const [live] = await hook.waitFor(1);
    const liveAlert = JSON.parse(live!.body) as { level: string; time: string };
    expect(liveAlert).toMatchObject({ level: "CRITICAL", time: "1970-01-01T00:01:50Z" });

    // Times in ns, as Kapacitor's replay service records them.
    const srpl = readFileSync(join(t.dir, "data", "recordings", "rec1.srpl"), "utf8");
    expect(srpl).toBe(
      [
        "telegraf",
        "autogen",
        "cpu,host=a usage_idle=50 100000000000",
        "telegraf",
        "autogen",
        "cpu,host=a usage_idle=5 110000000000",
        "telegraf",
        "autogen",
        "mem,host=a free=1 110000000000",
        "",
      ].join("\n"),
    );
    const list = ctl(t, "list", "recordings");
    expect(list.status).toBe(0);
    expect(list.stdout.split("\n")[0]).toBe(`ID   Type    Status    Size      Date                   `);
    expect(list.stdout.split("\n")[1]).toMatch(
      /^rec1 stream {2}finished {2}\d+ B\s+\d{2} \w{3} \d{2} \d{2}:\d{2} UTC\s*$/,
    );

    // The live task already alerted (stateChangesOnly): only the replay's fresh instance
    // sends CRITICAL again, with the recorded time.
    const rep = ctl(t, "replay", "-task", "cpu", "-recording", "rec1", "-rec-time", "-replay-id", "rep1");
    expect(rep.stderr).toBe("");
    expect(rep.status).toBe(0);
    expect(rep.stdout).toBe("rep1\n");
    const [, replayed] = await hook.waitFor(2);
    expect(JSON.parse(replayed!.body)).toMatchObject({ level: "CRITICAL", time: "1970-01-01T00:01:50Z" });
    const replays = ctl(t, "list", "replays");
    expect(replays.stdout.split("\n")[1]).toMatch(/^rep1 cpu {2}rec1 {6}finished fast\s+/);

    // Live state was untouched: a new critical point is not a state change for the live task.
    await write(t, "telegraf", "cpu,host=a usage_idle=4 120\n");
    await new Promise((r) => setTimeout(r, 500));
    expect(hook.requests).toHaveLength(2);

    expect(ctl(t, "delete", "recordings", "rec1").status).toBe(0);
    expect(await statusOf(`${t.url}/kapacitor/v1/recordings/rec1`)).toBe(404);
    expect(existsSync(join(t.dir, "data", "recordings", "rec1.srpl"))).toBe(false);
    expect(ctl(t, "delete", "replays", "rep1").status).toBe(0);
    // Several tickctl processes and a timed recording: give a loaded machine room.
  }, 180_000);

  it("refuses what it cannot do with a clear message", async () => {
    const t = await startDaemon({ tasks: { "cpu.tick": script("http://127.0.0.1:1/x") } });
    const batch = await fetch(`${t.url}/kapacitor/v1/recordings/batch`, {
      method: "POST",
      body: JSON.stringify({ task: "cpu", start: "2020-01-01T00:00:00Z" }),
    });
    // A stream task is not recorded with batch; a query recording needs InfluxDB.
    expect(batch.status).toBe(400);
    expect(((await batch.json()) as { error: string }).error).toBe(
      "task cpu is a stream task: record it with stream",
    );
    const query = await fetch(`${t.url}/kapacitor/v1/recordings/query`, {
      method: "POST",
      body: JSON.stringify({ type: "batch", query: "SELECT * FROM cpu" }),
    });
    expect(query.status).toBe(400);
    expect(((await query.json()) as { error: string }).error).toContain("InfluxDB is not configured");
    const missing = ctl(t, "replay", "-task", "cpu", "-recording", "nope");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('tickctl: unknown recording "nope"\n');
    const unknownTask = ctl(t, "record", "stream", "-task", "nope", "-duration", "1s");
    expect(unknownTask.status).toBe(1);
    expect(unknownTask.stderr).toBe('tickctl: unknown task "nope"\n');
  });
});
