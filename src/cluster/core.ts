/**
 * The daemon's entry to the input side of cluster mode (DESIGN §11): the kafkajs client,
 * the cluster's topics, the `/write` producer and the input runtime, started together after
 * the API listens (the member id defaults to `<hostname>:<http port>`) and stopped together.
 */
import { hostname } from "node:os";

import type { ClusterConfig, KafkaInputConfig } from "../config/types.js";
import type { Point } from "../core/types.js";
import type { EngineLogger } from "../engine/context.js";
import { ClusterInput, type ClusterInputDeps } from "./input.js";
import { clusterKafka, ensureClusterTopics } from "./kafka.js";
import { clusterNames } from "./names.js";
import type { ClusterSenderStats } from "./context.js";
import type { InputStatusSource } from "./status.js";
import { startWriteProducer, type WriteProducer } from "./write-producer.js";

export interface ClusterCore {
  readonly memberId: string;
  readonly input: InputStatusSource;
  produce(db: string, rp: string, points: readonly Point[]): Promise<void>;
  tick(now: bigint): void;
  /** Prometheus text of the input side's counters. */
  metrics(): string;
  stop(): Promise<void>;
}

/** The member id: `[cluster] member-id`, else `<hostname>:<http port>`. */
export function memberIdOf(cfg: ClusterConfig, port: number): string {
  return cfg.memberId !== "" ? cfg.memberId : `${hostname()}:${port}`;
}

export async function startClusterCore(opts: {
  cfg: ClusterConfig;
  memberId: string;
  logger: EngineLogger;
  kafkaInputs: readonly KafkaInputConfig[];
  senderStats: ClusterSenderStats;
  deps: Omit<ClusterInputDeps, "kafka" | "cfg" | "memberId" | "logger" | "kafkaInputs">;
}): Promise<ClusterCore> {
  const { cfg, memberId, logger } = opts;
  const kafka = clusterKafka(cfg, memberId, logger);
  await ensureClusterTopics(kafka, cfg);
  const writer: WriteProducer = await startWriteProducer(kafka, clusterNames(cfg.name).pointsTopic);
  const input = new ClusterInput({
    ...opts.deps,
    kafka,
    cfg,
    memberId,
    logger,
    kafkaInputs: opts.kafkaInputs,
  });
  try {
    await input.start();
  } catch (e) {
    await writer.stop().catch(() => undefined);
    throw e;
  }
  return {
    memberId,
    input,
    produce: (db, rp, points) => writer.produce(db, rp, points),
    tick: (now) => input.tick(now),
    metrics() {
      const s = input.stats;
      const owned = input.partitions();
      const lines = [
        "# HELP tickd_cluster_points_produced_total Points /write produced to the cluster's points topic.",
        "# TYPE tickd_cluster_points_produced_total counter",
        `tickd_cluster_points_produced_total ${writer.stats.produced}`,
        "# HELP tickd_cluster_produce_failures_total Writes refused (503) because producing to Kafka failed.",
        "# TYPE tickd_cluster_produce_failures_total counter",
        `tickd_cluster_produce_failures_total ${writer.stats.failed}`,
        "# HELP tickd_cluster_transactions_total Input partition transactions, by outcome.",
        "# TYPE tickd_cluster_transactions_total counter",
        `tickd_cluster_transactions_total{outcome="committed"} ${s.transactions}`,
        `tickd_cluster_transactions_total{outcome="failed"} ${s.transactionsFailed}`,
        "# HELP tickd_cluster_notifications_produced_total Notifications committed to the notifications topic.",
        "# TYPE tickd_cluster_notifications_produced_total counter",
        `tickd_cluster_notifications_produced_total ${s.notifications}`,
        "# HELP tickd_cluster_state_records_total State changelog records committed.",
        "# TYPE tickd_cluster_state_records_total counter",
        `tickd_cluster_state_records_total ${s.stateRecords}`,
        "# HELP tickd_cluster_bad_records_total Input or state records that could not be read (skipped).",
        "# TYPE tickd_cluster_bad_records_total counter",
        `tickd_cluster_bad_records_total ${s.badRecords}`,
        "# HELP tickd_cluster_restores_total Input partitions restored from the changelog.",
        "# TYPE tickd_cluster_restores_total counter",
        `tickd_cluster_restores_total ${s.restores}`,
        "# HELP tickd_cluster_notifications_dropped_total Notifications of a partition revoked meanwhile (its new owner makes them).",
        "# TYPE tickd_cluster_notifications_dropped_total counter",
        `tickd_cluster_notifications_dropped_total ${opts.senderStats.dropped}`,
        "# HELP tickd_cluster_partitions_owned Input partitions this instance owns, by state.",
        "# TYPE tickd_cluster_partitions_owned gauge",
        `tickd_cluster_partitions_owned{state="restoring"} ${owned.filter((p) => p.state === "restoring").length}`,
        `tickd_cluster_partitions_owned{state="active"} ${owned.filter((p) => p.state === "active").length}`,
      ];
      return lines.join("\n") + "\n";
    },
    async stop() {
      await input.stop();
      await writer.stop().catch(() => undefined);
    },
  };
}
