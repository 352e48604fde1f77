/** Public types of the delivery layer (DESIGN §8): what the daemon passes in and gets back. */
import type { JournalSealer } from "../store/delivery-journal.js";
import type { EngineLogger } from "../engine/context.js";
import type { HttpRequest, HttpResponse, HttpSender } from "../handlers/types.js";
import type { ExtraRoute } from "../server/http/types.js";
import type { Store } from "../store/index.js";
import type { DeliveryRecord } from "../store/delivery-journal.js";
import type { Transport, VerificationMode } from "./transport.js";

/** Error codes of this layer (TickdError.code). */
export const DeliveryCodes = {
  /** The journal holds `max-journal-rows` pending notifications; this one was refused. */
  FULL: "E_DELIVERY_FULL",
  /** The service is stopped (or not started) and takes no notifications. */
  STOPPED: "E_DELIVERY_STOPPED",
  /** Bad `[delivery]` / `[webhook]` settings (unreadable ca-file). */
  CONFIG: "E_DELIVERY_CONFIG",
  /** The journal write failed (closed store, disk full); the notification was not accepted. */
  JOURNAL: "E_DELIVERY_JOURNAL",
  /** Bad body or query of a /tickd/v1 delivery route. */
  REQUEST: "E_DELIVERY_REQUEST",
  /** No delivery with that id (the API answers 404). */
  NOT_FOUND: "E_DELIVERY_NOT_FOUND",
  /** The delivery is not in a state the operation needs (retrying one that did not fail: 409). */
  CONFLICT: "E_DELIVERY_CONFLICT",
} as const;

/**
 * Header every journaled request carries: the notification's event id (its journal row's
 * `event_id`), the same on every retry and replay, so receivers can drop repeats (DESIGN §8).
 */
export const EVENT_ID_HEADER = "X-Tickd-Event-Id";

/** Status the journaling sender resolves with: the notification is accepted, not yet delivered. */
export const ACCEPTED_STATUS = 202;

/** The `[delivery]` section (times in ns, as TickdConfig has them). */
export interface DeliverySettings {
  /** Attempts before a notification is recorded as failed; 0 = no count limit. */
  readonly maxAttempts: number;
  /**
   * ns a notification is retried after it was journaled (or re-queued by {@link
   * DeliveryService.retry}) before it is failed; 0 or absent = no age limit. Whichever of
   * maxAttempts and maxAge is reached first fails it; at least one attempt is always made.
   */
  readonly maxAge?: number;
  readonly backoffInitial: number;
  readonly backoffMax: number;
  /**
   * Requests in flight per handler (default 32); each alert id's notifications stay in
   * journal order whatever the value, and 1 keeps each handler's notifications in order.
   */
  readonly concurrency: number;
  /** false: the journal lives in memory only (retries still happen, restarts lose it). */
  readonly journal: boolean;
  /** Requests started per second per handler; 0 or absent = no limit. */
  readonly rateLimit?: number;
  /** Pending rows the journal may hold; default 100k. */
  readonly maxJournalRows?: number;
  /** Delivered/failed rows kept for the API; default 10k. */
  readonly keepCompleted?: number;
}

/** The `[webhook]` keys the transport reads (times in ns). */
export interface DeliveryWebhookSettings {
  readonly verificationMode: VerificationMode;
  readonly caFile: string;
  readonly timeout: number;
}

/** `POST /tickd/v1/handlers/test` bodies. */
export type HandlerTestSpec =
  { kind: string; options: Record<string, unknown> } | { topic: string; handler: string };

export interface HandlerTestResult {
  status?: number;
  body?: string;
  error?: string;
  /** The refusal's code (E_HANDLER_DISABLED, E_HANDLER_REFUSED…) when no request was built. */
  code?: string;
  /** false when no request went out. */
  sent?: false;
}

export interface DeliveryDeps {
  store: Store;
  config: { delivery: DeliverySettings; webhook: DeliveryWebhookSettings };
  logger: EngineLogger;
  /** Wall clock, ms; default Date.now. */
  now?: () => number;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
  /** The wire; default {@link createTransport} from `[webhook]`. Tests pass real-server fakes. */
  transport?: Transport;
  /**
   * Cluster mode: notifications read from the notifications topic (rows with an `origin`)
   * are not replayed by start(): the dispatcher reads their records again (their offsets were
   * not committed) and {@link ExternalDeliveries.releaseParked} drops them. Default false.
   */
  holdExternal?: boolean;
  /**
   * Sends a sample alert through a handler built from `spec`, using `send` (which bypasses the
   * journal and records the endpoint's answer). Without it the test route answers 501.
   */
  testHandler?: (spec: HandlerTestSpec, send: HttpSender) => Promise<void>;
  /** Seals journaled URLs and headers at rest (src/secrets/); default: stored as they are. */
  sealer?: JournalSealer;
}

/** One row of `GET /tickd/v1/deliveries`. */
export interface DeliveryView {
  id: number;
  /** The `X-Tickd-Event-Id` its requests carry. */
  event_id: string;
  handler: string;
  topic: string;
  alert_id: string;
  kind: string;
  method: string;
  url: string;
  status: DeliveryRecord["status"];
  attempts: number;
  last_error: string;
  last_status: number;
  /** RFC 3339, null when no attempt is planned. */
  next_retry: string | null;
  created: string;
  updated: string;
}

