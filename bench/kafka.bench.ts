/**
 * Kafka → alert throughput (needs the broker: `bash scripts/services.sh up`, KAFKA_BROKERS).
 * - kafka.input-to-alert: points/s from a topic through `[[kafka-input]]` (kafkajs in its
 *   worker thread; parse and engine from→alert on this one; offsets committed per batch) to
 *   alert events. 1M points, one alert event per ~50, so the rate is the steady state rather
 *   than start-up (200k points measured the bare consumer at half its steady rate).
 * - baseline kafka.bare-consume: the same topic and messages read by a bare kafkajs
 *   consumer group (eachBatch, resolve + a commit per batch not waited for, lines counted
 *   but not parsed) in the same run, with the same consumer/run options as `[[kafka-input]]`
 *   (CONSUMER_FETCH_OPTIONS/RUN_OPTIONS).
 * - kafka.input-noop-engine: `[[kafka-input]]` with a TaskService whose write does nothing:
 *   the input's own cost (fetch, parse, offsets), against the same bare baseline.
 * The main thread's share (parse and engine alone, no Kafka) is printed to stderr: with
 * kafkajs on the other thread, it bounds input-to-alert.
 * Both clocks start at the first batch (group join time is left out) and stop when the last
 * point was handled. Messages are multi-line: 100 points each, keyed by host.
 */
import { randomUUID } from "node:crypto";
import kafkajs from "kafkajs";

import { parseLineProtocol } from "../src/core/line-protocol.js";
import {
  CONSUMER_FETCH_OPTIONS,
  CONSUMER_RUN_OPTIONS,
  kafkajsClient,
  type KafkaClientFactory,
} from "../src/sources/kafka-client.js";
import { startKafkaInputs } from "../src/sources/kafka-input.js";
import { openStore } from "../src/store/index.js";
import { benchTaskManager, type Bench, type BenchResult } from "./harness.js";

const S = 1e9;
const HOSTS = 200;

/** A topic's message shape: `lines` points per message, `perHost` points per host. */
interface Shape {
  name: string;
  perHost: number;
  lines: number;
}

const SHAPES: readonly Shape[] = [
  // Batched producers (Kafka Connect, a relay writing bodies): 100 points per message.
  { name: "", perHost: 5000, lines: 100 },
  // Telegraf's kafka output: one metric per message.
  { name: " (1 point/message)", perHost: 1500, lines: 1 },
];

const points = (sh: Shape): number => HOSTS * sh.perHost;
const SCRIPT = `dbrp "kafka"."autogen"
stream
  |from().measurement('cpu').groupBy('host')
  |where(lambda: "cpu" == 'cpu-total')
  |alert().warn(lambda: "usage_idle" < 20.0).crit(lambda: "usage_idle" < 10.0)`;

function brokers(): string[] {
  const v = process.env.KAFKA_BROKERS;
  if (v === undefined || v.trim() === "")
    throw new Error(
      "bench kafka: KAFKA_BROKERS is not set; start Kafka with `bash scripts/services.sh up` and " +
        '`eval "$(bash scripts/services.sh env)"`',
    );
  return v.split(",").map((s) => s.trim());
}

