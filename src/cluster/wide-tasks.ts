/**
 * Cluster-wide tasks (DESIGN §11 "wall-clock work"): batch tasks (their InfluxDB queries) and
 * stream tasks with `|stats()` or `|deadman()` (a count of all the cluster's points per wall
 * interval) must run on exactly one member, or every member (or every partition) pages.
 *
 * Kafka chooses that member: the owner of partition 0 of the points topic in the input group
 * (the "leader partition"). Its partition engine runs the cluster-wide tasks besides the
 * partition's own, so their alert state and notifications go into that partition's changelog
 * and transactions: when the partition moves (kill, rebalance) the new owner restores the
 * state (an open deadman incident stays open, its recovery is not lost) and runs them on.
 *
 * The wide feed gives those tasks every point of the cluster: while this member holds the
 * leader partition, a consumer with a group of its own (so it is assigned every partition)
 * reads the points topic and the `[[kafka-input]]` topics read-committed from their end.
 * States: stopped → starting (joining; points before it is running are not counted — a
 * deadman's first interval starts at the first tick after that) → running → stopped (the
 * partition was revoked or dropped; the group is deleted).
 */
import { randomUUID } from "node:crypto";

import type { Consumer, Kafka } from "kafkajs";

import type { Point } from "../core/types.js";
import type { EngineLogger } from "../engine/context.js";
import { coerceError } from "../core/errors.js";
import type { TaskGraph } from "../pipeline/task-graph.js";
import { decodeMessage, type KafkaInputFormat } from "../sources/kafka-format.js";
import type { InputPartitionRef } from "./changelog.js";
import { decodePointsRecord } from "./points.js";
import { disconnectPrivateGroup } from "./kafka.js";

/** True for a task that runs once per cluster, on the owner of the leader partition. */
export function isClusterWide(g: TaskGraph): boolean {
  return g.type === "batch" || g.nodes.some((n) => n.kind === "stats" || n.deadman !== undefined);
}

export function isLeaderPartition(input: InputPartitionRef, pointsTopic: string): boolean {
  return input.topic === pointsTopic && input.partition === 0;
}

export interface WideFeedSource {
  db: string;
  rp: string;
  format: KafkaInputFormat;
}

export class WideFeed {
  private consumer: Consumer | undefined;
  private stopped = false;
  private readonly groupId: string;

  constructor(
    private readonly d: {
      kafka: Kafka;
      groupPrefix: string;
      pointsTopic: string;
      /** `[[kafka-input]]` topics and where their points go. */
      sources: ReadonlyMap<string, WideFeedSource>;
      logger: EngineLogger;
      write(db: string, rp: string, points: readonly Point[]): void;
    },
  ) {
    this.groupId = `${d.groupPrefix}-wide-${randomUUID()}`;
  }

  async start(): Promise<void> {
    const { kafka, pointsTopic, sources } = this.d;
    const consumer = kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [pointsTopic, ...sources.keys()], fromBeginning: false });
      if (this.stopped) return;
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, message }) => {
          if (this.stopped || message.value === null) return;
          try {
            if (topic === pointsTopic) {
              const r = decodePointsRecord(message.value);
              this.d.write(r.db, r.rp, r.points);
              return;
            }
            const src = sources.get(topic);
            if (src === undefined) return;
            // The main input logs bad records; here they are only skipped.
            const res = decodeMessage(src.format, message.value, BigInt(message.timestamp) * 1_000_000n);
            if (res.points.length > 0) this.d.write(src.db, src.rp, res.points);
          } catch {
            // Unreadable: the partition's own input logs and counts it.
          }
        },
      });
      this.d.logger.log("info", "cluster: cluster-wide tasks fed from every partition", {
        group: this.groupId,
      });
    } catch (e) {
      this.d.logger.log("error", "cluster: the feed of cluster-wide tasks did not start", {
        error: coerceError(e).message,
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const c = this.consumer;
    this.consumer = undefined;
    if (c === undefined) return;
    await disconnectPrivateGroup(this.d.kafka, c, this.groupId);
  }
}
