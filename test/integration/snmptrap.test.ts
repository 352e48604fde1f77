/**
 * The snmptrap kind against Debian's real `snmptrapd`, started here on a free UDP port: a
 * TICKscript `.snmpTrap(oid).data(…)` chain and a `kind: snmptrap` handler file each send a
 * CRITICAL and an OK trap, checked by community, trap OID and every varbind (type and rendered
 * template value); the service test; the community is redacted; refusal while disabled.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { TickdConfig } from "../../src/config/index.js";
import { startDaemonIn } from "../support/in-process-daemon.js";
import { startSnmptrapd, type Trap } from "../support/net-services.js";

const COMMUNITY = "tickd-community-s3cret";

const TICK = `dbrp "telegraf"."autogen"
stream
  |from().measurement('cpu')
  |alert()
    .id('cpu/{{ index .Tags "host" }}')
    .message('{{ .ID }} is {{ .Level }}')
    .crit(lambda: "usage_idle" < 10.0)
    .topic('ops')
    .snmpTrap('1.3.6.1.4.1.9999.1')
      .data('1.3.6.1.4.1.9999.1.1', 's', '{{ .Message }}')
      .data('1.3.6.1.4.1.9999.1.2', 'i', '{{ index .Fields "usage_idle" }}')
      .data('1.3.6.1.4.1.9999.1.3', 'c', '42')
      .data('1.3.6.1.4.1.9999.1.4', 't', '100')
      .data('1.3.6.1.4.1.9999.1.5', 'n', '')
`;

const HANDLER = `topic: ops
id: traps
kind: snmptrap
options:
  trap-oid: 1.3.6.1.4.1.9999.2
  data-list:
    - oid: 1.3.6.1.4.1.9999.2.1
      type: s
      value: "{{ .Level }} {{ index .Tags \\"host\\" }}"
`;

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const snmpOn =
  (port: number, enabled = true) =>
  (c: TickdConfig): TickdConfig => ({
    ...c,
    snmptrap: { enabled, addr: `127.0.0.1:${port}`, community: COMMUNITY, retries: 1 },
  });

async function start(files: Parameters<typeof startDaemonIn>[0], config: (c: TickdConfig) => TickdConfig) {
  const { daemon, dir } = await startDaemonIn(files, { config });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => daemon.stop());
  return `http://127.0.0.1:${daemon.port}`;
}

async function write(url: string, line: string): Promise<void> {
  const w = await fetch(`${url}/write?db=telegraf&rp=autogen&precision=s`, { method: "POST", body: line });
  expect(w.status).toBe(204);
}

const head = (oid: string): [string, string][] => [
  [".1.3.6.1.2.1.1.3.0", "Timeticks: (1000) 0:00:10.00"],
  [".1.3.6.1.6.3.1.1.4.1.0", `OID: .${oid}`],
];

describe("snmptrap handler (real snmptrapd)", () => {
  it("sends v2c traps for CRITICAL and OK from a chain and a handler file", async () => {
    const trapd = await startSnmptrapd();
    cleanups.push(() => trapd.close());
    const url = await start(
      { tasks: { "cpu.tick": TICK }, handlers: { "traps.yaml": HANDLER } },
      snmpOn(trapd.port),
    );
    await write(url, "cpu,host=serverA usage_idle=5i 1700000000");
    await trapd.waitFor(2);
    await write(url, "cpu,host=serverA usage_idle=50i 1700000010");
    const traps = await trapd.waitFor(4);

    for (const t of traps) expect(t.info).toBe(`TRAP2, SNMP v2c, community ${COMMUNITY}`);
    const chain = traps.filter((t) => t.varbinds[1]?.[1] === "OID: .1.3.6.1.4.1.9999.1");
    const file = traps.filter((t) => t.varbinds[1]?.[1] === "OID: .1.3.6.1.4.1.9999.2");
    const chainTrap = (level: string, idle: number): Trap["varbinds"] => [
      ...head("1.3.6.1.4.1.9999.1"),
      [".1.3.6.1.4.1.9999.1.1", `STRING: "cpu/serverA is ${level}"`],
      [".1.3.6.1.4.1.9999.1.2", `INTEGER: ${idle}`],
      [".1.3.6.1.4.1.9999.1.3", "Counter64: 42"],
      [".1.3.6.1.4.1.9999.1.4", "Timeticks: (100) 0:00:01.00"],
      [".1.3.6.1.4.1.9999.1.5", "NULL"],
    ];
    expect(chain.map((t) => t.varbinds)).toEqual([chainTrap("CRITICAL", 5), chainTrap("OK", 50)]);
    expect(file.map((t) => t.varbinds)).toEqual(
      ["CRITICAL", "OK"].map((level) => [
        ...head("1.3.6.1.4.1.9999.2"),
        [".1.3.6.1.4.1.9999.2.1", `STRING: "${level} serverA"`],
      ]),
    );
  });

  it("runs Kapacitor's snmptrap service test and keeps the community out of the API", async () => {
    const trapd = await startSnmptrapd();
    cleanups.push(() => trapd.close());
    const url = await start({ handlers: { "traps.yaml": HANDLER } }, snmpOn(trapd.port));
    const res = await fetch(`${url}/kapacitor/v1/service-tests/snmptrap`, { method: "POST", body: "{}" });
    expect(await res.json()).toEqual({ success: true, message: "" });
    const [trap] = await trapd.waitFor(1);
    expect(trap!.varbinds).toEqual([...head("1.1.1.1"), [".1.1.1.1.2", 'STRING: "test snmptrap message"']]);
    const shown = await (await fetch(`${url}/kapacitor/v1/service-tests`)).text();
    expect(shown).not.toContain(COMMUNITY);
  });

  it("refuses an unsupported data type and a disabled [snmptrap] at define time", async () => {
    const url = await start({}, snmpOn(1, false));
    const define = async (script: string) => {
      const r = await fetch(`${url}/kapacitor/v1/tasks`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ id: "cpu", script, status: "enabled" }),
      });
      expect(r.status).toBe(400);
      return ((await r.json()) as { error: string }).error;
    };
    expect(await define(TICK)).toMatch(
      /\.snmpTrap\(\) at line 9 char 5: snmptrap handler: service is not enabled/,
    );
    const h = await fetch(`${url}/kapacitor/v1/alerts/topics/ops/handlers`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        id: "x",
        kind: "snmptrap",
        options: { "trap-oid": "1.1.1.1", "data-list": [{ oid: "1.1.1.1.2", type: "a", value: "10.0.0.1" }] },
      }),
    });
    expect(h.status).toBe(400);
    expect(((await h.json()) as { error: string }).error).toContain(
      "Snmptrap Datatype 'IP address' not supported",
    );
  });
});
