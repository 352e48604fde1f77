/**
 * The notification dispatcher of cluster mode (DESIGN §11). Every instance is a member of the
 * group `tickd-<name>-dispatch` reading `tickd-<name>-notifications` read-committed (only
 * records of committed input transactions). Each record is journaled in the local delivery
 * journal under its producer's event id (so `X-Tickd-Event-Id` is the same on a re-send) and
 * delivered by the delivery engine, in order per alert id (the record key).
 *
 * Offsets: a partition is committed (every `commit-interval`) up to its first record that is
 * not terminal here (src/cluster/offset-tracker.ts). A record still retrying holds the commit
 * back, at most `[delivery] max-age` after it was produced; later records of the partition
 * (other alert ids) are delivered meanwhile, and only a crash makes the next owner send those
 * again. A record whose event id the journal already has (read again after a rebalance) is
 * not sent again. A record that cannot be read is logged, counted, journaled as failed, and
 * its offset passed.
 *
 * States: new → running (member; partitions come and go with rebalances) → stopped.
 *   rebalance: before rejoining (src/cluster/rebalance-hook.ts) the dispatcher stops taking
 *              records, lets the records in flight finish for up to the grace, commits what is
 *              terminal; after it, partitions gone to others have their pending rows released
 *              (their new owner sends them), kept and new ones are read again from the commit.
 *   paused:    while the delivery journal holds over 90% of max-journal-rows (backpressure).
 *   stop():    the same drain as a rebalance, then leave the group (SIGTERM: no duplicates
 *              unless a delivery outlasts the grace).
 */
import type { Consumer, EachBatchPayload, Kafka } from "kafkajs";

import type { ClusterConfig } from "../config/types.js";
import { coerceError } from "../core/errors.js";
import type { ExternalDeliveries } from "../delivery/types.js";
import type { EngineLogger } from "../engine/context.js";
import { ensureClusterTopics } from "./kafka.js";
import { clusterNames } from "./names.js";
import { decodeNotification } from "./notification-decode.js";
import { OffsetTracker } from "./offset-tracker.js";
import { beforeRejoin } from "./rebalance-hook.js";
import type { DispatchStatusSource } from "./status.js";

/** Dead member noticed after this long (Kafka's minimum is 6 s): the failover time. */
export const DISPATCH_SESSION_TIMEOUT_MS = 10_000;
const HEARTBEAT_INTERVAL_MS = 1_000;
/** How often a paused dispatcher asks whether the journal has room again. */
const PAUSE_POLL_MS = 250;
/** Share of max-journal-rows above which the dispatcher stops reading. */
const PAUSE_RATIO = 0.9;

export interface DispatcherDeps {
  cluster: ClusterConfig;
  kafka: Kafka;
  memberId: string;
  logger: EngineLogger;
  delivery: { readonly external: ExternalDeliveries; pendingCount(): number };
  /** The current `[delivery] max-journal-rows` (a reload may change it). */
  maxJournalRows: () => number;
  /** How long a revoke or stop waits for deliveries in flight, ms (default 5 s). */
  graceMs?: number;
}

export interface DispatcherCounters {
  /** Records read and journaled to be sent. */
  accepted: number;
  /** Records read whose event id the journal already had (not sent again). */
  duplicates: number;
  /** Records that could not be read (journaled as failed and skipped). */
  invalid: number;
  commits: number;
  commitErrors: number;
  /** Pending rows dropped because their partition went to another member. */
  released: number;
  rebalances: number;
}

export interface Dispatcher extends DispatchStatusSource {
  readonly counters: Readonly<DispatcherCounters>;
  /** True while backpressure holds the consumer. */
  paused(): boolean;
  /** Prometheus text of the dispatcher's families. */
  metrics(): string;
  stop(): Promise<void>;
}

