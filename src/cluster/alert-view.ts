/**
 * The cluster's alert list (DESIGN §11, §12): every instance shows every current alert of the
 * cluster, not only the alerts of the partitions it owns.
 *
 * Writing: in cluster mode the on-call service's alert records (what `GET /tickd/v1/alerts`
 * lists) made while a partition is processed also go to that partition's state changelog, in
 * the transaction that commits the input behind them (key ["o", input topic, partition, topic,
 * alert id], a tombstone when the alert recovers). SQLite stays each instance's own cache.
 *
 * Reading: {@link ClusterAlertView} reads the whole state topic read-committed with a group of
 * its own, from the beginning and then on, and keeps the alert records. States: starting (until
 * it has read to the end offsets it found at start: `ready()` resolves) → following → stopped.
 * An alert whose group spans partitions may have a record on two partitions: the newest wins.
 * The list is the committed state: up to about a commit-interval behind processing.
 */
import { randomUUID } from "node:crypto";

import type { Consumer, Kafka } from "kafkajs";

import { coerceError } from "../core/errors.js";
import type { EngineLogger } from "../engine/context.js";
import type { ClusterAlerts, OnCallPersistence, StoredAlert } from "../oncall/service.js";
import { decodeChangelog, encodeOnCallAlert, oncallAlertKey } from "./changelog.js";
import { currentPartition } from "./context.js";
import { disconnectPrivateGroup, topicOffsets } from "./kafka.js";

/** The on-call persistence of cluster mode: SQLite as before, plus the partition's changelog. */
export function clusterOnCallPersistence(local: OnCallPersistence, logger: EngineLogger): OnCallPersistence {
  return {
    ...local,
    putAlert(a, labelsJson) {
      local.putAlert(a, labelsJson);
      const work = currentPartition();
      if (work === undefined || work.closed) return;
      try {
        work.putState(oncallAlertKey(work.input, a.topic, a.id), encodeOnCallAlert(a));
      } catch (e) {
        logger.log("error", "cluster: alert not shared with the cluster's alert list", {
          topic: a.topic,
          alert: a.id,
          error: coerceError(e).message,
        });
      }
    },
    deleteAlert(topic, id) {
      local.deleteAlert(topic, id);
      const work = currentPartition();
      if (work === undefined || work.closed) return;
      work.putState(oncallAlertKey(work.input, topic, id), null);
    },
  };
}

const sep = "\u0000";

export class ClusterAlertView implements ClusterAlerts {
  /** record key → alert. */
  private readonly records = new Map<string, StoredAlert>();
  private consumer: Consumer | undefined;
  private readonly groupId: string;
  private readyPromise: Promise<void> = Promise.resolve();

  constructor(
    private readonly d: { kafka: Kafka; stateTopic: string; groupPrefix: string; logger: EngineLogger },
  ) {
    this.groupId = `${d.groupPrefix}-alerts-${randomUUID()}`;
  }

  list(): StoredAlert[] {
    const byAlert = new Map<string, StoredAlert>();
    for (const a of this.records.values()) {
      const k = `${a.topic}${sep}${a.id}`;
      const seen = byAlert.get(k);
      if (seen === undefined || seen.event.state.time < a.event.state.time) byAlert.set(k, a);
    }
    return [...byAlert.values()];
  }

  get(topic: string, id: string): StoredAlert | undefined {
    return this.list().find((a) => a.topic === topic && a.id === id);
  }

  /** Resolves once the records present at start were read (bounded by the caller). */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  async start(): Promise<void> {
    const { kafka, stateTopic } = this.d;
    const admin = kafka.admin();
    await admin.connect();
    let ends: Map<number, bigint>;
    try {
      ends = new Map(
        (await topicOffsets(admin, stateTopic))
          .filter((o) => BigInt(o.high) > BigInt(o.low))
          .map((o) => [o.partition, BigInt(o.high)]),
      );
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    let markReady!: () => void;
    this.readyPromise = new Promise((r) => (markReady = r));
    if (ends.size === 0) markReady();
    const consumer = kafka.consumer({ groupId: this.groupId, readUncommitted: false, maxWaitTimeInMs: 200 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: stateTopic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          if (m.key === null) continue;
          const key = m.key.toString("utf8");
          if (!key.startsWith('["o"')) continue;
          try {
            const e = decodeChangelog(key, m.value === null ? null : m.value.toString("utf8"));
            if (e.kind !== "oncall") continue;
            if (e.value === undefined) this.records.delete(key);
            else this.records.set(key, e.value);
          } catch (err) {
            this.d.logger.log("warn", "cluster: unreadable alert record skipped", {
              partition: batch.partition,
              offset: m.offset,
              error: coerceError(err).message,
            });
          }
        }
        const end = ends.get(batch.partition);
        if (end !== undefined && BigInt(batch.lastOffset()) >= end - 1n) ends.delete(batch.partition);
        if (ends.size === 0) markReady();
      },
    });
  }

  async stop(): Promise<void> {
    const c = this.consumer;
    this.consumer = undefined;
    if (c === undefined) return;
    await disconnectPrivateGroup(this.d.kafka, c, this.groupId);
  }
}
