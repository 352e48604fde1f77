/**
 * The Kafka input through a spawned tickd: `[[kafka-input]]` in its config, line protocol
 * produced to a real broker (scripts/services.sh up, or KAFKA_BROKERS) with kafkajs, the task
 * alerts, and a local receiver gets the POST.
 */
import { Kafka, logLevel } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { startTickd, type TickdProcess } from "../support/daemon.js";
import { startReceiver, type Receiver } from "../support/receiver.js";
import { kafkaBrokers, uniqueName } from "../support/services.js";

let tickd: TickdProcess | undefined;
let hook: Receiver | undefined;
afterAll(async () => {
  await tickd?.stop("SIGKILL");
  await hook?.close();
});

describe("Kafka input through the spawned daemon", () => {
  it("consumes line protocol from a topic and alerts on it", async () => {
    const brokers = kafkaBrokers();
    const topic = uniqueName("tickd-e2e");
    const kafka = new Kafka({ brokers, clientId: "tickd-test", logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();

    hook = await startReceiver();
    tickd = await startTickd({
      extraConfig: [
        "[[kafka-input]]",
        '  name = "metrics"',
        `  brokers = ${JSON.stringify(brokers)}`,
        `  topics = ["${topic}"]`,
        `  group-id = "${uniqueName("g")}"`,
        '  db = "telegraf"',
      ].join("\n"),
      tasks: {
        "kafka.tick": `dbrp "telegraf"."autogen"
stream
    |from().measurement('cpu').groupBy('host')
    |alert()
        .id('{{ index .Tags "host" }}')
        .crit(lambda: "usage_idle" < 10.0)
        .stateChangesOnly()
        .post('${hook.url}/alert')
`,
      },
    });

    const producer = kafka.producer();
    await producer.connect();
    // One message with several lines, as Telegraf's Kafka output batches them.
    await producer.send({
      topic,
      messages: [
        { value: "cpu,host=a usage_idle=50 1\ncpu,host=b usage_idle=4 1\ncpu,host=a usage_idle=2 2\n" },
      ],
    });
    await producer.disconnect();

    const reqs = await hook.waitFor(2, 30_000);
    const got = reqs
      .map((r) => JSON.parse(r.body) as { id: string; level: string })
      .map((b) => `${b.id} ${b.level}`);
    expect(got.sort()).toEqual(["a CRITICAL", "b CRITICAL"]);
  });
});
