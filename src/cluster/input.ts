/**
 * The input side of cluster mode (DESIGN §11): consumer group `tickd-<name>` (read-committed)
 * over the points topic and the `[[kafka-input]]` topics, per-partition engines, the state
 * changelog, and one Kafka transaction per partition every `commit-interval`.
 *
 * A partition's states:
 *   assigned → restoring: a transactional producer with the partition's own transactional id
 *     `<prefix><topic>-<partition>` is initialised first — that fences a previous owner (a
 *     zombie or a killed process) and aborts its open transaction — then the committed input
 *     offset is read, then the changelog partition is read to its end (read-committed) into
 *     the partition's alert and topic state. No input of the partition is processed before.
 *   → active: input is processed by the partition's engines; state changes, notifications
 *     and the next input offset are buffered; every commit-interval ONE transaction sends the
 *     changed state records, the NotificationRecords and the offsets (`sendOffsets`).
 *   → revoked (rebalance, stop): the buffer is committed (or, if fenced, abandoned), the
 *     engines dropped, the partition's topic events forgotten locally.
 *   A failed transaction (aborted) leaves memory ahead of Kafka: the partition is restored
 *   again and the consumer sought back to the committed offset; a fenced one is dropped.
 *   → taken back: a partition dropped on a fenced commit that the stable group still assigns
 *   to this member (so no other member holds it — the epoch was bumped by a transaction
 *   timeout, a coordinator move or a stray producer) is made again and restored like a new
 *   assignment; its input is replayed from the last commit.
 * A crash therefore costs the open transaction only: the next owner restores the state as of
 * the last commit and replays the input from there, making the same transitions (data time).
 * That holds only if no reader sees the aborted transaction: the changelog restore and the
 * dispatchers read through newKafka's clients, which drop every aborted record
 * (src/sources/kafka-read-committed.ts; kafkajs 2.2 alone handed out the first records of the
 * second of two transactions a kill left open, so the replay's notifications went out twice).
 */
import { randomUUID } from "node:crypto";

import kafkajs from "kafkajs";
import type { Admin, Consumer, Kafka, KafkaMessage, Producer } from "kafkajs";

import type { StoredEventState } from "../alert/topic-service.js";
import type { ClusterConfig, KafkaInputConfig } from "../config/types.js";
import { coerceError } from "../core/errors.js";
import type { AlertSink, EngineLogger } from "../engine/context.js";
import { decodeMessage, type KafkaInputFormat } from "../sources/kafka-format.js";
import { decodeChangelog, keyInput, type InputPartitionRef } from "./changelog.js";
import type { PartitionWork } from "./context.js";
import { topicOffsets } from "./kafka.js";
import { clusterNames, type ClusterNames } from "./names.js";
import {
  PartitionEngine,
  stateMapKey,
  type AlertStateEntry,
  type StreamTaskSource,
} from "./partition-engine.js";
import { newNodeStateStats, nodeMapKey, type NodeStateStats } from "./node-state.js";
import { partitionCount, partitionRequests } from "./partitioned-send.js";
import { chunkBySize, decodePointsRecord, MAX_REQUEST_BYTES } from "./points.js";
import { isLeaderPartition, WideFeed } from "./wide-tasks.js";
import type { NotificationRecord } from "./records.js";
import type { InputStatusSource, LocalPartitionStatus } from "./status.js";

export interface ClusterInputDeps {
  kafka: Kafka;
  cfg: ClusterConfig;
  memberId: string;
  logger: EngineLogger;
  tasks: StreamTaskSource & { onTasksChanged(l: () => void): () => void };
  alerts: AlertSink;
  topicStates: {
    loadEvents(states: Iterable<StoredEventState>): void;
    forgetEvents(keys: Iterable<{ topic: string; eventId: string }>): void;
  };
  kafkaInputs: readonly KafkaInputConfig[];
  batch?: (fn: () => void) => void;
  groupTtl?: number;
  /** Group session timeout (ms): how long a killed member keeps its partitions. Default 10 s. */
  sessionTimeoutMs?: number;
}

