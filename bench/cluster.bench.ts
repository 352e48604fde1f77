/**
 * Cluster mode's input side (`npm run bench -- cluster`, needs Kafka: scripts/services.sh):
 * points/s from the points topic through the per-partition engines and their transactions,
 * with one instance owning all 6 partitions (the baseline, measured in the same run) and with
 * two instances sharing them. Both instances run in this one process, on one thread: on this
 * 2-core machine the figure shows the cost of splitting (two groups of transactions, two
 * sets of engines), not scaling across machines.
 *
 * Each case: a fresh cluster name, the instances started and balanced on an empty topic,
 * then 300,000 points (600 series × 500, through the /write producer) produced and the clock
 * stopped when every partition's committed offset reached the end of the topic.
 */
import { randomUUID } from "node:crypto";
import type { ClusterConfig } from "../src/config/types.js";
import { ClusterInput } from "../src/cluster/input.js";
import { clusterKafka, ensureClusterTopics } from "../src/cluster/kafka.js";
import { clusterNames } from "../src/cluster/names.js";
import { startWriteProducer } from "../src/cluster/write-producer.js";
import type { Point } from "../src/core/types.js";
import { openStore } from "../src/store/index.js";
import { benchTaskManager, type Bench, type BenchResult } from "./harness.js";

const SERIES = 600;
const PER_SERIES = 500;
const S = 1e9;
const SCRIPT = `dbrp "bench"."autogen"
stream
  |from().measurement('cpu').groupBy('host')
  |alert().warn(lambda: "usage_idle" < 20.0).crit(lambda: "usage_idle" < 10.0)`;
const quiet = { log: () => undefined };
/** ms each case spent producing (part of its figure: the same thread produces and consumes). */
const produceMs: number[] = [];

function brokers(): string[] {
  const v = process.env.KAFKA_BROKERS;
  if (v === undefined || v.trim() === "")
    throw new Error(
      "bench cluster: KAFKA_BROKERS is not set; start Kafka with `bash scripts/services.sh up` and " +
        '`eval "$(bash scripts/services.sh env)"`',
    );
  return v.split(",").map((s) => s.trim());
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`bench cluster: ${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function runCase(b: string[], members: number): Promise<{ rate: number; alerts: number }> {
  const name = `bench-${randomUUID().slice(0, 8)}`;
  const cfg: ClusterConfig = {
    enabled: true,
    name,
    brokers: b,
    commitInterval: 200e6,
    partitions: 6,
    replicationFactor: 1,
    memberId: "",
  };
  const n = clusterNames(name);
  let alerts = 0;
  const inputs: ClusterInput[] = [];
  const stores: ReturnType<typeof openStore>[] = [];
  const admin = clusterKafka(cfg, "bench-admin", quiet).admin();
  await admin.connect();
  try {
    for (let i = 0; i < members; i++) {
      const member = `m${i}`;
      const kafka = clusterKafka({ ...cfg, memberId: member }, member, quiet);
      if (i === 0) await ensureClusterTopics(kafka, cfg);
      const store = openStore(":memory:");
      stores.push(store);
      const tm = benchTaskManager(store, SCRIPT, () => undefined);
      const input = new ClusterInput({
        kafka,
        cfg,
        memberId: member,
        logger: quiet,
        tasks: tm,
        alerts: { collect: () => void alerts++ },
        topicStates: { loadEvents: () => undefined, forgetEvents: () => undefined },
        kafkaInputs: [],
      });
      await input.start();
      inputs.push(input);
    }
    await waitFor(() => {
      const owned = inputs.map((i) => i.partitions().filter((p) => p.state === "active").length);
      return owned.every((o) => o > 0) && owned.reduce((a, o) => a + o, 0) === 6;
    }, "balancing");

    // Through the /write path's producer (idempotent, acks=all, keyed by series).
    const writer = await startWriteProducer(clusterKafka(cfg, "bench-producer", quiet), n.pointsTopic);
    const t0 = performance.now();
    const base = 1_764_900_000 * S;
    for (let j = 0; j < PER_SERIES; j += 250) {
      const points: Point[] = [];
      for (let h = 0; h < SERIES; h++)
        for (let k = j; k < j + 250; k++)
          points.push({
            name: "cpu",
            tags: { host: `h${h}` },
            // An incident (CRITICAL, then OK) every 100 points of a series.
            fields: { usage_idle: k % 100 === 0 ? 5 : 50 },
            time: BigInt(base + k * S),
          });
      await writer.produce("bench", "autogen", points);
    }
    await writer.stop();
    produceMs.push(performance.now() - t0);
    const ends = await admin.fetchTopicOffsets(n.pointsTopic);
    await waitFor(
      () =>
        ends.every((e) =>
          inputs.some((i) =>
            i
              .partitions()
              .some((p) => p.partition === e.partition && BigInt(p.committedOffset) >= BigInt(e.high)),
          ),
        ),
      "consuming every point",
    );
    const ms = performance.now() - t0;
    return { rate: (SERIES * PER_SERIES * 1000) / ms, alerts };
  } finally {
    for (const i of inputs) await i.stop();
    for (const s of stores) s.close();
    await admin
      .deleteTopics({ topics: [n.pointsTopic, n.stateTopic, n.notificationsTopic, n.configTopic] })
      .catch(() => undefined);
    await admin.disconnect();
  }
}

async function run(): Promise<BenchResult[]> {
  const b = brokers();
  const one = await runCase(b, 1);
  const two = await runCase(b, 2);
  process.stderr.write(
    `cluster: ${SERIES * PER_SERIES} points, ${one.alerts} / ${two.alerts} alert events; both instances ` +
      `share this process's one thread, so two instances show overhead, not scaling; producing took ` +
      `${produceMs.map((m) => Math.round(m)).join(" / ")} ms of it\n`,
  );
  const baseline = { name: "cluster.one-instance", value: one.rate };
  return [
    { name: "cluster.one-instance", value: one.rate, unit: "points/s" },
    { name: "cluster.two-instances", value: two.rate, unit: "points/s", baseline },
  ];
}

export const benches: Bench[] = [{ name: "cluster", run }];
