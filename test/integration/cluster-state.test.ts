/**
 * Deterministic replay after a crash (issue 16, DESIGN §11): the node state of a partition —
 * `|window()` buffers, eval's `count()`/`sigma()`, `|stateDuration()` runs — moves with the
 * partition through the state changelog. Two tickd instances share a one-partition points
 * topic; the owner is killed with SIGKILL in the middle of a window, after part of the input
 * was committed and while more was written but (likely) not committed. The survivor's
 * notifications, together with the ones committed before the kill, must equal what one
 * single-node tickd makes of the same points: the same alerts with the same values.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  clusterName,
  clusterSection,
  committedNotifications,
  inputCommitted,
  owned,
  settled,
  writeLines,
} from "../support/cluster-run.js";
import { startTickd, type TickdProcess } from "../support/daemon.js";
import { startReceiver, type Receiver } from "../support/receiver.js";

const S = 1_000_000_000;
const HOSTS = ["a", "b", "c"];
const SECONDS = 41;

let procs: TickdProcess[] = [];
let hook: Receiver | undefined;
afterEach(async () => {
  await Promise.all(procs.map((p) => p.stop("SIGKILL")));
  procs = [];
  await hook?.close();
  hook = undefined;
});

function tasks(url: string): Record<string, string> {
  return {
    "win.tick": `dbrp "telegraf"."autogen"
stream
  |from().measurement('cpu').groupBy('host')
  |window().period(10s).every(5s)
  |mean('usage')
  |alert().id('win:{{ index .Tags "host" }}').crit(lambda: TRUE).post('${url}')
`,
    "cnt.tick": `dbrp "telegraf"."autogen"
stream
  |from().measurement('cpu').groupBy('host')
  |eval(lambda: count(), lambda: sigma("usage")).as('n', 'sigma').keep()
  |stateDuration(lambda: "usage" > 50.0).unit(1s)
  |alert().id('cnt:{{ index .Tags "host" }}').crit(lambda: TRUE).post('${url}')
`,
  };
}

/** Every host's points for data seconds [from, to). */
function points(base: number, from: number, to: number): string[] {
  const out: string[] = [];
  for (let s = from; s < to; s++)
    HOSTS.forEach((h, i) => {
      const usage = ((s * 37 + i * 11) % 100) + 0.5;
      out.push(`cpu,host=${h} usage=${usage} ${BigInt(base + s * S).toString()}`);
    });
  return out;
}

/** An alert as compared: id, time, level, duration and the data it carries. */
function canon(body: Record<string, unknown>): string {
  const data = body["data"] as { series?: { columns: string[]; values: unknown[][] }[] } | undefined;
  return JSON.stringify([
    body["id"],
    body["time"],
    body["level"],
    body["duration"],
    (data?.series ?? []).map((s) => [s.columns, s.values]),
  ]);
}

/** Waits (bounded) until the receiver got no new request for `quietMs`. */
async function quiet(r: Receiver, quietMs = 1500, maxMs = 30_000): Promise<void> {
  let last = -1;
  let since = Date.now();
  const t0 = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() - t0 > maxMs) throw new Error(`the receiver kept getting requests for ${maxMs} ms`);
    if (r.requests.length !== last) {
      last = r.requests.length;
      since = Date.now();
    }
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe("cluster mode: node state moves with its partition", () => {
  it("a window and eval count()/sigma()/stateDuration continue on the new owner after kill -9", async () => {
    hook = await startReceiver();
    const url = `${hook.url}/alert`;
    const base = (Math.floor(Date.now() / 1000) - 3600) * S;

    // The reference: one single-node tickd, every point.
    const single = await startTickd({ tasks: tasks(url) });
    procs.push(single);
    await writeLines(single, points(base, 0, SECONDS));
    await quiet(hook);
    const reference = hook.requests.map((r) => canon(JSON.parse(r.body) as Record<string, unknown>)).sort();
    expect(reference.length).toBeGreaterThan(HOSTS.length * SECONDS);
    await single.stop("SIGKILL");
    procs = [];

    // The cluster: two instances, one input partition.
    const name = clusterName("st");
    for (const m of ["m1", "m2"])
      procs.push(
        await startTickd({
          extraConfig: clusterSection(name, m, { commitInterval: "1s" }),
          tasks: tasks(url),
        }),
      );
    await settled(procs, 1);
    const owner = procs.find((p) => owned(p).length > 0)!;
    const standby = procs.find((p) => p !== owner)!;

    // Committed state: 15 s of data (the windows emitted at 5 s and 10 s, one half full).
    await writeLines(owner, points(base, 0, 15));
    await inputCommitted(name);
    // Mid-window, mid-transaction: 8 s more, then the owner dies before its next commit.
    await writeLines(standby, points(base, 15, 23));
    await owner.stop("SIGKILL");
    await settled([standby], 1, "the survivor");
    await writeLines(standby, points(base, 23, SECONDS));

    const notes = await committedNotifications(name, reference.length);
    const unique = new Map(notes.map((n) => [n.eventId, n]));
    const newMember = standby === procs[1] ? "m2" : "m1";
    const byNew = [...unique.values()].filter((n) => n.member === newMember);
    console.log(
      `cluster state: ${notes.length} notifications (${reference.length} from one node), ` +
        `${notes.length - unique.size} duplicates, ${byNew.length} made by the new owner`,
    );
    expect(notes.length - unique.size, "duplicates").toBe(0);
    expect(byNew.length).toBeGreaterThan(0);
    const got = [...unique.values()].map((n) => canon(n.body)).sort();
    const missing = reference.filter((r) => !got.includes(r));
    const extra = got.filter((g) => !reference.includes(g));
    expect({ missing: missing.slice(0, 5), extra: extra.slice(0, 5) }).toEqual({ missing: [], extra: [] });
    expect(got).toEqual(reference);
  }, 180_000);
});
