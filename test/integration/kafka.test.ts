/**
 * Kafka against a real broker (scripts/services.sh up): the `[[kafka-input]]` source end to
 * end through a real TaskManager, and the kafka alert handler onto a real topic.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import kafkajs from "kafkajs";
import type { Admin, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { alertJsonLine } from "../../src/alert/alert-json.js";
import type { AlertEvent } from "../../src/core/alert-event.js";
import type { Point } from "../../src/core/types.js";
import { Level, levelName } from "../../src/core/types.js";
import { createHandlerFactory } from "../../src/handlers/index.js";
import { partitionFor } from "../../src/handlers/kafka.js";
import {
  startKafkaInputs,
  type KafkaInputs,
  type KafkaInputSettings,
} from "../../src/sources/kafka-input.js";
import { openStore, type Store } from "../../src/store/index.js";
import { testTaskManager } from "../support/engine.js";
import { alertEvent, handlerConfig } from "../unit/handlers/helpers.js";

/** The running broker, or a clear error saying how to start one (never a silent skip). */
function kafkaBrokers(): string[] {
  const v = process.env.KAFKA_BROKERS ?? "127.0.0.1:19092";
  try {
    execFileSync("bash", ["scripts/services.sh", "status"], { stdio: "ignore" });
  } catch {
    if (process.env.KAFKA_BROKERS === undefined)
      throw new Error(
        "Kafka is not running: start it with `bash scripts/services.sh up` (or set KAFKA_BROKERS)",
      );
  }
  return v.split(",").map((s) => s.trim());
}

const { Kafka, logLevel } = kafkajs;
const S = 1e9;
const T0 = 1_700_000_000;
const HOSTS = 100;
const PER_HOST = 1000;
const LINES_PER_MESSAGE = 50;
const KCAT_POINTS = 100;

const SCRIPT = `dbrp "kafka"."autogen"
stream
  |from().measurement('cpu').groupBy('host')
  |alert().crit(lambda: "v" > 90.0)`;

const value = (i: number) => (i % 100 === 7 ? 95 : 10);

/** id|level|time of every alert the data must raise: a CRIT on each hot point and the OK right after it. */
function expectedAlerts(): Set<string> {
  const out = new Set<string>();
  const add = (host: string, n: number) => {
    for (let i = 0; i < n; i++) {
      if (value(i) > 90) {
        out.add(`cpu:host=${host}|CRITICAL|${(T0 + i + 1) * S}`);
        out.add(`cpu:host=${host}|OK|${(T0 + i + 2) * S}`);
      }
    }
  };
  for (let h = 0; h < HOSTS; h++) add(`h${h}`, PER_HOST);
  add("kcat", KCAT_POINTS);
  return out;
}

const line = (host: string, i: number) => `cpu,host=${host} v=${value(i)} ${(T0 + i + 1) * S}`;

let brokers: string[];
let admin: Admin;
let producer: Producer;
const topic = `tickd-it-points-${randomUUID().slice(0, 8)}`;
const alertsTopic = `tickd-it-alerts-${randomUUID().slice(0, 8)}`;
let poisonOffset = "";
let poisonPartition = -1;
let totalMessages = 0;

function engine() {
  const stores: Store[] = [];
  const store = openStore(":memory:");
  stores.push(store);
  const events: AlertEvent[] = [];
  const tm = testTaskManager(store, (e) => void events.push(e));
  tm.define({ id: "cpu", script: SCRIPT, status: "enabled" });
  return { tm, events, close: () => store.close() };
}

