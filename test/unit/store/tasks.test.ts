import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TickdError } from "../../../src/core/errors.js";
import type { TaskVar } from "../../../src/pipeline/check.js";
import { openStore, StoreErrorCodes, type Store } from "../../../src/store/index.js";
import { SECOND, sampleTask, T0, useTempDir } from "./helpers.js";

const tmp = useTempDir();
const dbPath = (): string => join(tmp.dir(), "tickd.db");
const open = (): Store => tmp.track(openStore(dbPath()));

describe("tasks repository", () => {
  it("put, get, replace and delete", () => {
    const s = open();
    expect(s.tasks.get("cpu")).toBeUndefined();
    const t = sampleTask("cpu", { templateId: "tpl", type: "batch", status: "enabled", error: "oops" });
    s.tasks.put(t);
    expect(s.tasks.get("cpu")).toEqual(t);

    const replaced = sampleTask("cpu", {
      script: "batch|query('x')",
      dbrps: [],
      lastEnabled: T0 + 5 * SECOND,
    });
    s.tasks.put(replaced);
    expect(s.tasks.get("cpu")).toEqual(replaced);
    expect(s.tasks.list()).toHaveLength(1);

    expect(s.tasks.delete("cpu")).toBe(true);
    expect(s.tasks.delete("cpu")).toBe(false);
    expect(s.tasks.get("cpu")).toBeUndefined();
  });

  it("survives close and reopen (the restart users care about)", () => {
    const a = openStore(dbPath());
    const t = sampleTask("cpu_alert", {
      status: "enabled",
      dbrps: [
        { db: "telegraf", rp: "autogen" },
        { db: "telegraf", rp: "long" },
      ],
      vars: { crit: { type: "float", value: 95.5, description: "critical threshold" } },
      lastEnabled: T0 + 2 * SECOND,
    });
    a.tasks.put(t);
    a.close();
    const b = open();
    expect(b.tasks.get("cpu_alert")).toEqual(t);
  });

  it("keeps ns times exact above 2^53, and fractional or zero ones too", () => {
    const s = open();
    const times = { created: T0, modified: T0 + 256, lastEnabled: 0 };
    expect(T0 > Number.MAX_SAFE_INTEGER).toBe(true);
    s.tasks.put(sampleTask("t", times));
    s.tasks.put(sampleTask("frac", { created: 1.5, modified: -T0, lastEnabled: 2 ** 70 }));
    s.close();
    const r = open();
    const got = r.tasks.get("t")!;
    expect(got.created).toBe(1_732_420_800_123_456_768);
    expect(Object.is(got.created, T0)).toBe(true);
    expect(got.modified).toBe(T0 + 256);
    expect(got.lastEnabled).toBe(0);
    const frac = r.tasks.get("frac")!;
    expect([frac.created, frac.modified, frac.lastEnabled]).toEqual([1.5, -T0, 2 ** 70]);
    // Stored as an integer, not a float, so other tools see whole ns.
    const typ = r.db.prepare("SELECT typeof(created) FROM tasks WHERE id = 't'").pluck().get();
    expect(typ).toBe("integer");
  });

  it("refuses a NaN time with E_STORE_VALUE", () => {
    const s = open();
    try {
      s.tasks.put(sampleTask("bad", { created: Number.NaN }));
      expect.unreachable();
    } catch (e) {
      expect((e as TickdError).code).toBe(StoreErrorCodes.VALUE);
    }
    expect(s.tasks.get("bad")).toBeUndefined();
  });

  it("round-trips vars exactly: bigint ints, floats, durations, lists, regex and lambda text", () => {
    const vars: Record<string, TaskVar> = {
      big: { type: "int", value: 9_223_372_036_854_775_807n },
      neg: { type: "int", value: -9_223_372_036_854_775_808n },
      small: { type: "int", value: 5n },
      plainNumberInt: { type: "int", value: 7 },
      whole: { type: "float", value: 10 },
      half: { type: "float", value: 0.5 },
      inf: { type: "float", value: Number.POSITIVE_INFINITY },
      negZero: { type: "float", value: -0 },
      period: { type: "duration", value: 10 * SECOND },
      every: { type: "duration", value: "1m" },
      on: { type: "bool", value: true },
      host: { type: "string", value: "serverA", description: "the $host to watch" },
      re: { type: "regex", value: "^cpu[0-9]+$" },
      crit: { type: "lambda", value: `"usage_idle" < 10` },
      by: {
        type: "list",
        value: [
          { type: "string", value: "host" },
          { type: "int", value: 1_234_567_890_123_456_789n },
        ],
      },
      star: { type: "star", value: null },
    };
    const a = openStore(dbPath());
    a.tasks.put(sampleTask("v", { vars }));
    a.close();
    const got = open().tasks.get("v")!.vars;
    expect(got).toEqual(vars);
    expect(got.big!.value).toBe(9_223_372_036_854_775_807n);
    expect(typeof got.small!.value).toBe("bigint");
    expect(typeof got.plainNumberInt!.value).toBe("number");
    expect(typeof got.whole!.value).toBe("number");
    expect(Object.is(got.negZero!.value, -0)).toBe(true);
    expect((got.by!.value as TaskVar[])[1]!.value).toBe(1_234_567_890_123_456_789n);
    expect("description" in got.half!).toBe(false);
  });

  it("lists sorted by id (bytewise), with offset and limit", () => {
    const s = open();
    for (const id of ["b", "a", "C", "aa", "é", "_x"]) s.tasks.put(sampleTask(id));
    expect(s.tasks.list().map((t) => t.id)).toEqual(["C", "_x", "a", "aa", "b", "é"]);
    expect(s.tasks.list({ offset: 1, limit: 2 }).map((t) => t.id)).toEqual(["_x", "a"]);
    expect(s.tasks.list({ offset: 5 }).map((t) => t.id)).toEqual(["é"]);
    expect(s.tasks.list({ offset: 9 })).toEqual([]);
    expect(s.tasks.list({ limit: 0 })).toEqual([]);
    expect(() => s.tasks.list({ offset: -1 })).toThrow(TickdError);
    expect(() => s.tasks.list({ limit: 1.5 })).toThrow(TickdError);
  });

  it("filters by a filepath.Match glob before offset and limit", () => {
    const s = open();
    for (const id of ["cpu_alert", "cpu_batch", "mem_alert", "disk-1", "disk-2", "disk-x", "cpu"]) {
      s.tasks.put(sampleTask(id));
    }
    const ids = (pattern: string, offset = 0, limit?: number): string[] =>
      s.tasks.list({ pattern, offset, limit }).map((t) => t.id);
    expect(ids("cpu*")).toEqual(["cpu", "cpu_alert", "cpu_batch"]);
    expect(ids("*_alert")).toEqual(["cpu_alert", "mem_alert"]);
    expect(ids("disk-?")).toEqual(["disk-1", "disk-2", "disk-x"]);
    expect(ids("disk-[0-9]")).toEqual(["disk-1", "disk-2"]);
    expect(ids("disk-[^0-9]")).toEqual(["disk-x"]);
    expect(ids("cpu")).toEqual(["cpu"]);
    expect(ids("")).toHaveLength(7);
    expect(ids("*", 2, 3)).toEqual(["cpu_batch", "disk-1", "disk-2"]);
    expect(ids("*_*", 1, 1)).toEqual(["cpu_batch"]);
    try {
      ids("disk-[");
      expect.unreachable();
    } catch (e) {
      expect((e as TickdError).code).toBe(StoreErrorCodes.PATTERN);
    }
  });

  it("renames, refusing to overwrite an existing id", () => {
    const s = open();
    s.tasks.put(sampleTask("old", { script: "old script" }));
    s.tasks.put(sampleTask("taken"));
    expect(s.tasks.rename("old", "new")).toBe(true);
    expect(s.tasks.get("old")).toBeUndefined();
    expect(s.tasks.get("new")).toEqual(sampleTask("new", { script: "old script" }));
    expect(s.tasks.rename("missing", "other")).toBe(false);
    expect(s.tasks.rename("new", "new")).toBe(true);
    try {
      s.tasks.rename("new", "taken");
      expect.unreachable();
    } catch (e) {
      expect((e as TickdError).code).toBe(StoreErrorCodes.CONFLICT);
    }
    expect(s.tasks.get("new")?.script).toBe("old script");
    expect(s.tasks.get("taken")?.script).toBe(sampleTask("taken").script);
  });

  it("refuses values JSON would silently lose", () => {
    const s = open();
    const vars = { m: { type: "string", value: new Map() } } as unknown as Record<string, TaskVar>;
    expect(() => s.tasks.put(sampleTask("x", { vars }))).toThrow(/cannot store a Map/);
    expect(s.tasks.get("x")).toBeUndefined();
  });
});
