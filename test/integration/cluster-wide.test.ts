/**
 * Cluster-wide tasks run on exactly one member (issue 16, DESIGN §11): a `|deadman()` and a
 * batch task in a cluster of two instances over two input partitions. Before, every
 * partition's engine ran the deadman (on its own slice of the points) and every instance ran
 * the batch query: the same incident paged once per partition or per member. Now Kafka's
 * owner of points partition 0 runs them; killing it (SIGKILL) moves them, with their alert
 * state, to the survivor: the open incidents are not paged again, and the deadman's recovery
 * comes once, with previousLevel CRITICAL.
 */
import { afterEach, describe, expect, it } from "vitest";
import { clusterName, clusterSection, owned, settled, writeLines } from "../support/cluster-run.js";
import { startTickd, type TickdProcess } from "../support/daemon.js";
import { startReceiver, type Receiver, type RecordedRequest } from "../support/receiver.js";
import { influxUrl, uniqueName } from "../support/services.js";

let procs: TickdProcess[] = [];
let hook: Receiver | undefined;
let dropDb: (() => Promise<void>) | undefined;
afterEach(async () => {
  await Promise.all(procs.map((p) => p.stop("SIGKILL")));
  procs = [];
  await hook?.close();
  hook = undefined;
  await dropDb?.();
  dropDb = undefined;
});

async function influxql(url: string, q: string): Promise<void> {
  const res = await fetch(`${url}/query?q=${encodeURIComponent(q)}`, { method: "POST" });
  expect(res.status, await res.text()).toBe(200);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The alerts a path received, one per event id (a repeat after a kill carries the same id). */
function alerts(r: Receiver, path: string): { level: string; previousLevel: string }[] {
  const seen = new Set<string>();
  const out: { level: string; previousLevel: string }[] = [];
  for (const q of r.requests as RecordedRequest[]) {
    if (q.path !== path) continue;
    const id = String(q.headers["x-tickd-event-id"] ?? q.body);
    if (seen.has(id)) continue;
    seen.add(id);
    const b = JSON.parse(q.body) as { level: string; previousLevel: string };
    out.push({ level: b.level, previousLevel: b.previousLevel });
  }
  return out;
}

/** Waits (bounded) until `path` got `n` distinct alerts. */
async function waitAlerts(r: Receiver, path: string, n: number, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (alerts(r, path).length >= n) return;
    await sleep(100);
  }
  throw new Error(`${what}: ${path} got ${alerts(r, path).length} alerts within 30 s, ${n} expected`);
}

describe("cluster mode: batch tasks and deadman run on one member", () => {
  it("page once per incident, and move with their state when that member dies", async () => {
    const url = influxUrl();
    const db = uniqueName("tickd_wide").replace(/[^a-zA-Z0-9_]/g, "_");
    await influxql(url, `CREATE DATABASE "${db}"`);
    dropDb = () => influxql(url, `DROP DATABASE "${db}"`);
    const w = await fetch(`${url}/write?db=${db}`, { method: "POST", body: "m v=1" });
    expect(w.status).toBe(204);
    hook = await startReceiver();
    const tasks = {
      "dead.tick": `dbrp "telegraf"."autogen"
stream
  |from().measurement('hb')
  |deadman(1.0, 2s)
    .stateChangesOnly()
    .post('${hook.url}/dead')
`,
      "batch.tick": `dbrp "${db}"."autogen"
batch
  |query('SELECT last(v) AS v FROM "${db}"."autogen"."m"').period(1h).every(1s)
  |alert().id('batch').crit(lambda: "v" > 0.0).stateChangesOnly().post('${hook.url}/batch')
`,
    };
    const influx = [
      "[[influxdb]]",
      '  name = "local"',
      "  enabled = true",
      "  default = true",
      `  urls = ["${url}"]`,
      "  disable-subscriptions = true",
    ].join("\n");
    const name = clusterName("wide");
    for (const m of ["m1", "m2"])
      procs.push(
        await startTickd({
          extraConfig: `${clusterSection(name, m, { partitions: 2 })}\n${influx}`,
          tasks,
        }),
      );
    await settled(procs, 2);
    const leader = procs.find((p) => owned(p).includes(`tickd-${name}-points/0`));
    expect(leader, "an instance owns points partition 0").toBeDefined();
    const survivor = procs.find((p) => p !== leader)!;

    // No heartbeat: the deadman fires; the batch query finds v = 1. Once each.
    await waitAlerts(hook, "/dead", 1, "deadman");
    await waitAlerts(hook, "/batch", 1, "batch");
    await sleep(5000);
    const before = { dead: alerts(hook, "/dead"), batch: alerts(hook, "/batch") };
    console.log(`cluster-wide tasks before the kill: ${JSON.stringify(before)}`);
    expect(before.dead).toEqual([{ level: "CRITICAL", previousLevel: "OK" }]);
    expect(before.batch).toEqual([{ level: "CRITICAL", previousLevel: "OK" }]);

    // The leader dies: the survivor takes partition 0, restores the incidents, pages nothing new.
    await leader!.stop("SIGKILL");
    procs = [survivor];
    await settled([survivor], 2, "the survivor");
    await sleep(5000);
    expect(alerts(hook, "/dead")).toEqual(before.dead);
    expect(alerts(hook, "/batch")).toEqual(before.batch);

    // Heartbeats: the deadman recovers, once, from the restored CRITICAL.
    for (let i = 0; i < 60 && alerts(hook, "/dead").length < 2; i++) {
      await writeLines(survivor, [
        `hb value=1 ${BigInt(Date.now()) * 1_000_000n}`,
        `hb value=2 ${BigInt(Date.now()) * 1_000_000n + 1n}`,
      ]);
      await sleep(100);
    }
    await waitAlerts(hook, "/dead", 2, "deadman recovery");
    await sleep(3000);
    expect(alerts(hook, "/dead")).toEqual([
      { level: "CRITICAL", previousLevel: "OK" },
      { level: "OK", previousLevel: "CRITICAL" },
    ]);
    expect(alerts(hook, "/batch")).toEqual(before.batch);
  }, 180_000);
});
