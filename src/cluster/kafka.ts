/**
 * The kafkajs client of cluster mode and the topics it needs. Every cluster part (input,
 * dispatcher, config, status) takes its kafkajs `Kafka` from {@link clusterKafka} and calls
 * {@link ensureClusterTopics} before it subscribes, so an empty Kafka cluster just works.
 */
import type { Kafka } from "kafkajs";

import type { ClusterConfig } from "../config/types.js";
import type { EngineLogger } from "../engine/context.js";
import { newKafka } from "../sources/kafka-client.js";
import { clusterNames } from "./names.js";

export function clusterKafka(cfg: ClusterConfig, memberId: string, logger: EngineLogger): Kafka {
  return newKafka({ clientId: `tickd-${cfg.name}-${memberId}`, brokers: cfg.brokers }, (level, msg, fields) =>
    logger.log(level, msg, fields),
  );
}

/**
 * Creates the cluster's topics that do not exist yet: points and notifications as plain
 * topics, state and config compacted (only the latest record of a key matters). Topics that
 * exist are left as they are (their partition count is what the cluster uses).
 */
export async function ensureClusterTopics(kafka: Kafka, cfg: ClusterConfig): Promise<void> {
  const n = clusterNames(cfg.name);
  const compact = [{ name: "cleanup.policy", value: "compact" }];
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = [
      { topic: n.pointsTopic, configEntries: [] as { name: string; value: string }[] },
      { topic: n.stateTopic, configEntries: compact },
      { topic: n.notificationsTopic, configEntries: [] },
      // One partition: every instance reads the config whole and in one order.
      { topic: n.configTopic, configEntries: compact, numPartitions: 1 },
    ].filter((t) => !existing.has(t.topic));
    if (wanted.length === 0) return;
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: wanted.map((t) => ({
          topic: t.topic,
          numPartitions: t.numPartitions ?? cfg.partitions,
          replicationFactor: cfg.replicationFactor,
          configEntries: t.configEntries,
        })),
      });
    } catch (e) {
      // Another instance starting at the same moment may have created them first.
      const now = new Set(await admin.listTopics());
      if (wanted.some((t) => !now.has(t.topic))) throw e;
    }
  } finally {
    await admin.disconnect();
  }
}
