import { afterEach, describe, expect, it } from "vitest";

import { TickdError } from "../../../src/core/errors.js";
import { Level } from "../../../src/core/types.js";
import {
  crc32,
  fnv1a,
  kafkajsProducer,
  murmur2,
  murmur3,
  partitionFor,
  setKafkaProducerFactory,
  type KafkaAlertProducer,
} from "../../../src/handlers/kafka.js";
import type { KafkaClusterConfig } from "../../../src/handlers/types.js";
import { checkScript } from "../../../src/pipeline/check.js";
import type { HandlerSpec } from "../../../src/pipeline/task-graph.js";
import { alertEvent, factory, handlerConfig, POST_BODY } from "../handlers/helpers.js";

const b = (s: string) => Buffer.from(s, "utf8");

describe("kafka partition hashes", () => {
  it("crc32 is CRC-32/IEEE", () => {
    expect(crc32(b("123456789"))).toBe(0xcbf43926);
    expect(crc32(b(""))).toBe(0);
    expect(crc32(b("The quick brown fox jumps over the lazy dog"))).toBe(0x414fa339);
  });

  it("murmur2 matches the Java client's test vectors", () => {
    const cases: [string, number][] = [
      ["21", -973932308],
      ["foobar", -790332482],
      ["a-little-bit-long-string", -985981536],
      ["a-little-bit-longer-string", -1486304829],
      ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
      ["abc", 479470107],
    ];
    for (const [s, want] of cases) expect(murmur2(b(s)) | 0, s).toBe(want);
  });

  it("murmur3 is MurmurHash3 x86_32 (seed 0)", () => {
    expect(murmur3(b(""))).toBe(0);
    expect(murmur3(b("hello"))).toBe(0x248bfa47);
    expect(murmur3(b("The quick brown fox jumps over the lazy dog"))).toBe(0x2e4ff723);
    expect(murmur3(b(""), 1)).toBe(0x514e28b7);
  });

  it("fnv-1a is FNV-1a 32", () => {
    expect(fnv1a(b(""))).toBe(0x811c9dc5);
    expect(fnv1a(b("a"))).toBe(0xe40c292c);
    expect(fnv1a(b("foobar"))).toBe(0xbf9cf968);
  });

  it("partitions keys as Kapacitor does", () => {
    // Kapacitor's hash_test.go partitions for 1000 partitions.
    expect(
      ["hello", "hello2", "hello3", "hello4", "hello5"].map((k) => partitionFor("crc32", k, 1000)),
    ).toEqual([870, 502, 592, 787, 413]);
    expect(
      ["hello", "hello2", "hello3", "hello4", "hello5", ""].map((k) => partitionFor("murmur2", k, 1000)),
    ).toEqual([229, 907, 759, 299, 841, 681]);
    expect(partitionFor("crc32", "", 10)).toBeUndefined(); // random, as librdkafka/Kapacitor
    expect(partitionFor("crc32", "hello5", 1)).toBe(0);
    // sarama's hash partitioner: int32(h) % n, negated when negative.
    const h = fnv1a(b("foobar")) | 0; // negative as int32
    expect(h).toBeLessThan(0);
    expect(partitionFor("fnv-1a", "foobar", 7)).toBe(-(h % 7));
    expect(partitionFor("murmur3", "hello", 7)).toBe(0x248bfa47 % 7);
    expect(() => partitionFor("murmur2", "x", 0)).toThrow(/positive/);
  });
});

function handlersOf(script: string): HandlerSpec[] {
  const { graph, diagnostics } = checkScript(script, "test.tick", {});
  if (graph === undefined) throw new Error(diagnostics.map((d) => d.message).join("\n"));
  return graph.nodes.find((n) => n.kind === "alert")!.handlers;
}

const CLUSTER: KafkaClusterConfig = {
  enabled: true,
  id: "c",
  brokers: ["127.0.0.1:1"],
  topic: "",
  timeout: 0,
};

interface Sent {
  topic: string;
  key: string;
  value: string;
  partition: number;
}

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

function recordingProducers(fail = false) {
  const sent: Sent[] = [];
  const made: string[] = [];
  let closed = 0;
  const prev = setKafkaProducerFactory((c) => {
    made.push(c.id);
    const p: KafkaAlertProducer = {
      send(topic, key, value, partition) {
        if (fail) return Promise.reject(new Error("broker down"));
        sent.push({ topic, key, value, partition: partition(8) });
        return Promise.resolve();
      },
      close() {
        closed++;
        return Promise.resolve();
      },
    };
    return p;
  });
  restore = () => setKafkaProducerFactory(prev);
  return { sent, made, closed: () => closed };
}

