import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_ACTIVITY_MESSAGE, activityJson } from "../../../src/core/activity.js";
import { MemoryActivity, SqliteActivity } from "../../../src/store/activity.js";
import { openStore } from "../../../src/store/index.js";
import { useTempDir } from "./helpers.js";

const { dir, track } = useTempDir();

describe("activity: last event and last error of connectors and integrations", () => {
  it("keeps each across a reopen of the SQLite file, an event and an error each in their own columns", () => {
    const path = join(dir(), "tickd.db");
    const s1 = openStore(path);
    const a1 = new SqliteActivity(s1.db);
    a1.record("connector", "ops", 1_000);
    a1.record("connector", "ops", 2_000, "error calling webhook, retry later:\n[503] busy");
    a1.record("connector", "ops", 3_000);
    a1.record("integration", "grafana", 4_000, "x".repeat(500));
    a1.record("integration", "datadog", 5_000);
    s1.close();

    const a2 = new SqliteActivity(track(openStore(path)).db);
    expect(a2.get("connector", "ops")).toEqual({
      lastEventMs: 3_000,
      lastErrorMs: 2_000,
      lastError: "error calling webhook, retry later: [503] busy",
    });
    const g = a2.get("integration", "grafana");
    expect(g.lastError).toHaveLength(MAX_ACTIVITY_MESSAGE);
    expect(g.lastError!.endsWith("…")).toBe(true);
    expect(a2.get("integration", "datadog")).toEqual({ lastEventMs: 5_000 });
    expect(a2.get("connector", "datadog")).toEqual({});
    a2.forget("connector", "ops");
    expect(a2.get("connector", "ops")).toEqual({});
  });

  it("has the same behaviour in memory, and the JSON shape the API answers", () => {
    const m = new MemoryActivity();
    m.record("connector", "ops", Date.UTC(2026, 0, 2, 3, 4, 5), "boom");
    expect(activityJson(m.get("connector", "ops"))).toEqual({
      last_event: null,
      last_error: "boom",
      last_error_at: "2026-01-02T03:04:05.000Z",
    });
  });
});
