import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AlertEvent } from "../../../src/core/alert-event.js";
import { levelName } from "../../../src/core/types.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { testTaskManager } from "../../support/engine.js";

const S = 1e9;
const SCRIPT = `dbrp "telegraf"."autogen"
stream |from().measurement('cpu').groupBy('host') |alert().crit(lambda: "v" > 90.0).stateChangesOnly()`;

let stores: Store[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const s of stores) s.close();
  stores = [];
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), "tickd-tm-"));
  dirs.push(dir);
  return join(dir, "tickd.db");
}

function setup(path = tempDb()) {
  const store = openStore(path);
  stores.push(store);
  const events: AlertEvent[] = [];
  let now = 1_700_000_000 * S;
  const tm = testTaskManager(store, (e) => void events.push(e), { now: () => (now += S) });
  return { tm, store, events, path };
}

const cpu = (host: string, v: number, sec: number) => ({
  name: "cpu",
  tags: { host },
  fields: { v },
  time: BigInt(sec) * 1_000_000_000n,
});

describe("TaskManager", () => {
  it("defines a task with Kapacitor's defaults and validation messages", () => {
    const { tm } = setup();
    const t = tm.define({ id: "cpu", script: SCRIPT });
    expect(t).toMatchObject({ id: "cpu", type: "stream", status: "disabled", executing: false, error: "" });
    expect(t.dbrps).toEqual([{ db: "telegraf", rp: "autogen" }]);
    expect(t.lastEnabled).toBe(0);
    expect(() => tm.define({ id: "cpu", script: SCRIPT })).toThrow("task cpu already exists");
    expect(() => tm.define({ id: "x" })).toThrow("must provide TICKscript");
    expect(() => tm.define({ id: "bad id!", script: SCRIPT })).toThrow(/task ID must contain only/);
    expect(() => tm.define({ id: "nodbrp", script: "stream |from() |alert()" })).toThrow("must specify dbrp");
    expect(() => tm.define({ id: "both", script: SCRIPT, dbrps: [{ db: "a", rp: "b" }] })).toThrow(
      "cannot specify dbrp in both implicitly and explicitly",
    );
    expect(() =>
      tm.define({
        id: "typo",
        script: "stream |from() |alert().critt(lambda: TRUE)",
        dbrps: [{ db: "a", rp: "b" }],
      }),
    ).toThrow(
      /^invalid TICKscript: line 1 char 25: unknown property \.critt on alert \(did you mean \.crit\?\)$/,
    );
    expect(tm.define({ script: "stream |from()", dbrps: [{ db: "a", rp: "b" }] }).id).toMatch(
      /^[0-9a-f-]{36}$/,
    );
  });

  it("routes writes only to enabled stream tasks of the matching dbrp", () => {
    const { tm, events } = setup();
    tm.define({ id: "cpu", script: SCRIPT });
    tm.write("telegraf", "autogen", [cpu("a", 95, 1)]);
    expect(events).toHaveLength(0);
    const t = tm.update("cpu", { status: "enabled" });
    expect(t.executing).toBe(true);
    expect(t.lastEnabled).toBeGreaterThan(0);
    tm.write("other", "autogen", [cpu("a", 95, 2)]);
    tm.write("telegraf", "autogen", [cpu("a", 95, 3)]);
    expect(events.map((e) => `${e.state.id}:${levelName(e.state.level)}`)).toEqual(["cpu:host=a:CRITICAL"]);
    // The alert node is a leaf: it collects on its parent edge and emits on no edge.
    expect(tm.get("cpu")!.nodeStats.find((n) => n.name === "alert2")).toMatchObject({
      collected: 1,
      emitted: 0,
      extra: { alerts_triggered: 1, crits_triggered: 1 },
    });
    tm.update("cpu", { status: "disabled" });
    tm.write("telegraf", "autogen", [cpu("b", 95, 4)]);
    expect(events).toHaveLength(1);
  });

  it("keeps definitions and alert state across a restart of the daemon", () => {
    const first = setup();
    first.tm.define({ id: "cpu", script: SCRIPT, status: "enabled" });
    first.tm.write("telegraf", "autogen", [cpu("a", 95, 1)]);
    expect(first.events).toHaveLength(1);
    first.store.close();

    const second = setup(first.path);
    second.tm.startAll();
    expect(second.tm.get("cpu")).toMatchObject({ status: "enabled", executing: true });
    second.tm.write("telegraf", "autogen", [cpu("a", 96, 2)]);
    expect(second.events).toHaveLength(0); // no second page for the ongoing incident
    second.tm.write("telegraf", "autogen", [cpu("a", 5, 9)]);
    expect(second.events.map((e) => [levelName(e.state.level), e.state.duration / S])).toEqual([["OK", 8]]);
  });

  it("reads a group's stored state once, and nothing for a group with none (each new alert)", () => {
    const first = setup();
    first.tm.define({ id: "cpu", script: SCRIPT, status: "enabled" });
    first.tm.write("telegraf", "autogen", [cpu("a", 95, 1)]);
    first.store.close();

    const second = setup(first.path);
    const reads = vi.spyOn(second.store.alertStates, "get");
    second.tm.startAll();
    second.tm.write("telegraf", "autogen", [cpu("a", 96, 2), cpu("b", 97, 2), cpu("c", 5, 2)]);
    second.tm.write("telegraf", "autogen", [cpu("a", 96, 3), cpu("b", 97, 3)]);
    expect(reads.mock.calls).toEqual([["cpu", "alert2", "host=a"]]);
    // a: restored (no second page); b: new.
    expect(second.events.map((e) => `${e.state.id}:${levelName(e.state.level)}`)).toEqual([
      "cpu:host=b:CRITICAL",
    ]);

    // A restart in the same process reads the rows written since.
    second.tm.update("cpu", { status: "disabled" });
    second.tm.update("cpu", { status: "enabled" });
    second.tm.write("telegraf", "autogen", [cpu("a", 96, 4), cpu("b", 97, 4), cpu("d", 5, 4)]);
    expect(second.events).toHaveLength(1);
    second.tm.write("telegraf", "autogen", [cpu("a", 5, 5), cpu("b", 5, 5)]);
    expect(second.events.slice(1).map((e) => `${e.state.id}:${levelName(e.state.level)}`)).toEqual([
      "cpu:host=a:OK",
      "cpu:host=b:OK",
    ]);
  });

  it("restarts tasks whose dbrps came with the definition (API dbrps, tickctl -dbrp), not the script", () => {
    const NO_DBRP = `stream |from().measurement('cpu').groupBy('host') |alert().crit(lambda: "v" > 90.0)`;
    const first = setup();
    const dbrps = [{ db: "telegraf", rp: "autogen" }];
    first.tm.define({ id: "api", script: NO_DBRP, dbrps, status: "enabled" });
    // A line starting with "dbrp" inside a string is no dbrp statement.
    const quoted = `${NO_DBRP}.message('''\ndbrp "x"."y" is not a statement''')`;
    first.tm.define({ id: "quoted", script: quoted, dbrps, status: "enabled" });
    first.tm.define({ id: "script", script: SCRIPT, status: "enabled" });
    first.store.close();

    const second = setup(first.path);
    second.tm.startAll();
    for (const id of ["api", "quoted", "script"])
      expect(second.tm.get(id), id).toMatchObject({ executing: true, error: "", dbrps });
    expect(second.tm.failed()).toEqual([]);
    second.tm.write("telegraf", "autogen", [cpu("a", 95, 1)]);
    expect(second.events.map((e) => e.data.taskName).sort()).toEqual(["api", "quoted", "script"]);
    // A PATCH that changes only the status keeps the definition's dbrps too.
    expect(second.tm.update("quoted", { status: "disabled" }).dbrps).toEqual(dbrps);
    expect(second.tm.update("quoted", { status: "enabled" })).toMatchObject({ executing: true, dbrps });
  });

  it("lists an enabled task that cannot start as failed, with its error, and clears it once it runs", () => {
    const first = setup();
    first.tm.define({ id: "cpu", script: SCRIPT, status: "enabled" });
    first.tm.define({ id: "off", script: SCRIPT });
    // What an upgrade meets: a stored script this version no longer accepts.
    const stored = first.store.tasks.get("cpu")!;
    first.store.tasks.put({ ...stored, script: stored.script.replace(".crit(", ".critt(") });
    first.store.close();

    const second = setup(first.path);
    second.tm.startAll();
    const [failed, ...rest] = second.tm.failed();
    expect(rest).toEqual([]);
    expect(failed?.id).toBe("cpu");
    expect(failed?.error).toMatch(/unknown property \.critt/);
    expect(second.tm.get("cpu")).toMatchObject({ status: "enabled", executing: false, error: failed?.error });
    expect(second.tm.update("cpu", { script: SCRIPT })).toMatchObject({ executing: true, error: "" });
    expect(second.tm.failed()).toEqual([]);
  });

  it("writes one write's alert states in one commit, seen by the event sinks as open", () => {
    const { store, path } = setup();
    const open: boolean[] = [];
    const tm = testTaskManager(store, () => void open.push(store.db.inTransaction));
    tm.define({ id: "cpu", script: SCRIPT, status: "enabled" });
    tm.write("telegraf", "autogen", [cpu("a", 95, 1), cpu("b", 95, 1), cpu("c", 95, 1)]);
    expect(open).toEqual([true, true, true]);
    expect(store.db.inTransaction).toBe(false);
    // Committed: a fresh connection reads all three groups' states.
    const again = openStore(path);
    stores.push(again);
    expect(again.alertStates.listTask("cpu").map((r) => r.group)).toEqual(["host=a", "host=b", "host=c"]);
  });

  it("renames with PATCH id, lists with a pattern, deletes quietly, and draws the dot graph", () => {
    const { tm } = setup();
    tm.define({ id: "cpu", script: SCRIPT, status: "enabled" });
    tm.define({ id: "mem", script: SCRIPT });
    const renamed = tm.update("cpu", { id: "cpu_alert" });
    expect(renamed.id).toBe("cpu_alert");
    expect(renamed.executing).toBe(true);
    expect(tm.get("cpu")).toBeUndefined();
    expect(tm.list({ pattern: "cpu*" }).map((t) => t.id)).toEqual(["cpu_alert"]);
    expect(renamed.dot).toContain('digraph cpu_alert {\ngraph [throughput="0.00 points/s"];\n');
    expect(tm.get("mem")!.dot).toBe("digraph mem {\nstream0 -> from1;\nfrom1 -> alert2;\n}");
    expect(() => tm.update("nope", { status: "enabled" })).toThrow("task does not exist, cannot update");
    tm.delete("nope");
    tm.delete("mem");
    expect(tm.list({}).map((t) => t.id)).toEqual(["cpu_alert"]);
  });
});

