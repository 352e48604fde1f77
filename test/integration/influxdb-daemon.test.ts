/**
 * The whole path through a spawned tickd: at start it subscribes itself to a real InfluxDB
 * 1.x (scripts/services.sh up, or INFLUX_URL), a point written to InfluxDB is forwarded to
 * tickd's /write by the subscription, the task alerts, and a local receiver gets the POST.
 * On SIGTERM tickd removes its subscription again.
 */
import { afterAll, describe, expect, it } from "vitest";
import { startTickd, type TickdProcess } from "../support/daemon.js";
import { startReceiver, type Receiver } from "../support/receiver.js";
import { influxUrl, uniqueName } from "../support/services.js";

let tickd: TickdProcess | undefined;
let hook: Receiver | undefined;
afterAll(async () => {
  await tickd?.stop("SIGKILL");
  await hook?.close();
});

async function influxql(
  url: string,
  q: string,
): Promise<{ results: { series?: { values?: unknown[][] }[] }[] }> {
  const res = await fetch(`${url}/query?q=${encodeURIComponent(q)}`, { method: "POST" });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { results: { series?: { values?: unknown[][] }[] }[] };
}

async function subscriptionsOf(url: string, db: string): Promise<string[]> {
  const out = await influxql(url, "SHOW SUBSCRIPTIONS");
  const names: string[] = [];
  for (const r of out.results) {
    for (const s of (r.series ?? []) as { name?: string; values?: unknown[][] }[]) {
      if (s.name !== db) continue;
      for (const v of s.values ?? []) names.push(String(v[1]));
    }
  }
  return names;
}

describe("InfluxDB subscriptions through the spawned daemon", () => {
  it("receives writes made to InfluxDB, alerts on them, and unsubscribes on SIGTERM", async () => {
    const url = influxUrl();
    const db = uniqueName("tickd_sub").replace(/[^a-zA-Z0-9_]/g, "_");
    await influxql(url, `CREATE DATABASE "${db}"`);
    hook = await startReceiver();
    tickd = await startTickd({
      hostname: "127.0.0.1",
      extraConfig: [
        "[[influxdb]]",
        '  name = "local"',
        "  enabled = true",
        "  default = true",
        `  urls = ["${url}"]`,
      ].join("\n"),
      tasks: {
        "sub.tick": `dbrp "${db}"."autogen"
stream
    |from().measurement('cpu')
    |alert()
        .id('{{ index .Tags "host" }}')
        .crit(lambda: "usage_idle" < 10.0)
        .post('${hook.url}/alert')
`,
      },
    });
    // The subscription points at this tickd.
    const deadline = Date.now() + 10_000;
    let subs: string[] = [];
    while (Date.now() < deadline && subs.length === 0) {
      subs = await subscriptionsOf(url, db);
      if (subs.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(subs).toHaveLength(1);

    const w = await fetch(`${url}/write?db=${db}`, { method: "POST", body: "cpu,host=web1 usage_idle=3" });
    expect(w.status).toBe(204);
    const [req] = await hook.waitFor(1, 10_000);
    expect(JSON.parse(req!.body)).toMatchObject({ id: "web1", level: "CRITICAL" });

    expect(await tickd.stop("SIGTERM")).toBe(0);
    expect(await subscriptionsOf(url, db)).toEqual([]);
    await influxql(url, `DROP DATABASE "${db}"`);
  });
});