async function until(what: string, ok: () => boolean, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const input = (groupId: string): KafkaInputSettings => ({
  name: "it",
  enabled: true,
  brokers,
  topics: [topic],
  groupId,
  format: "line-protocol",
  db: "kafka",
  rp: "autogen",
});

beforeAll(async () => {
  brokers = kafkaBrokers();
  const kafka = new Kafka({ clientId: "tickd-it", brokers, logLevel: logLevel.ERROR });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: 3, replicationFactor: 1 },
      { topic: alertsTopic, numPartitions: 4, replicationFactor: 1 },
    ],
  });
  producer = kafka.producer();
  await producer.connect();
  // 100,000 points: per host, messages of 50 lines keyed by host (so a host stays on one partition, in order).
  const messages: { key: string; value: string }[] = [];
  for (let h = 0; h < HOSTS; h++) {
    for (let m = 0; m < PER_HOST / LINES_PER_MESSAGE; m++) {
      const lines: string[] = [];
      for (let j = 0; j < LINES_PER_MESSAGE; j++) lines.push(line(`h${h}`, m * LINES_PER_MESSAGE + j));
      messages.push({ key: `h${h}`, value: lines.join("\n") + "\n" });
    }
  }
  for (let i = 0; i < messages.length; i += 250)
    await producer.send({ topic, messages: messages.slice(i, i + 250) });
  // kcat: one line per message, plus one poison message, all under key "kcat".
  const kcatLines = Array.from({ length: KCAT_POINTS }, (_, i) => line("kcat", i));
  kcatLines.splice(50, 0, "this is not line protocol");
  execFileSync("kcat", ["-P", "-b", brokers.join(","), "-t", topic, "-k", "kcat"], {
    input: kcatLines.join("\n") + "\n",
  });
  totalMessages = messages.length + kcatLines.length;
  poisonPartition = librdkafkaPartition("kcat");
  const offsets = await admin.fetchTopicOffsets(topic);
  expect(offsets.reduce((a, o) => a + Number(o.high), 0)).toBe(totalMessages);
}, 120_000);

/** librdkafka's default (consistent_random) = crc32(key) % n, which Kapacitor's crc32 matches. */
function librdkafkaPartition(key: string): number {
  return partitionFor("crc32", key, 3)!;
}

afterAll(async () => {
  await producer?.disconnect();
  await admin?.deleteTopics({ topics: [topic, alertsTopic] }).catch(() => undefined);
  await admin?.disconnect();
});

describe("kafka input (real broker)", () => {
  it("turns 100,100 points (kafkajs multi-line + kcat) into exactly the expected alerts; the poison message is skipped", async () => {
    const e = engine();
    const logs: { msg: string; fields?: Record<string, unknown> }[] = [];
    const groupId = `g-${randomUUID()}`;
    const inputs = await startKafkaInputs([input(groupId)], {
      tasks: e.tm,
      logger: { log: (_l, msg, fields) => void logs.push(fields === undefined ? { msg } : { msg, fields }) },
    });
    try {
      await until("all messages", () => inputs.stats()[0]!.messages >= totalMessages);
      const st = inputs.stats()[0]!;
      expect(st).toMatchObject({
        messages: totalMessages,
        points: HOSTS * PER_HOST + KCAT_POINTS,
        badMessages: 1,
      });
      const got = e.events.map((ev) => `${ev.state.id}|${levelName(ev.state.level)}|${ev.state.time}`);
      expect(got.length).toBe(expectedAlerts().size);
      expect(new Set(got)).toEqual(expectedAlerts());
      const poison = logs.find((l) => l.msg === "kafka-input: skipped bad message");
      expect(poison?.fields).toMatchObject({ input: "it", topic, partition: poisonPartition });
      poisonOffset = String(poison?.fields?.offset);
      expect(Number(poisonOffset)).toBeGreaterThanOrEqual(50);
      // Every partition's committed offset is its end offset (stats' lag is a per-batch snapshot).
      expect(await committedAll(groupId)).toBe(true);
    } finally {
      await inputs.stop();
      e.close();
    }
  });

  it("restarted mid-stream (stop + start, same group) skips no point: at-least-once", async () => {
    const e = engine();
    const groupId = `g-${randomUUID()}`;
    // The first run stops from inside the engine once 20k points are in: mid-stream however
    // fast the input reads (it fetches ahead of the engine).
    let written = 0;
    let stopping: Promise<void> | undefined;
    const running: { inputs?: KafkaInputs } = {};
    const firstDeps = {
      tasks: {
        write: (db: string, rp: string, points: readonly Point[]) => {
          e.tm.write(db, rp, points);
          written += points.length;
          if (written >= 20_000 && running.inputs !== undefined) stopping ??= running.inputs.stop();
        },
      },
      logger: { log: () => undefined },
    };
    let first = await startKafkaInputs([input(groupId)], firstDeps);
    running.inputs = first;
    await until("some points", () => stopping !== undefined);
    await stopping;
    const seenFirst = first.stats()[0]!;
    expect(seenFirst.points).toBe(written);
    expect(seenFirst.messages).toBeLessThan(totalMessages);
    const committedBefore = await committedCount(groupId);
    expect(committedBefore).toBeGreaterThan(0);
    expect(committedBefore).toBeLessThanOrEqual(seenFirst.messages);
    first = await startKafkaInputs([input(groupId)], { tasks: e.tm, logger: { log: () => undefined } });
    try {
      // The second run must read at least everything the first did not commit.
      await until("the rest", () => committedBefore + first.stats()[0]!.messages >= totalMessages);
      // Offsets are committed only after the points entered the engine: all of them by now.
      expect(await committedAll(groupId)).toBe(true);
      const points = seenFirst.points + first.stats()[0]!.points;
      expect(points).toBeGreaterThanOrEqual(HOSTS * PER_HOST + KCAT_POINTS);
      const got = new Set(
        e.events.map((ev) => `${ev.state.id}|${levelName(ev.state.level)}|${ev.state.time}`),
      );
      for (const want of expectedAlerts()) expect(got.has(want), want).toBe(true);
    } finally {
      await first.stop();
      e.close();
    }
  });
});

