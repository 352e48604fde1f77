/**
 * The cluster's alert list (issue 16, DESIGN §11/§12): two tickd instances own one input
 * partition each; eight hosts go CRITICAL, so each instance processes some of them. On either
 * instance `GET /tickd/v1/alerts` lists all eight (before: only its own partition's), an ack
 * made on one instance for every alert — also those the other instance owns (before: 404) —
 * shows on both, and a recovery leaves both lists.
 */
import { afterEach, describe, expect, it } from "vitest";
import { clusterName, clusterSection, settled, writeLines } from "../support/cluster-run.js";
import { startTickd, type TickdProcess } from "../support/daemon.js";

let procs: TickdProcess[] = [];
afterEach(async () => {
  await Promise.all(procs.map((p) => p.stop("SIGKILL")));
  procs = [];
});

const HOSTS = ["a", "b", "c", "d", "e", "f", "g", "h"];
const SCRIPT = `dbrp "telegraf"."autogen"
stream
  |from().measurement('cpu').groupBy('host')
  |alert().id('cpu:{{ index .Tags "host" }}').crit(lambda: "usage_idle" < 10).topic('cpu')
`;

interface Listed {
  topic: string;
  id: string;
  level: string;
  acknowledged: { by: string } | null;
}

async function list(p: TickdProcess): Promise<Listed[]> {
  const res = await fetch(`${p.url}/tickd/v1/alerts`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { alerts: Listed[] }).alerts;
}

/** Polls (bounded, 20 s) until `ok` holds for the instance's list; fails with the last list. */
async function until(p: TickdProcess, what: string, ok: (l: Listed[]) => boolean): Promise<Listed[]> {
  let last: Listed[] = [];
  for (let i = 0; i < 100; i++) {
    last = await list(p);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${what}: last list ${JSON.stringify(last.map((a) => [a.id, a.acknowledged?.by ?? null]))}`,
  );
}

describe("cluster mode: one alert list for the cluster", () => {
  it("lists every alert on every instance, and acks an alert on any instance", async () => {
    const name = clusterName("al");
    for (const m of ["m1", "m2"])
      procs.push(
        await startTickd({
          extraConfig: clusterSection(name, m, { partitions: 2 }),
          tasks: { "cpu.tick": SCRIPT },
        }),
      );
    await settled(procs, 2);
    const t = BigInt(Date.now()) * 1_000_000n;
    await writeLines(
      procs[0]!,
      HOSTS.map((h) => `cpu,host=${h} usage_idle=5 ${t}`),
    );
    const ids = HOSTS.map((h) => `cpu:${h}`).sort();
    for (const p of procs)
      await until(
        p,
        "all eight alerts listed",
        (l) =>
          l
            .map((a) => a.id)
            .sort()
            .join() === ids.join(),
      );

    // Ack every alert through the first instance, whichever instance processes it.
    const [first] = await list(procs[0]!);
    for (const id of ids) {
      const res = await fetch(
        `${procs[0]!.url}/tickd/v1/alerts/${encodeURIComponent(first!.topic)}/${encodeURIComponent(id)}/ack`,
        { method: "POST", body: JSON.stringify({ by: "sre", comment: "looking" }) },
      );
      expect(res.status, `${id}: ${await res.text()}`).toBe(200);
    }
    for (const p of procs)
      await until(
        p,
        "every alert acknowledged",
        (l) => l.length === 8 && l.every((a) => a.acknowledged?.by === "sre"),
      );

    // A recovery leaves every instance's list.
    await writeLines(procs[1]!, [`cpu,host=a usage_idle=50 ${t + 1_000_000_000n}`]);
    for (const p of procs)
      await until(p, "cpu:a recovered", (l) => l.length === 7 && !l.some((a) => a.id === "cpu:a"));
  }, 120_000);
});
