import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { Level } from "../../../src/core/types.js";
import { alertEvent, factory, handlerConfig, POST_BODY } from "./helpers.js";

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "tickd-log-"));
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

describe("log handler", () => {
  it("appends one alert JSON line per event to a new 0600 file", async () => {
    const path = join(tmp(), "alerts.log");
    const { f, logs } = factory(handlerConfig());
    const h = f.create({ kind: "log", options: { path }, topic: "t", id: "log" });
    await h.handle(alertEvent(), Level.OK);
    await h.handle(alertEvent({ level: Level.OK, duration: 1e9 }), Level.CRITICAL);
    expect(logs).toEqual([]);
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0] + "\n").toBe(POST_BODY);
    expect(lines[1]).toContain('"level":"OK"');
    expect(lines[1]).toContain('"previousLevel":"CRITICAL"');
    expect(lines[2]).toBe("");
    expect(mode(path)).toBe(0o600);
  });

  it("creates the file with mode 0644 given 420 (YAML 0644 after JSON) or the string 0644", async () => {
    const dir = tmp();
    const { f } = factory(handlerConfig());
    for (const [name, m] of [
      ["a.log", 420],
      ["b.log", "0644"],
    ] as const) {
      const path = join(dir, name);
      await f
        .create({ kind: "log", options: { path, mode: m }, topic: "t", id: "log" })
        .handle(alertEvent(), 0);
      expect(mode(path)).toBe(0o644);
      expect(readFileSync(path, "utf8")).toBe(POST_BODY);
    }
  });

  it("leaves the mode of an existing file alone", async () => {
    const path = join(tmp(), "existing.log");
    writeFileSync(path, "first\n");
    chmodSync(path, 0o640);
    const { f } = factory(handlerConfig());
    await f
      .create({ kind: "log", options: { path, mode: 420 }, topic: "t", id: "log" })
      .handle(alertEvent(), 0);
    expect(mode(path)).toBe(0o640);
    expect(readFileSync(path, "utf8")).toBe("first\n" + POST_BODY);
  });

  it("logs a write failure instead of throwing", async () => {
    const path = join(tmp(), "missing-dir", "alerts.log");
    const { f, logs } = factory(handlerConfig());
    await f.create({ kind: "log", options: { path }, topic: "t", id: "log" }).handle(alertEvent(), 0);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.fields).toMatchObject({ handler: "log", kind: "log", alert: "kapacitor/cpu/serverA" });
    expect(String(logs[0]!.fields?.error)).toContain("ENOENT");
  });

  it("writes a relative path under the storage dir (a handler file's; Kapacitor needs absolute)", async () => {
    const storageDir = tmp();
    const { f } = factory(handlerConfig({ storageDir }));
    await f
      .create({ kind: "log", options: { path: "alerts.log" }, topic: "t", id: "l" })
      .handle(alertEvent(), 0);
    expect(readFileSync(join(storageDir, "alerts.log"), "utf8")).toBe(POST_BODY);
  });

  it("rejects modes that are not user-writable", () => {
    const { f } = factory(handlerConfig());
    const create = (options: Record<string, unknown>) => () =>
      f.create({ kind: "log", options, topic: "t", id: "l" });
    expect(create({ path: "" })).toThrow(/option "path"/);
    expect(create({ path: "/tmp/x.log", mode: 0o444 })).toThrow(
      /option "mode": invalid file mode 0444, must be user writable/,
    );
    expect(create({ path: "/tmp/x.log", mode: "rw" })).toThrow(/option "mode"/);
    expect(create({ path: "/tmp/x.log", level: "x" })).toThrow(/unknown option "level"/);
  });
});
