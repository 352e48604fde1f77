/**
 * The claim is about the process: a write the store has committed is on disk even when the
 * process is killed the next instant (SIGKILL: no close, no exit handlers, no checkpoint).
 * The child runs the real store code (transpiled on the fly) and kills itself.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Level } from "../../../src/core/types.js";
import { openStore } from "../../../src/store/index.js";
import { buildForChild } from "../../support/child-build.js";
import { T0, useTempDir } from "./helpers.js";

const tmp = useTempDir();
let buildDir = "";
let storeUrl = "";

beforeAll(() => {
  buildDir = mkdtempSync(join(tmpdir(), "tickd-store-build-"));
  [storeUrl] = buildForChild(buildDir, ["src/store/index.ts"]) as [string];
});
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

/** Runs `body` in a child with `s` an open store on `path`; the body ends by killing the process. */
function runChild(path: string, body: string): ReturnType<typeof spawnSync> {
  const script = `
    import { writeSync } from "node:fs";
    import { openStore } from ${JSON.stringify(storeUrl)};
    const s = openStore(process.env.STORE_PATH);
    const say = (m) => writeSync(1, m + "\\n");
    const die = () => process.kill(process.pid, "SIGKILL");
    ${body}
    say("still alive");
  `;
  return spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...process.env, STORE_PATH: path },
    encoding: "utf8",
    timeout: 30_000,
  });
}

describe("state survives kill -9", () => {
  it("finds every row committed right before SIGKILL", () => {
    const path = join(tmp.dir(), "data", "tickd.db");
    const r = runChild(
      path,
      `
      s.tasks.put({ id: "cpu", templateId: "", type: "stream", dbrps: [{ db: "telegraf", rp: "autogen" }],
        script: "stream|from()", status: "enabled", vars: { n: { type: "int", value: 9007199254740993n } },
        error: "", created: ${T0}, modified: ${T0}, lastEnabled: ${T0} });
      s.topicEvents.put({ topic: "cpu", eventId: "serverA", level: ${Level.CRITICAL}, message: "m",
        details: "d", time: ${T0}, duration: 60e9 });
      s.alertStates.put({ task: "cpu", node: "alert2", group: "host=serverA", eventId: "serverA",
        state: { level: ${Level.CRITICAL}, prev: ${Level.OK}, firstTriggered: ${T0}, lastTriggered: ${T0}, flapping: false } });
      say("committed");
      die();
    `,
    );
    expect(r.stderr).toBe("");
    expect(r.signal).toBe("SIGKILL");
    expect(r.stdout).toBe("committed\n");
    // Nothing was checkpointed: the rows live only in the WAL until the next open replays it.
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);

    const s = tmp.track(openStore(path));
    expect(s.tasks.get("cpu")?.vars).toEqual({ n: { type: "int", value: 9_007_199_254_740_993n } });
    expect(s.tasks.get("cpu")?.lastEnabled).toBe(T0);
    expect(s.topicEvents.get("cpu", "serverA")?.time).toBe(BigInt(T0));
    expect(s.alertStates.get("cpu", "alert2", "host=serverA")?.state.level).toBe(Level.CRITICAL);
  });

  it("keeps nothing of a transaction killed before it committed, and everything before it", () => {
    const path = join(tmp.dir(), "tickd.db");
    const r = runChild(
      path,
      `
      s.kv.put("before", "1");
      s.transaction(() => {
        s.kv.put("inside", "1");
        s.alertStates.putMany([{ task: "t", node: "alert2", group: "nil", eventId: "e",
          state: { level: 3, prev: 0, firstTriggered: 0, lastTriggered: 0, flapping: false } }]);
        say("uncommitted");
        die();
      });
    `,
    );
    expect(r.signal).toBe("SIGKILL");
    expect(r.stdout).toBe("uncommitted\n");
    const s = tmp.track(openStore(path));
    expect(s.kv.get("before")).toBe("1");
    expect(s.kv.get("inside")).toBeUndefined();
    expect(s.alertStates.listTask("t")).toEqual([]);
  });
});
