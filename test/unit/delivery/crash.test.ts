/**
 * The claim is about the process: 1,000 journaled notifications survive a SIGKILL of the
 * process sending them, and a new process over the same SQLite file delivers every one
 * (at-least-once: a request in flight at the kill may arrive twice; duplicates are counted).
 * Every request carries its notification's `X-Tickd-Event-Id`, the same before and after the
 * kill, so a receiver can drop the repeats.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildForChild } from "../../support/child-build.js";
import { useFixture } from "./helpers.js";

const fx = useFixture();
let buildDir = "";
let storeUrl = "";
let deliveryUrl = "";
const N = 1000;

beforeAll(() => {
  buildDir = mkdtempSync(join(tmpdir(), "tickd-delivery-build-"));
  [storeUrl, deliveryUrl] = buildForChild(buildDir, ["src/store/index.ts", "src/delivery/index.ts"]) as [
    string,
    string,
  ];
});
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

/** The child's prelude: an open store and a delivery service on it. */
function script(body: string): string {
  return `
    import { writeSync } from "node:fs";
    import { openStore } from ${JSON.stringify(storeUrl)};
    import { createDelivery } from ${JSON.stringify(deliveryUrl)};
    const say = (m) => writeSync(1, m + "\\n");
    const store = openStore(process.env.STORE_PATH);
    const svc = createDelivery({
      store,
      logger: { log() {} },
      config: {
        delivery: { maxAttempts: 0, backoffInitial: 5e6, backoffMax: 50e6, concurrency: 4, journal: true },
        webhook: { verificationMode: "full", caFile: "", timeout: 5e9 },
      },
    });
    const url = process.env.RX_URL;
    ${body}
  `;
}

function run(code: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  const p = spawn(process.execPath, ["--input-type=module", "-e", code], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  p.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  p.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => p.on("close", () => resolve({ stdout, stderr })));
}

describe("delivery survives kill -9", () => {
  it(`delivers all ${N} notifications after the sender is killed mid-flight`, async () => {
    const rx = await fx.receiver({ fallback: { status: 200, delayMs: 3 } });
    const path = join(fx.dir(), "tickd.db");
    const env = { ...process.env, STORE_PATH: path, RX_URL: rx.url };

    const child = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        script(`
          for (let i = 0; i < ${N}; i++) {
            await svc.sender.send({ method: "POST", url: url + "/hook", headers: { "Content-Type": "application/json" },
              body: JSON.stringify({ id: "alert-" + i }), timeoutMs: 5000,
              delivery: { handler: "h" + (i % 4), topic: "cpu", alertId: "alert-" + i, kind: "post" } });
          }
          say("enqueued");
          svc.start();
          setInterval(() => {}, 1000);
        `),
      ],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on("exit", (_code, sig) => r(sig)));

    await rx.waitFor(150, 20_000);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(err, err).toBe("");
    expect(out).toBe("enqueued\n");
    const beforeKill = rx.requests.length;
    expect(beforeKill).toBeLessThan(N);

    // Async: the receiver lives in this process and must keep answering.
    const second = await run(
      script(`
        const replayed = svc.pendingCount();
        svc.start();
        await svc.idle();
        await svc.stop();
        say(JSON.stringify({ replayed, left: svc.pendingCount() }));
        store.close();
      `),
      env,
    );
    expect(second.stderr).toBe("");
    const summary = JSON.parse(second.stdout) as { replayed: number; left: number };
    expect(summary.left).toBe(0);

    const ids = rx.requests.map((r) => (JSON.parse(r.body) as { id: string }).id);
    const unique = new Set(ids);
    const duplicates = ids.length - unique.size;
    expect(unique.size).toBe(N);
    // Only requests in flight at the kill (at most concurrency × handlers = 16) or delivered in
    // the last event-loop turn (outcomes are written once per turn) can repeat.
    expect(duplicates).toBeLessThanOrEqual(32);
    expect(summary.replayed).toBe(N - beforeKill + duplicates);
    // One event id per notification, whichever process sent it and however often.
    const eventIds = new Map<string, Set<unknown>>();
    for (const [i, r] of rx.requests.entries()) {
      const seen = eventIds.get(ids[i]!) ?? new Set();
      seen.add(r.headers["x-tickd-event-id"]);
      eventIds.set(ids[i]!, seen);
    }
    expect([...eventIds.values()].filter((s) => s.size !== 1)).toEqual([]);
    const distinct = new Set([...eventIds.values()].map((s) => [...s][0]));
    expect(distinct.size).toBe(N);
    expect(distinct.has(undefined)).toBe(false);
    console.log(
      `kill -9 after ${beforeKill} received; replayed ${summary.replayed}; ${unique.size}/${N} delivered; ${duplicates} duplicates`,
    );
  }, 60_000);

  it("a notification sent before a kill -9 is re-sent after it with the same X-Tickd-Event-Id", async () => {
    // Down until the kill: every notification is attempted (and journaled as retrying) first.
    const rx = await fx.receiver({ fallback: { status: 503 } });
    const path = join(fx.dir(), "tickd.db");
    const env = { ...process.env, STORE_PATH: path, RX_URL: rx.url };
    const alerts = ["a", "b", "c", "d"];
    const child = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        script(`
          svc.start();
          for (const a of ${JSON.stringify(alerts)}) {
            await svc.sender.send({ method: "POST", url: url + "/hook", headers: {}, body: a, timeoutMs: 5000,
              delivery: { handler: "h", topic: "cpu", alertId: a, kind: "post" } });
          }
          setInterval(() => {}, 1000);
        `),
      ],
      { env, stdio: ["ignore", "ignore", "inherit"] },
    );
    const exited = new Promise((r) => child.on("exit", r));
    const tried = (): Set<string> => new Set(rx.requests.map((r) => r.body));
    while (tried().size < alerts.length) await rx.waitFor(rx.requests.length + 1, 20_000);
    child.kill("SIGKILL");
    await exited;
    const before = new Map(rx.requests.map((r) => [r.body, r.headers["x-tickd-event-id"]]));
    const killedAt = rx.requests.length;

    rx.setFallback({ status: 200 });
    const second = await run(script("svc.start(); await svc.idle(); await svc.stop(); store.close();"), env);
    expect(second.stderr).toBe("");
    const after = rx.requests.slice(killedAt);
    expect(after.map((r) => r.body).sort()).toEqual(alerts);
    for (const r of after) expect(r.headers["x-tickd-event-id"]).toBe(before.get(r.body));
    expect(new Set(before.values()).size).toBe(alerts.length);
    expect([...before.values()]).not.toContain(undefined);
  }, 60_000);
});
