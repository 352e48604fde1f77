import { describe, expect, it } from "vitest";
import { decodeJson, encodeJson } from "../../../src/store/codec.js";
import { Level, levelName } from "../../../src/core/types.js";
import { InhibitorRegistry } from "../../../src/engine/inhibitors.js";
import { pt, runScript } from "../../support/engine.js";

const S = 1e9;
const levels = (r: { events: { state: { level: Level; id: string } }[] }) =>
  r.events.map((e) => `${e.state.id}:${levelName(e.state.level)}`);

describe("Task", () => {
  it("counts and logs a lambda error with task and node, then processes the next point", () => {
    const r = runScript(`stream |from().measurement('cpu') |alert().crit(lambda: "value" > 10.0)`, {
      name: "cpu",
    });
    r.task.write("db", "rp", pt("cpu", {}, { other: 1 }, 1));
    r.task.write("db", "rp", pt("cpu", {}, { value: 20 }, 2));
    expect(levels(r)).toEqual(["cpu:nil:CRITICAL"]);
    const alert = r.task.nodes.find((n) => n.name === "alert2")!;
    expect(alert.stats.errors).toBe(1);
    expect(r.logs).toEqual([
      {
        level: "error",
        msg: "error evaluating expression for CRITICAL: no field or tag exists for value",
        fields: { task: "cpu", node: "alert2" },
      },
    ]);
  });

  it("filters by dbrp when the script names one", () => {
    const r = runScript(
      `dbrp "telegraf"."autogen"\nstream |from().measurement('cpu') |alert().crit(lambda: TRUE)`,
    );
    r.task.write("other", "autogen", pt("cpu", {}, { v: 1 }, 1));
    r.task.write("telegraf", "autogen", pt("cpu", {}, { v: 1 }, 2));
    expect(r.events).toHaveLength(1);
  });

  it("routes events to the anonymous topic (with handlers) and .topic()", () => {
    const r = runScript(
      `stream |from().measurement('cpu') |alert().crit(lambda: TRUE).topic('ops').log('/tmp/tickd-test-alerts.log')`,
      { name: "mytask" },
    );
    r.task.write("db", "rp", pt("cpu", {}, { v: 1 }, 1));
    expect(r.topics).toEqual([["main:mytask:alert2", "ops"]]);
  });

  it("inhibits another task's events of the inhibited category while the inhibitor fires", () => {
    const inhibitors = new InhibitorRegistry();
    const host = runScript(
      `stream |from().measurement('host_down').groupBy('host') |alert().crit(lambda: "down" == TRUE).inhibit('system', 'host')`,
      { inhibitors },
    );
    const cpu = runScript(
      `stream |from().measurement('cpu').groupBy('host') |alert().category('system').crit(lambda: "v" > 90.0)`,
      { inhibitors },
    );
    host.task.write("db", "rp", pt("host_down", { host: "a" }, { down: true }, 1));
    cpu.task.write("db", "rp", pt("cpu", { host: "a" }, { v: 95 }, 2));
    cpu.task.write("db", "rp", pt("cpu", { host: "b" }, { v: 95 }, 2));
    expect(levels(cpu)).toEqual(["cpu:host=b:CRITICAL"]);
    host.task.write("db", "rp", pt("host_down", { host: "a" }, { down: false }, 3));
    cpu.task.write("db", "rp", pt("cpu", { host: "a" }, { v: 96 }, 4));
    expect(levels(cpu)).toEqual(["cpu:host=b:CRITICAL", "cpu:host=a:CRITICAL"]);
  });

  it("idle flush closes a quiet window by the wall clock so the series still alerts", () => {
    const r = runScript(
      `stream |from().measurement('cpu') |window().period(10s).every(10s) |count('v') |alert().crit(lambda: "count" > 1)`,
      { idleFlush: 5 * S },
    );
    r.task.write("db", "rp", pt("cpu", {}, { v: 1 }, 0));
    r.task.write("db", "rp", pt("cpu", {}, { v: 1 }, 5));
    r.task.tick(BigInt(14 * S));
    expect(r.events).toHaveLength(0);
    r.task.tick(BigInt(15 * S));
    expect(levels(r)).toEqual(["cpu:nil:CRITICAL"]);
    expect(r.events[0]!.state.time).toBe(BigInt(10 * S));
  });

  it("without idle flush, ticks leave windows to the data (Kapacitor's behaviour)", () => {
    const r = runScript(
      `stream |from().measurement('cpu') |window().period(10s).every(10s) |count('v') |alert().crit(lambda: "count" > 1)`,
    );
    r.task.write("db", "rp", pt("cpu", {}, { v: 1 }, 0));
    r.task.write("db", "rp", pt("cpu", {}, { v: 1 }, 5));
    r.task.tick(BigInt(1000 * S));
    expect(r.events).toHaveLength(0);
  });

  it("expires idle OK groups but keeps groups with an open incident", () => {
    const r = runScript(
      `stream |from().measurement('cpu').groupBy('host') |alert().crit(lambda: "v" > 90.0)`,
    );
    r.task.write("db", "rp", pt("cpu", { host: "ok" }, { v: 1 }, 1));
    r.task.write("db", "rp", pt("cpu", { host: "bad" }, { v: 99 }, 1));
    expect(r.task.tick(BigInt(100 * S), { groupTtl: 50 * S }).expired).toBe(1);
    // The incident is still open: its recovery arrives.
    r.task.write("db", "rp", pt("cpu", { host: "bad" }, { v: 1 }, 101));
    expect(levels(r)).toEqual(["cpu:host=bad:CRITICAL", "cpu:host=bad:OK"]);
  });
});

