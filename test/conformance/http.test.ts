/**
 * The conformance scenarios over the daemon's HTTP path: each script is defined through
 * POST /kapacitor/v1/tasks on a spawned tickd, its data written to /write, and the alert JSON
 * is what `.post()` handlers deliver to a real local receiver. Every alert node of a scenario
 * posts to the receiver: existing `.post()` URLs are pointed at it, and a node without one
 * gets one (found with the real parser's spans). A node whose events only go to a shared
 * `.topic()` would get its own anonymous topic that way, changing previousLevel, so those
 * scenarios compare only the nodes that had handlers (listed in NODES_WITH_HANDLERS_ONLY).
 *
 * Deliveries of different handlers may interleave, so lines are compared per handler URL in
 * order; the in-process runner (scenarios.test.ts) checks the global order.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTickd, type TickdProcess } from "../support/daemon.js";
import { startReceiver, type Receiver } from "../support/receiver.js";
import { loadScenario, rewritePosts, scenarioNames, scriptDbrps, varsJson, writeBodies } from "../support/scenarios.js";

const NODES_WITH_HANDLERS_ONLY = new Set(["30-multi-topic-previous-level"]);

let tickd: TickdProcess;
let hook: Receiver;

beforeAll(async () => {
  hook = await startReceiver();
  // tickctl test renders ServerInfo.Hostname as "localhost", Kapacitor's default hostname.
  // Kapacitor's order: each handler's notifications one after another ([delivery]
  // concurrency 1). The default (32) keeps only each alert id's order, so alerts interleave.
  tickd = await startTickd({ hostname: "localhost", extraConfig: "[delivery]\n  concurrency = 1" });
}, 30_000);

afterAll(async () => {
  await tickd?.stop("SIGTERM");
  await hook?.close();
  if (tickd !== undefined) rmSync(tickd.dir, { recursive: true, force: true });
});

const scenarios = scenarioNames();

describe("conformance scenarios over HTTP (spawned tickd, /write in, .post() out)", () => {
  it.each(scenarios)("%s", { timeout: 20_000 }, async (name) => {
    const sc = loadScenario(name);
    const expected = sc.expected;
    const { script, paths } = rewritePosts(name, sc.script, hook.url, !NODES_WITH_HANDLERS_ONLY.has(name));
    const bodies = writeBodies(sc);
    const first = bodies[0]!;
    const res = await fetch(`${tickd.url}/kapacitor/v1/tasks`, {
      method: "POST",
      body: JSON.stringify({
        id: name,
        script,
        status: "enabled",
        dbrps: scriptDbrps(script).length > 0 ? undefined : [{ db: first.db, rp: first.rp }],
        vars: varsJson(sc),
      }),
    });
    expect(res.status, await res.clone().text()).toBe(200);

    for (const { db, rp, precision, body } of bodies) {
      const w = await fetch(`${tickd.url}/write?db=${db}&rp=${rp}&precision=${precision}`, { method: "POST", body });
      expect(w.status, await w.clone().text()).toBe(204);
    }

    const mine = (path: string) => hook.requests.filter((r) => r.path === path).map((r) => r.body.trimEnd());
    const wanted = paths.filter((p): p is string => p !== undefined);
    // Wait for the expected deliveries (for partially observed scenarios: at least one), then
    // a little longer so that an extra, unexpected delivery would be seen.
    const target = NODES_WITH_HANDLERS_ONLY.has(name) ? 1 : expected.length;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && wanted.reduce((n, p) => n + mine(p).length, 0) < target) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 200));
    // Each handler's deliveries arrive in order, and must be the expected lines in order.
    const received = wanted.flatMap(mine);
    const expectedPerNode = NODES_WITH_HANDLERS_ONLY.has(name) ? expected.filter((l) => received.includes(l)) : expected;
    expect([...received].sort()).toEqual([...expectedPerNode].sort());
    for (const p of wanted) {
      const got = mine(p);
      expect(got).toEqual(expected.filter((l) => got.includes(l)));
    }
    if (!NODES_WITH_HANDLERS_ONLY.has(name)) expect(received.length).toBe(expected.length);
    else expect(received.length).toBeGreaterThan(0);
  });
});
