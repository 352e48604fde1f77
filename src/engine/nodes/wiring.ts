/**
 * What the Task needs beyond "construct every node, link parents to children":
 *
 * - `withDeadmanDefaults(graph)`, before construction: `|deadman(threshold, interval, exprs…)`
 *   sets, in Kapacitor's pipeline/node.go, `.align()` on its stats node and `.crit()`, `.id()`
 *   and `.message()` on its alert node. The checker records the deadman on the alert
 *   (`TaskNode.deadman`); this adds those properties in front of the user's own, so a later
 *   `.id()`/`.message()` written after `|deadman()` still wins, as in Kapacitor.
 * - `linkSpecialEdges(graph, byId)`, after linking: routes each parent of a join/union to its
 *   own input port, and lets each stats node count what its source node emits.
 *
 * Both are idempotent.
 */
import type { Expr, Span } from "../../../grammar/ast.js";
import { formatGoDuration } from "../../core/go-format.js";
import { nodeById, type PropertySetting, type TaskGraph, type TaskNode } from "../../pipeline/task-graph.js";
import type { RuntimeNode } from "../node.js";
import { MultiInputNode } from "./multi-input.js";
import { StatsNode } from "./stats-node.js";

/** services/deadman/config.go defaults; NODE_NAME and INTERVAL are replaced once. */
export const DEADMAN_ID = "node 'NODE_NAME' in task '{{ .TaskName }}'";
export const DEADMAN_MESSAGE =
  '{{ .ID }} is {{ if eq .Level "OK" }}alive{{ else }}dead{{ end }}: {{ index .Fields "emitted" | printf "%0.3f" }} points/INTERVAL.';

const DEFAULTED = new WeakSet<TaskNode>();

export function withDeadmanDefaults(graph: TaskGraph): TaskGraph {
  if (!graph.nodes.some((n) => n.deadman !== undefined && !DEFAULTED.has(n))) return graph;
  const replaced = new Map<number, TaskNode>();
  for (const alert of graph.nodes) {
    const spec = alert.deadman;
    if (spec === undefined || DEFAULTED.has(alert)) continue;
    const derivative = nodeById(graph, alert.parents[0] ?? -1);
    const stats = derivative && nodeById(graph, derivative.parents[0] ?? -1);
    const source = stats?.statsSource === undefined ? undefined : nodeById(graph, stats.statsSource);
    if (stats === undefined || source === undefined) continue;
    const span = alert.span;
    let crit: Expr = {
      type: "Binary",
      op: "<=",
      opSpan: span,
      left: { type: "Reference", name: "emitted", span },
      right: { type: "Float", value: spec.threshold, raw: String(spec.threshold), span },
      span,
    };
    for (const e of spec.expressions)
      crit = { type: "Binary", op: "AND", opSpan: span, left: crit, right: e, span };
    const pre: PropertySetting[] = [
      prop("crit", [{ type: "lambda", expr: crit, span }], span),
      prop("id", [{ type: "string", value: DEADMAN_ID.replace("NODE_NAME", source.name), span }], span),
      prop(
        "message",
        [
          {
            type: "string",
            value: DEADMAN_MESSAGE.replace("INTERVAL", formatGoDuration(spec.intervalNs)),
            span,
          },
        ],
        span,
      ),
    ];
    const a: TaskNode = { ...alert, properties: [...pre, ...alert.properties] };
    DEFAULTED.add(a);
    replaced.set(alert.id, a);
    if (stats.synthetic && !stats.properties.some((p) => p.name === "align")) {
      replaced.set(stats.id, { ...stats, properties: [prop("align", [], stats.span), ...stats.properties] });
    }
  }
  return { ...graph, nodes: graph.nodes.map((n) => replaced.get(n.id) ?? n) };
}

function prop(name: string, args: PropertySetting["args"], span: Span): PropertySetting {
  return { name, args, span, nameSpan: span };
}

export function linkSpecialEdges(graph: TaskGraph, byId: ReadonlyMap<number, RuntimeNode>): void {
  for (const n of graph.nodes) {
    const rn = byId.get(n.id);
    if (rn instanceof MultiInputNode) {
      n.parents.forEach((pid, i) => {
        const parent = byId.get(pid);
        if (parent === undefined) return;
        const at = parent.children.indexOf(rn);
        if (at >= 0) parent.children[at] = rn.input(i);
      });
    }
    if (rn instanceof StatsNode && n.statsSource !== undefined) {
      const source = byId.get(n.statsSource);
      if (source !== undefined) rn.observe(source);
    }
  }
}
