/**
 * The console's Cluster page in a real browser (Debian's chromium through playwright-core),
 * against a spawned tickd in cluster mode on the 3-node Kafka cluster (scripts/services.sh
 * up-cluster): the Health page links it; it lists the members of the input group (a plain
 * kafkajs consumer with a tickd client id stands in for another instance) with their
 * partitions, and every input partition's owner, offsets and lag. One node shows that cluster
 * mode is off. Screenshots go to test-artifacts/console/.
 */
import { join } from "node:path";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clusterNames } from "../../src/cluster/names.js";
import { ARTIFACTS, launchBrowser, type Browser } from "../support/browser.js";
import { useDaemons } from "../support/daemon.js";
import {
  clusterBrokers,
  clusterKafka,
  ensureWholeCluster,
  waitForLeaders,
} from "../support/kafka-cluster.js";
import { uniqueName } from "../support/services.js";

const { tickd } = useDaemons();
let browser: Browser | undefined;
const consumers: Consumer[] = [];
// A suite before this one may have died with a broker killed: start it again first.
beforeAll(() => ensureWholeCluster(), 300_000);
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});
afterAll(async () => {
  for (const c of consumers.splice(0)) await c.disconnect().catch(() => undefined);
});

describe("console Cluster page in chromium", () => {
  it("is linked from Health and shows members, partitions and lag", async () => {
    const name = uniqueName("ui");
    const n = clusterNames(name);
    const kafka = clusterKafka();
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: false,
      topics: [n.pointsTopic, n.notificationsTopic].map((topic) => ({ topic, numPartitions: 3 })),
    });
    await admin.disconnect();
    await waitForLeaders([n.pointsTopic, n.notificationsTopic]);
    const producer = kafka.producer();
    await producer.connect();
    for (let p = 0; p < 3; p++)
      await producer.send({
        topic: n.pointsTopic,
        messages: Array.from({ length: 5 }, (_, i) => ({ partition: p, value: `cpu v=${i} ${i + 1}` })),
      });
    await producer.disconnect();
    // Another "member": a consumer in the input group, its client id as tickd's (tickd-<name>-<id>).
    const consumer = new Kafka({
      clientId: `tickd-${name}-peer`,
      brokers: clusterBrokers(),
      logLevel: logLevel.NOTHING,
    }).consumer({ groupId: n.inputGroup, heartbeatInterval: 1000 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [n.pointsTopic], fromBeginning: true });
    const committed = new Set<number>();
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch }) => {
        if (committed.has(batch.partition)) return;
        committed.add(batch.partition);
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: "2" }]);
      },
    });

    const t = await tickd({
      extraConfig: [
        "[cluster]",
        "  enabled = true",
        `  name = ${JSON.stringify(name)}`,
        `  brokers = ${JSON.stringify(clusterBrokers())}`,
        '  member-id = "ui-1"',
      ].join("\n"),
    });

    browser = await launchBrowser();
    const page = await browser.context.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    await page.goto(`${t.url}/ui/health`);
    await page.getByRole("main").getByRole("link", { name: "Cluster" }).click();
    await page.waitForURL(/\/ui\/cluster$/);
    await page.getByRole("heading", { name: "Cluster", level: 1 }).waitFor();
    expect(await page.locator("dl.facts").innerText()).toContain("ui-1");

    // The peer appears once the group is stable and its offsets are committed (polled every 5 s).
    const peer = page.locator('tr[data-member="peer"]');
    await expect.poll(() => peer.count(), { timeout: 60_000 }).toBe(1);
    expect(await peer.locator("td").first().innerText()).toBe("127.0.0.1");
    const held = (await peer.locator("td").nth(1).innerText()).split(", ").map(Number);
    expect(held.length).toBeGreaterThan(0);
    for (const p of held) {
      const row = page.locator(`tr[data-partition="${n.pointsTopic}/${p}"]`);
      await expect
        .poll(() => row.locator("td").allInnerTexts(), { timeout: 30_000 })
        .toEqual(["peer", "—", "2", "5", "3"]);
    }
    expect(await page.locator("tr[data-dispatch-partition]").count()).toBe(3);
    await page.screenshot({ path: join(ARTIFACTS, "cluster.png"), fullPage: true });

    // A phone: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await expect.poll(() => peer.count(), { timeout: 30_000 }).toBe(1);
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    expect(consoleErrors).toEqual([]);
  });

  it("says cluster mode is off on one node", async () => {
    const t = await tickd();
    browser = await launchBrowser();
    const page = await browser.context.newPage();
    await page.goto(`${t.url}/ui/cluster`);
    await expect.poll(() => page.locator("main").innerText()).toContain("Cluster mode is off");
  });
});
