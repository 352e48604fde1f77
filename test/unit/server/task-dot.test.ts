/**
 * Kapacitor's DOT (task.go EDot, node.go edot, batch.go BatchNode.edot, pipeline.Dot) for
 * shapes the daemon test does not reach: a batch task (units "batches/s", no `batch0`), a
 * timed node (avg_exec_time_ns printed as a Go duration), labels, and the idle pipeline.
 */
import { describe, expect, it } from "vitest";
import { checkScript } from "../../../src/pipeline/check.js";
import { executingDot, pipelineDot } from "../../../src/server/task-dot.js";
import type { NodeStatsView } from "../../../src/server/task-service.js";

const BATCH = `dbrp "db"."rp"
batch |query('SELECT mean(v) FROM db.rp.cpu').period(1m).every(1m) |log()`;

function node(
  name: string,
  kind: string,
  over: Partial<NodeStatsView> = {},
): NodeStatsView & { kind: string } {
  return {
    name,
    kind,
    collected: 0,
    emitted: 0,
    errors: 0,
    workingCardinality: 0,
    avgExecTimeNs: 0,
    extra: {},
    edges: [],
    ...over,
  };
}

describe("task DOT", () => {
  it("draws an idle batch pipeline without its batch source node", () => {
    const { graph } = checkScript(BATCH, "t.tick", {});
    expect(pipelineDot("b", graph!)).toBe("digraph b {\nquery1 -> log2;\n}");
  });

  it("draws an executing batch task in batches/s with Go durations, sorted stat vars, no batch0", () => {
    const nodes = [
      node("batch0", "batch", { edges: [{ child: "query1", processed: 0 }] }),
      node("query1", "query", {
        avgExecTimeNs: 20_446_393,
        extra: { points_queried: 56, batches_queried: 3 },
        edges: [{ child: "log2", processed: 3 }],
      }),
      node("log2", "log", { avgExecTimeNs: 1920, workingCardinality: 2 }),
    ];
    expect(executingDot("b", "batch", 1.5, nodes, false)).toBe(`digraph b {
graph [throughput="1.50 batches/s"];

query1 [avg_exec_time_ns="20.446393ms" batches_queried="3" errors="0" points_queried="56" working_cardinality="0" ];
query1 -> log2 [processed="3"];

log2 [avg_exec_time_ns="1.92µs" errors="0" working_cardinality="2" ];
}`);
    expect(executingDot("b", "batch", 0, nodes, true)).toBe(`digraph b {
graph [label="Throughput: 0.00 batches/s" forcelabels=true pad="0.8,0.5"];

query1 [xlabel="avg_exec_time_ns=20.446393ms\\rbatches_queried=3\\rerrors=0\\rpoints_queried=56\\rworking_cardinality=0"];
query1 -> log2 [label="processed=3"];

log2 [xlabel="avg_exec_time_ns=1.92µs\\rerrors=0\\rworking_cardinality=2"];
}`);
  });
});