/**
 * Where a notification read from a cluster's notifications topic stands in this journal:
 * `journaled` now (to be sent), or already known: `sending` (pending), `delivered`, `failed`.
 */
export type ExternalState = "journaled" | "sending" | "delivered" | "failed";

/** A notification made by another cluster member, as the dispatcher hands it over. */
export interface ExternalNotification {
  /** The producer's event id: the journal row's `event_id` and `X-Tickd-Event-Id`. */
  readonly eventId: string;
  /** `<topic>/<partition>` it was read from. */
  readonly origin: string;
  /** When it was made (the record's timestamp, Unix ms): `[delivery] max-age` counts from here. */
  readonly createdMs: number;
}

/**
 * The delivery service's seam for the cluster dispatcher (src/cluster/dispatcher.ts): it
 * journals records made elsewhere under their own event id, at most once per event id, and
 * says when each is over. Not refused when the journal is full: the dispatcher pauses its
 * consumer at 90% of `max-journal-rows` instead, and a record it has read must be kept.
 */
export interface ExternalDeliveries {
  /**
   * Journals `req` under `n.eventId` and schedules it (`journaled`), unless a row with that
   * event id exists: then nothing is sent again, and the answer is that row's state.
   */
  accept(req: HttpRequest, n: ExternalNotification): ExternalState;
  /**
   * Journals a record that cannot be sent (unparsable, unknown version) as `failed` with the
   * reason, unless its event id is journaled already; counted in `/metrics` as failed.
   */
  reject(
    meta: { handler: string; topic: string; alertId: string; kind: string },
    n: ExternalNotification,
    reason: string,
  ): void;
  /** Called once when a row with an origin becomes delivered or failed. */
  onSettled(listener: (eventId: string, status: "delivered" | "failed") => void): void;
  /**
   * Drops the pending rows of `origin` (a partition given to another member, who sends them
   * from its records): they are cancelled and deleted. Returns how many.
   */
  release(origin: string): number;
  /**
   * true: rows with an origin start no new attempt (a revoke or stop is draining); attempts
   * already under way go on. false: they go on as usual.
   */
  hold(on: boolean): void;
  /** Attempts of rows with an origin under way now (request sent, no answer yet). */
  attempting(): number;
  /** Drops every row {@link DeliveryDeps.holdExternal} kept from being replayed. Returns how many. */
  releaseParked(): number;
  /** Writes buffered rows and outcomes now (before offsets are committed on what they say). */
  flush(): void;
}

/** How one journaled notification ended (delivered, failed for good, or refused before sending). */
export interface FinishedDelivery {
  topic: string;
  handler: string;
  ok: boolean;
  /** The last error ("" when delivered); secrets the handler declared are redacted. */
  error: string;
}

export interface DeliveryService {
  /** For `HandlerDeps.send`: journals the request and resolves at once with {@link ACCEPTED_STATUS}. */
  readonly sender: HttpSender;
  /** Hears every notification that ends, each once (connector activity). */
  onFinished(listener: (f: FinishedDelivery) => void): void;
  /** The bare wire (no journal, no retries), for one-off sends such as the test route. */
  readonly direct: { send(req: HttpRequest): Promise<HttpResponse> };
  /** Replays the journal's pending rows and starts taking notifications. */
  start(): void;
  /**
   * Stops sending and waits for attempts in flight, at most `graceMs` (default 10s); queued
   * and retrying rows stay journaled, and so does an attempt abandoned after the grace period
   * (it is replayed at the next start: at-least-once). Later `sender.send` calls still journal.
   */
  stop(opts?: { graceMs?: number }): Promise<void>;
  /** `/tickd/v1/deliveries`, `/tickd/v1/handlers/test` and `/metrics` (see {@link createMetricsRoute} to merge). */
  readonly routes: ExtraRoute[];
  /** Prometheus text of the delivery families (ends with a newline; safe to concatenate). */
  metrics(): string;
  /** Resolves when no notification is pending in memory (tests, benches, drain). */
  idle(): Promise<void>;
  /** Pending notifications (queued + retrying) in the journal. */
  pendingCount(): number;
  /** The cluster dispatcher's seam (see {@link ExternalDeliveries}). */
  readonly external: ExternalDeliveries;
  /**
   * Re-queues a failed delivery with a fresh attempt count and max-age. Throws
   * E_DELIVERY_NOT_FOUND, E_DELIVERY_CONFLICT (not failed, or refused before a request
   * existed) or E_DELIVERY_FULL.
   */
  retry(id: number): DeliveryRecord;
  /** Deletes a delivery (a pending one is cancelled); throws E_DELIVERY_NOT_FOUND. Returns the row as it was. */
  remove(id: number): DeliveryRecord;
  /**
   * The config-reload seam (SIGHUP): new `[delivery]` and `[webhook]` settings apply at once —
   * limits, backoff and max-age to every pending notification's next step, concurrency to
   * every lane, rate-limit to each lane once it is idle, TLS/timeout rules through a new
   * transport (the old one finishes its requests). `journal` is fixed at creation. Throws
   * E_DELIVERY_CONFIG (unreadable ca-file) and then changes nothing of `[webhook]`.
   */
  reconfigure(config: { delivery: DeliverySettings; webhook: DeliveryWebhookSettings }): void;
}
