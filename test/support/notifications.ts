/**
 * Producing notification records (src/cluster/records.ts) to a cluster's notifications
 * topic by hand, as the input side of cluster mode does: a transactional kafkajs producer,
 * records keyed by alert id, the request as a handler built it. For dispatcher tests that do
 * not need the engine.
 */
import { randomUUID } from "node:crypto";
import { Kafka, logLevel, type Producer } from "kafkajs";
import type { NotificationRecord } from "../../src/cluster/records.js";
import type { HttpRequest } from "../../src/handlers/types.js";

export interface NotificationProducer {
  /** Sends records in one committed transaction; `partition` pins where a record goes. */
  send(
    records: readonly { record: NotificationRecord | string; key: string; partition?: number }[],
  ): Promise<void>;
  close(): Promise<void>;
}

export async function notificationProducer(brokers: string[], topic: string): Promise<NotificationProducer> {
  const kafka = new Kafka({ brokers, clientId: "tickd-test-notifications", logLevel: logLevel.NOTHING });
  const producer: Producer = kafka.producer({
    transactionalId: `tickd-test-${randomUUID()}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  return {
    async send(records) {
      const tx = await producer.transaction();
      try {
        await tx.send({
          topic,
          messages: records.map((r) => ({
            key: r.key,
            value: typeof r.record === "string" ? r.record : JSON.stringify(r.record),
            ...(r.partition !== undefined ? { partition: r.partition } : {}),
          })),
        });
        await tx.commit();
      } catch (e) {
        await tx.abort().catch(() => undefined);
        throw e;
      }
    },
    close: () => producer.disconnect(),
  };
}

/** A notification as a `post` handler would have built it: JSON body naming the alert and its sequence number. */
export function postNotification(opts: {
  url: string;
  alertId: string;
  seq: number;
  eventId?: string;
  topic?: string;
}): NotificationRecord {
  const request: HttpRequest = {
    method: "POST",
    url: opts.url,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ id: opts.alertId, seq: opts.seq }),
    timeoutMs: 30_000,
    delivery: {
      handler: "hook",
      topic: opts.topic ?? "main:cpu:alert2",
      alertId: opts.alertId,
      kind: "post",
    },
  };
  return {
    v: 1,
    eventId: opts.eventId ?? randomUUID(),
    request,
    origin: { member: "test", topic: "tickd-test-points", partition: 0 },
  };
}