describe("idIsPerGroup", () => {
  it("caches IDs only for templates that cannot depend on per-point tags", async () => {
    const { idIsPerGroup } = await import("../../../src/engine/nodes/alert-node.js");
    expect(idIsPerGroup("{{ .Name }}:{{ .Group }}")).toBe(true);
    expect(idIsPerGroup('kapacitor/{{ .TaskName }}/{{ printf "%s" .Group }}')).toBe(true);
    expect(idIsPerGroup("{{ .ServerInfo.Hostname }}-{{.Name}}")).toBe(true);
    expect(idIsPerGroup('{{ index .Tags "host" }}')).toBe(false);
    expect(idIsPerGroup("{{ . }}")).toBe(false);
    expect(idIsPerGroup("{{ $x := .Group }}{{ $x }}")).toBe(false);
    expect(idIsPerGroup('{{ "." }}{{ .Name }}')).toBe(true);
  });

  it("renders tag-dependent IDs per point even within one group", () => {
    const r = runScript(
      `stream |from().measurement('cpu') |alert().id('{{ index .Tags "cpu" }}').crit(lambda: TRUE)`,
    );
    r.task.write("db", "rp", pt("cpu", { cpu: "cpu0" }, { v: 1 }, 1));
    r.task.write("db", "rp", pt("cpu", { cpu: "cpu1" }, { v: 1 }, 2));
    expect(r.events.map((e) => e.state.id)).toEqual(["cpu0", "cpu1"]);
  });
});

describe("catalogue and engine agree", () => {
  it("marks exactly the node kinds the engine can build as implemented", async () => {
    const { ENGINE_NODE_KINDS } = await import("../../../src/engine/task.js");
    const { ENGINE_IMPLEMENTED } = await import("../../../src/pipeline/catalogue.js");
    expect([...ENGINE_IMPLEMENTED].sort()).toEqual([...ENGINE_NODE_KINDS].sort());
  });
});

describe("alert state across a restart", () => {
  it("neither re-pages an ongoing incident nor loses its recovery", () => {
    type Snap = import("../../../src/engine/alert-state.js").AlertStateSnapshot;
    const saved = new Map<string, { eventId: string; state: Snap }>();
    const alertStates = {
      load: (node: string, group: string) => {
        const v = saved.get(`${node}/${group}`);
        // A real store hands back a fresh copy (JSON columns); so does this.
        return v && (decodeJson(encodeJson(v, "state"), "state") as typeof v);
      },
      save: (node: string, group: string, eventId: string, state: Snap) =>
        void saved.set(`${node}/${group}`, { eventId, state }),
      remove: (node: string, group: string) => void saved.delete(`${node}/${group}`),
    };
    const script = `stream |from().measurement('cpu').groupBy('host') |alert().crit(lambda: "v" > 90.0).stateChangesOnly()`;
    const before = runScript(script, { alertStates });
    before.task.write("db", "rp", pt("cpu", { host: "a" }, { v: 95 }, 10));
    expect(levels(before)).toEqual(["cpu:host=a:CRITICAL"]);
    expect([...saved.keys()]).toEqual(["alert2/host=a"]);

    // "Restart": a new task over the same saved state.
    const after = runScript(script, { alertStates });
    after.task.write("db", "rp", pt("cpu", { host: "a" }, { v: 97 }, 20));
    expect(after.events).toHaveLength(0);
    after.task.write("db", "rp", pt("cpu", { host: "a" }, { v: 10 }, 30));
    expect(levels(after)).toEqual(["cpu:host=a:OK"]);
    expect(after.events[0]!.state.duration).toBe(20 * S);
    expect(saved.size).toBe(0);
  });
});

describe("a group that starts is seeded from its topics (Kapacitor's NewGroup → restoreEvent)", () => {
  const script = `stream |from().measurement('disk').groupBy('host') |alert().id('fleet').crit(lambda: "v" > 90.0).topic('ops').post('http://127.0.0.1:9/x')`;

  it("asks the sink once per new group, with the node's topics and the group's ID", () => {
    const asked: string[] = [];
    const r = runScript(script, {
      restore: (topics, id) => {
        asked.push(`${topics.join(",")} ${id}`);
        return id === "fleet" ? { level: Level.CRITICAL, time: BigInt(1 * S) } : undefined;
      },
    });
    r.task.write("db", "rp", pt("disk", { host: "b" }, { v: 40 }, 5));
    r.task.write("db", "rp", pt("disk", { host: "b" }, { v: 30 }, 6));
    expect(asked).toEqual(["main:t:alert2,ops fleet"]);
    // Seeded CRITICAL (triggered at 1s): b's first OK point is a recovery of 4s.
    expect(levels(r)).toEqual(["fleet:OK"]);
    expect(r.events[0]!.state.duration).toBe(4 * S);
  });

  it("keeps a group's own saved state, and still asks the sink (the topics are brought in line)", () => {
    type Snap = import("../../../src/engine/alert-state.js").AlertStateSnapshot;
    const state: Snap = {
      level: Level.OK,
      prev: Level.OK,
      firstTriggered: 0n,
      lastTriggered: 0n,
      flapping: false,
    };
    const asked: string[] = [];
    const r = runScript(script, {
      alertStates: {
        load: () => ({ eventId: "fleet", state }),
        save: () => undefined,
        remove: () => undefined,
      },
      restore: (_topics, id) => {
        asked.push(id);
        return { level: Level.CRITICAL, time: BigInt(1 * S) };
      },
    });
    r.task.write("db", "rp", pt("disk", { host: "b" }, { v: 40 }, 5));
    expect(asked).toEqual(["fleet"]);
    expect(r.events).toHaveLength(0);
  });
});
