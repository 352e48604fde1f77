/**
 * Kapacitor's seven wall-clock barrier tests (integrations/streamer_test.go,
 * TestStream_Barrier_*; barrier.go, window.go, http_post.go) with data of our own. Kapacitor
 * feeds points through a channel, sleeps, closes the task and counts the `|httpPost()`
 * requests its test server got. Here the task runs in-process with the daemon's httpPost
 * sender and a real node:http receiver, and the wall clock is injected: the test calls
 * `task.tick(now)` as the daemon's ticker does, at chosen wall times, so the counts and bodies
 * are exact and no duration is asserted. After Kapacitor's horizon each case ticks on until
 * just before the next barrier is due and checks that no further request came.
 *
 * The scripts are Kapacitor's: `|barrier().idle(d)` or `.period(d)`, then a 14s window every
 * 10s (2s for the "no data" cases), then `|httpPost(url)`. As in Kapacitor's tests the 21
 * points are stamped 22s before the wall time they arrive at (one per second), and the lone
 * point of the "no data" cases is stamped with its arrival time.
 *
 * Ticks come every 100ms here; the daemon ticks once a second, so its barriers go out up to a
 * second later than Kapacitor's timers would — the same barriers, stamped the same.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createTransport, type Transport } from "../../src/delivery/index.js";
import { createHttpPostAccess } from "../../src/server/http-post.js";
import { runScript, type Recorded } from "../support/engine.js";
import { startReceiver, type Receiver } from "../support/receiver.js";

const S = 1_000_000_000n;
const MS = 1_000_000n;
/** The wall clock when the points arrive. */
const W = 1_800_000_000n * S;
/** Kapacitor's clock.New(now − 22s): the first of the 21 points. */
const T0 = W - 22n * S;

let rx: Receiver | undefined;
let transport: Transport | undefined;

afterEach(async () => {
  await transport?.close();
  await rx?.close();
  rx = undefined;
  transport = undefined;
});

interface Run {
  r: Recorded;
  /** Wall time of the last tick. */
  wall: bigint;
}

async function start(barrier: string, every: string): Promise<Run> {
  rx = await startReceiver();
  transport = createTransport();
  const httpPost = createHttpPostAccess({
    config: { httppost: [], webhook: { allowedHosts: ["*"] } },
    send: transport,
    logger: { log: () => undefined },
  });
  const r = runScript(
    `stream
  |from().database('dbname').retentionPolicy('rpname').measurement('cpu')
  |barrier()${barrier}
  |window().period(14s).every(${every})
  |httpPost('${rx.url}')`,
    { httpPost },
  );
  return { r, wall: W };
}

const value = (i: number): number => i + 0.25;

/** Points i = from…to−1 stamped T0 + i s (or `at` for a lone point), as Kapacitor's channel sends them. */
function send(run: Run, from: number, to: number, at?: bigint): void {
  for (let i = from; i < to; i++)
    run.r.task.write("dbname", "rpname", {
      name: "cpu",
      tags: {},
      fields: { value: value(i) },
      time: at ?? T0 + BigInt(i) * S,
    });
}

/** The daemon's wall-clock ticker, every 100ms, until `until` (inclusive). */
async function sleepUntil(run: Run, until: bigint): Promise<void> {
  while (run.wall + 100n * MS <= until) {
    run.wall += 100n * MS;
    run.r.task.tick(run.wall);
  }
  await run.r.task.idle();
}

/** The requests so far, each body as models.Result. */
async function posted(run: Run): Promise<unknown[]> {
  await run.r.task.idle();
  return rx!.requests.map((q) => JSON.parse(q.body) as unknown);
}

const iso = (ns: bigint): string => new Date(Number(ns / MS)).toISOString().replace(".000Z", "Z");

/** The body of a window holding points from…to−1 (Kapacitor's testValues[from:to]). */
function windowOf(from: number, to: number): unknown {
  const values = [];
  for (let i = from; i < to; i++) values.push([iso(T0 + BigInt(i) * S), value(i)]);
  return { series: [{ name: "cpu", columns: ["time", "value"], values }] };
}

/** A window holding only the lone point of the "no data" cases. */
const lone = (at: bigint, i = 0): unknown => ({
  series: [{ name: "cpu", columns: ["time", "value"], values: [[iso(at), value(i)]] }],
});

