/**
 * Kapacitor's `dot` field (pipeline.Dot for a task that is not executing, task.go EDot and
 * node.go edot for one that is), byte for byte:
 *
 *     digraph <id> {
 *     graph [throughput="0.00 points/s"];
 *
 *     stream0 [avg_exec_time_ns="0s" errors="0" working_cardinality="0" ];
 *     stream0 -> from1 [processed="0"];
 *     …
 *     }
 *
 * Node attributes are the node's stat vars sorted by name — not `collected`/`emitted`, which
 * the edges carry as `processed`. `avg_exec_time_ns` prints as a Go duration. With
 * `dot-view=labels` the same figures become Graphviz labels. The source `batch` node is left
 * out, as Kapacitor's BatchNode draws nothing.
 */
import { formatGoDuration } from "../core/go-format.js";
import type { TaskGraph } from "../pipeline/task-graph.js";
import type { NodeStatsView } from "./task-service.js";

/** The pipeline without figures: `digraph id {\nstream0 -> from1;\n}`. */
export function pipelineDot(id: string, graph: TaskGraph): string {
  const names = new Map(graph.nodes.map((n) => [n.id, n.name]));
  const lines = [`digraph ${id} {`];
  for (const n of graph.nodes) {
    if (n.kind === "batch") continue;
    for (const c of n.children) lines.push(`${n.name} -> ${names.get(c) ?? c};`);
  }
  lines.push("}");
  return lines.join("\n");
}

/** A stat var as node.go prints it: integers in decimal, the exec time as a Go duration. */
function attributes(s: NodeStatsView): [string, string][] {
  const vars: [string, string][] = [
    ["avg_exec_time_ns", formatGoDuration(s.avgExecTimeNs)],
    ["errors", String(s.errors)],
    ["working_cardinality", String(s.workingCardinality)],
    ...Object.entries(s.extra).map(([k, v]): [string, string] => [k, String(v)]),
  ];
  return vars.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Go's `%0.2f`. */
function fixed2(n: number): string {
  return Number.isFinite(n) ? n.toFixed(2) : String(n);
}

/** The executing task's DOT with its figures (Kapacitor's EDot). */
export function executingDot(
  id: string,
  type: "stream" | "batch",
  throughput: number,
  nodes: readonly (NodeStatsView & { kind?: string })[],
  labels: boolean,
): string {
  const unit = type === "batch" ? "batches" : "points";
  let out = `digraph ${id} {\n`;
  out += labels
    ? `graph [label="Throughput: ${fixed2(throughput)} ${unit}/s" forcelabels=true pad="0.8,0.5"];\n`
    : `graph [throughput="${fixed2(throughput)} ${unit}/s"];\n`;
  for (const n of nodes) {
    if (n.kind === "batch") continue;
    const vars = attributes(n);
    if (labels) {
      // A literal \r is Graphviz's right-justified line break.
      out += `\n${n.name} [xlabel="${vars.map(([k, v]) => `${k}=${v}`).join("\\r")}"];\n`;
      for (const e of n.edges) out += `${n.name} -> ${e.child} [label="processed=${e.processed}"];\n`;
    } else {
      out += `\n${n.name} [${vars.map(([k, v]) => `${k}="${v}" `).join("")}];\n`;
      for (const e of n.edges) out += `${n.name} -> ${e.child} [processed="${e.processed}"];\n`;
    }
  }
  return out + "}";
}