export interface ClusterInputStats {
  transactions: number;
  transactionsFailed: number;
  notifications: number;
  stateRecords: number;
  /** Input records that could not be read (skipped, offset committed). */
  badRecords: number;
  restores: number;
  /** Partitions restored again after a fenced commit while still assigned here. */
  takenBack: number;
}

interface Pending {
  states: Map<string, string | null>;
  notes: NotificationRecord[];
  /** Next input offset to commit. */
  offset: string | undefined;
}

const newPending = (): Pending => ({ states: new Map(), notes: [], offset: undefined });
const hasWork = (w: Pending): boolean => w.states.size > 0 || w.notes.length > 0 || w.offset !== undefined;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const RESTORE_TIMEOUT_MS = 120_000;
/** Wait before checking a fenced partition's owner: a rebalance that moved it shows by then. */
const TAKE_BACK_DELAY_MS = 1000;
/** Heartbeat errors after which kafkajs rejoins the group (its runner's own list, and an expired member). */
const REJOIN_ERRORS = new Set([
  "REBALANCE_IN_PROGRESS",
  "NOT_COORDINATOR_FOR_GROUP",
  "ILLEGAL_GENERATION",
  "UNKNOWN_MEMBER_ID",
]);

class Part implements PartitionWork {
  readonly key: string;
  status: "restoring" | "active" = "restoring";
  closed = false;
  revoking = false;
  restored = 0;
  restoreTotal = 0;
  committedOffset = "-1";
  /** Next input offset to process; -1: whatever the consumer hands over. */
  nextOffset = -1n;
  needsSeek = false;
  statePartition = 0;
  producer: Producer | undefined;
  engine: PartitionEngine | undefined;
  /** Leader partition only: every point of the cluster for the cluster-wide tasks. */
  wideFeed: WideFeed | undefined;
  readonly alertStates = new Map<string, AlertStateEntry>();
  readonly nodeStates = new Map<string, unknown>();
  readonly restoredTopics = new Map<string, StoredEventState>();
  readonly topicKeys = new Map<string, { topic: string; eventId: string }>();
  pending = newPending();
  lastCommit = Date.now();
  private chain: Promise<unknown> = Promise.resolve();
  ready!: Promise<void>;
  private markReady!: () => void;

  constructor(readonly input: InputPartitionRef) {
    this.key = `${input.topic}/${input.partition}`;
    this.resetReady();
  }

  resetReady(): void {
    this.ready = new Promise((r) => (this.markReady = r));
  }

  activate(): void {
    this.status = "active";
    this.markReady();
  }

  putState(key: string, value: string | null): void {
    this.pending.states.set(key, value);
  }

  notify(record: NotificationRecord): void {
    this.pending.notes.push(record);
  }

  holdsTopicEvent(topic: string, eventId: string): void {
    this.topicKeys.set(`${topic}\u0000${eventId}`, { topic, eventId });
  }

  /** Runs `fn` after everything queued on this partition (processing and commits never overlap). */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const p = this.chain.then(fn);
    this.chain = p.catch(() => undefined);
    return p;
  }
}

export class ClusterInput implements InputStatusSource {
  readonly stats: ClusterInputStats = {
    transactions: 0,
    transactionsFailed: 0,
    notifications: 0,
    stateRecords: 0,
    badRecords: 0,
    restores: 0,
    takenBack: 0,
  };
  /** Node group states (windows, stateful functions) saved, over the bound, refused at restore. */
  readonly nodeStats: NodeStateStats = newNodeStateStats();
  private readonly names: ClusterNames;
  private readonly parts = new Map<string, Part>();
  /** The group's latest assignment to this member ("topic/partition"), and its group member id. */
  private assigned = new Map<string, InputPartitionRef>();
  private groupMemberId = "";
  private readonly sources = new Map<
    string,
    { name: string; format: KafkaInputFormat; db: string; rp: string }
  >();
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private unlisten: (() => void) | undefined;
  private readonly intervalMs: number;
  /** Partitions of the notifications topic (read at the first commit that has notifications). */
  private notePartitions: number | undefined;

  constructor(private readonly d: ClusterInputDeps) {
    this.names = clusterNames(d.cfg.name);
    this.intervalMs = Math.max(1, Math.round(d.cfg.commitInterval / 1e6));
    for (const c of d.kafkaInputs) {
      if (!c.enabled) continue;
      for (const t of c.topics) this.sources.set(t, { name: c.name, format: c.format, db: c.db, rp: c.rp });
    }
  }

