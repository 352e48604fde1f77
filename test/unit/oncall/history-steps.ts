/** Shared by the history fold and journal-writer tests: a delivery outcome and the history row count. */
import type { AttemptUpdate } from "../../../src/store/delivery-journal.js";
import type { Store } from "../../../src/store/index.js";

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
