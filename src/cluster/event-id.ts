/**
 * The stable id of a notification produced in cluster mode (NotificationRecord.eventId,
 * `X-Tickd-Event-Id`). It is derived only from what a replay reproduces — handler, topic,
 * alert id, level and the event's data time — plus a counter for a handler that legitimately
 * makes several requests for one event, so the new owner of a partition that replays the
 * input after a crash produces the same ids the old owner did, and receivers drop repeats.
 *
 * The time went in as a float64 ns count before times became exact bigints, so for most
 * sub-second times an older version hashes other digits than this one. That cannot send one
 * notification twice in a cluster upgraded member by member: an id is computed once, when the
 * notification is produced, in the partition's transaction with the input offsets and the
 * state; only a committed record reaches a dispatcher (read-committed), and a new owner
 * replays input only after an aborted transaction, whose record nobody read. Redelivery by
 * another dispatcher reuses the id stored in the record; nothing recomputes it.
 */
import { createHash } from "node:crypto";

import type { Level } from "../core/types.js";

export interface EventIdParts {
  readonly handler: string;
  readonly topic: string;
  readonly alertId: string;
  readonly level: Level;
  /** ns since the epoch: the event's data time. */
  readonly time: bigint;
  /** 0 for the first request of this handler for this event, then 1, 2, … */
  readonly n: number;
}

/** A UUID-shaped (version 5 style) hash of the parts: same parts, same id, on every instance. */
export function notificationEventId(p: EventIdParts): string {
  const time = p.time.toString();
  const h = createHash("sha256")
    .update([p.handler, p.topic, p.alertId, String(p.level), time, String(p.n)].join("\u0000"))
    .digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
