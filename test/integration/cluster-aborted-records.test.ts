/**
 * Read-committed consumers of cluster mode never see a record of an aborted transaction
 * (DESIGN §11), against the real broker, in the interleaving the failover test met: a killed
 * member leaves open transactions of two input partitions in the notifications topic; a
 * dispatcher waits at the last stable offset; the new owners fence (abort) them one after the
 * other. The fetch after the second abort starts past the first aborted transaction's first
 * offset, and its answer lists both aborted transactions — kafkajs 2.2.4 started only the first
 * one at the first record and handed out the first record of the second as committed
 * (src/sources/kafka-read-committed.ts). The same client (newKafka) makes the `[[kafka-input]]`
 * consumers, in their worker thread: a transactional producer's aborted points must not alert.
 */
import { Kafka, logLevel, type Producer, type Transaction } from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";

import { clusterKafka } from "../../src/cluster/kafka.js";
import { newKafka } from "../../src/sources/kafka-client.js";
import type { ClusterConfig } from "../../src/config/types.js";
import { kafkaBrokers, uniqueName } from "../support/services.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

const until = async (what: string, ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
};

const readers: [string, (brokers: string[]) => Kafka][] = [
  [
    "cluster mode's client",
    (brokers) =>
      clusterKafka({ name: "test", brokers } as unknown as ClusterConfig, "reader", { log: () => undefined }),
  ],
  ["the [[kafka-input]] client", (brokers) => newKafka({ clientId: "reader", brokers }, () => undefined)],
];

describe.each(readers)("read committed: %s", (_name, reader) => {
  it("hands out no record of two aborted transactions aborted one after the other", async () => {
    const brokers = kafkaBrokers();
    const topic = uniqueName("aborted");
    const raw = new Kafka({ brokers, clientId: "tickd-test", logLevel: logLevel.NOTHING });
    const admin = raw.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    cleanup.push(() => admin.deleteTopics({ topics: [topic] }));

    const producer = async (): Promise<Producer> => {
      const p = raw.producer({ transactionalId: uniqueName("tx"), idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      cleanup.push(() => p.disconnect());
      return p;
    };
    const [a, b, c] = await Promise.all([producer(), producer(), producer()]);
    const send = (t: Transaction, ...values: string[]) =>
      t.send({ topic, messages: values.map((value) => ({ key: "k", value })) });

    // A opens a transaction (offsets 0-1); C commits one record (2, marker 3); B opens
    // another (4-5). The last stable offset stays at 0 while A is open.
    const ta = await a.transaction();
    await send(ta, "aborted-a1", "aborted-a2");
    const tc = await c.transaction();
    await send(tc, "committed-1");
    await tc.commit();
    const tb = await b.transaction();
    await send(tb, "aborted-b1", "aborted-b2");

    // The consumer under test (cluster mode's dispatchers and restore, or a [[kafka-input]]).
    const kafka = reader(brokers);
    const consumer = kafka.consumer({
      groupId: uniqueName("reader"),
      readUncommitted: false,
      maxWaitTimeInMs: 100,
    });
    await consumer.connect();
    cleanup.push(() => consumer.disconnect());
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });

    // A aborted first: the reader gets C's record and moves past C's marker (offset 4), where
    // B's open transaction holds it.
    await ta.abort();
    await until("the committed record", () => seen.length > 0);
    // Then B aborted: the next fetch starts at B's first record, after A's first offset.
    await tb.abort();
    // B's next transaction commits: its records count again after its ABORT marker.
    const tb2 = await b.transaction();
    await send(tb2, "committed-b");
    await tb2.commit();
    const tc2 = await c.transaction();
    await send(tc2, "committed-2");
    await tc2.commit();
    await until("the second committed record", () => seen.includes("committed-2"));

    expect(seen).toEqual(["committed-1", "committed-b", "committed-2"]);
  }, 60_000);
});
