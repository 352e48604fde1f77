/**
 * The small Kafka client tickd needs (DESIGN.md §4): a consumer-group consumer driven batch by
 * batch with explicit offset commits, and a producer that lets the caller pick the partition
 * from the partition count. `kafkajsClient` implements it with kafkajs 2.2.4; another client
 * (e.g. @platformatic/kafka on Node ≥ 22) can be swapped in behind the same interface.
 *
 * Nothing outside src/sources/kafka*, src/handlers/kafka.ts and src/cluster/ (cluster mode's
 * transactions, which this interface does not model) imports kafkajs.
 */
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";

import kafkajs from "kafkajs";
import type { Kafka, KafkaConfig as KafkaJsConfig, Message, Producer, SASLOptions } from "kafkajs";

import { coerceError, TickdError } from "../core/errors.js";
import type { EngineLogger, LogLevel } from "../engine/context.js";
import { threadConsumer } from "./kafka-consumer-thread.js";
import { installReadCommittedFix } from "./kafka-read-committed.js";

/** Error codes of the Kafka source and handler. */
export const KafkaCodes = {
  /** Connecting, subscribing, fetching or producing failed. */
  CLIENT: "E_KAFKA_CLIENT",
  /** A bad `[[kafka-input]]` / `[[kafka]]` setting. */
  CONFIG: "E_KAFKA_CONFIG",
  /** A message that is neither valid line protocol nor valid JSON points. */
  MESSAGE: "E_KAFKA_MESSAGE",
} as const;

export interface KafkaRecord {
  readonly offset: string;
  readonly value: Buffer | null;
}

export interface KafkaBatch {
  readonly topic: string;
  readonly partition: number;
  readonly highWatermark: string;
  readonly messages: readonly KafkaRecord[];
  /**
   * Every message's value back to back (null as empty), when the client holds them so: then
   * a batch of one-line messages can be parsed in one call instead of one call per message.
   */
  readonly values?: Buffer;
}

/** What a batch handler may do while it holds a batch. */
export interface KafkaBatchControl {
  /** Marks `offset` processed; the next commit stores `offset + 1`. */
  resolveOffset(offset: string): void;
  /**
   * Commits the last resolved offset of this batch (if not yet committed). Resolves once the
   * commit is on its way; a failed commit is logged, and the next one covers it.
   */
  commit(): Promise<void>;
  /** Keeps the group membership alive during a long batch. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the batch was revoked by a rebalance. */
  isActive(): boolean;
}

export type KafkaBatchHandler = (batch: KafkaBatch, control: KafkaBatchControl) => Promise<void>;

export interface KafkaConsumer {
  connect(): Promise<void>;
  subscribe(topics: readonly string[], opts: { fromBeginning: boolean }): Promise<void>;
  /** Starts fetching; resolves once the fetch loop runs. Offsets are committed only by the handler. */
  run(handler: KafkaBatchHandler): Promise<void>;
  /** Stops fetching from every subscribed topic until {@link resume}. */
  pause(): void;
  resume(): void;
  /** Leaves the group (committing nothing more) and closes connections. */
  disconnect(): Promise<void>;
  /** Called with an error when the client gives up (the consumer crashed without restart). */
  onCrash(listener: (e: Error) => void): void;
}

export interface ProducerRecord {
  key: string;
  value: string;
  /** Chooses the partition from the topic's partition count; absent: round-robin. */
  partition?: (partitions: number) => number;
}