describe("kafka handler", () => {
  it("maps .kafka() TICKscript onto options", () => {
    const { f } = factory(handlerConfig({ kafka: [CLUSTER] }));
    const [spec] = handlersOf(`
stream
  |from().measurement('cpu')
  |alert()
    .crit(lambda: TRUE)
    .kafka().cluster('c').kafkaTopic('alerts').template('{{.ID}}').disablePartitionById().partitionAlgorithm('murmur2')
`);
    expect(f.fromTickscript(spec!)).toEqual({
      kind: "kafka",
      options: {
        cluster: "c",
        topic: "alerts",
        template: "{{.ID}}",
        disablePartitionById: true,
        partitionAlgorithm: "murmur2",
      },
    });
  });

  it("validates options naming the key", () => {
    const { f } = factory(handlerConfig({ kafka: [CLUSTER, { ...CLUSTER, id: "off", enabled: false }] }));
    expect(() => f.validate("kafka", { partitionAlgorithm: "md5" })).toThrow(
      /option "partitionAlgorithm": expected one of crc32, murmur2, murmur3, fnv-1a/,
    );
    expect(() => f.validate("kafka", { template: "{{.ID" })).toThrow(/option "template"/);
    expect(() => f.validate("kafka", { disablePartitionById: "yes" })).toThrow(/disablePartitionById/);
    expect(() => f.validate("kafka", { brokers: [] })).toThrow(/unknown option "brokers"/);
    const create = (options: Record<string, unknown>) => () =>
      f.create({ kind: "kafka", options, topic: "t", id: "h" });
    expect(create({ cluster: "nope", topic: "x" })).toThrow(/unknown cluster "nope" \(configured: c, off\)/);
    expect(create({ cluster: "c" })).toThrow(/option "topic": is required/);
    try {
      create({ cluster: "off", topic: "x" })();
      expect.unreachable();
    } catch (e) {
      expect((e as TickdError).code).toBe("E_HANDLER_DISABLED");
    }
  });

  it("sends key = alert id, value = alert JSON, partition by crc32; shares one producer per cluster", async () => {
    const rec = recordingProducers();
    const { f } = factory(handlerConfig({ kafka: [{ ...CLUSTER, topic: "default-topic" }] }));
    const h1 = f.create({ kind: "kafka", options: { cluster: "c" }, topic: "t", id: "h1" });
    const h2 = f.create({
      kind: "kafka",
      options: { cluster: "c", topic: "tpl", template: "{{.ID}} {{.Level}}", partitionAlgorithm: "murmur2" },
      topic: "t",
      id: "h2",
    });
    await h1.handle(alertEvent(), Level.OK);
    await h2.handle(alertEvent(), Level.OK);
    expect(rec.made).toEqual(["c"]);
    expect(rec.sent).toEqual([
      {
        topic: "default-topic",
        key: "kapacitor/cpu/serverA",
        value: POST_BODY,
        partition: partitionFor("crc32", "kapacitor/cpu/serverA", 8),
      },
      {
        topic: "tpl",
        key: "kapacitor/cpu/serverA",
        value: "kapacitor/cpu/serverA CRITICAL",
        partition: partitionFor("murmur2", "kapacitor/cpu/serverA", 8),
      },
    ]);
    await h1.close?.();
    expect(rec.closed()).toBe(0);
    await h2.close?.();
    expect(rec.closed()).toBe(1);
  });

  it("round-robins with disablePartitionById and logs send failures with handler and alert id", async () => {
    const rec = recordingProducers();
    const { f } = factory(handlerConfig({ kafka: [CLUSTER] }));
    const h = f.create({
      kind: "kafka",
      options: { cluster: "c", topic: "x", disablePartitionById: true },
      topic: "t",
      id: "h",
    });
    for (let i = 0; i < 8; i++) await h.handle(alertEvent(), Level.OK);
    expect(new Set(rec.sent.map((s) => s.partition)).size).toBe(8);
    await h.close?.();
    restore?.();
    recordingProducers(true);
    const bad = factory(handlerConfig({ kafka: [CLUSTER] }));
    const h2 = bad.f.create({ kind: "kafka", options: { cluster: "c", topic: "x" }, topic: "t", id: "hk" });
    await h2.handle(alertEvent(), Level.OK);
    expect(bad.logs).toHaveLength(1);
    expect(bad.logs[0]).toMatchObject({
      level: "error",
      fields: { handler: "hk", alert: "kapacitor/cpu/serverA", kind: "kafka", code: "E_HANDLER_SEND" },
    });
    expect(String(bad.logs[0]?.fields?.error)).toContain("broker down");
    await h2.close?.();
  });

  it("the kafkajs producer factory builds without connecting", async () => {
    const p = kafkajsProducer(CLUSTER, { log: () => undefined });
    await p.close();
  });
});
