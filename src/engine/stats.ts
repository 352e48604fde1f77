/**
 * Kapacitor's execution statistics of a running task (task.go ExecutionStats, node.go,
 * edge/stats.go), read from the engine's counters when asked, so the hot path only
 * increments.
 *
 * Kapacitor counts on edges: a node's `collected` is the sum of what its parent edges
 * carried, its `emitted` the sum of what its child edges carried (a leaf emits 0), and the
 * DOT labels each edge with what it carried (`processed`). Delivery here is synchronous and
 * every message a node emits goes to each of its children, so an edge carried exactly what
 * its parent emitted.
 */
import type { Task } from "./task.js";

export interface EdgeStatistics {
  /** The child node's name. */
  child: string;
  /** Messages this edge carried. */
  processed: number;
}

export interface NodeStatistics {
  name: string;
  /** Pipeline node kind (`stream`, `batch`, `alert`, …). */
  kind: string;
  collected: number;
  emitted: number;
  errors: number;
  workingCardinality: number;
  avgExecTimeNs: number;
  /** Kind-specific figures under Kapacitor's names (the alert node's `alerts_triggered`, …). */
  extra: Record<string, number>;
  /** Child edges in pipeline order. */
  edges: EdgeStatistics[];
}

export interface TaskStatistics {
  /** Points/s (stream task) or batches/s (batch task), over the last wall-clock tick. */
  throughput: number;
  nodes: NodeStatistics[];
}

export function taskStatistics(task: Task): TaskStatistics {
  const graph = task.graph;
  const names = new Map(graph.nodes.map((n) => [n.id, n.name]));
  // Task.nodes holds the runtime node of graph.nodes[i] at index i.
  const sent = new Map(graph.nodes.map((n, i) => [n.id, task.nodes[i]?.stats.emitted ?? 0]));
  const nodes = graph.nodes.map((n, i): NodeStatistics => {
    const rn = task.nodes[i]!;
    const perEdge = sent.get(n.id) ?? 0;
    const edges = n.children.map((c) => ({ child: names.get(c) ?? String(c), processed: perEdge }));
    // A root collects what enters the task; any other node what its parents sent it.
    const collected =
      n.parents.length === 0 ? rn.stats.collected : n.parents.reduce((a, p) => a + (sent.get(p) ?? 0), 0);
    return {
      name: n.name,
      kind: n.kind,
      collected,
      emitted: perEdge * edges.length,
      errors: rn.stats.errors,
      workingCardinality: rn.cardinality(),
      avgExecTimeNs: rn.stats.exec.avgNs,
      extra: rn.extraStats() ?? {},
      edges,
    };
  });
  return { throughput: task.throughput, nodes };
}
