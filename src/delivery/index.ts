/**
 * Durable delivery of HTTP notifications (DESIGN §8): a journal in SQLite, per-handler
 * queues, retries with backoff, the undici transport and the `/tickd/v1/deliveries`,
 * `/tickd/v1/handlers/test` and `/metrics` routes. See service.ts for the states.
 */
export {
  createDelivery,
  DEFAULT_KEEP_COMPLETED,
  DEFAULT_MAX_JOURNAL_ROWS,
  DEFAULT_STOP_GRACE_MS,
  redactSecrets,
} from "./service.js";
export { createHandlerTester, sampleAlertEvent, type HandlerTesterDeps } from "./handler-test.js";
export { createMetricsRoute, escapeLabel } from "./metrics.js";
export { deliveryView, parseTestSpec, recordingSender } from "./routes.js";
export {
  attemptsLeft,
  backoffDelayMs,
  isRetryableErrorCode,
  isRetryableStatus,
  parseRetryAfter,
  RETRY_AFTER_CAP_MS,
} from "./retry-policy.js";
export {
  createTransport,
  type Transport,
  type TransportOptions,
  type TransportResponse,
  type VerificationMode,
} from "./transport.js";
export * from "./types.js";
