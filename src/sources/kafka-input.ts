/**
 * `[[kafka-input]]`: one consumer group per input reads its topics and writes the decoded
 * points into the engine (TaskService.write, synchronous) under the input's db/rp.
 *
 * Delivery: at-least-once. Offsets are resolved only after the points of a message entered
 * the engine and committed at the end of every batch (the last resolved offset + 1), so a
 * stop/crash/rebalance replays at most the uncommitted tail. With kafkajsClient the consumer
 * fetches in a worker thread, up to 8 batches ahead of the engine (kafka-consumer-thread.ts).
 * A bad message (nothing decodable) is counted, logged with topic/partition/offset and
 * skipped; bad lines inside a message are counted and logged, the good lines kept.
 *
 * Backpressure: before each batch `shouldPause()` is asked; when it answers true the input
 * finishes the batch in hand, pauses fetching and polls every `pausePollMs` until it answers
 * false, then resumes.
 */
import { coerceError, TickdError } from "../core/errors.js";
import type { Point } from "../core/types.js";
import type { EngineLogger } from "../engine/context.js";
import type { TaskService } from "../server/task-service.js";
import {
  KafkaCodes,
  kafkajsClient,
  type KafkaBatch,
  type KafkaBatchControl,
  type KafkaClientFactory,
  type KafkaConsumer,
} from "./kafka-client.js";
import { decodeMessage, type KafkaInputFormat } from "./kafka-format.js";
import { nowNs } from "../core/time.js";

const EMPTY = Buffer.alloc(0);
const C_NL = 10;
const DEFAULT_WRITE_CHUNK = 5000;

/** The `[[kafka-input]]` table (structurally src/config's KafkaInputConfig). */
export interface KafkaInputSettings {
  readonly name: string;
  readonly enabled: boolean;
  readonly brokers: readonly string[];
  readonly topics: readonly string[];
  readonly groupId: string;
  readonly format: KafkaInputFormat;
  readonly db: string;
  readonly rp: string;
}

export interface KafkaInputDeps {
  tasks: Pick<TaskService, "write" | "fieldFilter">;
  logger: EngineLogger;
  /** Defaults to {@link kafkajsClient}. */
  clientFactory?: KafkaClientFactory;
  /** Backpressure hook; defaults to never pausing. */
  shouldPause?: () => boolean;
  /** How often a paused input asks `shouldPause()` again, ms (default 100). */
  pausePollMs?: number;
  /** Wall clock in ns for points without a time; defaults to Date.now() * 1e6. */
  nowNs?: () => bigint;
  /** Where a new consumer group starts: the earliest offset (default true) or only new messages. */
  fromBeginning?: boolean;
  /** Largest number of points handed to TaskService.write at once (default 5000). */
  writeChunk?: number;
}

export interface KafkaInputStats {
  name: string;
  topics: readonly string[];
  groupId: string;
  /** Messages read (good, partly bad and bad). */
  messages: number;
  /** Points written into the engine. */
  points: number;
  /** Messages skipped entirely (nothing decodable). */
  badMessages: number;
  /** Rejected lines/objects inside otherwise readable messages, plus those of bad messages. */
  badLines: number;
  /** Points whose TaskService.write threw (logged; the engine's problem, not the message's). */
  writeErrors: number;
  batches: number;
  paused: boolean;
  /** Sum over the partitions seen of highWatermark − next offset to read. */
  lag: number;
}

export interface KafkaInputs {
  stop(): Promise<void>;
  stats(): KafkaInputStats[];
}

/** One running input: its settings, the shared deps, its consumer and its counters. */
interface Runner {
  c: KafkaInputSettings;
  deps: KafkaInputDeps;
  consumer: KafkaConsumer;
  stats: KafkaInputStats;
  lagByPartition: Map<string, number>;
  pauseTimer: NodeJS.Timeout | undefined;
}

function validate(c: KafkaInputSettings): void {
  const bad = (key: string, msg: string): never => {
    throw new TickdError(KafkaCodes.CONFIG, `[[kafka-input]] "${c.name}": ${key}: ${msg}`);
  };
  if (c.name === "") bad("name", "must not be empty");
  if (c.brokers.length === 0) bad("brokers", "at least one broker is required");
  if (c.topics.length === 0) bad("topics", "at least one topic is required");
  if (c.groupId === "") bad("group-id", "must not be empty");
  if (c.db === "") bad("db", "must not be empty");
  if (c.format !== "line-protocol" && c.format !== "json")
    bad("format", `expected "line-protocol" or "json", got ${JSON.stringify(c.format)}`);
}

