import { describe, expect, it } from "vitest";
import { CHAIN_NODE_KINDS, HANDLERS, NODES, propertyNames } from "../../../src/pipeline/catalogue.js";

describe("catalogue", () => {
  it("has every alert property of KAPACITOR-COMPAT.md §1 and the handlers", () => {
    const alert = NODES.alert!;
    for (const name of [
      "id",
      "message",
      "details",
      "info",
      "warn",
      "crit",
      "infoReset",
      "warnReset",
      "critReset",
      "history",
      "flapping",
      "stateChangesOnly",
      "noRecoveries",
      "all",
      "inhibit",
      "category",
      "topic",
      "levelTag",
      "levelField",
      "messageField",
      "idTag",
      "idField",
      "durationField",
      "quiet",
      "post",
      "victorOps",
      "escalation",
      "log",
      "tcp",
      "exec",
      "kafka",
    ]) {
      expect(alert.properties[name], name).toBeDefined();
    }
    expect(alert.properties.victorops).toMatchObject({ aliasOf: "victorOps", handler: "victorOps" });
    expect(Object.keys(HANDLERS).sort()).toEqual([
      "alerta",
      "bigPanda",
      "connector",
      "discord",
      "email",
      "escalation",
      "exec",
      "hipChat",
      "kafka",
      "log",
      "mqtt",
      "opsGenie",
      "opsGenie2",
      "pagerDuty",
      "pagerDuty2",
      "post",
      "pushover",
      "sensu",
      "serviceNow",
      "slack",
      "snmpTrap",
      "talk",
      "tcp",
      "teams",
      "telegram",
      "victorOps",
      "zenoss",
    ]);
  });

  it("keeps Kapacitor's exact argument types", () => {
    expect(NODES.alert!.properties.flapping!.sig.params.map((p) => p.types)).toEqual([["float"], ["float"]]);
    expect(NODES.alert!.properties.history!.sig.params[0]!.types).toEqual(["int"]);
    expect(NODES.window!.properties.period!.sig.params[0]!.types).toEqual(["duration"]);
    expect(NODES.top!.args.params.map((p) => p.types)).toEqual([["int"], ["string"]]);
    expect(NODES.deadman!.args.params.map((p) => p.types)).toEqual([["float"], ["duration"]]);
    expect(NODES.sample!.args.params[0]!.types).toEqual(["int", "duration"]);
    expect(HANDLERS.log!.properties.mode!.sig.params[0]!.types).toEqual(["int"]);
  });

  it("describes every node and property in one line", () => {
    for (const n of Object.values(NODES)) {
      expect(n.description, n.kind).toMatch(/^[^\n]+$/);
      for (const p of Object.values(n.properties))
        expect(p.description, `${n.kind}.${p.name}`).toMatch(/^[^\n]+$/);
    }
  });

  it("marks repeatable properties, and what the engine runs as implemented", () => {
    expect(NODES.from!.properties.where!.repeat).toBe("many");
    expect(NODES.window!.properties.period!.repeat).toBe("once");
    expect(HANDLERS.post!.properties.header!.repeat).toBe("many");
    expect(NODES["alert"]!.implemented).toBe(true);
    // deadman is a macro the checker expands into stats → derivative → alert, which do run.
    expect(
      Object.values(NODES)
        .filter((n) => !n.implemented)
        .map((n) => n.kind),
    ).toEqual(["deadman"]);
  });

  it("lists user-writable node kinds and handler-then-node property names", () => {
    expect(CHAIN_NODE_KINDS).toContain("window");
    expect(CHAIN_NODE_KINDS).not.toContain("stream");
    expect(CHAIN_NODE_KINDS).not.toContain("noop");
    expect(propertyNames("alert", "post").slice(0, 2)).toEqual(["endpoint", "header"]);
  });
});
