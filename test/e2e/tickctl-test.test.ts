import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runBuilt } from "../support/cli.js";

describe("tickctl test (built binary)", () => {
  it("replays the shipped cpu task and prints one Kapacitor alert JSON line per event", () => {
    const dir = mkdtempSync(join(tmpdir(), "tickctl-e2e-"));
    const data = join(dir, "cpu.lp");
    // One minute of a host going idle-starved, then recovering; -precision s as Kapacitor spells it.
    const lines: string[] = [];
    // Windows close when a later point arrives (no flush at the end), so the data runs to 180 s.
    for (let s = 0; s <= 180; s += 10) {
      const idle = s < 60 ? 50 : s < 120 ? 5 : 60;
      lines.push(`cpu,host=web1,cpu=cpu-total usage_idle=${idle} ${1_700_000_000 + s}`);
    }
    writeFileSync(data, lines.join("\n") + "\n");
    const r = runBuilt("tickctl", [
      "test",
      `${REPO}tasks/cpu_alert.tick`,
      "-data",
      data,
      "-precision",
      "s",
      "-json",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const events = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; level: string; message: string; previousLevel: string });
    expect(events.map((e) => `${e.id} ${e.previousLevel}->${e.level}`)).toEqual([
      "cpu:web1 OK->CRITICAL",
      "cpu:web1 CRITICAL->OK",
    ]);
    expect(events[0]!.message).toBe("cpu:web1 is CRITICAL: idle 5.0%");
  });
});
