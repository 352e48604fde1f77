/**
 * TestStream_AlertSNMPTrap (Kapacitor's integrations/streamer_test.go) through tickd, against
 * Debian's real snmptrapd on a free UDP port: Kapacitor's windowed alert (test/support/
 * kapacitor-alerts.ts, our own data) with two `.snmpTrap()` handlers, one using the data types
 * c and s (an OID repeated, a templated message), the other i, n and t. Each event sends one
 * v2c trap per handler: sysUpTime.0 = TimeTicks 1000, snmpTrapOID.0 = the handler's OID, then
 * the data varbinds in order, each checked by OID, type and value (services/snmptrap).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { TickdConfig } from "../../src/config/index.js";
import { alertScript, startAlertTask } from "../support/kapacitor-alerts.js";
import { startSnmptrapd } from "../support/net-services.js";

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe("snmpTrap handler as Kapacitor's integration test drives it", () => {
  it("TestStream_AlertSNMPTrap: two .snmpTrap() handlers, one v2c trap each with every data type", async () => {
    const trapd = await startSnmptrapd();
    cleanups.push(() => trapd.close());
    const run = await startAlertTask(
      "disk_trap",
      alertScript(
        'tickd/{{ .Name }}/{{ index .Tags "host" }}',
        `.snmpTrap('1.3.6.1.4.1.4242.1')
      .data('1.3.6.1.4.1.4242.1.1', 'c', '7')
      .data('1.3.6.1.4.1.4242.1.1', 's', 'DISK ALERT')
      .data('1.3.6.1.4.1.4242.1.1', 's', '{{ .Message }}')
    .snmpTrap('1.3.6.1.4.1.4242.2')
      .data('1.3.6.1.4.1.4242.2.5', 'i', '42')
      .data('1.3.6.1.4.1.4242.2.5', 'n', '')
      .data('1.3.6.1.4.1.4242.2.5', 't', '36000')`,
      ),
      (c): TickdConfig => ({
        ...c,
        snmptrap: { enabled: true, addr: `127.0.0.1:${trapd.port}`, community: "tickd-traps", retries: 2 },
      }),
    );
    cleanups.push(() => run.stop());
    await run.raise();
    await trapd.waitFor(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(trapd.traps).toHaveLength(2);
    for (const t of trapd.traps) expect(t.info).toBe("TRAP2, SNMP v2c, community tickd-traps");
    const head = (oid: string): [string, string][] => [
      [".1.3.6.1.2.1.1.3.0", "Timeticks: (1000) 0:00:10.00"],
      [".1.3.6.1.6.3.1.1.4.1.0", `OID: .${oid}`],
    ];
    // Kapacitor compares the traps ignoring their order.
    const byOid = new Map(trapd.traps.map((t) => [t.varbinds[1]?.[1], t.varbinds]));
    expect(byOid.get("OID: .1.3.6.1.4.1.4242.1")).toEqual([
      ...head("1.3.6.1.4.1.4242.1"),
      [".1.3.6.1.4.1.4242.1.1", "Counter64: 7"],
      [".1.3.6.1.4.1.4242.1.1", 'STRING: "DISK ALERT"'],
      [".1.3.6.1.4.1.4242.1.1", 'STRING: "tickd/disk/db1 is CRITICAL"'],
    ]);
    expect(byOid.get("OID: .1.3.6.1.4.1.4242.2")).toEqual([
      ...head("1.3.6.1.4.1.4242.2"),
      [".1.3.6.1.4.1.4242.2.5", "INTEGER: 42"],
      [".1.3.6.1.4.1.4242.2.5", "NULL"],
      [".1.3.6.1.4.1.4242.2.5", "Timeticks: (36000) 0:06:00.00"],
    ]);
  });
});