async function committedCount(groupId: string): Promise<number> {
  const offs = await admin.fetchOffsets({ groupId, topics: [topic] });
  return offs[0]!.partitions.reduce((a, p) => a + Math.max(0, Number(p.offset)), 0);
}

/** True once the group's committed offsets reach every partition's end (polls up to 10 s). */
async function committedAll(groupId: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (await committedToEnd(groupId)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function committedToEnd(groupId: string): Promise<boolean> {
  const offs = await admin.fetchOffsets({ groupId, topics: [topic] });
  const high = await admin.fetchTopicOffsets(topic);
  return offs[0]!.partitions.every((p) => p.offset === high.find((h) => h.partition === p.partition)?.high);
}

describe("kafka handler (real broker)", () => {
  it("writes the alert with key = alert id onto the crc32 partition, value = alert JSON line", async () => {
    const f = createHandlerFactory({
      config: handlerConfig({ kafka: [{ enabled: true, id: "it", brokers, topic: "", timeout: 10 * S }] }),
      logger: { log: () => undefined },
    });
    const ids = ["kapacitor/cpu/serverA", "cpu:host=h1", "x"];
    const json = f.create({
      kind: "kafka",
      options: { cluster: "it", topic: alertsTopic },
      topic: "t",
      id: "k1",
    });
    const tpl = f.create({
      kind: "kafka",
      options: {
        cluster: "it",
        topic: alertsTopic,
        template: "{{.ID}}={{.Level}}",
        partitionAlgorithm: "murmur2",
      },
      topic: "t",
      id: "k2",
    });
    for (const id of ids) {
      await json.handle(alertEvent({ id }), Level.OK);
      await tpl.handle(alertEvent({ id }), Level.OK);
    }
    await json.close?.();
    await tpl.close?.();

    const kafka = new Kafka({ clientId: "tickd-it-read", brokers, logLevel: logLevel.ERROR });
    const consumer = kafka.consumer({ groupId: `read-${randomUUID()}` });
    const got: { key: string; value: string; partition: number }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [alertsTopic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) =>
        void got.push({ key: message.key!.toString(), value: message.value!.toString(), partition }),
    });
    try {
      await until("alerts on the topic", () => got.length >= ids.length * 2, 30_000);
    } finally {
      await consumer.disconnect();
    }
    for (const id of ids) {
      expect(got).toContainEqual({
        key: id,
        value: alertJsonLine(alertEvent({ id }), Level.OK),
        partition: partitionFor("crc32", id, 4),
      });
      expect(got).toContainEqual({
        key: id,
        value: `${id}=CRITICAL`,
        partition: partitionFor("murmur2", id, 4),
      });
    }
  });
});
