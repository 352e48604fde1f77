import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Level } from "../../../src/core/types.js";
import { AlertGroupState, type AlertBehaviour } from "../../../src/engine/alert-state.js";
import { groupKey } from "../../../src/store/alert-states.js";
import { openStore, type AlertStateRecord, type Store } from "../../../src/store/index.js";
import { SECOND, sampleState, T0, useTempDir } from "./helpers.js";

const tmp = useTempDir();
const dbPath = (): string => join(tmp.dir(), "tickd.db");
const open = (): Store => tmp.track(openStore(dbPath()));

describe("alertStates repository", () => {
  it("put, get, overwrite and delete one group", () => {
    const s = open();
    const r = sampleState("cpu_alert", "host=a");
    s.alertStates.put(r);
    expect(s.alertStates.get("cpu_alert", "alert2", "host=a")).toEqual(r);
    const recovered: AlertStateRecord = {
      ...r,
      state: { ...r.state, level: Level.OK, prev: Level.CRITICAL, lastTriggered: BigInt(T0 + SECOND) },
    };
    s.alertStates.put(recovered);
    expect(s.alertStates.get("cpu_alert", "alert2", "host=a")).toEqual(recovered);
    expect(s.alertStates.get("cpu_alert", "alert3", "host=a")).toBeUndefined();
    expect(s.alertStates.delete("cpu_alert", "alert2", "host=a")).toBe(true);
    expect(s.alertStates.delete("cpu_alert", "alert2", "host=a")).toBe(false);
  });

  it("keeps the flapping history ring, and leaves it out when there is none", () => {
    const s = open();
    const history = [Level.OK, Level.WARNING, Level.CRITICAL, Level.WARNING, Level.OK, Level.INFO];
    const flapping = sampleState("t", "nil", {
      state: { ...sampleState("t", "nil").state, flapping: true, history },
    });
    s.alertStates.put(flapping);
    s.alertStates.put(sampleState("t", "host=b"));
    const got = s.alertStates.get("t", "alert2", "nil")!;
    expect(got.state.history).toEqual(history);
    expect(got.state.flapping).toBe(true);
    expect("history" in s.alertStates.get("t", "alert2", "host=b")!.state).toBe(false);
  });

  it("putMany writes all in one transaction, or none when one row is invalid", () => {
    const s = open();
    const rows = Array.from({ length: 500 }, (_, i) =>
      sampleState("big", `host=h${String(i).padStart(3, "0")}`),
    );
    expect(s.alertStates.putMany(rows)).toBe(500);
    expect(s.alertStates.listTask("big")).toHaveLength(500);

    const bad = [sampleState("atomic", "host=1"), sampleState("atomic", "host=2", { eventId: "x" })];
    bad[1]!.state = { ...bad[1]!.state, lastTriggered: 2n ** 63n };
    expect(() => s.alertStates.putMany(bad)).toThrow(/outside int64/);
    expect(s.alertStates.listTask("atomic")).toEqual([]);
  });

  it("lists a task's groups by node then group, and deletes a task's groups only", () => {
    const s = open();
    s.alertStates.putMany([
      sampleState("a", "host=2"),
      sampleState("a", "host=1"),
      sampleState("a", "host=1", { node: "alert1" }),
      sampleState("b", "host=1"),
    ]);
    expect(s.alertStates.listTask("a").map((r) => `${r.node}/${r.group}`)).toEqual([
      "alert1/host=1",
      "alert2/host=1",
      "alert2/host=2",
    ]);
    expect(s.alertStates.deleteTask("a")).toBe(3);
    expect(s.alertStates.listTask("a")).toEqual([]);
    expect(s.alertStates.listTask("b")).toHaveLength(1);
  });

  it("lists a task's groups as keys, one per node and group", () => {
    const s = open();
    s.alertStates.putMany([
      sampleState("a", "host=1"),
      sampleState("a", "host=1", { node: "alert3" }),
      sampleState("a", "x\u0000y"),
      sampleState("b", "host=2"),
    ]);
    expect([...s.alertStates.groupKeys("a")].sort()).toEqual(
      [groupKey("alert2", "host=1"), groupKey("alert2", "x\u0000y"), groupKey("alert3", "host=1")].sort(),
    );
    expect(s.alertStates.groupKeys("none").size).toBe(0);
  });

  it("a restored group neither re-pages nor loses its recovery after a reopen", () => {
    const behaviour: AlertBehaviour = {
      history: 21,
      flapping: undefined,
      stateChangesOnly: true,
      stateChangesOnlyDuration: 0,
      noRecoveries: false,
      all: false,
    };
    const g = new AlertGroupState(behaviour);
    g.addEvent(BigInt(T0), Level.CRITICAL);
    expect(g.shouldEmitPoint(BigInt(T0))).toBe(true);

    const a = openStore(dbPath());
    a.alertStates.put({
      task: "cpu",
      node: "alert2",
      group: "host=a",
      eventId: "cpu:host=a",
      state: g.snapshot(),
    });
    a.close();

    const stored = open().alertStates.get("cpu", "alert2", "host=a")!;
    expect(stored.state.firstTriggered).toBe(BigInt(T0));
    const restored = new AlertGroupState(behaviour);
    restored.restore(stored.state);
    restored.addEvent(BigInt(T0 + 10 * SECOND), Level.CRITICAL);
    expect(restored.shouldEmitPoint(BigInt(T0 + 10 * SECOND))).toBe(false); // no re-page
    restored.addEvent(BigInt(T0 + 20 * SECOND), Level.OK);
    expect(restored.shouldEmitPoint(BigInt(T0 + 20 * SECOND))).toBe(true); // the recovery is still sent
    expect(restored.duration()).toBe(20 * SECOND);
  });

  it("flapping ring survives a reopen through snapshot/restore", () => {
    const behaviour: AlertBehaviour = {
      history: 6,
      flapping: { low: 0.25, high: 0.5 },
      stateChangesOnly: false,
      stateChangesOnlyDuration: 0,
      noRecoveries: false,
      all: false,
    };
    const g = new AlertGroupState(behaviour);
    const levels = [Level.CRITICAL, Level.OK, Level.CRITICAL, Level.OK, Level.CRITICAL];
    levels.forEach((l, i) => g.addEvent(BigInt(T0 + i * SECOND), l));
    expect(g.flapping).toBe(true);
    const a = openStore(dbPath());
    a.alertStates.put({ task: "f", node: "alert2", group: "nil", eventId: "f", state: g.snapshot() });
    a.close();
    const restored = new AlertGroupState(behaviour);
    restored.restore(open().alertStates.get("f", "alert2", "nil")!.state);
    expect(restored.snapshot()).toEqual(g.snapshot());
    expect(restored.percentChange()).toBe(g.percentChange());
  });
});