/**
 * Starts one consumer per enabled input; resolves once every consumer joined its group and
 * runs. Rejects (after stopping the ones already started) when a consumer cannot connect.
 */
export async function startKafkaInputs(
  configs: readonly KafkaInputSettings[],
  deps: KafkaInputDeps,
): Promise<KafkaInputs> {
  const enabled = configs.filter((c) => c.enabled);
  for (const c of enabled) validate(c);
  const factory = deps.clientFactory ?? kafkajsClient;
  const runners: Runner[] = [];
  const inputs: KafkaInputs = {
    async stop() {
      await Promise.all(
        runners.map(async (r) => {
          clearTimeout(r.pauseTimer);
          try {
            await r.consumer.disconnect();
          } catch (e) {
            deps.logger.log("warn", "kafka-input: disconnect failed", {
              input: r.stats.name,
              error: coerceError(e).message,
            });
          }
        }),
      );
    },
    stats: () =>
      runners.map((r) => ({
        ...r.stats,
        lag: [...r.lagByPartition.values()].reduce((a, b) => a + b, 0),
      })),
  };
  try {
    for (const c of enabled) runners.push(await startOne(c, deps, factory));
  } catch (e) {
    await inputs.stop();
    throw e;
  }
  return inputs;
}

async function startOne(
  c: KafkaInputSettings,
  deps: KafkaInputDeps,
  factory: KafkaClientFactory,
): Promise<Runner> {
  const client = factory({ clientId: `tickd-${c.name}`, brokers: c.brokers, logger: deps.logger });
  const consumer = client.consumer({ groupId: c.groupId });
  const runner: Runner = {
    c,
    deps,
    consumer,
    stats: {
      name: c.name,
      topics: c.topics,
      groupId: c.groupId,
      messages: 0,
      points: 0,
      badMessages: 0,
      badLines: 0,
      writeErrors: 0,
      batches: 0,
      paused: false,
      lag: 0,
    },
    lagByPartition: new Map(),
    pauseTimer: undefined,
  };
  consumer.onCrash((e) =>
    deps.logger.log("error", "kafka-input: consumer stopped", { input: c.name, error: e.message }),
  );
  try {
    await consumer.connect();
    await consumer.subscribe(c.topics, { fromBeginning: deps.fromBeginning ?? true });
    await consumer.run((batch, control) => processBatch(runner, batch, control));
  } catch (e) {
    try {
      await consumer.disconnect();
    } catch {
      // already failing; the original error is the one to report
    }
    throw new TickdError(
      KafkaCodes.CLIENT,
      `[[kafka-input]] "${c.name}": cannot consume ${c.topics.join(", ")} from ${c.brokers.join(", ")}: ${coerceError(e).message}`,
      { cause: e },
    );
  }
  deps.logger.log("info", "kafka-input: consuming", {
    input: c.name,
    topics: c.topics,
    groupId: c.groupId,
    db: c.db,
    rp: c.rp,
  });
  return runner;
}

function maybePause(r: Runner): void {
  const deps = r.deps;
  const shouldPause = deps.shouldPause;
  if (shouldPause === undefined || r.stats.paused || !shouldPause()) return;
  r.stats.paused = true;
  r.consumer.pause();
  deps.logger.log("info", "kafka-input: paused (backpressure)", { input: r.stats.name });
  const poll = (): void => {
    if (shouldPause()) {
      r.pauseTimer = setTimeout(poll, deps.pausePollMs ?? 100);
      return;
    }
    r.pauseTimer = undefined;
    r.stats.paused = false;
    r.consumer.resume();
    deps.logger.log("info", "kafka-input: resumed", { input: r.stats.name });
  };
  r.pauseTimer = setTimeout(poll, deps.pausePollMs ?? 100);
}

