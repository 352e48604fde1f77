/** Runs a TICKscript through the checker and the engine, recording alerts, logs and httpOut. */
import type { AlertEvent } from "../../../../src/core/alert-event.js";
import type { FieldValue, Tags } from "../../../../src/core/types.js";
import type { LogLevel } from "../../../../src/engine/context.js";
import { InhibitorRegistry } from "../../../../src/engine/inhibitors.js";
import type { RuntimeNode } from "../../../../src/engine/node.js";
import { HttpOutNode } from "../../../../src/engine/nodes/http-out-node.js";
import { linkSpecialEdges, withDeadmanDefaults } from "../../../../src/engine/nodes/wiring.js";
import { Task } from "../../../../src/engine/task.js";
import { checkScript } from "../../../../src/pipeline/check.js";

export const S = 1e9;

export interface Run {
  task: Task;
  events: AlertEvent[];
  logs: { level: LogLevel; msg: string; fields?: Record<string, unknown> }[];
  write(name: string, tags: Tags, fields: Record<string, FieldValue>, seconds: number): void;
  /** Rows of an httpOut endpoint: one [time, ...values] per group, columns as in the series. */
  out(endpoint: string): HttpOutNode;
  node(name: string): RuntimeNode;
}

export function run(script: string, taskName = "t"): Run {
  const checked = checkScript(script, "t.tick", {});
  const errors = checked.diagnostics.filter((d) => d.severity === "error");
  if (checked.graph === undefined || errors.length > 0) {
    throw new Error(`script does not check: ${JSON.stringify(checked.diagnostics)}`);
  }
  const events: AlertEvent[] = [];
  const logs: Run["logs"] = [];
  // What the Task constructor should do (see wiring.ts); idempotent if it already does.
  const graph = withDeadmanDefaults(checked.graph);
  const task = new Task(graph, {
    taskName,
    taskMaster: "main",
    serverInfo: { Hostname: "localhost", ClusterID: "", ServerID: "" },
    inhibitors: new InhibitorRegistry(),
    logger: {
      log: (level, msg, fields) => logs.push(fields === undefined ? { level, msg } : { level, msg, fields }),
    },
    alerts: { collect: (e) => events.push(e) },
  });
  const byId = new Map(graph.nodes.map((n, i) => [n.id, task.nodes[i]!] as const));
  linkSpecialEdges(graph, byId);
  return {
    task,
    events,
    logs,
    write: (name, tags, fields, seconds) =>
      task.write("db", "rp", { name, tags, fields, time: BigInt(seconds * S) }),
    out: (endpoint) => {
      const n = task.nodes.find((x): x is HttpOutNode => x instanceof HttpOutNode && x.endpoint === endpoint);
      if (n === undefined) throw new Error(`no httpOut('${endpoint}')`);
      return n;
    },
    node: (name) => {
      const n = task.nodes.find((x) => x.name === name);
      if (n === undefined) throw new Error(`no node ${name}`);
      return n;
    },
  };
}

/** The latest value rows of an httpOut endpoint, as {column: value} objects per group. */
export function rows(r: Run, endpoint: string): Record<string, unknown>[] {
  const res = r.out(endpoint).result();
  return (res.series ?? []).map((s) => {
    const row = s.values[0] ?? [];
    return Object.fromEntries(s.columns.map((c, i) => [c, row[i]]));
  });
}
