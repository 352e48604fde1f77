import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { startDaemonIn } from "../../support/in-process-daemon.js";
import { startReceiver } from "../../support/receiver.js";

const SCRIPT = `dbrp "telegraf"."autogen"
stream |from().measurement('cpu').groupBy('host') |alert().crit(lambda: "v" > 90.0).topic('cpu')`;

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe("an alert storm through the daemon", () => {
  it("commits every group's alert state, topic event and notification before write() returns", async () => {
    const rx = await startReceiver();
    cleanups.push(() => rx.close());
    const { daemon, dir } = await startDaemonIn({
      tasks: { "cpu.tick": SCRIPT },
      handlers: { "hook.yaml": `topic: cpu\nid: hook\nkind: post\noptions:\n  url: ${rx.url}/hook\n` },
    });
    cleanups.push(() => daemon.stop());
    const hosts = Array.from({ length: 50 }, (_, i) => `h${String(i).padStart(2, "0")}`);
    daemon.tasks.write(
      "telegraf",
      "autogen",
      hosts.map((host) => ({ name: "cpu", tags: { host }, fields: { v: 95 }, time: 1_000_000_000n })),
    );
    // No await since the write: another connection already reads all of it, committed.
    const other = new Database(join(dir, "data", "tickd.db"), { readonly: true });
    cleanups.push(() => other.close());
    const count = (sql: string): unknown => other.prepare(sql).pluck().get();
    expect(count("SELECT COUNT(*) FROM alert_states WHERE task = 'cpu'")).toBe(50);
    expect(count("SELECT COUNT(*) FROM topic_events WHERE topic = 'cpu'")).toBe(50);
    expect(count("SELECT COUNT(*) FROM deliveries WHERE handler = 'hook'")).toBe(50);

    const got = await rx.waitFor(50);
    // Different alert ids go out in parallel (DESIGN §8): every one arrives, exactly once.
    expect(got.map((r) => (JSON.parse(r.body) as { id: string }).id).sort()).toEqual(
      hosts.map((h) => `cpu:host=${h}`).sort(),
    );
  });
});