export interface KafkaProducer {
  connect(): Promise<void>;
  send(topic: string, records: readonly ProducerRecord[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface KafkaClient {
  consumer(opts: { groupId: string }): KafkaConsumer;
  producer(): KafkaProducer;
}

/** Connection settings shared by `[[kafka-input]]` and `[[kafka]]`. */
export interface KafkaConnectionOptions {
  clientId: string;
  brokers: readonly string[];
  /** ms; 0 or absent: kafkajs' default. */
  timeoutMs?: number;
  ssl?: { ca: string; cert: string; key: string; insecureSkipVerify: boolean };
  sasl?: { mechanism: "" | "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512"; username: string; password: string };
  logger?: EngineLogger;
}

export type KafkaClientFactory = (opts: KafkaConnectionOptions) => KafkaClient;

function tlsOptions(ssl: NonNullable<KafkaConnectionOptions["ssl"]>): ConnectionOptions {
  const out: ConnectionOptions = { rejectUnauthorized: !ssl.insecureSkipVerify };
  if (ssl.ca !== "") out.ca = [readFileSync(ssl.ca, "utf8")];
  if (ssl.cert !== "") out.cert = readFileSync(ssl.cert, "utf8");
  if (ssl.key !== "") out.key = readFileSync(ssl.key, "utf8");
  return out;
}

function saslOptions(s: NonNullable<KafkaConnectionOptions["sasl"]>): SASLOptions | undefined {
  if (s.username === "") return undefined;
  switch (s.mechanism) {
    case "SCRAM-SHA-256":
      return { mechanism: "scram-sha-256", username: s.username, password: s.password };
    case "SCRAM-SHA-512":
      return { mechanism: "scram-sha-512", username: s.username, password: s.password };
    default:
      return { mechanism: "plain", username: s.username, password: s.password };
  }
}

/**
 * Fetch settings of every `[[kafka-input]]` consumer (kafkajs `consumer()` options). Exported so
 * the bench's bare kafkajs baseline reads with exactly the same settings.
 * - maxBytesPerPartition 1 MB (kafkajs' default): 4 MB batches measured ~10-20% faster but a
 *   stop/rebalance then waits for (and a crash replays) up to 4 MB per partition.
 * - minBytes 1 / maxWaitTimeInMs: a fetch returns as soon as anything is there; an idle
 *   partition is re-polled every maxWaitTimeInMs.
 */
export const CONSUMER_FETCH_OPTIONS = {
  maxBytesPerPartition: 1024 * 1024,
  maxBytes: 10 * 1024 * 1024,
  minBytes: 1,
  maxWaitTimeInMs: 500,
} as const;

/**
 * kafkajs `run()` options of every `[[kafka-input]]` consumer (in its worker thread): batches
 * of several partitions are fetched and handed over concurrently; order within a partition is
 * unchanged.
 */
export const CONSUMER_RUN_OPTIONS = { partitionsConsumedConcurrently: 4 } as const;

const PICKERS = new WeakMap<Message, (partitions: number) => number>();

/** The kafkajs layout warning is said once per process, not once per client. */
let layoutWarned = false;

/**
 * A kafkajs client for `opts` whose log lines go to `log` (kafkajs' own levels mapped onto
 * tickd's). Used on the main thread (producers) and in the consumer worker.
 */
export function newKafka(
  opts: Omit<KafkaConnectionOptions, "logger">,
  log: (level: LogLevel, msg: string, fields: Record<string, unknown>) => void,
): Kafka {
  // Its consumers read committed; kafkajs 2.2 alone hands out some aborted records.
  if (!installReadCommittedFix() && !layoutWarned) {
    layoutWarned = true;
    log("warn", "kafka: kafkajs is not laid out as 2.2.x; its own read-committed filter is used", {});
  }
  const { logLevel } = kafkajs;
  const config: KafkaJsConfig = {
    clientId: opts.clientId,
    brokers: [...opts.brokers],
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      const level =
        entry.level <= logLevel.ERROR ? "error" : entry.level === logLevel.WARN ? "warn" : "debug";
      const { message, ...rest } = entry.log;
      log(level, `kafka: ${String(message)}`, { namespace: entry.namespace, ...rest });
    },
  };
  if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
    config.connectionTimeout = opts.timeoutMs;
    config.requestTimeout = Math.max(opts.timeoutMs, 1000);
  }
  if (opts.ssl !== undefined) config.ssl = tlsOptions(opts.ssl);
  const sasl = opts.sasl !== undefined ? saslOptions(opts.sasl) : undefined;
  if (sasl !== undefined) config.sasl = sasl;
  return new kafkajs.Kafka(config);
}

/**
 * The kafkajs implementation of {@link KafkaClient}. Consumers run kafkajs in a worker thread
 * (kafka-consumer-thread.ts), so fetching and decoding overlap the engine; producers run here.
 */
export const kafkajsClient: KafkaClientFactory = (opts) => {
  const { logger, ...connection } = opts;
  const kafka = newKafka(connection, (level, msg, fields) => logger?.log(level, msg, fields));
  return {
    consumer: ({ groupId }) => threadConsumer(opts, groupId),
    producer: () => {
      let counter = 0;
      const producer = kafka.producer({
        allowAutoTopicCreation: false,
        createPartitioner:
          () =>
          ({ partitionMetadata, message }) => {
            const n = partitionMetadata.length;
            if (typeof message.partition === "number") return message.partition;
            const pick = PICKERS.get(message);
            if (pick !== undefined) return pick(n);
            counter = (counter + 1) >>> 0;
            return counter % Math.max(n, 1);
          },
      });
      return wrapProducer(producer);
    },
  };
};

function wrapProducer(p: Producer): KafkaProducer {
  return {
    connect: () => p.connect(),
    async send(topic, records) {
      const messages = records.map((r) => {
        const m: Message = { key: r.key, value: r.value };
        if (r.partition !== undefined) PICKERS.set(m, r.partition);
        return m;
      });
      try {
        await p.send({ topic, messages });
      } catch (e) {
        throw new TickdError(
          KafkaCodes.CLIENT,
          `kafka: producing to topic "${topic}": ${coerceError(e).message}`,
          {
            cause: e,
          },
        );
      }
    },
    disconnect: () => p.disconnect(),
  };
}
