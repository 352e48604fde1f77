/**
 * Node group state in the partition changelog (src/cluster/node-state.ts): an engine that
 * processed the first part of the points, checkpointed, and a new engine restored from those
 * records that processes the rest make together the same alerts as one engine given every
 * point — for windows (time and count), stateful functions in eval and where, stateDuration,
 * stateCount, derivative, difference, movingAverage, changeDetect and sample. A group state
 * over the bound is not kept (tombstone, counted); a redefined task's states are tombstoned.
 * Times carry sub-µs digits: restored buffers and times must stay exact int64 ns (DESIGN §9).
 */
import { afterEach, describe, expect, it } from "vitest";
import { decodeChangelog, MAX_NODE_STATE_BYTES } from "../../../src/cluster/changelog.js";
import type { PartitionWork } from "../../../src/cluster/context.js";
import { newNodeStateStats, nodeMapKey, type NodeStateStats } from "../../../src/cluster/node-state.js";
import { PartitionEngine, stateMapKey, type AlertStateEntry } from "../../../src/cluster/partition-engine.js";
import type { NotificationRecord } from "../../../src/cluster/records.js";
import type { AlertEvent } from "../../../src/core/alert-event.js";
import type { Point } from "../../../src/core/types.js";
import type { TaskManager } from "../../../src/server/task-manager.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { pt, testTaskManager } from "../../support/engine.js";

let store: Store | undefined;
afterEach(() => {
  store?.close();
  store = undefined;
});

class Work implements PartitionWork {
  readonly input = { topic: "tickd-x-points", partition: 0 };
  closed = false;
  readonly states = new Map<string, string | null>();
  putState(key: string, value: string | null): void {
    this.states.set(key, value);
  }
  notify(_r: NotificationRecord): void {}
  holdsTopicEvent(): void {}
}

const FROM = `dbrp "telegraf"."autogen"
stream
  |from().measurement('cpu').groupBy('host')`;
const ALERT = (id: string) => `|alert().id('${id}:{{ index .Tags "host" }}').crit(lambda: TRUE)`;

const SCRIPTS: Record<string, string> = {
  win: `${FROM}
  |window().period(10s).every(4s)
  |mean('usage')
  ${ALERT("win")}`,
  cwin: `${FROM}
  |window().periodCount(5).everyCount(3)
  |max('usage')
  ${ALERT("cwin")}`,
  ev: `${FROM}
  |where(lambda: count() % 2 == 1)
  |eval(lambda: count(), lambda: sigma("usage"), lambda: spread("usage")).as('n', 's', 'sp').keep()
  |stateDuration(lambda: "usage" > 50.0)
  |stateCount(lambda: "usage" < 70.0)
  ${ALERT("ev")}`,
  tr: `${FROM}
  |derivative('usage').as('d')
  |difference('usage').as('df')
  |movingAverage('df', 3).as('ma')
  ${ALERT("tr")}`,
  cd: `${FROM}
  |eval(lambda: int("usage") / 30).as('band')
  |changeDetect('band')
  |sample(2)
  ${ALERT("cd")}`,
};

/** One point per second and host, at second 1000 + s plus 123456789 ns: times a float64 cannot hold. */
function points(from: number, to: number): Point[] {
  const out: Point[] = [];
  for (let s = from; s < to; s++)
    for (const [i, host] of ["a", "b"].entries())
      out.push({
        ...pt("cpu", { host }, { usage: ((s * 37 + i * 11) % 100) + 0.5 }, 0),
        time: 1_700_000_000_000_000_000n + BigInt(1000 + s) * 1_000_000_000n + 123_456_789n,
      });
  return out;
}

interface Run {
  engine: PartitionEngine;
  events: string[];
  work: Work;
  stats: NodeStateStats;
}

function tm(): TaskManager {
  store ??= openStore(":memory:");
  const m = testTaskManager(store, () => undefined, { streamTasksElsewhere: true });
  for (const [id, script] of Object.entries(SCRIPTS)) m.define({ id, status: "enabled", script });
  return m;
}

