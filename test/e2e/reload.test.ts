/**
 * SIGHUP re-reads the config file (DESIGN §5–6): handler sections, [webhook] and [delivery]
 * apply at once, to handlers already running as well as new ones; keys that need a restart
 * are named in the reload report and not applied; an invalid file is reported and the running
 * config stays. The README's "fill in [victorops] and send kill -HUP" is exactly this test.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type TickdProcess, useDaemons } from "../support/daemon.js";

const { tickd: startDaemon, receiver } = useDaemons();

/** Every critical point pages (no stateChangesOnly): each write is one more VictorOps POST. */
const VO_SCRIPT = `dbrp "telegraf"."autogen"
stream
    |from().measurement('cpu').groupBy('host')
    |alert()
        .id('cpu/{{ index .Tags "host" }}')
        .crit(lambda: "usage_idle" < 10.0)
        .victorOps()
`;

/** The same page through a topic handler file (handlers/), as the README's example does. */
const TOPIC_SCRIPT = `dbrp "telegraf"."autogen"
stream
    |from().measurement('mem').groupBy('host')
    |alert()
        .id('mem/{{ index .Tags "host" }}')
        .crit(lambda: "free" < 10.0)
        .topic('mem')
`;
const TOPIC_HANDLER = `topic: mem
id: mem-victorops
kind: victorops
options:
  routing-key: mem-team
`;

type Report = {
  config: { applied: string[]; needsRestart: string[]; errors: string[] };
};

async function tickd(voUrl: string, enabled: boolean): Promise<TickdProcess> {
  return startDaemon({
    tasks: { "cpu.tick": VO_SCRIPT, "mem.tick": TOPIC_SCRIPT },
    handlers: { "mem.yaml": TOPIC_HANDLER },
    extraConfig: [
      "[victorops]",
      `  enabled = ${enabled}`,
      '  api-key = "k3y"',
      '  routing-key = "ops"',
      `  url = ${JSON.stringify(voUrl)}`,
      "",
    ].join("\n"),
  });
}

const write = (t: TickdProcess, body: string) =>
  fetch(`${t.url}/write?db=telegraf&rp=autogen&precision=s`, { method: "POST", body });

const configPath = (t: TickdProcess) => join(t.dir, "tickd.conf");
function editConfig(t: TickdProcess, edit: (text: string) => string): void {
  writeFileSync(configPath(t), edit(readFileSync(configPath(t), "utf8")));
}

/** Sends SIGHUP and resolves with the reload report the daemon logs (the nth one). */
async function hup(t: TickdProcess): Promise<Report> {
  const before = t.logs.filter((l) => l["msg"] === "reloaded tasks and handlers").length;
  t.proc.kill("SIGHUP");
  let seen = 0;
  const line = await t.waitForLog((l) => l["msg"] === "reloaded tasks and handlers" && ++seen > before);
  return line as unknown as Report;
}

describe("SIGHUP reloads the config file (spawned daemon)", () => {
  it("a [victorops] section enabled by a reload pages at once, through running task and topic handlers", async () => {
    const vo = await receiver();
    const t = await tickd(`${vo.url}/vo`, false);
    // Defined and running while VictorOps is off: these pages cannot go out yet.
    await write(t, "cpu,host=a usage_idle=5 1\nmem,host=a free=1 1\n");

    editConfig(t, (s) => s.replace("enabled = false", "enabled = true"));
    const report = await hup(t);
    expect(report.config.errors).toEqual([]);
    expect(report.config.applied).toContain("[victorops] enabled");
    expect(report.config.needsRestart).toEqual([]);

    expect((await write(t, "cpu,host=b usage_idle=4 2\n")).status).toBe(204);
    const [cpu] = await vo.waitFor(1);
    expect(cpu!.path).toBe("/vo/k3y/ops");
    expect(JSON.parse(cpu!.body)).toMatchObject({ message_type: "CRITICAL", entity_id: "cpu/b" });

    expect((await write(t, "mem,host=b free=2 2\n")).status).toBe(204);
    await vo.waitFor(2);
    const mem = vo.requests.find((r) => r.path === "/vo/k3y/mem-team");
    expect(JSON.parse(mem!.body)).toMatchObject({ message_type: "CRITICAL", entity_id: "mem/b" });
  });

  it("a changed [victorops] url and routing key reach the handlers already running", async () => {
    const before = await receiver();
    const after = await receiver();
    const t = await tickd(`${before.url}/vo`, true);
    await write(t, "cpu,host=a usage_idle=5 1\n");
    await before.waitFor(1);

    editConfig(t, (s) =>
      s
        .replace(`${before.url}/vo`, `${after.url}/new`)
        .replace('routing-key = "ops"', 'routing-key = "night"'),
    );
    const report = await hup(t);
    expect(report.config.applied).toEqual(
      expect.arrayContaining(["[victorops] url", "[victorops] routing-key"]),
    );
    await write(t, "cpu,host=a usage_idle=4 2\n");
    const [req] = await after.waitFor(1);
    expect(req!.path).toBe("/new/k3y/night");
  });

  it("names the keys that need a restart, applies the rest, and keeps listening where it was", async () => {
    const vo = await receiver();
    const t = await tickd(`${vo.url}/vo`, false);
    editConfig(t, (s) =>
      s
        .replace('bind-address = "127.0.0.1:0"', 'bind-address = "127.0.0.1:1"')
        .replace('hostname = "tickd-e2e"', 'hostname = "elsewhere"')
        .replace("enabled = false", "enabled = true")
        .replace(/\[storage\]\n {2}dir = .*\n/, '[storage]\n  dir = "/nonexistent/tickd"\n'),
    );
    const report = await hup(t);
    expect(report.config.needsRestart).toEqual(["hostname", "[http] bind-address", "[storage] dir"]);
    expect(report.config.applied).toEqual(["[victorops] enabled"]);
    const warn = t.logs.find((l) => l["msg"] === "config reload: these settings need a restart; not applied");
    expect(warn?.["keys"]).toEqual(["hostname", "[http] bind-address", "[storage] dir"]);

    // Still on its port, still paging (the applied part took effect).
    expect((await fetch(`${t.url}/kapacitor/v1/ping`)).status).toBe(204);
    await write(t, "cpu,host=a usage_idle=5 1\n");
    await vo.waitFor(1);
  });

  it("an invalid config is reported with file, line and key, and the running config stays", async () => {
    const vo = await receiver();
    const t = await tickd(`${vo.url}/vo`, true);
    editConfig(t, (s) => s.replace("enabled = true", 'enabled = "yes"\n  routng-key = "x"'));
    const report = await hup(t);
    const file = configPath(t);
    expect(report.config.applied).toEqual([]);
    expect(report.config.errors).toEqual([
      expect.stringMatching(new RegExp(`^${file}:\\d+: \\[victorops\\] enabled: expected true or false`)),
      expect.stringMatching(new RegExp(`^${file}:\\d+: unknown key \\[victorops\\] routng-key`)),
    ]);
    const err = t.logs.find((l) => l["msg"] === "config reload failed; the running config stays");
    expect(err).toBeDefined();

    // The old [victorops] (enabled) still pages.
    await write(t, "cpu,host=a usage_idle=5 1\n");
    const [req] = await vo.waitFor(1);
    expect(req!.path).toBe("/vo/k3y/ops");
  });
});
