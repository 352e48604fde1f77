/**
 * A fenced commit while the group still assigns the partition here (DESIGN §11): a transaction
 * coordinator can bump a partition's producer epoch without any other owner (a transaction
 * timed out, a coordinator failover, an operator's stray producer with the same id). Kafka then
 * refuses the next commit as fenced. Before, the instance dropped the partition for good and,
 * no rebalance following, nobody processed its input again: later alerts were never sent. Now
 * the instance checks its membership with a heartbeat, takes the partition back, restores it
 * from the last commit and replays the input from there.
 */
import { Kafka, logLevel } from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";
import { clusterName, clusterSection, metric, settled, writeLines } from "../support/cluster-run.js";
import { startTickd, type TickdProcess } from "../support/daemon.js";
import { startReceiver, type Receiver } from "../support/receiver.js";
import { kafkaBrokers } from "../support/services.js";

let procs: TickdProcess[] = [];
let receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(procs.map((p) => p.stop("SIGKILL")));
  await Promise.all(receivers.map((r) => r.close()));
  procs = [];
  receivers = [];
});

/** Initialises the partition's transactional id from outside: the daemon's producer is fenced. */
async function fenceFromOutside(name: string): Promise<void> {
  const kafka = new Kafka({
    brokers: kafkaBrokers(),
    clientId: "tickd-test-fence",
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({
    transactionalId: `tickd-${name}-tx-tickd-${name}-points-0`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const t = await producer.transaction();
    await t.abort();
  } finally {
    await producer.disconnect();
  }
}

describe("cluster mode: a fenced commit on a partition that is still ours", () => {
  it("takes the partition back and sends the alerts of the input after the fence", async () => {
    const name = clusterName("fence");
    const rx = await startReceiver();
    receivers.push(rx);
    const tickd = await startTickd({
      extraConfig: clusterSection(name, "m1"),
      tasks: {
        "cpu.tick": `dbrp "telegraf"."autogen"
stream
  |from().measurement('cpu').groupBy('host')
  |alert().id('cpu:{{ index .Tags "host" }}').crit(lambda: "usage_idle" < 10).post('${rx.url}/hook')
`,
      },
    });
    procs.push(tickd);
    await settled(procs, 1);
    const t = BigInt(Date.now()) * 1_000_000n;
    await writeLines(tickd, [`cpu,host=a usage_idle=5 ${t}`]);
    await rx.waitFor(1, 30_000);

    await fenceFromOutside(name);
    await writeLines(tickd, [`cpu,host=b usage_idle=5 ${t + 1_000_000_000n}`]);
    // The commit that carries host b's notification is refused as fenced.
    for (let i = 0; (await metric(tickd, 'tickd_cluster_transactions_total{outcome="failed"}')) < 1; i++) {
      if (i > 150) throw new Error("the fenced commit was never attempted (no failed transaction in 30 s)");
      await new Promise((r) => setTimeout(r, 200));
    }
    const all = await rx.waitFor(2, 30_000);
    const ids = all.map((r) => (JSON.parse(r.body) as { id: string }).id);
    expect(ids.sort()).toEqual(["cpu:a", "cpu:b"]);
    // Restored from the last commit: host a's CRITICAL is not sent again.
    await writeLines(tickd, [`cpu,host=c usage_idle=5 ${t + 2_000_000_000n}`]);
    const three = await rx.waitFor(3, 30_000);
    expect(three.map((r) => (JSON.parse(r.body) as { id: string }).id).sort()).toEqual([
      "cpu:a",
      "cpu:b",
      "cpu:c",
    ]);
    expect(tickd.logs.some((l) => l["msg"] === "cluster: partition taken back after a fenced commit")).toBe(
      true,
    );
    expect(await metric(tickd, "tickd_cluster_partitions_taken_back_total")).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
