/**
 * Smoke tests of the real services themselves (scripts/services.sh): if these fail, every other
 * integration suite would fail for reasons that are not tickd's. Kafka is checked with kafkajs
 * alone and with kcat (a client nobody here wrote) producing for kafkajs; InfluxDB with its raw
 * 1.x `/write` and `/query`.
 */
import { execFileSync } from "node:child_process";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { influxUrl, kafkaBrokers, uniqueName } from "../support/services.js";

describe("Kafka (KRaft broker from scripts/services.sh)", () => {
  let kafka: Kafka;
  const consumers: Consumer[] = [];

  beforeAll(() => {
    kafka = new Kafka({ clientId: "tickd-services-test", brokers: kafkaBrokers(), logLevel: logLevel.ERROR });
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.disconnect()));
  });

  /** Reads `count` messages of `topic` from the beginning. */
  async function consume(topic: string, count: number): Promise<{ key: string; value: string }[]> {
    const consumer = kafka.consumer({ groupId: uniqueName("smoke-group") });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const got: { key: string; value: string }[] = [];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out with ${got.length}/${count} messages from ${topic}`)),
        30_000,
      );
      consumer
        .run({
          eachMessage: async ({ message }) => {
            got.push({ key: message.key?.toString() ?? "", value: message.value?.toString() ?? "" });
            if (got.length >= count) {
              clearTimeout(timer);
              resolve(got);
            }
          },
        })
        .catch(reject);
    });
  }

  it("creates a topic, then produces and consumes a message with kafkajs", async () => {
    const topic = uniqueName("smoke-kafkajs");
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })).toBe(
        true,
      );
      expect(await admin.listTopics()).toContain(topic);
      const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      expect(meta?.partitions).toHaveLength(3);
    } finally {
      await admin.disconnect();
    }

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [{ key: "host=a", value: "cpu,host=a usage=91.5 1700000000000000000" }],
    });
    await producer.disconnect();

    expect(await consume(topic, 1)).toEqual([
      { key: "host=a", value: "cpu,host=a usage=91.5 1700000000000000000" },
    ]);
  });

  it("consumes with kafkajs what kcat produced (topic auto-created by the broker)", async () => {
    const topic = uniqueName("smoke-kcat");
    const kcat = kcatBinary();
    execFileSync(kcat, ["-b", kafkaBrokers().join(","), "-t", topic, "-P", "-K", "|", "-c", "2"], {
      input: "k1|first line\nk2|second line\n",
      timeout: 30_000,
    });
    const got = await consume(topic, 2);
    expect(got.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: "k1", value: "first line" },
      { key: "k2", value: "second line" },
    ]);
  });
});

function kcatBinary(): string {
  for (const name of ["kcat", "kafkacat"]) {
    try {
      execFileSync(name, ["-V"], { stdio: "ignore" });
      return name;
    } catch {
      // try the next name
    }
  }
  throw new Error("kcat is not installed: 'bash scripts/services.sh up' installs it (Debian package kcat)");
}

describe("InfluxDB 1.x (from scripts/services.sh)", () => {
  let url: string;
  const db = uniqueName("smoke").replace(/-/g, "_");

  async function query(q: string, database?: string): Promise<unknown> {
    const params = new URLSearchParams({ q });
    if (database) params.set("db", database);
    const res = await fetch(`${url}/query`, { method: "POST", body: params });
    const body = await res.text();
    expect(res.status, body).toBe(200);
    return JSON.parse(body);
  }

  beforeAll(async () => {
    url = influxUrl();
    const ping = await fetch(`${url}/ping`);
    expect(ping.status).toBe(204);
    expect(ping.headers.get("x-influxdb-version")).toMatch(/^1\./);
    await query(`CREATE DATABASE ${db}`);
  });

  afterAll(async () => {
    if (url) await query(`DROP DATABASE ${db}`);
  });

  it("writes a point with /write and reads it back with /query", async () => {
    const write = await fetch(`${url}/write?db=${db}&precision=s`, {
      method: "POST",
      body: "cpu,host=server01,region=eu usage_idle=12.5,cores=4i 1700000000\n",
    });
    expect(write.status, await write.text()).toBe(204);

    const result = await query(`SELECT usage_idle, cores, host FROM cpu WHERE region = 'eu'`, db);
    expect(result).toEqual({
      results: [
        {
          statement_id: 0,
          series: [
            {
              name: "cpu",
              columns: ["time", "usage_idle", "cores", "host"],
              values: [["2023-11-14T22:13:20Z", 12.5, 4, "server01"]],
            },
          ],
        },
      ],
    });
  });
});
