import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AutoResolver, sqliteAutoResolve } from "../../../src/integrations/index.js";
import type { SourceAlert } from "../../../src/integrations/sources/index.js";
import { openStore } from "../../../src/store/index.js";
import { useTempDir } from "../store/helpers.js";

const { dir, track } = useTempDir();

function watcherAlert(id: string): SourceAlert {
  return {
    id,
    status: "trigger",
    level: 3,
    message: `${id} fired`,
    details: "",
    tags: { watch: id },
    name: "elastic",
    taskName: "elastic",
    time: 1_700_000_000_000_000_000,
    startedAt: undefined,
  };
}

async function until(pred: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe("Watcher auto-resolve timers survive a restart", () => {
  it("re-arms a persisted timer after a restart and resolves it when due", async () => {
    const path = join(dir(), "tickd.db");
    let clock = 1_000_000;
    const first = track(openStore(path));
    const before = new AutoResolver(
      () => {},
      sqliteAutoResolve(first.db),
      () => clock,
    );
    before.arm("es", watcherAlert("w1"), 60 * 60e9);
    before.arm("es", watcherAlert("w2"), 60e6);
    before.cancel("es", "w2");
    before.close(); // daemon stop: the in-memory timers go, the rows stay
    first.close();

    const second = track(openStore(path));
    const fired: string[] = [];
    clock += 60 * 60e3; // the hour passed while tickd was down
    const after = new AutoResolver(
      (topic, a) => fired.push(`${topic}/${a.id}`),
      sqliteAutoResolve(second.db),
      () => clock,
    );
    expect(after.restore()).toBe(1);
    await until(() => fired.length > 0);
    expect(fired).toEqual(["es/w1"]);
    expect(sqliteAutoResolve(second.db).all()).toEqual([]);
    after.close();
  });

  it("keeps the rest of the wait: a timer not yet due is armed, not fired, after a restart", () => {
    const path = join(dir(), "tickd.db");
    const store = track(openStore(path));
    const clock = 5_000;
    const r = new AutoResolver(
      () => {},
      sqliteAutoResolve(store.db),
      () => clock,
    );
    r.arm("es", watcherAlert("w3"), 10 * 60e9);
    const rows = sqliteAutoResolve(store.db).all();
    expect(rows.map((p) => [p.topic, p.alert.id, p.dueMs])).toEqual([["es", "w3", 5_000 + 600_000]]);
    expect(rows[0]!.alert.tags).toEqual({ watch: "w3" });
    r.close();
    const again = new AutoResolver(
      () => {
        throw new Error("fired early");
      },
      sqliteAutoResolve(store.db),
      () => clock,
    );
    expect(again.restore()).toBe(1);
    expect(again.size).toBe(1);
    again.close();
  });
});
