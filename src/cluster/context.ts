/**
 * Which input partition the code running now works for, so what it changes lands in that
 * partition's next transaction (DESIGN §11). The partition engine runs every write and tick
 * of a partition inside {@link inPartition}; the alert sink it gives its tasks marks each
 * event with {@link inEvent}. Three daemon ports read it:
 * - {@link clusterSender}: the HttpSender of cluster mode. Inside a partition it turns a
 *   request into a NotificationRecord (stable event id) buffered into that partition's
 *   transaction instead of a journal row; outside (an ack or silence-end re-send made through
 *   the API, an incoming webhook) it hands the request to the local journal as before.
 * - {@link clusterTopicPersistence}: topic event states of a partition's events go to its
 *   changelog, others to SQLite.
 * AsyncLocalStorage rather than a variable: a handler that sends after an await (not the
 * journaled direct mode) still sends for the partition whose event it handles.
 */
import { AsyncLocalStorage } from "node:async_hooks";

import type { TopicPersistence } from "../alert/topic-service.js";
import type { AlertEvent } from "../core/alert-event.js";
import type { EngineLogger } from "../engine/context.js";
import type { HttpRequest, HttpSender } from "../handlers/types.js";
import { ACCEPTED_STATUS } from "../delivery/types.js";
import { encodeTopicState, topicStateKey, type InputPartitionRef } from "./changelog.js";
import { notificationEventId } from "./event-id.js";
import type { NotificationRecord } from "./records.js";

/** One owned input partition as the code that processes it sees it. */
export interface PartitionWork {
  readonly input: InputPartitionRef;
  /** True once the partition was revoked or dropped: late work for it is discarded. */
  readonly closed: boolean;
  /** Buffers a changelog record (null = tombstone) for the next transaction; the last per key wins. */
  putState(key: string, value: string | null): void;
  /** Buffers a notification for the next transaction. */
  notify(record: NotificationRecord): void;
  /** Remembers a topic event this partition holds, so a revoke forgets it locally. */
  holdsTopicEvent(topic: string, eventId: string): void;
}

interface Scope {
  readonly work: PartitionWork;
  readonly event?: AlertEvent;
  /** Requests made so far for this event, per handler/topic/alert/level: the id's counter. */
  readonly counts?: Map<string, number>;
}

const scope = new AsyncLocalStorage<Scope>();

export function inPartition<T>(work: PartitionWork, fn: () => T): T {
  return scope.run({ work }, fn);
}

/** Runs the topic service's collect of `event` for the current partition (if any). */
export function inEvent<T>(event: AlertEvent, fn: () => T): T {
  const s = scope.getStore();
  if (s === undefined) return fn();
  return scope.run({ work: s.work, event, counts: new Map() }, fn);
}

export function currentPartition(): PartitionWork | undefined {
  return scope.getStore()?.work;
}

export interface ClusterSenderStats {
  /** Notifications buffered into partition transactions. */
  buffered: number;
  /** Sends for a partition revoked meanwhile: dropped (its new owner replays them). */
  dropped: number;
}

/**
 * The HttpSender of cluster mode (see the header). `journaled: true`: like the journal, it
 * takes each request synchronously, so the HTTP kinds send in their direct mode, inside the
 * partition's processing.
 */
export function clusterSender(opts: {
  local: HttpSender;
  /** This instance's member id (known once the API listens). */
  member: () => string;
  logger: EngineLogger;
  stats?: ClusterSenderStats;
}): HttpSender {
  const { local, member, logger } = opts;
  return {
    journaled: true,
    ...(local.refuse !== undefined ? { refuse: local.refuse.bind(local) } : {}),
    send(req: HttpRequest) {
      const s = scope.getStore();
      if (s === undefined) return local.send(req);
      const { work } = s;
      if (work.closed) {
        if (opts.stats) opts.stats.dropped++;
        logger.log("debug", "notification for a revoked partition dropped; its new owner makes it", {
          topic: work.input.topic,
          partition: work.input.partition,
          handler: req.delivery?.handler ?? "",
        });
        return Promise.resolve({ status: ACCEPTED_STATUS, body: "" });
      }
      const meta = req.delivery;
      const handler = meta?.handler ?? "";
      const topic = meta?.topic ?? "";
      const alertId = meta?.alertId ?? s.event?.state.id ?? "";
      const level = s.event?.state.level ?? 0;
      const time = s.event?.state.time ?? 0n;
      const countKey = `${handler}\u0000${topic}\u0000${alertId}\u0000${level}`;
      const n = s.counts?.get(countKey) ?? 0;
      s.counts?.set(countKey, n + 1);
      const record: NotificationRecord = {
        v: 1,
        eventId: notificationEventId({ handler, topic, alertId, level, time, n }),
        request: req,
        origin: { member: member(), topic: work.input.topic, partition: work.input.partition },
      };
      work.notify(record);
      if (opts.stats) opts.stats.buffered++;
      return Promise.resolve({ status: ACCEPTED_STATUS, body: "" });
    },
  };
}

/**
 * The topic service's persistence in cluster mode: the event states of a partition's events
 * go to that partition's changelog (and are remembered, so a revoke forgets them locally);
 * everything else to `local` (SQLite) as in single-node mode.
 */
export function clusterTopicPersistence(local: TopicPersistence): TopicPersistence {
  return {
    ...local,
    putEvent(topic, state) {
      const work = currentPartition();
      if (work === undefined) return local.putEvent(topic, state);
      if (work.closed) return;
      work.holdsTopicEvent(topic, state.id);
      work.putState(topicStateKey(work.input, topic, state.id), encodeTopicState(state));
    },
    deleteEvent(topic, eventId) {
      const work = currentPartition();
      if (work === undefined) return local.deleteEvent(topic, eventId);
      if (work.closed) return;
      work.holdsTopicEvent(topic, eventId);
      work.putState(topicStateKey(work.input, topic, eventId), null);
    },
  };
}