export async function startDispatcher(deps: DispatcherDeps): Promise<Dispatcher> {
  const { cluster, kafka, logger, delivery } = deps;
  const names = clusterNames(cluster.name);
  const topic = names.notificationsTopic;
  const graceMs = deps.graceMs ?? 5_000;
  const commitMs = Math.max(10, Math.round(cluster.commitInterval / 1e6));
  const tracker = new OffsetTracker();
  const counters: DispatcherCounters = {
    accepted: 0,
    duplicates: 0,
    invalid: 0,
    commits: 0,
    commitErrors: 0,
    released: 0,
    rebalances: 0,
  };
  /** Records handed to delivery and not terminal yet, by event id. */
  const waiting = new Map<string, { partition: number; offset: string }[]>();
  const origin = (partition: number): string => `${topic}/${partition}`;
  let state: "running" | "stopping" | "stopped" = "running";
  /** Between a rebalance's drain and the new assignment, and while stopping: take no records. */
  let draining = false;
  let isPaused = false;

  await ensureClusterTopics(kafka, cluster);
  // Leftovers of an earlier run: their offsets were not committed, so whoever owns their
  // partitions now reads and sends them.
  const dropped = delivery.external.releaseParked();
  if (dropped > 0)
    logger.log(
      "info",
      "cluster dispatcher: pending notifications of an earlier run handed back to the cluster",
      {
        rows: dropped,
      },
    );

  delivery.external.onSettled((eventId) => {
    const at = waiting.get(eventId);
    if (at === undefined) return;
    waiting.delete(eventId);
    for (const w of at) tracker.done(w.partition, w.offset);
  });

  const consumer: Consumer = kafka.consumer({
    groupId: names.dispatchGroup,
    sessionTimeout: DISPATCH_SESSION_TIMEOUT_MS,
    heartbeatInterval: HEARTBEAT_INTERVAL_MS,
    readUncommitted: false,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 500,
  });

  // ---- commits -------------------------------------------------------------------------
  let committing: Promise<void> | undefined;
  const commitNow = (): Promise<void> => {
    if (committing !== undefined) return committing;
    const run = async (): Promise<void> => {
      try {
        // The outcomes the commit relies on are on disk first.
        delivery.external.flush();
        const points = tracker.toCommit();
        if (points.length === 0) return;
        await consumer.commitOffsets(
          points.map((p) => ({ topic, partition: p.partition, offset: p.offset })),
        );
        for (const p of points) tracker.committed(p.partition, p.offset);
        counters.commits++;
      } catch (e) {
        counters.commitErrors++;
        logger.log("warn", "cluster dispatcher: offset commit failed; the next one covers it", {
          error: coerceError(e).message,
        });
      }
    };
    const p = run().finally(() => {
      if (committing === p) committing = undefined;
    });
    committing = p;
    return p;
  };
  const commitTimer = setInterval(() => void commitNow(), commitMs);
  commitTimer.unref();

  /**
   * Hands the partitions back: no new attempt starts, the attempts under way get up to the
   * grace to finish, what is terminal is committed, and every pending row is released (the
   * partition's next owner — maybe this instance again — reads those records from the
   * commit). Only an attempt that outlasts the grace can be sent twice.
   */
  const drain = async (why: string): Promise<void> => {
    const { external } = delivery;
    external.hold(true);
    try {
      const deadline = Date.now() + graceMs;
      while (external.attempting() > 0 && Date.now() < deadline) await sleep(20);
      const unfinished = external.attempting();
      const pending = tracker.totalPending();
      await Promise.race([commitNow(), sleep(graceMs)]);
      let released = 0;
      for (const p of tracker.partitions()) released += external.release(origin(p));
      counters.released += released;
      waiting.clear();
      logger.log(
        unfinished > 0 ? "warn" : "info",
        `cluster dispatcher: partitions handed back before ${why}`,
        {
          partitions: tracker.partitions(),
          pending,
          released,
          ...(unfinished > 0 ? { unfinishedAttempts: unfinished, graceMs } : {}),
        },
      );
    } finally {
      external.hold(false);
    }
  };

  // ---- rebalances ----------------------------------------------------------------------
  const hook = beforeRejoin(names.dispatchGroup, async () => {
    if (tracker.partitions().length === 0) return;
    draining = true;
    counters.rebalances++;
    await drain("rejoining the group");
  });
  if (!hook.installed)
    logger.log(
      "warn",
      "cluster dispatcher: no rebalance hook in this kafkajs; a rebalance may re-send records in flight",
    );

  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const assigned = new Set(e.payload.memberAssignment[topic] ?? []);
    for (const p of tracker.partitions()) {
      if (assigned.has(p)) continue;
      tracker.revoke(p);
      const n = delivery.external.release(origin(p));
      counters.released += n;
      if (n > 0)
        logger.log(
          "info",
          "cluster dispatcher: partition went to another member; its pending notifications are its",
          {
            partition: p,
            released: n,
          },
        );
    }
    // Kept and new partitions are read again from the committed offset; the journal knows
    // what was already sent or is being sent.
    for (const p of assigned) tracker.assign(p);
    for (const [id, at] of waiting) {
      const keep = at.filter((w) => assigned.has(w.partition));
      if (keep.length === 0) waiting.delete(id);
      else waiting.set(id, keep);
    }
    draining = state !== "running";
    logger.log("info", "cluster dispatcher: partitions assigned", {
      member: deps.memberId,
      partitions: [...assigned].sort((a, b) => a - b),
    });
  });

  // ---- records -------------------------------------------------------------------------
  const eachBatch = async ({ batch }: EachBatchPayload): Promise<void> => {
    if (draining || state !== "running") return;
    const { partition } = batch;
    if (!tracker.isAssigned(partition)) tracker.assign(partition);
    for (const m of batch.messages) {
      const key = m.key?.toString("utf8") ?? "";
      const createdMs = Number(m.timestamp);
      const decoded = decodeNotification(m.value, { topic, partition, offset: m.offset, key });
      tracker.add(partition, m.offset);
      const n = {
        origin: origin(partition),
        createdMs: Number.isFinite(createdMs) && createdMs > 0 ? createdMs : Date.now(),
      };
      if (decoded.kind === "invalid") {
        counters.invalid++;
        logger.log("error", decoded.reason, { partition, offset: m.offset, alert: key });
        try {
          delivery.external.reject(decoded.meta, { ...n, eventId: decoded.eventId }, decoded.reason);
        } catch (e) {
          logger.log("error", "cluster dispatcher: could not journal a skipped record", {
            error: coerceError(e).message,
          });
        }
        tracker.done(partition, m.offset);
        continue;
      }
      const { eventId, request } = decoded.record;
      const st = delivery.external.accept(request, { ...n, eventId });
      if (st === "journaled") counters.accepted++;
      else counters.duplicates++;
      if (st === "journaled" || st === "sending") {
        const at = waiting.get(eventId);
        if (at === undefined) waiting.set(eventId, [{ partition, offset: m.offset }]);
        else at.push({ partition, offset: m.offset });
      } else tracker.done(partition, m.offset);
    }
    // Transaction markers (and aborted records) take offsets too: past them once all is done.
    tracker.seen(partition, batch.lastOffset());
    checkBackpressure();
  };

  // ---- backpressure --------------------------------------------------------------------
  let pauseTimer: NodeJS.Timeout | undefined;
  const full = (): boolean => delivery.pendingCount() > PAUSE_RATIO * deps.maxJournalRows();
  const checkBackpressure = (): void => {
    if (isPaused || !full()) return;
    isPaused = true;
    consumer.pause([{ topic }]);
    logger.log("info", "cluster dispatcher: paused (delivery journal over 90% full)", {
      pending: delivery.pendingCount(),
    });
    const poll = (): void => {
      if (state !== "running") return;
      if (full()) {
        pauseTimer = setTimeout(poll, PAUSE_POLL_MS);
        return;
      }
      pauseTimer = undefined;
      isPaused = false;
      consumer.resume([{ topic }]);
      logger.log("info", "cluster dispatcher: resumed");
    };
    pauseTimer = setTimeout(poll, PAUSE_POLL_MS);
  };

  consumer.on(consumer.events.CRASH, (e) => {
    logger.log("error", "cluster dispatcher: Kafka consumer crashed", {
      error: coerceError(e.payload.error).message,
      restart: e.payload.restart,
    });
  });

  await consumer.connect();
  // A new group starts at the beginning: records produced before any dispatcher ran are sent.
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ autoCommit: false, partitionsConsumedConcurrently: 1, eachBatch });
  logger.log("info", "cluster dispatcher started", {
    group: names.dispatchGroup,
    topic,
    member: deps.memberId,
  });

  const metricsText = (): string => {
    const lines = [
      "# HELP tickd_cluster_dispatch_records_total Notification records read by this dispatcher, by outcome.",
      "# TYPE tickd_cluster_dispatch_records_total counter",
      `tickd_cluster_dispatch_records_total{outcome="accepted"} ${counters.accepted}`,
      `tickd_cluster_dispatch_records_total{outcome="duplicate"} ${counters.duplicates}`,
      `tickd_cluster_dispatch_records_total{outcome="invalid"} ${counters.invalid}`,
      "# HELP tickd_cluster_dispatch_commits_total Offset commits of the dispatch group, by result.",
      "# TYPE tickd_cluster_dispatch_commits_total counter",
      `tickd_cluster_dispatch_commits_total{result="ok"} ${counters.commits}`,
      `tickd_cluster_dispatch_commits_total{result="error"} ${counters.commitErrors}`,
      "# HELP tickd_cluster_dispatch_released_total Pending notifications handed to another member with their partition.",
      "# TYPE tickd_cluster_dispatch_released_total counter",
      `tickd_cluster_dispatch_released_total ${counters.released}`,
      "# HELP tickd_cluster_dispatch_pending Records read and not yet delivered or failed, per partition.",
      "# TYPE tickd_cluster_dispatch_pending gauge",
      ...tracker
        .partitions()
        .map((p) => `tickd_cluster_dispatch_pending{partition="${p}"} ${tracker.pendingCount(p)}`),
      "# HELP tickd_cluster_dispatch_paused 1 while the dispatcher waits for room in the delivery journal.",
      "# TYPE tickd_cluster_dispatch_paused gauge",
      `tickd_cluster_dispatch_paused ${isPaused ? 1 : 0}`,
    ];
    return lines.join("\n") + "\n";
  };

  let stopping: Promise<void> | undefined;
  return {
    counters,
    paused: () => isPaused,
    inFlight: () =>
      tracker.partitions().map((partition) => ({ partition, pending: tracker.pendingCount(partition) })),
    metrics: metricsText,
    stop() {
      stopping ??= (async () => {
        state = "stopping";
        draining = true;
        if (pauseTimer !== undefined) clearTimeout(pauseTimer);
        consumer.pause([{ topic }]);
        await drain("leaving the group");
        clearInterval(commitTimer);
        hook.remove();
        try {
          await consumer.disconnect();
        } catch (e) {
          logger.log("warn", "cluster dispatcher: leaving the group failed", {
            error: coerceError(e).message,
          });
        }
        state = "stopped";
      })();
      return stopping;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
