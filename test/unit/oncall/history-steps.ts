/**
 * Shared by the history store, fold and journal-writer tests: the services over one store, an
 * alert event, a journaled notification, a delivery outcome and the history row count.
 */
import type { AlertEvent } from "../../../src/core/alert-event.js";
import { HistoryService } from "../../../src/oncall/history.js";
import { DeliveryJournalRepository, type AttemptUpdate } from "../../../src/store/delivery-journal.js";
import type { Store } from "../../../src/store/index.js";

const logger = { log: () => undefined };

/** The history service and the delivery journal over `store`, at the clock `now`. */
export function services(store: Store, now: () => number) {
  return {
    history: new HistoryService({ db: store.db, retentionMs: 0, logger, now }),
    journal: new DeliveryJournalRepository(store.db),
  };
}

/** An alert event of `task` (default "cpu") as the history reads it. */
export const alertEvent = (id: string, level: number, task = "cpu"): AlertEvent =>
  ({ state: { id, level, message: `${id} at ${level}` }, data: { taskName: task } }) as unknown as AlertEvent;

/** A post handler's notification of `alertId` on `topic`, as the journal takes it. */
export const notification = (alertId: string, topic = "t", url = "http://127.0.0.1:9/x") => ({
  handler: "post0",
  topic,
  alertId,
  kind: "post",
  method: "POST",
  url,
  urlRedacted: "http://127.0.0.1:9/x",
  headers: {},
  body: "{}",
  timeoutMs: 0,
});

/** An attempt's outcome as the delivery service writes it (`http` ≥ 300 carries an error). */
export const outcome = (
  status: AttemptUpdate["status"],
  attempts: number,
  http: number,
  at: number,
): AttemptUpdate => ({
  status,
  attempts,
  lastError: http >= 300 ? `HTTP ${http}` : "",
  lastStatus: http,
  nextRetryMs: 0,
  updatedMs: at,
});

export const rowCount = (store: Store): number =>
  store.db.prepare("SELECT COUNT(*) FROM alert_history").pluck().get() as number;
