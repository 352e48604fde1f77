/**
 * The daemon's entry to the input side of cluster mode (DESIGN §11): the kafkajs client,
 * the cluster's topics, the `/write` producer and the input runtime, started together after
 * the API listens and stopped together; and the member id every cluster part shares.
 */
import { hostname } from "node:os";

import type { Kafka } from "kafkajs";

import type { ClusterConfig, KafkaInputConfig } from "../config/types.js";
import type { Point } from "../core/types.js";
import type { EngineLogger } from "../engine/context.js";
import type { ClusterAlerts } from "../oncall/service.js";
import { ClusterAlertView } from "./alert-view.js";
import { ClusterInput, type ClusterInputDeps } from "./input.js";
import { ensureClusterTopics } from "./kafka.js";
import { clusterNames } from "./names.js";
import type { ClusterSenderStats } from "./context.js";
import type { InputStatusSource } from "./status.js";
import { startWriteProducer, type WriteProducer } from "./write-producer.js";

export interface ClusterCore {
  readonly memberId: string;
  readonly input: InputStatusSource;
  /** Every current alert of the cluster, from the state changelog (src/cluster/alert-view.ts). */
  readonly alerts: ClusterAlerts;
  produce(db: string, rp: string, points: readonly Point[]): Promise<void>;
  tick(now: bigint): void;
  /** Prometheus text of the input side's counters. */
  metrics(): string;
  stop(): Promise<void>;
}

/**
 * This instance's member id, the one name every cluster part (config sync, input, dispatcher,
 * status, the Kafka client id) uses: `[cluster] member-id`, else `<hostname>:<port>` with the
 * port of `[http] bind-address` — known before the API listens, which the config sync needs.
 * A bind port of 0 is chosen only at listen: `<hostname>:pid-<pid>` then.
 */
export function memberIdOf(cfg: ClusterConfig, bindAddress: string): string {
  if (cfg.memberId !== "") return cfg.memberId;
  const port = Number(/:(\d+)$/.exec(bindAddress)?.[1] ?? "0");
  return port > 0 ? `${hostname()}:${port}` : `${hostname()}:pid-${process.pid}`;
}

export async function startClusterCore(opts: {
  /** The instance's one cluster client (src/cluster/kafka.ts). */
  kafka: Kafka;
  cfg: ClusterConfig;
  memberId: string;
  logger: EngineLogger;
  kafkaInputs: readonly KafkaInputConfig[];
  senderStats: ClusterSenderStats;
  deps: Omit<ClusterInputDeps, "kafka" | "cfg" | "memberId" | "logger" | "kafkaInputs">;
}): Promise<ClusterCore> {
  const { cfg, memberId, logger } = opts;
  const { kafka } = opts;
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
  const names = clusterNames(cfg.name);
  const alerts = new ClusterAlertView({
    kafka,
    stateTopic: names.stateTopic,
    groupPrefix: names.inputGroup,
    logger,
  });
  try {
    await input.start();
    await alerts.start();
  } catch (e) {
    await input.stop().catch(() => undefined);
    await writer.stop().catch(() => undefined);
    throw e;
  }
  return {
    memberId,
    input,
    alerts,
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
        "# HELP tickd_cluster_partitions_taken_back_total Input partitions restored again after a fenced commit while the group still assigned them here.",
        "# TYPE tickd_cluster_partitions_taken_back_total counter",
        `tickd_cluster_partitions_taken_back_total ${s.takenBack}`,
        "# HELP tickd_cluster_notifications_produced_total Notifications committed to the notifications topic.",
        "# TYPE tickd_cluster_notifications_produced_total counter",
        `tickd_cluster_notifications_produced_total ${s.notifications}`,
        "# HELP tickd_cluster_state_records_total State changelog records committed.",
        "# TYPE tickd_cluster_state_records_total counter",
        `tickd_cluster_state_records_total ${s.stateRecords}`,
        "# HELP tickd_cluster_node_states_total Node group states (windows, stateful functions): saved to the changelog, not kept for being over the bound, or refused at restore.",
        "# TYPE tickd_cluster_node_states_total counter",
        `tickd_cluster_node_states_total{outcome="saved"} ${input.nodeStats.saved}`,
        `tickd_cluster_node_states_total{outcome="oversize"} ${input.nodeStats.oversize}`,
        `tickd_cluster_node_states_total{outcome="unloadable"} ${input.nodeStats.unloadable}`,
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
      await Promise.all([alerts.stop(), input.stop()]);
      await writer.stop().catch(() => undefined);
    },
  };
}
