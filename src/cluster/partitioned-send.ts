/**
 * Produce requests that survive a partition leader moving mid-send.
 *
 * kafkajs 2.2.x keeps, per `send()`, the answer of each broker it sent to; when a send is
 * retried (a broker died), it sends only to the brokers without an answer. A partition whose
 * leader moved to a broker that had already answered that send is then skipped: `send()`
 * resolves and those records are not in the log (tulios/kafkajs#1303, seen here as /write
 * points and transaction notifications missing after a broker kill -9). One `send()` per
 * partition has one leader at a time, so its retry goes wholly to the new leader.
 *
 * The partition of a keyed record is chosen as kafkajs' default partitioner does (murmur2 of
 * the key, as Kafka's Java clients), so records land where they always did.
 */
import kafkajs from "kafkajs";

import { chunkBySize, MAX_REQUEST_BYTES } from "./points.js";

export interface KeyedRecord {
  key: string;
  value: string | null;
}

export interface PartitionRequest<T> {
  partition: number;
  messages: (T & { partition: number })[];
}

/**
 * The records grouped by the partition their key maps to (of `partitions`), each group split
 * into requests under MAX_REQUEST_BYTES; in record order within a partition.
 */
export function partitionRequests<T extends KeyedRecord>(
  records: readonly T[],
  partitions: number,
): PartitionRequest<T>[] {
  const choose = kafkajs.Partitioners.DefaultPartitioner();
  const meta = Array.from({ length: partitions }, (_, i) => ({
    partitionId: i,
    leader: 0,
    replicas: [],
    isr: [],
    partitionErrorCode: 0,
  }));
  const groups = new Map<number, (T & { partition: number })[]>();
  for (const r of records) {
    const partition = choose({ topic: "", partitionMetadata: meta, message: { key: r.key, value: r.value } });
    let g = groups.get(partition);
    if (g === undefined) groups.set(partition, (g = []));
    g.push({ ...r, partition });
  }
  const out: PartitionRequest<T>[] = [];
  for (const [partition, msgs] of [...groups].sort((a, b) => a[0] - b[0]))
    for (const messages of chunkBySize(msgs, MAX_REQUEST_BYTES)) out.push({ partition, messages });
  return out;
}

/** Partitions of `topic`, from the cluster's metadata. */
export async function partitionCount(admin: kafkajs.Admin, topic: string): Promise<number> {
  const md = await admin.fetchTopicMetadata({ topics: [topic] });
  const n = md.topics[0]?.partitions.length ?? 0;
  if (n === 0) throw new Error(`Kafka topic ${topic} has no partitions`);
  return n;
}