async function waitFor(ok: () => boolean, what: string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`bench kafka: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The bench's messages, made on demand: 75 MB kept on the heap would slow every GC. */
function* messages(sh: Shape): Generator<{ key: string; value: string }> {
  const T0 = 1_700_000_000;
  for (let m = 0; m < sh.perHost / sh.lines; m++) {
    for (let h = 0; h < HOSTS; h++) {
      const lines: string[] = [];
      for (let j = 0; j < sh.lines; j++) {
        const i = m * sh.lines + j;
        const v = (i * 7 + h) % 97 === 0 ? 95 : 10 + ((i + h) % 70);
        lines.push(`cpu,host=h${h},cpu=cpu-total usage_idle=${100 - v},usage_user=${v} ${(T0 + i) * S}`);
      }
      yield { key: `h${h}`, value: lines.join("\n") + "\n" };
    }
  }
}

async function prepare(b: string[], topic: string, sh: Shape): Promise<void> {
  const kafka = new kafkajs.Kafka({ clientId: "tickd-bench", brokers: b, logLevel: kafkajs.logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
  });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  let batch: { key: string; value: string }[] = [];
  for (const m of messages(sh)) {
    batch.push(m);
    // About 1.5 MB per send: under the broker's 1 MB per partition's record batch.
    if (batch.length === Math.min(5000, (200 * 100) / sh.lines)) {
      await producer.send({ topic, messages: batch });
      batch = [];
    }
  }
  if (batch.length > 0) await producer.send({ topic, messages: batch });
  await producer.disconnect();
}

async function bareConsume(b: string[], topic: string, total: number): Promise<number> {
  const kafka = new kafkajs.Kafka({
    clientId: "tickd-bench-bare",
    brokers: b,
    logLevel: kafkajs.logLevel.ERROR,
  });
  const consumer = kafka.consumer({ groupId: `bench-bare-${randomUUID()}`, ...CONSUMER_FETCH_OPTIONS });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let first = 0;
  let last = 0;
  let points = 0;
  await consumer.run({
    ...CONSUMER_RUN_OPTIONS,
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset }) => {
      if (first === 0) first = performance.now();
      let lastOffset: string | undefined;
      for (const m of batch.messages) {
        // Count lines without parsing: the bare cost of getting the bytes out of Kafka.
        const v = m.value;
        if (v !== null) for (let i = 0; i < v.length; i++) if (v[i] === 10) points++;
        resolveOffset(m.offset);
        lastOffset = m.offset;
      }
      // A commit per batch as [[kafka-input]] makes, and like its consumer thread without
      // waiting for the answer before the next batch (with autoCommit off,
      // commitOffsetsIfNecessary() would commit nothing).
      if (lastOffset !== undefined)
        void consumer
          .commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() },
          ])
          .catch(() => undefined);
      last = performance.now();
    },
  });
  await waitFor(() => points >= total, "the bare consumer");
  await consumer.disconnect();
  return (total * 1000) / (last - first);
}

async function tickdConsume(
  b: string[],
  topic: string,
  total: number,
  noopEngine = false,
): Promise<{ rate: number; alerts: number }> {
  const store = openStore(":memory:");
  let alerts = 0;
  const tm = benchTaskManager(store, SCRIPT, () => void alerts++);
  let first = 0;
  const timed: KafkaClientFactory = (o) => {
    const c = kafkajsClient(o);
    return {
      ...c,
      consumer: (x) => {
        const k = c.consumer(x);
        return {
          ...k,
          run: (h) =>
            k.run((batch, ctl) => {
              if (first === 0) first = performance.now();
              return h(batch, ctl);
            }),
        };
      },
    };
  };
  const inputs = await startKafkaInputs(
    [
      {
        name: "bench",
        enabled: true,
        brokers: b,
        topics: [topic],
        groupId: `bench-tickd-${randomUUID()}`,
        format: "line-protocol",
        db: "kafka",
        rp: "autogen",
      },
    ],
    {
      tasks: noopEngine ? { write: () => undefined } : tm,
      logger: { log: () => undefined },
      clientFactory: timed,
    },
  );
  await waitFor(() => inputs.stats()[0]!.points >= total, "the kafka input");
  const end = performance.now();
  await inputs.stop();
  store.close();
  return { rate: (total * 1000) / (end - first), alerts };
}

/**
 * The main thread's share without Kafka: parse and engine as the input runs them on batches
 * of about 1 MB (one parse per batch of newline-terminated messages, writes of up to 5000
 * points). ms for all points, second of two passes.
 */
function cpuFloor(sh: Shape): number {
  const batches: Buffer[] = [];
  let parts: string[] = [];
  let size = 0;
  for (const m of messages(sh)) {
    parts.push(m.value);
    size += m.value.length;
    if (size >= 1024 * 1024) {
      batches.push(Buffer.from(parts.join(""), "utf8"));
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) batches.push(Buffer.from(parts.join(""), "utf8"));
  let ms = 0;
  for (let pass = 0; pass < 2; pass++) {
    const store = openStore(":memory:");
    const tm = benchTaskManager(store, SCRIPT, () => undefined);
    const t = performance.now();
    for (const b of batches) {
      const pts = parseLineProtocol(b, { precision: "n", now: 0n }).points;
      for (let i = 0; i < pts.length; i += 5000) tm.write("kafka", "autogen", pts.slice(i, i + 5000));
    }
    ms = performance.now() - t;
    store.close();
  }
  return ms;
}

async function runShape(b: string[], sh: Shape): Promise<BenchResult[]> {
  const topic = `tickd-bench-${randomUUID().slice(0, 8)}`;
  const total = points(sh);
  await prepare(b, topic, sh);
  try {
    const bare = await bareConsume(b, topic, total);
    const tickd = await tickdConsume(b, topic, total);
    const noop = await tickdConsume(b, topic, total, true);
    const floorMs = cpuFloor(sh);
    process.stderr.write(
      `kafka${sh.name}: ${tickd.alerts} alert events from ${total} points; parse + engine without ` +
        `Kafka: ${((floorMs * 1000) / total).toFixed(2)} µs/point = ` +
        `${Math.round((total * 1000) / floorMs).toLocaleString("en-US")} points/s on one thread\n`,
    );
    const baseline = { name: "kafka.bare-consume", value: bare };
    return [
      { name: `kafka.input-to-alert${sh.name}`, value: tickd.rate, unit: "points/s", baseline },
      { name: `kafka.input-noop-engine${sh.name}`, value: noop.rate, unit: "points/s", baseline },
    ];
  } finally {
    const kafka = new kafkajs.Kafka({
      clientId: "tickd-bench",
      brokers: b,
      logLevel: kafkajs.logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

async function run(): Promise<BenchResult[]> {
  const b = brokers();
  const out: BenchResult[] = [];
  for (const sh of SHAPES) out.push(...(await runShape(b, sh)));
  return out;
}

export const benches: Bench[] = [{ name: "kafka", run }];