async function processBatch(r: Runner, batch: KafkaBatch, control: KafkaBatchControl): Promise<void> {
  r.stats.batches++;
  const now = r.deps.nowNs?.() ?? nowNs();
  if (!wholeBatch(r, batch, control, now)) await messageByMessage(r, batch, control, now);
  try {
    await control.commit();
  } catch (e) {
    // Not fatal: the next commit covers these offsets, or a restart re-reads them (at-least-once).
    r.deps.logger.log("warn", "kafka-input: offset commit failed", {
      input: r.c.name,
      topic: batch.topic,
      partition: batch.partition,
      error: coerceError(e).message,
    });
  }
  const last = batch.messages[batch.messages.length - 1];
  if (last !== undefined) {
    const lag = Number(BigInt(batch.highWatermark) - BigInt(last.offset) - 1n);
    r.lagByPartition.set(`${batch.topic}\0${batch.partition}`, Math.max(0, lag));
  }
  maybePause(r);
}

/**
 * Line protocol, every message ending in a newline and the values back to back: one parse of
 * the whole batch gives exactly the points the messages give one by one (no line spans two
 * messages), without the per-call cost that dominates one-line messages (Telegraf's kafka
 * output writes one metric per message). Returns false, having done nothing, when that does
 * not hold or a line is bad: the per-message path then attributes the errors to offsets.
 */
function wholeBatch(r: Runner, batch: KafkaBatch, control: KafkaBatchControl, now: bigint): boolean {
  const values = batch.values;
  const msgs = batch.messages;
  const last = msgs[msgs.length - 1];
  if (r.c.format !== "line-protocol" || values === undefined || last === undefined || !control.isActive())
    return false;
  for (const m of msgs) {
    const v = m.value;
    if (v !== null && v.length > 0 && v[v.length - 1] !== C_NL) return false;
  }
  const res = decodeMessage(r.c.format, values, now, r.deps.tasks.fieldFilter?.(r.c.db, r.c.rp));
  if (res.errors.length > 0) return false;
  r.stats.messages += msgs.length;
  const pts = res.points;
  const chunk = r.deps.writeChunk ?? DEFAULT_WRITE_CHUNK;
  for (let i = 0; i < pts.length; i += chunk)
    writePoints(r, batch, pts.length <= chunk ? pts : pts.slice(i, i + chunk), last.offset);
  control.resolveOffset(last.offset);
  return true;
}

/** Decodes message by message, writing in chunks and resolving each chunk's last offset. */
async function messageByMessage(
  r: Runner,
  batch: KafkaBatch,
  control: KafkaBatchControl,
  now: bigint,
): Promise<void> {
  const st = r.stats;
  const chunk = r.deps.writeChunk ?? DEFAULT_WRITE_CHUNK;
  let pending: Point[] = [];
  let pendingOffset: string | undefined;
  let lastHeartbeat = Date.now();

  const flush = (): void => {
    if (pending.length > 0) {
      writePoints(r, batch, pending, pendingOffset);
      pending = [];
    }
    if (pendingOffset !== undefined) control.resolveOffset(pendingOffset);
    pendingOffset = undefined;
  };

  for (const m of batch.messages) {
    if (!control.isActive()) break;
    st.messages++;
    // Decoded and written without an await between: the filter holds for the write.
    const res = decodeMessage(r.c.format, m.value ?? EMPTY, now, r.deps.tasks.fieldFilter?.(r.c.db, r.c.rp));
    if (res.errors.length > 0) {
      st.badLines += res.errors.length;
      if (res.bad) st.badMessages++;
      r.deps.logger.log(
        "warn",
        res.bad ? "kafka-input: skipped bad message" : "kafka-input: skipped bad lines",
        {
          input: r.c.name,
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          errors: res.errors.length,
          error: res.errors[0],
        },
      );
    }
    const pts = res.points;
    if (pending.length === 0) pending = pts;
    else for (let i = 0; i < pts.length; i++) pending.push(pts[i]!);
    pendingOffset = m.offset;
    if (pending.length >= chunk) {
      flush();
      if (Date.now() - lastHeartbeat > 1000) {
        await control.heartbeat();
        lastHeartbeat = Date.now();
      }
    }
  }
  flush();
}

/** Hands points to the engine. A failure there is logged and counted, not blamed on the message. */
function writePoints(r: Runner, batch: KafkaBatch, points: Point[], offset: string | undefined): void {
  try {
    r.deps.tasks.write(r.c.db, r.c.rp, points);
    r.stats.points += points.length;
  } catch (e) {
    // Re-reading the message would fail the same way.
    r.stats.writeErrors += points.length;
    r.deps.logger.log("error", "kafka-input: engine rejected points", {
      input: r.c.name,
      topic: batch.topic,
      partition: batch.partition,
      offset,
      points: points.length,
      error: coerceError(e).message,
    });
  }
}
