/**
 * The kafkajs client of cluster mode and the topics it needs. Every cluster part (input,
 * dispatcher, config, status) takes its kafkajs `Kafka` from {@link clusterKafka} and calls
 * {@link ensureClusterTopics} before it subscribes, so an empty Kafka cluster just works. The
 * client drops every record of an aborted transaction (newKafka: kafkajs 2.2 alone does not).
 */
import type { Admin, Consumer, Kafka } from "kafkajs";

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
      // kafkajs' own waitForLeaders gives up on the "does not host this topic-partition" a
      // multi-broker cluster answers for a moment after creation: poll for leaders instead.
      await admin.createTopics({
        waitForLeaders: false,
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
    await waitForLeaders(
      admin,
      wanted.map((t) => t.topic),
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * A topic's offsets per partition (admin.fetchTopicOffsets). A topic created a moment ago may
 * not have its leader known to every broker yet ("not the leader for that topic-partition",
 * which kafkajs does not retry): asked again a few times (5 s), then the error.
 */
export async function topicOffsets(
  admin: Admin,
  topic: string,
): Promise<{ partition: number; offset: string; high: string; low: string }[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (e) {
      if (attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Polls the metadata until every partition of `topics` has a leader; bounded (30 s). */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const md = await admin.fetchTopicMetadata({ topics });
      if (md.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (e) {
      if (Date.now() >= until) throw e;
    }
    if (Date.now() >= until)
      throw new Error(`no leader for every partition of ${topics.join(", ")} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Disconnects a consumer of a group only this instance uses and deletes that group in the
 * background: a stop (SIGTERM) does not wait for the deletion, and a failed one only leaves
 * an empty group behind.
 */
export async function disconnectPrivateGroup(
  kafka: Kafka,
  consumer: Consumer,
  groupId: string,
): Promise<void> {
  await consumer.disconnect().catch(() => undefined);
  const admin = kafka.admin();
  void admin
    .connect()
    .then(() => admin.deleteGroups([groupId]))
    .catch(() => undefined)
    .finally(() => void admin.disconnect().catch(() => undefined));
}
