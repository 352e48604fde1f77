/**
 * One produce request per partition (src/cluster/partitioned-send.ts): records go to the
 * partition kafkajs' default partitioner gives their key (where they always went), grouped by
 * partition in record order, split under the request size.
 */
import kafkajs from "kafkajs";
import { describe, expect, it } from "vitest";
import { partitionRequests } from "../../../src/cluster/partitioned-send.js";
import { MAX_REQUEST_BYTES } from "../../../src/cluster/points.js";

const meta = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    partitionId: i,
    leader: 1,
    replicas: [1],
    isr: [1],
    partitionErrorCode: 0,
  }));

describe("partitionRequests", () => {
  it("puts each record on its key's default partition, one request per partition, order kept", () => {
    const records = Array.from({ length: 300 }, (_, i) => ({ key: `cpu,host=h${i % 50}`, value: String(i) }));
    const reqs = partitionRequests(records, 6);
    const choose = kafkajs.Partitioners.DefaultPartitioner();
    expect(new Set(reqs.map((r) => r.partition)).size).toBe(reqs.length);
    expect(reqs.reduce((n, r) => n + r.messages.length, 0)).toBe(records.length);
    for (const r of reqs) {
      for (const m of r.messages) {
        expect(m.partition).toBe(r.partition);
        expect(
          choose({ topic: "t", partitionMetadata: meta(6), message: { key: m.key, value: m.value } }),
        ).toBe(r.partition);
      }
      const values = r.messages.map((m) => Number(m.value));
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
  });

  it("splits a partition's records into requests under the size limit", () => {
    const big = "x".repeat(100 * 1024);
    const records = Array.from({ length: 12 }, () => ({ key: "same", value: big }));
    const reqs = partitionRequests(records, 3);
    expect(reqs.length).toBeGreaterThan(1);
    expect(new Set(reqs.map((r) => r.partition)).size).toBe(1);
    for (const r of reqs) expect(r.messages.length * big.length).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
  });
});
