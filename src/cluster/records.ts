/**
 * The records the cluster parts hand each other through Kafka (DESIGN §11). Versioned JSON:
 * a reader refuses (logs, counts, skips after committing) a version it does not know, so a
 * rolling upgrade never wedges a partition.
 */
import type { HttpRequest } from "../handlers/types.js";

/**
 * A record of `tickd-<name>-notifications`, key = the alert id (so one alert's notifications
 * stay in order on one partition). Produced by the input side inside the transaction that
 * also holds the state change and the input offsets; consumed read-committed by the
 * dispatcher group, which journals `request` locally under `eventId` and delivers it.
 */
export interface NotificationRecord {
  readonly v: 1;
  /**
   * Stable id of this notification: the same when a crash makes the new owner of the input
   * partition replay the input and produce it again, so it becomes `X-Tickd-Event-Id` and
   * receivers (and the dispatcher's own journal) drop repeats.
   */
  readonly eventId: string;
  /** The request as the handler built it (its `delivery` meta names handler, topic, alert id, kind). */
  readonly request: HttpRequest;
  /** Where it was made, for logs and history. */
  readonly origin: { readonly member: string; readonly topic: string; readonly partition: number };
}

export function isNotificationRecord(v: unknown): v is NotificationRecord {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Partial<NotificationRecord>;
  return r.v === 1 && typeof r.eventId === "string" && typeof r.request === "object" && r.request !== null;
}
