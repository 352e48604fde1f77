/**
 * Stream recordings keep exact ns times (issue 12): Kapacitor's replay service writes its
 * `.srpl` recordings with precision "n" (services/replay/service.go, `precision = "n"`), while
 * its hand-written test data is in seconds. Recordings made before tickd wrote ns carry no
 * marker and still replay in seconds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AlertEvent } from "../../../src/core/alert-event.js";
import { formatRFC3339Nano } from "../../../src/core/go-format.js";
import { Recordings } from "../../../src/server/replay/recordings.js";
import { openStore, type Store } from "../../../src/store/index.js";
import { testTaskManager } from "../../support/engine.js";

const SCRIPT = `dbrp "telegraf"."autogen"
stream |from().measurement('cpu') |alert().crit(lambda: "v" > 90.0)`;

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "tickd-rec-"));
  const store: Store = openStore(join(dir, "tickd.db"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanup.push(() => store.close());
  const events: AlertEvent[] = [];
  const tm = testTaskManager(store, (e) => void events.push(e));
  tm.define({ id: "cpu", script: SCRIPT });
  const recDir = join(dir, "recordings");
  const rec = new Recordings({ kv: store.kv, tasks: tm, dir: recDir, logger: { log: () => undefined } });
  return { tm, store, events, rec, recDir };
}

async function replayed(
  s: ReturnType<typeof setup>,
  recording: string,
  count: number,
): Promise<AlertEvent[]> {
  const r = s.rec.replay({ task: "cpu", recording, "recording-time": true });
  for (let i = 0; i < 200 && s.rec.getReplay(r.id)?.status === "running"; i++)
    await new Promise((res) => setTimeout(res, 10));
  expect(s.rec.getReplay(r.id)).toMatchObject({ status: "finished", error: "" });
  expect(s.events).toHaveLength(count);
  return s.events;
}

describe("stream recordings", () => {
  it("record and replay a point at 1700000000123456789 with all nine fraction digits", async () => {
    const s = setup();
    const r = await s.rec.recordStream({
      task: "cpu",
      stop: new Date(Date.now() + 60_000).toISOString(),
      id: "exact",
    });
    expect(Object.keys(r)).toEqual(["id", "type", "size", "date", "error", "status", "progress"]);
    s.tm.write("telegraf", "autogen", [
      { name: "cpu", tags: { host: "a" }, fields: { v: 95 }, time: 1_700_000_000_123_456_789n },
    ]);
    await s.rec.close();
    expect(readFileSync(join(s.recDir, "exact.srpl"), "utf8")).toBe(
      "telegraf\nautogen\ncpu,host=a v=95 1700000000123456789\n",
    );
    expect(s.rec.getRecording("exact")).toMatchObject({ status: "finished" });
    expect(Object.keys(s.rec.getRecording("exact")!)).not.toContain("srpl");
    const [e] = await replayed(s, "exact", 1);
    expect(formatRFC3339Nano(e!.state.time)).toBe("2023-11-14T22:13:20.123456789Z");
  });

  it("replays a recording made before tickd wrote ns (no marker) in seconds", async () => {
    const s = setup();
    s.store.kv.put(
      "recording:old",
      JSON.stringify({
        id: "old",
        type: "stream",
        size: 40,
        date: "2026-01-01T00:00:00.000Z",
        error: "",
        status: "finished",
        progress: 1,
      }),
    );
    writeFileSync(join(s.recDir, "old.srpl"), "telegraf\nautogen\ncpu,host=a v=95 1700000000\n");
    const [e] = await replayed(s, "old", 1);
    expect(formatRFC3339Nano(e!.state.time)).toBe("2023-11-14T22:13:20Z");
  });
});