describe("barrier idle (barrier.go idleBarrier: stamped last point + idle, re-armed)", () => {
  it("TestStream_Barrier_Idle_No_Data: one point, then barriers at +2s and +4s each close a window holding it", async () => {
    const run = await start(".idle(2s)", "2s");
    send(run, 0, 1, W);
    await sleepUntil(run, W + 5n * S);
    // The window (from the point: next emit at +2s) closes on each barrier; 14s still hold the point.
    expect(await posted(run)).toEqual([lone(W), lone(W)]);
    expect(rx!.requests[0]!.body).toBe(
      `{"series":[{"name":"cpu","columns":["time","value"],"values":[["${iso(W)}",0.25]]}]}\n`,
    );
    await sleepUntil(run, W + 6n * S); // the next barrier is due at +6s (and one tick)
    expect(await posted(run)).toHaveLength(2);
  });

  it("TestStream_Barrier_Idle_No_Data with .delete(TRUE): one barrier, then the group is gone until new data", async () => {
    const run = await start(".idle(2s).delete(TRUE)", "2s");
    send(run, 0, 1, W);
    await sleepUntil(run, W + 5n * S);
    expect(await posted(run)).toEqual([lone(W)]);
    // A new point starts the group afresh: its window holds only itself.
    send(run, 1, 2, W + 5n * S);
    await sleepUntil(run, W + 10n * S);
    expect(await posted(run)).toEqual([lone(W), lone(W + 5n * S, 1)]);
  });

  it("TestStream_Barrier_Idle: after 11s of silence the idle barrier (last point + 10s) closes the last window", async () => {
    const run = await start(".idle(10s)", "10s");
    send(run, 0, 21);
    expect(await posted(run)).toEqual([windowOf(0, 10), windowOf(6, 20)]);
    await sleepUntil(run, W + 11n * S);
    expect(await posted(run)).toEqual([windowOf(0, 10), windowOf(6, 20), windowOf(16, 21)]);
    await sleepUntil(run, W + 20n * S); // re-armed: the next one is due 10s after the first
    expect(await posted(run)).toHaveLength(3);
  });

  it("TestStream_Barrier_Idle_No_Idle: closed before any idle passed, only the two windows the points closed", async () => {
    const run = await start(".idle(10s)", "10s");
    send(run, 0, 21);
    expect(await posted(run)).toEqual([windowOf(0, 10), windowOf(6, 20)]);
    await sleepUntil(run, W + 9n * S);
    expect(await posted(run)).toHaveLength(2);
  });

  it("TestStream_Barrier_Idle_Replay_After_Idle: points replayed after the barrier are older than it and dropped", async () => {
    const run = await start(".idle(10s)", "10s");
    send(run, 0, 21);
    await sleepUntil(run, W + 11n * S);
    send(run, 0, 21);
    expect(await posted(run)).toEqual([windowOf(0, 10), windowOf(6, 20), windowOf(16, 21)]);
    expect(run.r.task.nodes.find((n) => n.name === "window3")!.stats.collected).toBe(21);
    await sleepUntil(run, W + 20n * S);
    expect(await posted(run)).toHaveLength(3);
  });
});

describe("barrier period (barrier.go periodicBarrier: every period from the group's first point)", () => {
  it("TestStream_Barrier_Period_No_Data: one point, then barriers every 2.1s each close a window holding it", async () => {
    const run = await start(".period(2100ms)", "2s");
    send(run, 0, 1, W);
    await sleepUntil(run, W + 5n * S);
    expect(await posted(run)).toEqual([lone(W), lone(W)]);
    await sleepUntil(run, W + 6300n * MS); // the third is due at +6.3s (and one tick)
    expect(await posted(run)).toHaveLength(2);
  });

  it("TestStream_Barrier_Period_No_Data with .delete(TRUE): one barrier, then the group is gone", async () => {
    const run = await start(".period(2100ms).delete(TRUE)", "2s");
    send(run, 0, 1, W);
    await sleepUntil(run, W + 5n * S);
    expect(await posted(run)).toEqual([lone(W)]);
  });

  it("TestStream_Barrier_Period: after 11s the period barrier closes the last window", async () => {
    const run = await start(".period(10s)", "10s");
    send(run, 0, 21);
    expect(await posted(run)).toEqual([windowOf(0, 10), windowOf(6, 20)]);
    await sleepUntil(run, W + 11n * S);
    expect(await posted(run)).toEqual([windowOf(0, 10), windowOf(6, 20), windowOf(16, 21)]);
    await sleepUntil(run, W + 20n * S);
    expect(await posted(run)).toHaveLength(3);
  });

  it("TestStream_Barrier_Period_No_Idle: closed before a period passed, only the two windows the points closed", async () => {
    const run = await start(".period(10s)", "10s");
    send(run, 0, 21);
    expect(await posted(run)).toEqual([windowOf(0, 10), windowOf(6, 20)]);
    await sleepUntil(run, W + 9n * S);
    expect(await posted(run)).toHaveLength(2);
  });

  it("TestStream_Barrier_Period_Replay_After_Idle: points replayed after the barrier are older than it and dropped", async () => {
    const run = await start(".period(10s)", "10s");
    send(run, 0, 21);
    await sleepUntil(run, W + 11n * S);
    send(run, 0, 21);
    expect(await posted(run)).toEqual([windowOf(0, 10), windowOf(6, 20), windowOf(16, 21)]);
    expect(run.r.task.nodes.find((n) => n.name === "window3")!.stats.collected).toBe(21);
    await sleepUntil(run, W + 20n * S);
    expect(await posted(run)).toHaveLength(3);
  });
});
