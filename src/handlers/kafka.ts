/**
 * `kafka`: writes each alert to a Kafka topic, as Kapacitor's kafka handler
 * (KAPACITOR-COMPAT.md §5). Key = the alert ID; value = the alert JSON line (alert.Data plus
 * "\n") or, with `template`, the template executed over alert.Data.
 *
 * Options (Kapacitor's handler-file names; kebab-case aliases accepted):
 * `cluster` (a `[[kafka]] id`, default "default"), `topic` (TICKscript `.kafkaTopic()`; falls
 * back to the cluster's `topic`), `template`, `disablePartitionById`, `partitionAlgorithm`.
 *
 * Partitioning (Kapacitor 1.7+, sarama): the partition is computed from the alert ID bytes:
 * - `crc32` (default): CRC-32/IEEE(key) mod n; an empty key goes to a random partition.
 * - `murmur2`: (Kafka's murmur2(key) & 0x7fffffff) mod n — the Java client's choice.
 * - `murmur3`: murmur3-32 (seed 0) as sarama's hash partitioner: int32(hash) mod n, negated when negative.
 * - `fnv-1a`: FNV-1a 32 as sarama's default hash partitioner, same mod rule.
 * With `disablePartitionById` the partition is chosen round-robin.
 *
 * One producer per `[[kafka]]` cluster is shared by every handler naming it; it is opened on
 * the first event and closed when the last handler using it closes.
 */
import kafkajs from "kafkajs";
import type { Message, Producer } from "kafkajs";
import { readFileSync } from "node:fs";

import { alertJsonLine } from "../alert/alert-json.js";
import type { AlertEvent } from "../core/alert-event.js";
import { coerceError, TickdError } from "../core/errors.js";
import { compileTemplate, type Template } from "../core/template.js";
import { Level } from "../core/types.js";
import type { EngineLogger } from "../engine/context.js";
import { lastProperty, type HandlerSpec } from "../pipeline/task-graph.js";
import { argString, schema } from "./options.js";
import { SerialHandler } from "./runner.js";
import { alertTemplateData } from "./template-data.js";
import { HandlerCodes, type HandlerContext, type HandlerKind, type KafkaClusterConfig } from "./types.js";
import { TestOptions, testEvent } from "./service-test-event.js";
import type { ServiceTestSpec } from "./types.js";

const KIND = "kafka";

export type PartitionAlgorithm = "crc32" | "murmur2" | "murmur3" | "fnv-1a";
export const PARTITION_ALGORITHMS: readonly PartitionAlgorithm[] = ["crc32", "murmur2", "murmur3", "fnv-1a"];

export interface KafkaOptions {
  cluster: string;
  /** "" = the cluster's default topic. */
  topic: string;
  /** "" = the alert JSON. */
  template: string;
  disablePartitionById: boolean;
  partitionAlgorithm: PartitionAlgorithm;
}

