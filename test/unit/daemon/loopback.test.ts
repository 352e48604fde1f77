/**
 * `|kapacitorLoopback()` through the daemon's TaskManager (Kapacitor's loopback.go and its
 * TestStream_KapacitorLoopback): one task writes its output back under another db/rp with a
 * new measurement and a static tag, a second task reading that db/rp alerts on it; a task
 * writing into its own dbrp does not start (loop detected); tasks writing to each other in a
 * circle are cut off instead of recursing forever.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AlertEvent } from "../../../src/core/alert-event.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { pt, testTaskManager } from "../../support/engine.js";

let store: Store | undefined;
afterEach(() => store?.close());

describe("|kapacitorLoopback()", () => {
  it("feeds its points, renamed and tagged, to the tasks reading the target db/rp", () => {
    store = openStore(":memory:");
    const events: AlertEvent[] = [];
    const tm = testTaskManager(store, (e) => void events.push(e));
    tm.define({
      id: "producer",
      status: "enabled",
      script: `dbrp "raw"."autogen"
stream
  |from().measurement('cpu')
  |eval(lambda: "value" * 2.0).as('double')
  |kapacitorLoopback()
    .database('derived')
    .retentionPolicy('autogen')
    .measurement('cpu_double')
    .tag('source', 'loopback')`,
    });
    tm.define({
      id: "consumer",
      status: "enabled",
      script: `dbrp "derived"."autogen"
stream
  |from().measurement('cpu_double')
  |alert().id('{{ index .Tags "source" }}/{{ index .Tags "host" }}').crit(lambda: "double" > 100.0)`,
    });
    tm.write("raw", "autogen", [
      pt("cpu", { host: "a" }, { value: 60 }, 1),
      pt("cpu", { host: "a" }, { value: 10 }, 2),
    ]);
    expect(events.map((e) => [e.state.id, e.state.level, e.data.series[0]!.values[0]])).toEqual([
      ["loopback/a", 3, [1_000_000_000n, 120]],
      ["loopback/a", 0, [2_000_000_000n, 20]],
    ]);
    const stats = tm.get("producer")?.nodeStats.find((n) => n.name === "kapacitor_loopback3");
    expect(stats?.extra.points_written).toBe(2);
  });

  it("TestBatch_KapacitorLoopback: writes each point of a window's batch back, with its own time and tags", () => {
    store = openStore(":memory:");
    const tm = testTaskManager(store, () => undefined);
    tm.define({
      id: "windows",
      status: "enabled",
      script: `dbrp "raw"."autogen"
stream
  |from().measurement('cpu')
  |window().period(5s).every(5s)
  |kapacitorLoopback().database('derived').retentionPolicy('autogen').tag('via', 'window')`,
    });
    tm.define({
      id: "count",
      status: "enabled",
      script: `dbrp "derived"."autogen"
stream
  |from().measurement('cpu').groupBy('host', 'via')
  |window().period(10s).every(10s)
  |count('value')
  |httpOut('count')`,
    });
    // Windows [0,5) and [5,10) close at 6s and 11s and are written back point by point; the
    // point at 11s comes back when [10,15) closes at 16s, which closes the count's [0,10).
    tm.write(
      "raw",
      "autogen",
      [0, 3, 6, 8, 11, 16].map((s) => pt("cpu", { host: "a" }, { value: s }, s)),
    );
    expect(tm.httpOut("count", "count")?.series).toEqual([
      {
        name: "cpu",
        tags: { host: "a", via: "window" },
        columns: ["time", "count"],
        values: [[10_000_000_000n, 4n]],
      },
    ]);
    const stats = tm.get("windows")?.nodeStats.find((n) => n.name.startsWith("kapacitor_loopback"));
    expect(stats?.extra.points_written).toBe(5);
  });

  it("refuses a task that writes back into its own dbrp", () => {
    store = openStore(":memory:");
    const tm = testTaskManager(store, () => undefined);
    const v = tm.define({
      id: "loop",
      status: "enabled",
      script: `dbrp "db"."rp"
stream |from() |kapacitorLoopback().database('db').retentionPolicy('rp')`,
    });
    expect(v.executing).toBe(false);
    expect(v.error).toBe('kapacitor_loopback2: loop detected on dbrp "db"."rp"');
  });

  it("cuts off tasks that write to each other in a circle", () => {
    store = openStore(":memory:");
    const logs: string[] = [];
    const tm = testTaskManager(store, () => undefined, {
      logger: { log: (_l, msg) => void logs.push(msg) },
    });
    for (const [from, to] of [
      ["a", "b"],
      ["b", "a"],
    ])
      tm.define({
        id: `to-${to}`,
        status: "enabled",
        script: `dbrp "${from}"."rp"
stream |from() |kapacitorLoopback().database('${to}').retentionPolicy('rp')`,
      });
    tm.write("a", "rp", [pt("m", {}, { v: 1 }, 1)]);
    expect(logs.some((l) => /nested loopback writes/.test(l))).toBe(true);
  });
});
