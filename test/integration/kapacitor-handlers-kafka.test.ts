/**
 * Kapacitor's TestStream_AlertKafka (integrations/streamer_test.go) against the real broker
 * (scripts/services.sh up, or KAFKA_BROKERS): the alert of test/support/kapacitor-alerts.ts
 * (our own data) written by `.kafka()` handlers of a `[[kafka]]` cluster with batch-size 1, as
 * services/kafka/service.go writes it: key = the alert id, value = the template executed over
 * alert.Data, or without a template the alert.Data JSON line; the partition the hash of the
 * key picks (crc32, Kapacitor 1.7's default). Read back with a kafkajs consumer.
 */
import { Kafka, logLevel } from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";
import { crc32 } from "../../src/handlers/kafka.js";
import { alertData, alertScript, startAlertTask } from "../support/kapacitor-alerts.js";
import { kafkaBrokers, uniqueName } from "../support/services.js";

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const PARTITIONS = 3;

describe("Kapacitor's kafka alert-handler stream test", () => {
  it("TestStream_AlertKafka: one message per handler, keyed by the alert id, the template or the alert JSON as value", async () => {
    const brokers = kafkaBrokers();
    const topic = uniqueName("tickd-kap-alerts");
    const kafka = new Kafka({ brokers, clientId: "tickd-test", logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    // The broker is shared: the topic goes when the test ends.
    cleanups.push(async () => {
      await admin.deleteTopics({ topics: [topic] });
      await admin.disconnect();
    });

    const r = await startAlertTask(
      "disk_kafka",
      alertScript(
        'tick/{{ .Name }}/{{ index .Tags "host" }}',
        `.kafka()
      .cluster('primary')
      .kafkaTopic('${topic}')
      .template('{{.Message}}')
    .kafka()
      .cluster('primary')
      .kafkaTopic('${topic}')`,
        "\n    .details('')",
      ),
      [
        "[[kafka]]",
        "  enabled = true",
        '  id = "primary"',
        `  brokers = ${JSON.stringify(brokers)}`,
        "  batch-size = 1",
        "",
      ].join("\n"),
    );
    cleanups.push(() => r.stop());

    const got: { partition: number; key: string; value: string }[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName("tickd-kap-g") });
    await consumer.connect();
    cleanups.push(() => consumer.disconnect());
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        got.push({
          partition,
          key: message.key?.toString("utf8") ?? "",
          value: message.value?.toString("utf8") ?? "",
        });
      },
    });

    await r.raise();
    const deadline = Date.now() + 60_000;
    while (got.length < 2) {
      if (Date.now() > deadline) throw new Error(`expected 2 messages on ${topic}, got ${got.length}`);
      await new Promise((res) => setTimeout(res, 50));
    }

    const id = "tick/disk/db1";
    const partition = crc32(Buffer.from(id, "utf8")) % PARTITIONS;
    const json = JSON.stringify(alertData(id)) + "\n";
    expect(got.sort((a, b) => a.value.length - b.value.length)).toEqual([
      { partition, key: id, value: `${id} is CRITICAL` },
      { partition, key: id, value: json },
    ]);
  });
});
