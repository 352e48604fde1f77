/**
 * The config topic of one instance (DESIGN §11, "Cluster config"): reads `tickd-<name>-config`
 * whole from its start and applies every record (src/cluster/config-apply.ts); writes the
 * API's changes to it and answers once this instance has read them back and applied them.
 *
 * States: created → starting (topics ensured; a consumer in a group of its own — a fresh
 * group id each start, no committed offsets — reads from offset 0) → caught up (the end
 * offset seen at start is applied; local rows are reconciled: seeded into an empty topic or
 * pruned) → stopped. {@link start} resolves at "caught up"; the daemon listens only then.
 *
 * Writes are serialised per instance: each change is planned (checked against the local
 * state, 400 on a bad one, nothing sent), produced (acks = all, idempotent producer), and
 * awaited until this instance's consumer has applied its offset. Past `writeTimeoutMs` the
 * write fails with E_CLUSTER_UNAVAILABLE (503): if Kafka never took it, nothing changed
 * anywhere; if it took it late, every instance applies it when it comes. Across instances the
 * topic's order decides: the last record of a key wins, as compaction keeps it.
 */
import { randomUUID } from "node:crypto";
import type { Consumer, Kafka, KafkaMessage, Producer } from "kafkajs";

import type { ClusterConfig } from "../config/types.js";
import { coerceError, TickdError } from "../core/errors.js";
import type { EngineLogger } from "../engine/context.js";
import { applyChange, reconcile, type ConfigTargets } from "./config-apply.js";
import { configKey, decodeRecord, encodeChange, type ConfigChange } from "./config-record.js";
import { ensureClusterTopics, topicOffsets } from "./kafka.js";
import { clusterNames } from "./names.js";
import type { ConfigStatusSource } from "./status.js";

export const CLUSTER_UNAVAILABLE = "E_CLUSTER_UNAVAILABLE";

/** How long the first read of the config topic may take before the daemon gives up starting. */
const START_TIMEOUT_MS = 120_000;

export interface ConfigSyncDeps {
  kafka: Kafka;
  cluster: ClusterConfig;
  /** This instance's member id (logs, record headers). */
  member: string;
  targets: ConfigTargets;
  /** This instance's config as puts (file tasks left out): seeds an empty topic, or is pruned. */
  local: () => ConfigChange[];
  logger: EngineLogger;
  /** How long an API write may wait for Kafka and for its own read-back; default 10 s. */
  writeTimeoutMs?: number;
}

export interface ConfigSyncStart {
  /** Records read and applied before caught up. */
  records: number;
  seeded: number;
  pruned: number;
}

