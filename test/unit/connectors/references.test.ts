import { describe, expect, it } from "vitest";
import { connectorReferences } from "../../../src/connectors/references.js";
import { checkScript } from "../../../src/pipeline/check.js";

/** A task graph compiled by the real checker, one alert node naming `ids` with `.connector()`. */
function graph(...ids: string[]) {
  const script = `stream
    |from().measurement('cpu')
    |alert()
        .crit(lambda: "usage_idle" < 10.0)
${ids.map((id) => `        .connector('${id}')`).join("\n")}
        .log('/tmp/x.log')
`;
  const { graph: g, diagnostics } = checkScript(script, "t.tick", {});
  if (g === undefined) throw new Error(JSON.stringify(diagnostics));
  return g;
}

describe("connectorReferences (Kibana's referenced_by_count)", () => {
  it("counts kind: connector topic handlers and .connector('id') uses in TICKscripts", () => {
    const refs = connectorReferences({
      handlers: () => [
        { kind: "connector", options: { id: "ops" } },
        { kind: "Connector", options: { "connector-id": "ops" } },
        { kind: "connector", options: { id: "other" } },
        { kind: "post", options: { url: "http://x/ops" } },
      ],
      tasks: () => [
        { id: "a", version: "1", graph: () => graph("ops") },
        { id: "b", version: "1", graph: () => graph("ops", "other", "ops") },
        { id: "c", version: "1", graph: () => graph() },
      ],
    });
    expect(refs.count("ops")).toBe(2 + 3);
    expect(refs.count("other")).toBe(1 + 1);
    expect(refs.count("none")).toBe(0);
  });

  it("compiles a task once per version, and skips a task that no longer compiles", () => {
    let compiled = 0;
    let version = "1";
    const refs = connectorReferences({
      handlers: () => [],
      tasks: () => [
        {
          id: "a",
          version,
          graph: () => {
            compiled++;
            return graph("ops");
          },
        },
        {
          id: "broken",
          version: "1",
          graph: () => {
            throw new Error("bad script");
          },
        },
      ],
    });
    expect(refs.count("ops")).toBe(1);
    expect(refs.count("ops")).toBe(1);
    expect(compiled).toBe(1);
    version = "2";
    expect(refs.count("ops")).toBe(1);
    expect(compiled).toBe(2);
  });
});
