import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseVars, runTest, type TestOptions } from "../../../src/cli/test-command.js";

function files(script: string, data: string, ext = ".lp"): { tick: string; data: string } {
  const dir = mkdtempSync(join(tmpdir(), "tickctl-test-"));
  const tick = join(dir, "cpu.tick");
  const dataFile = join(dir, `data${ext}`);
  writeFileSync(tick, script);
  writeFileSync(dataFile, data);
  return { tick, data: dataFile };
}

async function run(tick: string, o: Partial<TestOptions> & { data: string }) {
  let out = "";
  let err = "";
  const code = await runTest(tick, {
    json: false,
    vars: [],
    out: (s) => (out += s),
    err: (s) => (err += s),
    ...o,
  });
  return { code, out, err };
}

const SCRIPT = `dbrp "telegraf"."autogen"
var crit = 10.0
stream
    |from().measurement('cpu').groupBy('host')
    |alert()
        .warn(lambda: "usage_idle" < 20.0)
        .crit(lambda: "usage_idle" < crit)
        .stateChangesOnly()
        .post('http://127.0.0.1:1/hook')
`;

const DATA = [
  "cpu,host=a usage_idle=50 1",
  "cpu,host=a usage_idle=15 2",
  "cpu,host=a usage_idle=5 3",
  "cpu,host=a usage_idle=50 4",
  "",
].join("\n");

describe("tickctl test", () => {
  it("--json prints exactly one alert JSON line per event, with previousLevel per topic", async () => {
    const f = files(SCRIPT, DATA);
    const r = await run(f.tick, { data: f.data, json: true, precision: "s" });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    const parsed = lines.map(
      (l) => JSON.parse(l) as { id: string; level: string; previousLevel: string; duration: number },
    );
    expect(parsed.map((p) => `${p.level}<-${p.previousLevel}`)).toEqual([
      "WARNING<-OK",
      "CRITICAL<-WARNING",
      "OK<-CRITICAL",
    ]);
    expect(parsed[2]!.duration).toBe(2e9);
    expect(lines[0]).toMatch(/^\{"id":"cpu:host=a","message":"cpu:host=a is WARNING","details":/);
    expect(lines[0]).toContain('"time":"1970-01-01T00:00:02Z"');
  });

  it("prints a readable event list with level changes and the notifications handlers would send", async () => {
    const f = files(SCRIPT, DATA);
    const r = await run(f.tick, { data: f.data, precision: "s" });
    expect(r.code).toBe(0);
    expect(r.out).toContain("1970-01-01T00:00:03Z  ✖ CRITICAL cpu:host=a (was WARNING)");
    expect(r.out).toContain(
      "→ main:cpu:alert2/tick:post0 (post) would send POST http://127.0.0.1:1/hook\n      {",
    );
    expect(r.out).toContain(
      "4 points replayed, 3 alert events (1 CRITICAL, 1 WARNING, 0 INFO, 1 OK), 0 errors",
    );
  });

  it("reports bad data lines with their line numbers, replays the good ones and exits 2", async () => {
    const f = files(SCRIPT, "cpu,host=a usage_idle=5 1\ncpu,host=a usage_idle=oops 2\n");
    const r = await run(f.tick, { data: f.data, json: true, precision: "s" });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${f.data}:2:`);
    expect(r.err).toContain("(line skipped)");
    expect(r.out.trimEnd().split("\n")).toHaveLength(1);
  });

  it("replays .srpl files (seconds precision, db and rp per point)", async () => {
    const srpl = [
      "telegraf",
      "autogen",
      "cpu,host=a usage_idle=5 31536000",
      "other",
      "autogen",
      "cpu,host=b usage_idle=5 31536001",
      "",
    ].join("\n");
    const f = files(SCRIPT, srpl, ".srpl");
    const r = await run(f.tick, { data: f.data, json: true });
    const events = r.out
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; time: string });
    // The second point's database is not the script's dbrp, so it is not the task's.
    expect(events.map((e) => `${e.id}@${e.time}`)).toEqual(["cpu:host=a@1971-01-01T00:00:00Z"]);
  });

  it("replays a recording's .srpl (ns, as Kapacitor records) with --precision ns", async () => {
    const srpl = "telegraf\nautogen\ncpu,host=a usage_idle=5 1700000000123456789\n";
    const f = files(SCRIPT, srpl, ".srpl");
    const r = await run(f.tick, { data: f.data, json: true, precision: "ns" });
    expect(r.err).toBe("");
    expect((JSON.parse(r.out) as { time: string }).time).toBe("2023-11-14T22:13:20.123456789Z");
  });

  it("shows script diagnostics with positions and exits 1", async () => {
    const f = files("stream\n  |from()\n  |alert().critt(lambda: TRUE)\n", DATA);
    const r = await run(f.tick, { data: f.data });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${f.tick}:3:12: error: unknown property .critt on alert`);
  });

  it("--var overrides typed vars with TICKscript literals", async () => {
    const f = files(
      `var crit float\nstream |from().measurement('cpu') |alert().crit(lambda: "usage_idle" < crit)\n`,
      "cpu usage_idle=15 1\n",
    );
    const r = await run(f.tick, { data: f.data, json: true, precision: "s", vars: ["crit=20.0"] });
    expect(r.code).toBe(0);
    expect(r.out).toContain('"level":"CRITICAL"');
    expect(parseVars(["a=10", "b=2.5", "c=10s", "d='x'", "e=TRUE", "f=/re\\/x/"])).toEqual({
      a: { type: "int", value: 10n },
      b: { type: "float", value: 2.5 },
      c: { type: "duration", value: 10e9 },
      d: { type: "string", value: "x" },
      e: { type: "bool", value: true },
      f: { type: "regex", value: "re/x" },
    });
    expect(() => parseVars(["novalue"])).toThrow(/write name=value/);
  });
});

describe("tickctl test --handlers", () => {
  it("routes events through topic handler files with their match expressions and sends nothing", async () => {
    const script = SCRIPT.replace(".post('http://127.0.0.1:1/hook')", ".topic('cpu')");
    const f = files(script, DATA);
    const dir = mkdtempSync(join(tmpdir(), "tickctl-handlers-"));
    const logPath = join(dir, "never-written.log");
    writeFileSync(
      join(dir, "page.yaml"),
      "topic: cpu\nid: page\nkind: victorops\nmatch: level() == CRITICAL\noptions:\n  routing-key: ops\n",
    );
    writeFileSync(join(dir, "file.yaml"), `topic: cpu\nid: file\nkind: log\noptions:\n  path: ${logPath}\n`);
    writeFileSync(join(dir, "broken.yaml"), "topic: cpu\nid: [oops\n");
    const cfg = join(dir, "tickd.conf");
    writeFileSync(cfg, '[victorops]\n  enabled = true\n  api-key = "s3cr3t-key"\n');
    const r = await run(f.tick, { data: f.data, precision: "s", handlers: dir, config: cfg });
    expect(r.code).toBe(0);
    expect(r.err).toContain("broken.yaml:");
    // The log handler describes its line; the VictorOps one only pages on CRITICAL.
    expect(r.out.match(/cpu\/file \(log\) would write to /g)).toHaveLength(3);
    const pages = r.out.match(/cpu\/page \(victorops\) would send POST (\S+)/g) ?? [];
    expect(pages).toEqual([
      "cpu/page (victorops) would send POST https://alert.victorops.com/integrations/generic/20131114/alert/<redacted>/ops",
    ]);
    expect(r.out).not.toContain("s3cr3t-key");
    expect(r.out).toContain('"message_type":"CRITICAL"');
    expect(existsSync(logPath)).toBe(false);
  });
});