  partitions(): readonly LocalPartitionStatus[] {
    return [...this.parts.values()]
      .filter((p) => !p.closed)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((p) => ({
        topic: p.input.topic,
        partition: p.input.partition,
        state: p.status,
        restored: p.restored,
        restoreTotal: p.restoreTotal,
        committedOffset: p.committedOffset,
      }));
  }

  async start(): Promise<void> {
    const { kafka } = this.d;
    this.admin = kafka.admin();
    await this.admin.connect();
    const consumer = kafka.consumer({
      groupId: this.names.inputGroup,
      readUncommitted: false,
      sessionTimeout: this.d.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.groupMemberId = e.payload.memberId;
      this.onJoin(e.payload.memberAssignment);
    });
    // A rebalance starts: commit what is buffered so the next owner replays as little as possible.
    consumer.on(consumer.events.REBALANCING, () => {
      for (const p of this.parts.values()) if (p.status === "active" && !p.closed) void this.commitQueued(p);
    });
    consumer.on(consumer.events.CRASH, (e) =>
      this.d.logger.log("error", "cluster: input consumer crashed", { error: String(e.payload.error) }),
    );
    await consumer.connect();
    await consumer.subscribe({ topic: this.names.pointsTopic, fromBeginning: true });
    for (const t of this.sources.keys()) await consumer.subscribe({ topic: t, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (p) => this.eachBatch(p),
    });
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const p of this.parts.values())
        if (p.status === "active" && !p.closed && now - p.lastCommit >= this.intervalMs && hasWork(p.pending))
          void this.commitQueued(p);
    }, this.intervalMs);
    this.timer.unref();
    this.unlisten = this.d.tasks.onTasksChanged(() => {
      for (const p of this.parts.values()) if (p.status === "active" && !p.closed) p.engine?.sync();
    });
    this.d.logger.log("info", "cluster: input started", {
      group: this.names.inputGroup,
      topics: [this.names.pointsTopic, ...this.sources.keys()],
      member: this.d.memberId,
    });
  }

  /** The wall-clock tick of every active partition's engines (their changes go in its next transaction). */
  tick(now: bigint): void {
    for (const p of this.parts.values()) if (p.status === "active" && !p.closed) p.engine?.tick(now);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.unlisten?.();
    // Commit what is buffered before leaving the group, so the next owners replay nothing.
    await Promise.all([...this.parts.values()].map((p) => this.commitQueued(p)));
    await this.consumer?.disconnect().catch(() => undefined);
    await Promise.all([...this.parts.values()].map((p) => this.drop(p, "stopped")));
    await this.admin?.disconnect().catch(() => undefined);
  }

  // ------------------------------------------------------------------ assignment

  private onJoin(assignment: Record<string, number[]>): void {
    const wanted = new Map<string, InputPartitionRef>();
    for (const [topic, partitions] of Object.entries(assignment))
      for (const partition of partitions) wanted.set(`${topic}/${partition}`, { topic, partition });
    this.assigned = wanted;
    const revoked = [...this.parts.values()].filter((p) => !wanted.has(p.key));
    const added: Part[] = [];
    for (const [k, ref] of wanted) {
      if (this.parts.has(k)) continue;
      const p = new Part(ref);
      this.parts.set(k, p);
      added.push(p);
    }
    this.d.logger.log("info", "cluster: partitions assigned", {
      member: this.d.memberId,
      owned: [...wanted.keys()].sort(),
      added: added.map((p) => p.key),
      revoked: revoked.map((p) => p.key),
    });
    for (const p of revoked) void this.revoke(p);
    if (added.length > 0) void this.prepare(added);
  }

  private async revoke(p: Part): Promise<void> {
    p.revoking = true;
    await this.commitQueued(p);
    await this.drop(p, "revoked");
  }

  /** Forgets a partition here: engines stopped, topic events forgotten, producer closed. */
  private async drop(p: Part, why: string): Promise<void> {
    if (p.closed) return;
    p.closed = true;
    if (this.parts.get(p.key) === p) this.parts.delete(p.key);
    await Promise.all([p.wideFeed?.stop(), p.engine?.stop()]);
    this.d.topicStates.forgetEvents(p.topicKeys.values());
    await p.producer?.disconnect().catch(() => undefined);
    this.d.logger.log("info", `cluster: partition ${why}`, {
      topic: p.input.topic,
      partition: p.input.partition,
      committedOffset: p.committedOffset,
    });
  }

  /** Fence, read committed offsets, restore the changelog; then the partitions go active. */
  private async prepare(parts: Part[]): Promise<void> {
    const t0 = Date.now();
    try {
      await Promise.all(parts.map((p) => this.fence(p)));
      await this.readCommitted(parts);
      await this.restore(parts);
    } catch (e) {
      const live = parts.filter((p) => !p.closed);
      this.d.logger.log("error", "cluster: partition restore failed; retrying", {
        partitions: live.map((p) => p.key),
        error: coerceError(e).message,
      });
      // Its producer may be stuck mid-transaction: the retry fences with a new one.
      await Promise.all(live.map((p) => this.resetProducer(p)));
      if (live.length > 0 && !this.stopping) {
        await sleep(2000);
        return this.prepare(live.filter((p) => !p.closed));
      }
      return;
    }
    for (const p of parts) {
      if (p.closed) continue;
      this.d.topicStates.loadEvents(p.restoredTopics.values());
      for (const s of p.restoredTopics.values()) p.holdsTopicEvent(s.topic, s.state.id);
      p.restoredTopics.clear();
      p.engine = new PartitionEngine({
        work: p,
        source: this.d.tasks,
        alerts: this.d.alerts,
        logger: this.d.logger,
        alertStates: p.alertStates,
        nodeStates: p.nodeStates,
        nodeStats: this.nodeStats,
        leader: isLeaderPartition(p.input, this.names.pointsTopic),
        ...(this.d.batch !== undefined ? { batch: this.d.batch } : {}),
        ...(this.d.groupTtl !== undefined ? { groupTtl: this.d.groupTtl } : {}),
      });
      p.engine.sync();
      if (isLeaderPartition(p.input, this.names.pointsTopic) && p.wideFeed === undefined) {
        p.wideFeed = new WideFeed({
          kafka: this.d.kafka,
          groupPrefix: this.names.inputGroup,
          pointsTopic: this.names.pointsTopic,
          sources: this.sources,
          logger: this.d.logger,
          write: (db, rp, points) => {
            if (p.status === "active" && !p.closed) p.engine?.writeWide(db, rp, points);
          },
        });
        void p.wideFeed.start();
      }
      p.lastCommit = Date.now();
      this.stats.restores++;
      p.activate();
      this.d.logger.log("info", "cluster: partition restored", {
        topic: p.input.topic,
        partition: p.input.partition,
        records: p.restored,
        alertStates: p.alertStates.size,
        committedOffset: p.committedOffset,
        ms: Date.now() - t0,
      });
    }
  }

  /** Drops the partition's producer; the next fence() makes a new one (same transactional id). */
  private async resetProducer(p: Part): Promise<void> {
    const old = p.producer;
    p.producer = undefined;
    await old?.disconnect().catch(() => undefined);
  }

  /** Initialises the partition's transactional id: fences the previous owner, aborts its open transaction. */
  private async fence(p: Part): Promise<void> {
    if (p.producer === undefined) {
      p.producer = this.d.kafka.producer({
        transactionalId: `${this.names.transactionalIdPrefix}${p.input.topic}-${p.input.partition}`,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
      });
      await p.producer.connect();
    }
    const t = await p.producer.transaction();
    await t.abort();
  }

  private async readCommitted(parts: Part[]): Promise<void> {
    const topics = [...new Set(parts.map((p) => p.input.topic))];
    const res = await this.admin!.fetchOffsets({ groupId: this.names.inputGroup, topics });
    for (const p of parts) {
      const o = res
        .find((t) => t.topic === p.input.topic)
        ?.partitions.find((x) => x.partition === p.input.partition);
      const off = o?.offset ?? "-1";
      p.committedOffset = off;
      p.nextOffset = BigInt(off);
    }
  }

  /** Reads each partition's changelog partition from the beginning to its end (read-committed). */
  private async restore(parts: Part[]): Promise<void> {
    const admin = this.admin!;
    const stateTopic = this.names.stateTopic;
    const meta = await admin.fetchTopicMetadata({ topics: [stateTopic] });
    const n = meta.topics[0]?.partitions.length ?? 0;
    if (n === 0) throw new Error(`state topic ${stateTopic} has no partitions`);
    const offsets = await admin.fetchTopicOffsets(stateTopic);
    const targets = new Map<number, { end: bigint; done: boolean; parts: Part[] }>();
    for (const p of parts) {
      p.alertStates.clear();
      p.nodeStates.clear();
      p.restoredTopics.clear();
      p.restored = 0;
      p.statePartition = p.input.partition % n;
      const o = offsets.find((x) => x.partition === p.statePartition);
      const end = BigInt(o?.high ?? "0");
      const low = BigInt(o?.low ?? "0");
      p.restoreTotal = Number(end - low);
      let t = targets.get(p.statePartition);
      if (t === undefined) targets.set(p.statePartition, (t = { end, done: end <= low, parts: [] }));
      t.parts.push(p);
    }
    if ([...targets.values()].every((t) => t.done)) return;
    const groupId = `${this.names.inputGroup}-restore-${randomUUID()}`;
    const consumer = this.d.kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const progress = (partition: number, lastOffset: string): void => {
      const t = targets.get(partition);
      if (t === undefined || t.done) return;
      if (BigInt(lastOffset) >= t.end - 1n) t.done = true;
      if ([...targets.values()].every((x) => x.done)) finish();
    };
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) =>
      progress(e.payload.partition, e.payload.lastOffset),
    );
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: stateTopic, fromBeginning: true });
      await consumer.run({
        eachBatch: async ({ batch, pause }) => {
          const t = targets.get(batch.partition);
          if (t === undefined || t.done) {
            pause();
            return;
          }
          for (const m of batch.messages) this.applyState(t.parts, m);
        },
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`changelog not read to its end within ${RESTORE_TIMEOUT_MS} ms`)),
          RESTORE_TIMEOUT_MS,
        );
      });
      try {
        await Promise.race([done, timeout]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await consumer.disconnect().catch(() => undefined);
      void admin.deleteGroups([groupId]).catch(() => undefined);
    }
  }

  private applyState(parts: readonly Part[], m: KafkaMessage): void {
    if (m.key === null) return;
    const key = m.key.toString("utf8");
    const ref = keyInput(key);
    const p = ref && parts.find((x) => x.input.topic === ref.topic && x.input.partition === ref.partition);
    if (p === undefined) return;
    try {
      const e = decodeChangelog(key, m.value === null ? null : m.value.toString("utf8"));
      p.restored++;
      if (e.kind === "alert") {
        const k = stateMapKey(e.task, e.node, e.group);
        if (e.value === undefined) p.alertStates.delete(k);
        else p.alertStates.set(k, { eventId: e.value.eventId, state: e.value.state });
      } else if (e.kind === "oncall") {
        // The cluster's alert view reads these (src/cluster/alert-view.ts); no engine state.
      } else if (e.kind === "node") {
        const k = nodeMapKey(e.task, e.node, e.group);
        if (e.value === undefined) p.nodeStates.delete(k);
        else p.nodeStates.set(k, e.value.state);
      } else {
        const k = `${e.topic}\u0000${e.eventId}`;
        if (e.value === undefined) p.restoredTopics.delete(k);
        else p.restoredTopics.set(k, { topic: e.topic, state: e.value });
      }
    } catch (err) {
      this.stats.badRecords++;
      this.d.logger.log("error", "cluster: unreadable state record skipped", {
        partition: p.statePartition,
        offset: m.offset,
        error: coerceError(err).message,
      });
    }
  }

  // ------------------------------------------------------------------ processing

  private async eachBatch(args: {
    batch: { topic: string; partition: number; messages: KafkaMessage[] };
    resolveOffset(offset: string): void;
    heartbeat(): Promise<void>;
    isRunning(): boolean;
    isStale(): boolean;
  }): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = args;
    const p = this.parts.get(`${batch.topic}/${batch.partition}`);
    if (p === undefined || p.closed || this.stopping) {
      // Not (or no longer) ours: a rebalance is on its way; do not spin.
      await sleep(100);
      return;
    }
    while (p.status !== "active") {
      if (p.closed || !isRunning() || isStale() || this.stopping) return;
      await Promise.race([p.ready, sleep(1000)]);
      try {
        await heartbeat();
      } catch (e) {
        // The group moves on (rebalance, this member expired): kafkajs rejoins on these.
        // Swallowed, this batch would wait here for a partition no longer ours, forever.
        if (REJOIN_ERRORS.has((e as { type?: string }).type ?? "")) throw e;
        return;
      }
    }
    if (p.needsSeek) {
      p.needsSeek = false;
      if (p.nextOffset >= 0n)
        this.consumer!.seek({
          topic: batch.topic,
          partition: batch.partition,
          offset: p.nextOffset.toString(),
        });
      return;
    }
    await p.run(async () => {
      if (p.closed || p.status !== "active") return;
      for (const m of batch.messages) {
        if (!isRunning() || isStale() || p.closed) break;
        const off = BigInt(m.offset);
        if (off >= p.nextOffset) {
          this.process(p, batch.topic, m);
          p.nextOffset = off + 1n;
          p.pending.offset = p.nextOffset.toString();
        }
        resolveOffset(m.offset);
      }
      if (Date.now() - p.lastCommit >= this.intervalMs) await this.commit(p);
    });
  }

  /**
   * A partition dropped on a fenced commit: if the group's current generation still assigns
   * it to this member (the coordinator says so, and the group is stable), nobody else owns
   * it — restore it again and replay from the last commit. Without this its input would wait
   * for a rebalance that may never come.
   */
  private async takeBackIfStillOurs(ref: InputPartitionRef): Promise<void> {
    const key = `${ref.topic}/${ref.partition}`;
    await sleep(TAKE_BACK_DELAY_MS);
    if (this.stopping || this.parts.has(key) || !this.assigned.has(key)) return;
    let ours = false;
    try {
      const g = await this.consumer!.describeGroup();
      const me = g.members.find((m) => m.memberId === this.groupMemberId);
      const a = me && kafkajs.AssignerProtocol.MemberAssignment.decode(me.memberAssignment);
      ours = g.state === "Stable" && (a?.assignment[ref.topic] ?? []).includes(ref.partition);
    } catch (e) {
      this.d.logger.log("warn", "cluster: could not check a fenced partition's owner", {
        partition: key,
        error: coerceError(e).message,
      });
    }
    if (!ours) {
      // A rebalance is under way or moved it: its GROUP_JOIN assigns it again if it is ours.
      this.d.logger.log("info", "cluster: fenced partition left to the group", { partition: key });
      return;
    }
    if (this.stopping || this.parts.has(key)) return;
    const p = new Part(ref);
    // Its records up to the fence were handed over already: read them again from the commit.
    p.needsSeek = true;
    this.parts.set(key, p);
    this.stats.takenBack++;
    this.d.logger.log("warn", "cluster: partition taken back after a fenced commit", {
      topic: ref.topic,
      partition: ref.partition,
    });
    await this.prepare([p]);
    if (p.closed || this.stopping) return;
    const offset =
      p.nextOffset >= 0n
        ? p.nextOffset.toString()
        : ((await topicOffsets(this.admin!, ref.topic)).find((o) => o.partition === ref.partition)?.low ??
          "0");
    // Fetch from there even if no new record arrives (eachBatch seeks again first; harmless).
    this.consumer!.seek({ topic: ref.topic, partition: ref.partition, offset });
  }

  private process(p: Part, topic: string, m: KafkaMessage): void {
    if (m.value === null) return;
    try {
      if (topic === this.names.pointsTopic) {
        const r = decodePointsRecord(m.value);
        p.engine?.write(r.db, r.rp, r.points);
        return;
      }
      const src = this.sources.get(topic);
      if (src === undefined) return;
      // A point without a time takes the record's timestamp: a replay stamps it the same.
      const res = decodeMessage(src.format, m.value, BigInt(m.timestamp) * 1_000_000n);
      if (res.errors.length > 0) {
        this.stats.badRecords++;
        this.d.logger.log("warn", "cluster: kafka-input message has bad points", {
          input: src.name,
          topic,
          partition: p.input.partition,
          offset: m.offset,
          errors: res.errors.slice(0, 5),
        });
      }
      if (res.points.length > 0) p.engine?.write(src.db, src.rp, res.points);
    } catch (e) {
      this.stats.badRecords++;
      this.d.logger.log("error", "cluster: unreadable input record skipped", {
        topic,
        partition: p.input.partition,
        offset: m.offset,
        error: coerceError(e).message,
      });
    }
  }

  private commitQueued(p: Part): Promise<void> {
    return p.run(() => (p.status === "active" && !p.closed ? this.commit(p) : undefined));
  }

  /** One transaction: changed state records, notifications, input offset. */
  private async commit(p: Part): Promise<void> {
    p.lastCommit = Date.now();
    // The node group states as of the offset this transaction commits.
    p.engine?.checkpoint();
    const w = p.pending;
    if (!hasWork(w) || p.producer === undefined) return;
    p.pending = newPending();
    let txn: Awaited<ReturnType<Producer["transaction"]>> | undefined;
    try {
      txn = await p.producer.transaction();
      // Several requests when there is much (an alert storm), all in this one transaction.
      const states = [...w.states].map(([key, value]) => ({ key, value, partition: p.statePartition }));
      for (const messages of chunkBySize(states, MAX_REQUEST_BYTES))
        await txn.send({ topic: this.names.stateTopic, acks: -1, messages });
      const notes = w.notes.map((n) => ({
        key: n.request.delivery?.alertId || n.eventId,
        value: JSON.stringify(n),
      }));
      // One send per partition: kafkajs may drop a partition whose leader moved mid-send
      // (src/cluster/partitioned-send.ts), and this transaction would commit without it.
      this.notePartitions ??= await partitionCount(this.admin!, this.names.notificationsTopic);
      for (const r of partitionRequests(notes, this.notePartitions))
        await txn.send({ topic: this.names.notificationsTopic, acks: -1, messages: r.messages });
      if (w.offset !== undefined)
        await txn.sendOffsets({
          consumerGroupId: this.names.inputGroup,
          topics: [
            { topic: p.input.topic, partitions: [{ partition: p.input.partition, offset: w.offset }] },
          ],
        });
      await txn.commit();
      if (w.offset !== undefined) p.committedOffset = w.offset;
      this.stats.transactions++;
      this.stats.notifications += w.notes.length;
      this.stats.stateRecords += w.states.size;
    } catch (e) {
      this.stats.transactionsFailed++;
      const err = coerceError(e);
      const type = (e as { type?: string }).type ?? "";
      const fenced = /FENCED|INVALID_PRODUCER_EPOCH|INVALID_PRODUCER_ID_MAPPING/.test(type + err.message);
      this.d.logger.log(fenced ? "warn" : "error", "cluster: transaction failed", {
        topic: p.input.topic,
        partition: p.input.partition,
        fenced,
        error: err.message,
      });
      if (txn?.isActive() === true) await txn.abort().catch(() => undefined);
      if (fenced || p.revoking || this.stopping) {
        // Another instance owns the partition now; it replays what this one did not commit.
        void this.drop(p, "fenced");
        if (fenced && !p.revoking && !this.stopping)
          // Not awaited: a rejection here must be logged, not end the process.
          void this.takeBackIfStillOurs(p.input).catch((e: unknown) =>
            this.d.logger.log("error", "cluster: taking a fenced partition back failed", {
              partition: p.key,
              error: coerceError(e).message,
            }),
          );
        return;
      }
      // Memory is ahead of Kafka: start over from the last commit, with a new producer —
      // kafkajs leaves one whose commit failed (e.g. the coordinator died) in a state that
      // refuses every next transaction ("Cannot call beginTransaction in state COMMITTING").
      await this.resetProducer(p);
      await p.engine?.stop();
      p.engine = undefined;
      this.d.topicStates.forgetEvents(p.topicKeys.values());
      p.topicKeys.clear();
      p.pending = newPending();
      p.status = "restoring";
      p.resetReady();
      p.needsSeek = true;
      void this.prepare([p]);
    }
  }
}
