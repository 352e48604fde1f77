/**
 * One input partition's engines in cluster mode: their alert state goes to the partition's
 * changelog buffer, and a new owner restored from those records makes the same transition
 * the old one would have (the recovery with its duration), while an owner without them
 * would not. The cluster sender buffers a handler's request into the partition it runs for,
 * under an event id that a replay reproduces.
 */
import { afterEach, describe, expect, it } from "vitest";
import { decodeChangelog } from "../../../src/cluster/changelog.js";
import { clusterSender, inEvent, inPartition, type PartitionWork } from "../../../src/cluster/context.js";
import { PartitionEngine, stateMapKey, type AlertStateEntry } from "../../../src/cluster/partition-engine.js";
import type { NotificationRecord } from "../../../src/cluster/records.js";
import type { AlertEvent } from "../../../src/core/alert-event.js";
import { Level } from "../../../src/core/types.js";
import type { HttpRequest } from "../../../src/handlers/types.js";
import type { TaskManager } from "../../../src/server/task-manager.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { pt, testTaskManager } from "../../support/engine.js";

const S = 1e9;
let store: Store | undefined;
let tm: TaskManager;
afterEach(() => {
  store?.close();
  store = undefined;
});

class Work implements PartitionWork {
  readonly input = { topic: "tickd-x-points", partition: 2 };
  closed = false;
  readonly states = new Map<string, string | null>();
  readonly notes: NotificationRecord[] = [];
  putState(key: string, value: string | null): void {
    this.states.set(key, value);
  }
  notify(r: NotificationRecord): void {
    this.notes.push(r);
  }
  holdsTopicEvent(): void {}
}

const SCRIPT = `dbrp "telegraf"."autogen"
stream
  |from().measurement('cpu').groupBy('host')
  |alert().id('cpu:{{ index .Tags "host" }}').crit(lambda: "usage_idle" < 10)`;

function engineOver(events: AlertEvent[], work: Work, states: Map<string, AlertStateEntry>) {
  if (store === undefined) {
    store = openStore(":memory:");
    tm = testTaskManager(store, () => undefined, { streamTasksElsewhere: true });
    tm.define({ id: "cpu", status: "enabled", script: SCRIPT });
  }
  const engine = new PartitionEngine({
    work,
    source: tm,
    alerts: { collect: (e) => void events.push(e) },
    logger: { log: () => undefined },
    alertStates: states,
  });
  engine.sync();
  return engine;
}

/** What a new owner's restore makes of the changelog records: the alert state map. */
function restored(records: Map<string, string | null>): Map<string, AlertStateEntry> {
  const out = new Map<string, AlertStateEntry>();
  for (const [k, v] of records) {
    const e = decodeChangelog(k, v);
    if (e.kind !== "alert") continue;
    if (e.value === undefined) out.delete(stateMapKey(e.task, e.node, e.group));
    else out.set(stateMapKey(e.task, e.node, e.group), e.value);
  }
  return out;
}

describe("partition engine", () => {
  it("writes alert state to the changelog and a restored owner makes the recovery", async () => {
    const oldEvents: AlertEvent[] = [];
    const oldWork = new Work();
    const old = engineOver(oldEvents, oldWork, new Map());
    old.write("telegraf", "autogen", [pt("cpu", { host: "a" }, { usage_idle: 5 }, 100)]);
    expect(oldEvents.map((e) => e.state.level)).toEqual([Level.CRITICAL]);
    expect([...oldWork.states.keys()].map((k) => JSON.parse(k) as unknown)).toEqual([
      ["a", "tickd-x-points", 2, "cpu", "alert2", "host=a"],
    ]);
    await old.stop();

    // The new owner, restored from the committed records, sees the recovery 10 s later.
    const newEvents: AlertEvent[] = [];
    const newWork = new Work();
    const next = engineOver(newEvents, newWork, restored(oldWork.states));
    next.write("telegraf", "autogen", [pt("cpu", { host: "a" }, { usage_idle: 50 }, 110)]);
    expect(newEvents.map((e) => [e.state.level, e.state.duration])).toEqual([[Level.OK, 10 * S]]);
    // Back to OK: the group's record is a tombstone now.
    expect([...newWork.states.values()]).toEqual([null]);
    await next.stop();

    // Without the changelog the group would start at OK: the recovery would be lost.
    const blindEvents: AlertEvent[] = [];
    const blind = engineOver(blindEvents, new Work(), new Map());
    blind.write("telegraf", "autogen", [pt("cpu", { host: "a" }, { usage_idle: 50 }, 110)]);
    expect(blindEvents).toEqual([]);
    await blind.stop();
  });
});

describe("cluster sender", () => {
  const req = (alertId: string): HttpRequest => ({
    method: "POST",
    url: "http://127.0.0.1:9/",
    headers: {},
    body: "{}",
    timeoutMs: 1000,
    delivery: { handler: "tick:post0", topic: "main:cpu:alert2", alertId, kind: "post" },
  });
  const event = (level: Level, sec: number): AlertEvent =>
    ({
      state: { id: "cpu:a", level, time: BigInt(sec * S), duration: 0, message: "", details: "" },
    }) as AlertEvent;

  it("buffers into the current partition with a replayable id; outside one it journals locally", async () => {
    const local: HttpRequest[] = [];
    const sender = clusterSender({
      local: { journaled: true, send: (r) => (local.push(r), Promise.resolve({ status: 202, body: "" })) },
      member: () => "m1",
      logger: { log: () => undefined },
    });
    const run = (work: Work, ev: AlertEvent, times: number) =>
      inPartition(work, () =>
        inEvent(ev, () => {
          for (let i = 0; i < times; i++) void sender.send(req("cpu:a"));
        }),
      );
    const first = new Work();
    run(first, event(Level.CRITICAL, 100), 2);
    const replay = new Work();
    run(replay, event(Level.CRITICAL, 100), 2);
    expect(first.notes.map((n) => n.eventId)).toEqual(replay.notes.map((n) => n.eventId));
    // Two requests of one handler for one event: two ids.
    expect(new Set(first.notes.map((n) => n.eventId)).size).toBe(2);
    expect(first.notes[0]!.origin).toEqual({ member: "m1", topic: "tickd-x-points", partition: 2 });
    // A revoked partition's late send is dropped (its new owner makes it).
    const gone = new Work();
    gone.closed = true;
    run(gone, event(Level.OK, 110), 1);
    expect(gone.notes).toEqual([]);
    await sender.send(req("cpu:b"));
    expect(local.map((r) => r.delivery?.alertId)).toEqual(["cpu:b"]);
    expect(first.notes.length + local.length).toBe(3);
  });
});
