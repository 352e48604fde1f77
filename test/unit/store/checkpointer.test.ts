import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../../src/store/index.js";
import { BACKGROUND_AUTOCHECKPOINT_PAGES } from "../../../src/store/checkpointer.js";
import { useTempDir } from "./helpers.js";

const tmp = useTempDir();

const size = (p: string): number => (existsSync(p) ? statSync(p).size : 0);

describe("background WAL checkpoints", () => {
  it("a worker copies committed pages into the main file; the writer's own checkpoint is only a safety net", async () => {
    const path = join(tmp.dir(), "tickd.db");
    const store = openStore(path, { backgroundCheckpoint: {} });
    try {
      expect(store.db.pragma("wal_autocheckpoint", { simple: true })).toBe(BACKGROUND_AUTOCHECKPOINT_PAGES);
      store.db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
      const before = size(path);
      const ins = store.db.prepare("INSERT INTO t (v) VALUES (?)");
      // ~500 pages: far below the writer's threshold, so only the worker can move them.
      store.batch(() => {
        for (let i = 0; i < 500; i++) ins.run("x".repeat(3000));
      });
      for (let i = 0; i < 200 && size(path) <= before + 1_000_000; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(size(path)).toBeGreaterThan(before + 1_000_000);
    } finally {
      store.close();
    }
    // close() stopped the worker first, so the store's close checkpointed and removed the WAL.
    expect(size(`${path}-wal`)).toBe(0);
    const again = openStore(path);
    try {
      expect(again.db.prepare("SELECT COUNT(*) FROM t").pluck().get()).toBe(500);
    } finally {
      again.close();
    }
  });

  it("is not started for an in-memory store", () => {
    const store = openStore(":memory:", { backgroundCheckpoint: {} });
    try {
      expect(store.db.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    } finally {
      store.close();
    }
  });
});
