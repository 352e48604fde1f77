/**
 * HTTP `/write` in cluster mode (DESIGN §11): the points go to `tickd-<name>-points`, keyed by
 * series, instead of into this instance's engine; whichever instance owns the series'
 * partition processes them. The producer is idempotent with acks=all, and a write is answered
 * (204) only once Kafka acknowledged every record of it; a failure is a TickdError
 * E_CLUSTER_PRODUCE that the write route turns into a 503, logged and counted.
 */
import kafkajs from "kafkajs";
import type { Kafka, Producer } from "kafkajs";

import { coerceError, TickdError } from "../core/errors.js";
import type { Point } from "../core/types.js";
import { partitionCount, partitionRequests } from "./partitioned-send.js";
import { ClusterCodes, pointsToRecords } from "./points.js";

export interface WriteProducerStats {
  /** Points acknowledged by Kafka. */
  produced: number;
  /** Writes whose produce failed (answered 503). */
  failed: number;
}

export interface WriteProducer {
  produce(db: string, rp: string, points: readonly Point[]): Promise<void>;
  readonly stats: WriteProducerStats;
  stop(): Promise<void>;
}

export async function startWriteProducer(kafka: Kafka, topic: string): Promise<WriteProducer> {
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 5,
    // murmur2 of the key, as Kafka's Java clients: a series lands where other producers put it.
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const admin = kafka.admin();
  let partitions: number;
  try {
    await admin.connect();
    partitions = await partitionCount(admin, topic);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const stats: WriteProducerStats = { produced: 0, failed: 0 };
  return {
    stats,
    async produce(db, rp, points) {
      const messages = pointsToRecords(db, rp, points);
      try {
        // One send per partition (src/cluster/partitioned-send.ts: none lost when a leader
        // moves), the partitions in parallel; within one, request after request, so a series
        // keeps its order.
        const byPartition = new Map<number, ReturnType<typeof partitionRequests>>();
        for (const r of partitionRequests(messages, partitions))
          byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
        await Promise.all(
          [...byPartition.values()].map(async (requests) => {
            for (const r of requests) await producer.send({ topic, acks: -1, messages: r.messages });
          }),
        );
      } catch (e) {
        stats.failed++;
        throw new TickdError(
          ClusterCodes.PRODUCE,
          `cluster mode: producing ${points.length} point(s) to Kafka topic "${topic}" failed: ${coerceError(e).message}`,
          { cause: e },
        );
      }
      stats.produced += points.length;
    },
    stop: () => producer.disconnect(),
  };
}
