/**
 * Helpers for integration tests that run spawned tickd instances in cluster mode against the
 * single Kafka broker: the `[cluster]` section, the partitions each instance owns, /metrics
 * figures, line-protocol writes, and the committed notifications topic read back.
 */
import { Kafka, logLevel } from "kafkajs";
import { expect } from "vitest";
import type { TickdProcess } from "./daemon.js";
import { kafkaBrokers, uniqueName } from "./services.js";
import { installReadCommittedFix } from "../../src/sources/kafka-read-committed.js";

export function clusterName(prefix: string): string {
  return uniqueName(prefix).replace(/[^A-Za-z0-9-]/g, "");
}

export function clusterSection(
  name: string,
  member: string,
  opts: { partitions?: number; commitInterval?: string } = {},
): string {
  return [
    "[cluster]",
    "  enabled = true",
    `  name = "${name}"`,
    `  brokers = ${JSON.stringify(kafkaBrokers())}`,
    `  partitions = ${opts.partitions ?? 1}`,
    `  member-id = "${member}"`,
    `  commit-interval = "${opts.commitInterval ?? "200ms"}"`,
  ].join("\n");
}

export async function metric(p: TickdProcess, series: string): Promise<number> {
  const text = await (await fetch(`${p.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
}

/** The partitions an instance owns now, from its last assignment log line ("topic/n"). */
export function owned(p: TickdProcess): string[] {
  const l = [...p.logs].reverse().find((x) => x["msg"] === "cluster: partitions assigned");
  return (l?.["owned"] as string[] | undefined) ?? [];
}

/** Waits (bounded) until the live instances hold `partitions` active partitions between them. */
export async function settled(
  live: TickdProcess[],
  partitions: number,
  what = "the instances",
): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const counts = await Promise.all(
      live.map(async (p) => [
        await metric(p, 'tickd_cluster_partitions_owned{state="active"}'),
        await metric(p, 'tickd_cluster_partitions_owned{state="restoring"}'),
      ]),
    );
    const active = counts.reduce((a, [x]) => a + x!, 0);
    if (active === partitions && counts.every(([, r]) => r === 0)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not hold all ${partitions} input partitions, restored, within 60 s`);
}

export async function writeLines(to: TickdProcess, lines: string[]): Promise<void> {
  const res = await fetch(`${to.url}/write?db=telegraf&rp=autogen&precision=n`, {
    method: "POST",
    body: lines.join("\n"),
  });
  expect(res.status, await res.text()).toBe(204);
}

/** Waits (bounded) until the input group has committed every record of the points topic. */
export async function inputCommitted(name: string): Promise<void> {
  const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "tickd-test", logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topic = `tickd-${name}-points`;
    for (let i = 0; i < 150; i++) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [done] = await admin.fetchOffsets({ groupId: `tickd-${name}`, topics: [topic] });
      const lagging = ends.filter((e) => {
        const c = done?.partitions.find((p) => p.partition === e.partition)?.offset ?? "-1";
        return BigInt(c) < BigInt(e.high);
      });
      if (lagging.length === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`group tickd-${name} did not commit the points topic to its end within 30 s`);
  } finally {
    await admin.disconnect();
  }
}

export interface CommittedNotification {
  eventId: string;
  member: string;
  partition: number;
  /** The request body as JSON (the alert as a post handler sends it). */
  body: Record<string, unknown>;
}

/**
 * The committed notifications of a cluster, read from the beginning: waits (bounded, 60 s)
 * for `want` of them, then `settleMs` more for any extra one.
 */
export async function committedNotifications(
  name: string,
  want: number,
  settleMs = 2000,
): Promise<CommittedNotification[]> {
  // As the dispatchers read: without aborted records (kafkajs 2.2 hands some out).
  installReadCommittedFix();
  const kafka = new Kafka({ brokers: kafkaBrokers(), clientId: "tickd-test", logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: uniqueName("check"), readUncommitted: false });
  const out: CommittedNotification[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: `tickd-${name}-notifications`, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const r = JSON.parse(message.value!.toString()) as {
          eventId: string;
          origin: { member: string; partition: number };
          request: { body: string };
        };
        out.push({
          eventId: r.eventId,
          member: r.origin.member,
          partition: r.origin.partition,
          body: JSON.parse(r.request.body) as Record<string, unknown>,
        });
      },
    });
    for (let i = 0; i < 600 && out.length < want; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, settleMs));
  } finally {
    await consumer.disconnect();
  }
  return out;
}