export class ConfigSync implements ConfigStatusSource {
  readonly counters = {
    applied: 0,
    skippedVersion: 0,
    malformed: 0,
    applyErrors: 0,
    published: 0,
    publishFailed: 0,
  };
  private readonly topic: string;
  private readonly writeTimeoutMs: number;
  private producer: Producer | undefined;
  private consumer: Consumer | undefined;
  private caughtUp = false;
  private stopped = false;
  /** Highest offset applied (-1 before the first). */
  private appliedOffset = -1n;
  private waiters: { offset: bigint; resolve: () => void }[] = [];
  /** Keys read during the first read (true: value, false: tombstone), for reconcile. */
  private seen: Map<string, boolean> | undefined = new Map();
  private lock: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: ConfigSyncDeps) {
    this.topic = clusterNames(d.cluster.name).configTopic;
    this.writeTimeoutMs = d.writeTimeoutMs ?? 10_000;
  }

  progress(): { applied: number; caughtUp: boolean } {
    return { applied: this.counters.applied, caughtUp: this.caughtUp };
  }

  /** Reads the topic to the end it had when called, then reconciles; see the header. */
  async start(): Promise<ConfigSyncStart> {
    const { kafka, cluster, logger } = this.d;
    await ensureClusterTopics(kafka, cluster);
    const admin = kafka.admin();
    await admin.connect();
    let end: bigint;
    try {
      end = BigInt((await topicOffsets(admin, this.topic)).find((o) => o.partition === 0)?.high ?? "0");
    } finally {
      await admin.disconnect();
    }
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await this.producer.connect();
    this.consumer = kafka.consumer({
      groupId: `${this.topic}-reader-${randomUUID()}`,
      allowAutoTopicCreation: false,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    const reachedEnd = end === 0n ? Promise.resolve() : this.appliedThrough(end - 1n);
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => this.onMessage(message),
    });
    try {
      await withTimeout(reachedEnd, START_TIMEOUT_MS);
    } catch {
      throw new TickdError(
        CLUSTER_UNAVAILABLE,
        `cluster config: could not read ${this.topic} to its end (offset ${end}) within ${START_TIMEOUT_MS / 1000} s; read ${this.counters.applied} records`,
      );
    }
    const records = this.counters.applied;
    const seen = this.seen ?? new Map<string, boolean>();
    this.seen = undefined;
    const { seed, prune } = reconcile(seen, this.d.local());
    for (const c of prune) this.applyLogged(c, "removing a local object the cluster config does not have");
    if (prune.length > 0)
      logger.log("warn", "cluster config: removed local objects the config topic does not have", {
        removed: prune.map(configKey),
      });
    this.caughtUp = true;
    if (seed.length > 0) {
      await this.publish(seed);
      logger.log("info", "cluster config: the topic was empty; seeded it with this instance's config", {
        seeded: seed.length,
      });
    }
    logger.log("info", "cluster config caught up", { topic: this.topic, records, end: end.toString() });
    return { records, seeded: seed.length, pruned: prune.length };
  }

  /**
   * Plans a change (throwing its validation error: nothing is sent), writes it to the topic
   * and resolves once this instance has applied it. One write at a time per instance, so a
   * plan sees the previous write applied.
   */
  write(plan: () => ConfigChange[]): Promise<void> {
    const run = this.lock.then(async () => {
      const changes = plan();
      if (changes.length > 0) await this.publish(changes);
    });
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Writes changes made by this instance on its own (an ack its alert ended); errors are logged. */
  publishInBackground(changes: ConfigChange[], why: string): void {
    void this.write(() => changes).catch((e: unknown) =>
      this.d.logger.log("warn", `cluster config: could not publish ${why}`, {
        keys: changes.map(configKey),
        error: coerceError(e).message,
      }),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.waiters.splice(0)) w.resolve();
    await this.consumer?.disconnect().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
  }

  /** `/metrics` text. */
  metrics(): string {
    const c = this.counters;
    return [
      "# HELP tickd_cluster_config_records_total Config topic records by outcome: applied, skipped (unknown version), malformed, failed (apply error).",
      "# TYPE tickd_cluster_config_records_total counter",
      `tickd_cluster_config_records_total{outcome="applied"} ${c.applied}`,
      `tickd_cluster_config_records_total{outcome="skipped_version"} ${c.skippedVersion}`,
      `tickd_cluster_config_records_total{outcome="malformed"} ${c.malformed}`,
      `tickd_cluster_config_records_total{outcome="failed"} ${c.applyErrors}`,
      "# HELP tickd_cluster_config_writes_total API changes written to the config topic, and those that failed (503).",
      "# TYPE tickd_cluster_config_writes_total counter",
      `tickd_cluster_config_writes_total{outcome="ok"} ${c.published}`,
      `tickd_cluster_config_writes_total{outcome="failed"} ${c.publishFailed}`,
      "# HELP tickd_cluster_config_caught_up 1 once the first read of the config topic reached its end.",
      "# TYPE tickd_cluster_config_caught_up gauge",
      `tickd_cluster_config_caught_up ${this.caughtUp ? 1 : 0}`,
      "",
    ].join("\n");
  }

  // ------------------------------------------------------------------ internals

  private onMessage(m: KafkaMessage): void {
    const offset = BigInt(m.offset);
    const key = m.key?.toString("utf8") ?? "";
    const decoded = decodeRecord(key, m.value);
    if (decoded.ok) {
      this.seen?.set(configKey(decoded.change), decoded.change.value !== null);
      this.applyLogged(decoded.change, "applying a config record", offset);
    } else if (decoded.reason === "version") {
      this.counters.skippedVersion++;
      this.d.logger.log("warn", `cluster config: skipped: ${decoded.message}`, { offset: m.offset });
    } else {
      this.counters.malformed++;
      this.d.logger.log("error", `cluster config: skipped a malformed record: ${decoded.message}`, {
        offset: m.offset,
      });
    }
    this.appliedOffset = offset;
    if (this.waiters.length > 0) {
      const due = this.waiters.filter((w) => w.offset <= offset);
      this.waiters = this.waiters.filter((w) => w.offset > offset);
      for (const w of due) w.resolve();
    }
  }

  private applyLogged(c: ConfigChange, what: string, offset?: bigint): void {
    try {
      applyChange(this.d.targets, c);
      this.counters.applied++;
    } catch (e) {
      this.counters.applyErrors++;
      this.d.logger.log("error", `cluster config: failed ${what}`, {
        key: configKey(c),
        ...(offset !== undefined ? { offset: offset.toString() } : {}),
        error: coerceError(e).message,
      });
    }
  }

  private appliedThrough(offset: bigint): Promise<void> {
    if (this.appliedOffset >= offset) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ offset, resolve }));
  }

  private async publish(changes: ConfigChange[]): Promise<void> {
    const producer = this.producer;
    if (producer === undefined || this.stopped) throw unavailable("cluster config is not running");
    const deadline = Date.now() + this.writeTimeoutMs;
    const messages = changes.map((c) => {
      const r = encodeChange(c);
      return { key: r.key, value: r.value, headers: { "tickd-member": this.d.member } };
    });
    let last: bigint;
    try {
      const meta = await withTimeout(
        producer.send({ topic: this.topic, acks: -1, timeout: this.writeTimeoutMs, messages }),
        this.writeTimeoutMs,
      );
      const base = meta.find((r) => r.partition === 0)?.baseOffset;
      if (base === undefined) throw new Error("Kafka did not answer the record's offset");
      last = BigInt(base) + BigInt(messages.length - 1);
    } catch (e) {
      this.counters.publishFailed++;
      this.d.logger.log("error", "cluster config: write to the config topic failed", {
        keys: messages.map((m) => m.key),
        error: coerceError(e).message,
      });
      throw unavailable(
        `cluster config topic ${this.topic} did not take the change (${coerceError(e).message}); nothing was changed`,
      );
    }
    try {
      await withTimeout(this.appliedThrough(last), Math.max(0, deadline - Date.now()));
    } catch {
      this.counters.publishFailed++;
      throw unavailable(
        `the change was written to ${this.topic} (offset ${last}) but not read back here within ${this.writeTimeoutMs} ms; every instance applies it when it reads it`,
      );
    }
    if (this.stopped) throw unavailable("cluster config stopped before the change was applied here");
    this.counters.published++;
  }
}

function unavailable(message: string): TickdError {
  return new TickdError(CLUSTER_UNAVAILABLE, message);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