// ---------------------------------------------------------------------------------------------
// Hashes (from their definitions; all return an unsigned 32-bit value)

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32/IEEE (zlib's, Go's crc32.ChecksumIEEE). */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Kafka's murmur2 (the Java client's Utils.murmur2), seed 0x9747b28c. */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const len = data.length;
  let h = (0x9747b28c ^ len) >>> 0;
  const len4 = len & ~3;
  for (let i = 0; i < len4; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const extra = len & 3;
  if (extra >= 3) h ^= data[len4 + 2]! << 16;
  if (extra >= 2) h ^= data[len4 + 1]! << 8;
  if (extra >= 1) {
    h ^= data[len4]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h >>> 0;
}

/** MurmurHash3 x86 32-bit, seed 0 (spaolacci/murmur3's New32). */
export function murmur3(data: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const len = data.length;
  let h = seed >>> 0;
  const len4 = len & ~3;
  for (let i = 0; i < len4; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const tail = len & 3;
  if (tail >= 3) k ^= data[len4 + 2]! << 16;
  if (tail >= 2) k ^= data[len4 + 1]! << 8;
  if (tail >= 1) {
    k ^= data[len4]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a, 32 bit. */
export function fnv1a(data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of data) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

/** sarama's hash partitioner (non-reference): int32(hash) % n, negated when negative. */
function saramaMod(hash: number, n: number): number {
  const p = (hash | 0) % n;
  return p < 0 ? -p : p;
}

/**
 * The partition Kapacitor would choose for `key` among `partitions`, or undefined when it
 * would choose at random (crc32 with an empty key).
 */
export function partitionFor(
  algorithm: PartitionAlgorithm,
  key: string,
  partitions: number,
): number | undefined {
  if (!Number.isInteger(partitions) || partitions <= 0)
    throw new TickdError(HandlerCodes.SEND, "number of partitions must be positive");
  const bytes = Buffer.from(key, "utf8");
  switch (algorithm) {
    case "crc32":
      return bytes.length === 0 ? undefined : (crc32(bytes) % partitions) & 0x7fffffff;
    case "murmur2":
      return ((murmur2(bytes) & 0x7fffffff) >>> 0) % partitions;
    case "murmur3":
      return saramaMod(murmur3(bytes), partitions);
    case "fnv-1a":
      return saramaMod(fnv1a(bytes), partitions);
  }
}

// ---------------------------------------------------------------------------------------------
// Options

export const kafkaSchema = schema(
  KIND,
  [
    "cluster",
    "topic",
    "template",
    "disablePartitionById",
    "disable-partition-by-id",
    "partitionAlgorithm",
    "partition-algorithm",
  ],
  (r): KafkaOptions => {
    const cluster = r.string("cluster") ?? "";
    const topic = r.string("topic") ?? "";
    const template = r.string("template") ?? "";
    if (template !== "") {
      try {
        compileTemplate(template, { name: "kafka alert template" });
      } catch (e) {
        throw r.error("template", coerceError(e).message);
      }
    }
    const disable = r.bool("disablePartitionById") ?? r.bool("disable-partition-by-id") ?? false;
    const algoKey =
      r.string("partitionAlgorithm") !== undefined ? "partitionAlgorithm" : "partition-algorithm";
    const algo = r.string(algoKey) ?? "";
    if (algo !== "" && !(PARTITION_ALGORITHMS as readonly string[]).includes(algo))
      throw r.error(
        algoKey,
        `expected one of ${PARTITION_ALGORITHMS.join(", ")}, got ${JSON.stringify(algo)}`,
      );
    return {
      cluster: cluster === "" ? "default" : cluster,
      topic,
      template,
      disablePartitionById: disable,
      partitionAlgorithm: algo === "" ? "crc32" : (algo as PartitionAlgorithm),
    };
  },
);

// ---------------------------------------------------------------------------------------------
// Shared producers, one per cluster

/** What the handler needs from a producer; tests may inject their own. */
export interface KafkaAlertProducer {
  /** Sends one record; `partition` picks the partition from the topic's partition count. */
  send(topic: string, key: string, value: string, partition: (n: number) => number): Promise<void>;
  close(): Promise<void>;
}

export type KafkaProducerFactory = (cluster: KafkaClusterConfig, logger: EngineLogger) => KafkaAlertProducer;

const PICKERS = new WeakMap<Message, (n: number) => number>();

/** The kafkajs producer for a cluster; connects lazily on the first send. */
export const kafkajsProducer: KafkaProducerFactory = (c, logger) => {
  const { Kafka, logLevel } = kafkajs;
  const timeoutMs = c.timeout > 0 ? Math.round(c.timeout / 1e6) : 0;
  const kafka = new Kafka({
    clientId: `tickd-${c.id}`,
    brokers: [...c.brokers],
    logLevel: logLevel.ERROR,
    logCreator: () => (entry) =>
      logger.log("warn", `kafka handler: ${String(entry.log.message)}`, { cluster: c.id }),
    ...(timeoutMs > 0 ? { connectionTimeout: timeoutMs, requestTimeout: timeoutMs } : {}),
    ...(c.useSsl === true
      ? {
          ssl: {
            rejectUnauthorized: c.insecureSkipVerify !== true,
            ...(c.sslCa ? { ca: [readFileSync(c.sslCa, "utf8")] } : {}),
            ...(c.sslCert ? { cert: readFileSync(c.sslCert, "utf8") } : {}),
            ...(c.sslKey ? { key: readFileSync(c.sslKey, "utf8") } : {}),
          },
        }
      : {}),
    ...(c.saslUsername
      ? {
          sasl:
            c.saslMechanism === "SCRAM-SHA-256"
              ? {
                  mechanism: "scram-sha-256" as const,
                  username: c.saslUsername,
                  password: c.saslPassword ?? "",
                }
              : c.saslMechanism === "SCRAM-SHA-512"
                ? {
                    mechanism: "scram-sha-512" as const,
                    username: c.saslUsername,
                    password: c.saslPassword ?? "",
                  }
                : { mechanism: "plain" as const, username: c.saslUsername, password: c.saslPassword ?? "" },
        }
      : {}),
  });
  const producer: Producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner:
      () =>
      ({ partitionMetadata, message }) =>
        PICKERS.get(message)?.(partitionMetadata.length) ?? 0,
  });
  let connected: Promise<void> | undefined;
  return {
    async send(topic, key, value, partition) {
      connected ??= producer.connect().catch((e: unknown) => {
        connected = undefined;
        throw e;
      });
      await connected;
      const m: Message = { key, value };
      PICKERS.set(m, partition);
      await producer.send({ topic, messages: [m], ...(timeoutMs > 0 ? { timeout: timeoutMs } : {}) });
    },
    async close() {
      if (connected !== undefined) await producer.disconnect();
    },
  };
};

interface PoolEntry {
  producer: KafkaAlertProducer;
  refs: number;
}

const pool = new Map<string, PoolEntry>();
let producerFactory: KafkaProducerFactory = kafkajsProducer;

/** Replaces the producer factory (tests, other clients); returns the previous one. */
export function setKafkaProducerFactory(f: KafkaProducerFactory): KafkaProducerFactory {
  const prev = producerFactory;
  producerFactory = f;
  return prev;
}

function acquire(
  c: KafkaClusterConfig,
  logger: EngineLogger,
): { producer: KafkaAlertProducer; release(): Promise<void> } {
  const key = `${c.id}\0${c.brokers.join(",")}`;
  let e = pool.get(key);
  if (e === undefined) {
    e = { producer: producerFactory(c, logger), refs: 0 };
    pool.set(key, e);
  }
  e.refs++;
  const entry = e;
  let released = false;
  return {
    producer: entry.producer,
    async release() {
      if (released) return;
      released = true;
      if (--entry.refs === 0) {
        pool.delete(key);
        await entry.producer.close();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The kind

function clusterFor(o: KafkaOptions, ctx: HandlerContext): KafkaClusterConfig {
  const clusters = ctx.config.kafka ?? [];
  const c = clusters.find((k) => k.id === o.cluster);
  if (c === undefined) {
    const known = clusters.map((k) => k.id);
    throw new TickdError(
      HandlerCodes.OPTIONS,
      `kafka handler: option "cluster": unknown cluster "${o.cluster}"` +
        (known.length > 0 ? ` (configured: ${known.join(", ")})` : " (no [[kafka]] cluster is configured)"),
    );
  }
  if (!c.enabled)
    throw new TickdError(HandlerCodes.DISABLED, `kafka cluster "${c.id}": service is not enabled`);
  return c;
}

export function createKafka(
  o: KafkaOptions,
  ctx: HandlerContext,
): SerialHandler & { close(): Promise<void> } {
  const cluster = clusterFor(o, ctx);
  const topic = o.topic !== "" ? o.topic : cluster.topic;
  if (topic === "")
    throw new TickdError(
      HandlerCodes.OPTIONS,
      `kafka handler: option "topic": is required (cluster "${cluster.id}" has no default topic)`,
    );
  const tpl: Template | undefined =
    o.template !== "" ? compileTemplate(o.template, { name: "kafka alert template" }) : undefined;
  const { producer, release } = acquire(cluster, ctx.logger);
  let rr = Math.floor(Math.random() * 0x7fffffff);
  const pick = (id: string) => (n: number) => {
    if (!o.disablePartitionById) {
      const p = partitionFor(o.partitionAlgorithm, id, n);
      if (p !== undefined) return p;
      return Math.floor(Math.random() * n);
    }
    rr = (rr + 1) % 0x7fffffff;
    return rr % n;
  };
  const deliver = async (event: AlertEvent, previousLevel: Level): Promise<void> => {
    const value =
      tpl !== undefined
        ? tpl.execute(alertTemplateData(event, previousLevel))
        : alertJsonLine(event, previousLevel);
    try {
      await producer.send(topic, event.state.id, value, pick(event.state.id));
    } catch (e) {
      if (e instanceof TickdError) throw e;
      throw new TickdError(
        HandlerCodes.SEND,
        `kafka cluster "${cluster.id}" topic "${topic}": ${coerceError(e).message}`,
        { cause: e },
      );
    }
  };
  const handler = new SerialHandler(ctx, KIND, deliver);
  const closeSerial = handler.close.bind(handler);
  return Object.assign(handler, {
    async close(): Promise<void> {
      await closeSerial();
      await release();
    },
  });
}

function kafkaFromTickscript(spec: HandlerSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const cluster = argString(lastProperty(spec, "cluster")?.args[0]);
  if (cluster !== undefined) out.cluster = cluster;
  const topic = argString(lastProperty(spec, "kafkaTopic")?.args[0]);
  if (topic !== undefined) out.topic = topic;
  const template = argString(lastProperty(spec, "template")?.args[0]);
  if (template !== undefined) out.template = template;
  if (lastProperty(spec, "disablePartitionById") !== undefined) out.disablePartitionById = true;
  const algo = argString(lastProperty(spec, "partitionAlgorithm")?.args[0]);
  if (algo !== undefined) out.partitionAlgorithm = algo;
  return out;
}

/** Kapacitor's `kafka` service test: `message` written to `topic` of cluster `cluster` under `key`. */
const kafkaServiceTest: ServiceTestSpec = {
  name: "kafka",
  options: () => ({ cluster: "example", topic: "test", key: "key", message: "test kafka message" }),
  prepare(raw, _c, nowMs) {
    const o = new TestOptions("kafka", raw);
    // The handler keys a message by the alert id and renders the template as its value.
    const message = o.string("message").replace(/\{\{/g, '{{"{{"}}');
    return {
      handlerOptions: { cluster: o.string("cluster"), topic: o.string("topic"), template: message },
      event: testEvent({
        id: o.string("key"),
        message: o.string("message"),
        level: Level.CRITICAL,
        timeMs: nowMs,
      }),
    };
  },
};

export const kafka: HandlerKind<KafkaOptions> = {
  kind: KIND,
  optionsSchema: kafkaSchema,
  create: createKafka,
  fromTickscript: kafkaFromTickscript,
  secrets: [],
  serviceTest: kafkaServiceTest,
};
