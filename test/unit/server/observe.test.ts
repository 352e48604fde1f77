/** Ingress counting and live log filters (src/server/observe/). */
import { describe, expect, it } from "vitest";
import { IngressCounter } from "../../../src/server/observe/ingress.js";
import { LogTap } from "../../../src/server/observe/log-tap.js";
import { pt } from "../../support/engine.js";

describe("IngressCounter", () => {
  it("counts every point per db, rp and measurement, runs and interleavings alike", () => {
    const c = new IngressCounter();
    c.count("telegraf", "autogen", [
      pt("cpu", {}, { v: 1 }, 1),
      pt("cpu", {}, { v: 1 }, 2),
      pt("mem", {}, { v: 1 }, 3),
    ]);
    c.count("telegraf", "autogen", [pt("mem", {}, { v: 1 }, 4), pt("cpu", {}, { v: 1 }, 5)]);
    c.count("telegraf", "weekly", [pt("cpu", {}, { v: 1 }, 6)]);
    c.count("a", "b", []);
    expect(c.rows()).toEqual([
      { database: "telegraf", retentionPolicy: "autogen", measurement: "cpu", pointsReceived: 3 },
      { database: "telegraf", retentionPolicy: "autogen", measurement: "mem", pointsReceived: 2 },
      { database: "telegraf", retentionPolicy: "weekly", measurement: "cpu", pointsReceived: 1 },
    ]);
  });
});

describe("LogTap", () => {
  const line = (o: Record<string, unknown>) => `${JSON.stringify(o)}\n`;

  it("sends a subscriber only the lines whose fields match every filter", () => {
    const tap = new LogTap();
    const got: string[] = [];
    const stop = tap.subscribe({ task: "cpu", node: "log2" }, (l) => got.push(l));
    tap.offer(line({ level: 30, task: "cpu", node: "log2", msg: "a" }));
    tap.offer(line({ level: 30, task: "cpu", node: "alert3", msg: "b" }));
    tap.offer(line({ level: 30, task: "mem", node: "log2", msg: "c" }));
    tap.offer("not json\n");
    stop();
    tap.offer(line({ level: 30, task: "cpu", node: "log2", msg: "d" }));
    expect(got.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(["a"]);
    expect(tap.listening).toBe(0);
  });

  it("matches lvl by name, and with + that level and above", () => {
    const tap = new LogTap();
    const exact: string[] = [];
    const above: string[] = [];
    tap.subscribe({ lvl: "warn" }, (l) => exact.push((JSON.parse(l) as { msg: string }).msg));
    tap.subscribe({ lvl: "warn+" }, (l) => above.push((JSON.parse(l) as { msg: string }).msg));
    for (const [level, msg] of [
      [20, "debug"],
      [30, "info"],
      [40, "warn"],
      [50, "error"],
    ] as const)
      tap.offer(line({ level, msg }));
    expect(exact).toEqual(["warn"]);
    expect(above).toEqual(["warn", "error"]);
  });

  it("ends every stream when it closes, so shutdown is not held up", () => {
    const tap = new LogTap();
    let ended = 0;
    tap.subscribe(
      {},
      () => {},
      () => ended++,
    );
    tap.subscribe(
      {},
      () => {},
      () => ended++,
    );
    tap.close();
    expect(ended).toBe(2);
    expect(tap.listening).toBe(0);
  });
});