describe("global handlers ([victorops] global = true)", () => {
  it("adds the handler to alert nodes without one, giving them their anonymous topic", () => {
    const store = openStore(":memory:");
    stores.push(store);
    const routes: { topics: string[]; kinds: string[] }[] = [];
    const tm = testTaskManager(
      store,
      (_e, r) => void routes.push({ topics: r.topics, kinds: r.handlers.map((h) => h.kind) }),
      { now: () => 1, globalHandlers: ["victorOps"] },
    );
    tm.define({ id: "a", script: SCRIPT.replace(".stateChangesOnly()", ""), status: "enabled" });
    tm.define({
      id: "b",
      script: SCRIPT.replace(".stateChangesOnly()", ".victorOps().routingKey('team')"),
      status: "enabled",
    });
    tm.write("telegraf", "autogen", [cpu("x", 99, 1)]);
    expect(routes).toEqual([
      { topics: ["main:a:alert2"], kinds: ["victorOps"] },
      { topics: ["main:b:alert2"], kinds: ["victorOps"] },
    ]);
  });
});

describe("TaskManager.fieldFilter (ingest decodes only what tasks read)", () => {
  it("follows the running tasks of each db/rp as they are defined, enabled and deleted", () => {
    const { tm } = setup();
    // No task: nothing of any measurement is read.
    expect(tm.fieldFilter("telegraf", "autogen")?.fieldsFor("cpu")).toEqual(new Set());
    tm.define({
      id: "mean",
      status: "enabled",
      script: `dbrp "telegraf"."autogen"
stream |from().measurement('cpu') |window().period(1m).every(1m) |mean('usage_idle') |alert().crit(lambda: "mean" < 10.0)`,
    });
    expect(tm.fieldFilter("telegraf", "autogen")?.fieldsFor("cpu")?.has("usage_idle")).toBe(true);
    expect(tm.fieldFilter("telegraf", "autogen")?.fieldsFor("cpu")?.has("usage_user")).toBe(false);
    expect(tm.fieldFilter("other", "autogen")?.fieldsFor("cpu")).toEqual(new Set());
    // An alert on the raw stream puts every field of cpu in its data.
    tm.define({ id: "raw", status: "enabled", script: SCRIPT });
    expect(tm.fieldFilter("telegraf", "autogen")?.fieldsFor("cpu")).toBeUndefined();
    tm.delete("raw");
    expect(tm.fieldFilter("telegraf", "autogen")?.fieldsFor("cpu")?.has("usage_user")).toBe(false);
  });
});