function run(source: TaskManager, restored: Work | undefined): Run {
  const events: string[] = [];
  const alertStates = new Map<string, AlertStateEntry>();
  const nodeStates = new Map<string, unknown>();
  for (const [k, v] of restored?.states ?? []) {
    const e = decodeChangelog(k, v);
    if (e.kind === "alert" && e.value !== undefined)
      alertStates.set(stateMapKey(e.task, e.node, e.group), e.value);
    if (e.kind === "node" && e.value !== undefined)
      nodeStates.set(nodeMapKey(e.task, e.node, e.group), e.value.state);
  }
  const work = new Work();
  const stats = newNodeStateStats();
  const engine = new PartitionEngine({
    work,
    source,
    alerts: {
      collect: (e: AlertEvent) =>
        void events.push(
          JSON.stringify([e.state.id, e.state.time, e.state.level, e.data.series], (_k, v: unknown) =>
            typeof v === "bigint" ? `${v}n` : v,
          ),
        ),
    },
    logger: { log: () => undefined },
    alertStates,
    nodeStates,
    nodeStats: stats,
  });
  engine.sync();
  return { engine, events, work, stats };
}

describe("node state in the partition changelog", () => {
  it("an owner restored mid-stream continues every stateful node as one engine would", async () => {
    const source = tm();
    const whole = run(source, undefined);
    whole.engine.write("telegraf", "autogen", points(0, 40));
    await whole.engine.stop();
    expect(whole.events.length).toBeGreaterThan(100);
    for (const id of Object.keys(SCRIPTS))
      expect(
        whole.events.some((e) => e.includes(`"${id}:a"`)),
        id,
      ).toBe(true);

    const first = run(source, undefined);
    first.engine.write("telegraf", "autogen", points(0, 17));
    first.engine.checkpoint();
    await first.engine.stop();
    expect(first.stats.saved).toBeGreaterThan(0);
    const second = run(source, first.work);
    second.engine.write("telegraf", "autogen", points(17, 40));
    await second.engine.stop();
    expect(second.stats.unloadable).toBe(0);
    // A write runs each task over all its points: compare as sets of alerts.
    const got = [...first.events, ...second.events].sort();
    expect(got).toEqual([...whole.events].sort());
    expect(got.some((e) => e.includes('123456789n"'))).toBe(true);

    // Without the node states the second half differs (what cluster mode did before).
    const blindWork = new Work();
    for (const [k, v] of first.work.states) if (JSON.parse(k)[0] !== "n") blindWork.states.set(k, v);
    const blind = run(source, blindWork);
    blind.engine.write("telegraf", "autogen", points(17, 40));
    await blind.engine.stop();
    expect([...first.events, ...blind.events].sort()).not.toEqual([...whole.events].sort());
  });

  it("keeps no group state over the bound, and tombstones a redefined task's states", async () => {
    const source = tm();
    const r = run(source, undefined);
    const big = "x".repeat(4096);
    const pts: Point[] = [];
    for (let s = 0; s < Math.ceil(MAX_NODE_STATE_BYTES / 4096) + 8; s++)
      pts.push(pt("cpu", { host: "a" }, { usage: 1.5, note: big }, 1000 + s * 0.001));
    r.engine.write("telegraf", "autogen", pts);
    r.engine.checkpoint();
    expect(r.stats.oversize).toBe(1);
    const winKeys = [...r.work.states.keys()].filter((k) => k.startsWith('["n","tickd-x-points",0,"win"'));
    expect(winKeys).toEqual([]);
    const live = [...r.work.states].filter(([k, v]) => k.startsWith('["n"') && v !== null).map(([k]) => k);
    expect(live.length).toBeGreaterThan(0);

    // Redefining "ev" restarts it empty: its records become tombstones.
    r.work.states.clear();
    source.update("ev", { script: SCRIPTS["ev"]!.replace("70.0", "71.0") });
    r.engine.sync();
    const evKeys = live.filter((k) => k.startsWith('["n","tickd-x-points",0,"ev"'));
    expect(evKeys.length).toBeGreaterThan(0);
    for (const k of evKeys) expect(r.work.states.get(k)).toBeNull();
    await r.engine.stop();
  });
});
