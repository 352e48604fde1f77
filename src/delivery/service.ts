/**
 * The delivery service: the handlers' HTTP sender, made durable (DESIGN §8).
 *
 * A notification goes journal → lane (per-handler queue) → retry loop → timeout → send:
 *   accepted:  `sender.send` returns 202 at once (nothing awaits the network); refused with
 *              E_DELIVERY_FULL when the journal holds max rows. Its `queued` row is written
 *              (group commit) at the end of the event-loop turn, together with every other
 *              row and outcome of that turn, in one transaction — or at once when the caller
 *              has a transaction open (an alert storm's batch: the row commits with the alert
 *              state). Its first attempt starts only after that commit.
 *   refused:   `sender.refuse` (a handler that could not build its request: service disabled,
 *              URL not allowed, template error) writes a `failed` row with the reason at once.
 *   attempt:   2xx → `delivered`; 4xx other than 408/429, max-attempts used up, or max-age
 *              passed since the row was journaled (or re-queued) → `failed`;
 *              5xx/408/429/timeout/connection error → `retrying` with `next_retry` set, then
 *              another attempt after backoff or `Retry-After` (never later than the max-age
 *              deadline, where the last attempt is made).
 *   retry():   `failed` → `queued` with a fresh attempt count and max-age (the retry API).
 *   remove():  the row is deleted; a pending one is cancelled (its run ends, its sleep is cut).
 * A lane (one per handler) has `[delivery] concurrency` slots (default 32): a slot is held
 * by one attempt, request to response, and given back while the notification waits for its
 * retry, so neither a hung endpoint nor a retried alert holds more than its own slot. The
 * notifications of one alert id go out one after another in journal order (the next one
 * starts when the previous one is delivered or failed), so a recovery never overtakes its
 * CRITICAL while other alerts use the free slots; concurrency 1 orders a whole handler so.
 * Every request carries `X-Tickd-Event-Id`, the row's event id: added to the record's headers
 * once when it is scheduled, so retries reuse the same object and a replay sends the same id.
 * The `[delivery]`/`[webhook]` settings are one replaceable value: reconfigure() (the SIGHUP
 * seam) swaps them, each notification reading them at its next step.
 * Cluster mode (`external`, src/cluster/dispatcher.ts): a notification read from the cluster's
 * notifications topic is journaled under its producer's event id with its `origin`
 * (`<topic>/<partition>`), at most once per event id, and goes the same way; `onSettled`
 * listeners hear when it is delivered or failed (the dispatcher then commits its offset).
 * With `holdExternal`, start() leaves such rows parked (their records are read again) until
 * `releaseParked()` deletes them; `release(origin)` drops a revoked partition's pending rows.
 * Service states: new → running → stopped. `start()` replays every pending row; `stop()`
 * wakes sleeping retries (rows stay `retrying`), drops lane entries not yet started (rows
 * stay `queued`), writes what is buffered and waits for attempts in flight.
 */
import Database from "better-sqlite3";
import { coerceError, TickdError } from "../core/errors.js";
import { redactUrl } from "../handlers/http.js";
import type { HttpRequest, HttpSender } from "../handlers/types.js";
import { createDeliveryJournalTables } from "../store/migrations.js";
import {
  DeliveryJournalRepository,
  type AttemptUpdate,
  type DeliveryRecord,
  type DeliveryStatus,
  type NewDelivery,
} from "../store/delivery-journal.js";
import { MetricsRegistry } from "./metrics.js";
import {
  attemptsLeft,
  backoffDelayMs,
  isRetryableErrorCode,
  isRetryableStatus,
  parseRetryAfter,
} from "./retry-policy.js";
import { createDeliveryRoutes } from "./routes.js";
import { Slots, type SlotWaiter } from "./slots.js";
import { dispatchTrace } from "./trace.js";
import { createTransport, type Transport } from "./transport.js";
import {
  DeliveryCodes,
  ACCEPTED_STATUS,
  EVENT_ID_HEADER,
  type DeliveryDeps,
  type DeliveryService,
  type DeliverySettings,
  type DeliveryWebhookSettings,
  type ExternalDeliveries,
  type FinishedDelivery,
  type ExternalState,
} from "./types.js";

export const DEFAULT_MAX_JOURNAL_ROWS = 100_000;
export const DEFAULT_KEEP_COMPLETED = 10_000;
/** Completed rows past keep-completed are pruned at most this many at a time. */
const PRUNE_STEP = 100;
/** Refusals are logged at most this often (each one is counted). */
const REFUSAL_LOG_INTERVAL_MS = 10_000;
/** How often a notification held by `external.hold()` looks again. */
const HOLD_POLL_MS = 50;
/** How long stop() waits for attempts in flight by default. */
export const DEFAULT_STOP_GRACE_MS = 10_000;

interface Lane {
  readonly topic: string;
  readonly handler: string;
  /** Taken by one attempt each, request to response (`size` waiting, `pending` taken). */
  readonly queue: Slots;
  /** Notifications sleeping until their next attempt (holding no slot). */
  retrying: number;
  /**
   * Per alert id (per lane with concurrency 1, {@link WHOLE_LANE}): present while one of its
   * notifications is under way; the value lists those scheduled after it, in order, each
   * started when the one before is over ({@link NO_SUCCESSORS} while none waits). Plain
   * arrays, not promise chains: in a storm thousands wait here, and their promises, closures
   * and async frames survived the young generation's scavenges (~1.8 KB per notification).
   */
  readonly chains: Map<string, DeliveryRecord[]>;
  /** Notifications waiting in a chain for their predecessor (not yet started). */
  chained: number;
}

/** The chain value of an alert with one notification under way and none after it (never pushed to). */
const NO_SUCCESSORS: DeliveryRecord[] = [];

/** Chain key that orders a whole lane (concurrency 1); alert ids are never empty-prefixed so. */
const WHOLE_LANE = "\0lane";

type Outcome =
  | { kind: "delivered"; status: number }
  | { kind: "retry"; status: number; error: string; retryAfterMs: number | undefined }
  | { kind: "permanent"; status: number; error: string };

/** `[delivery]` as the service uses it (ms, clamped); replaced whole by reconfigure(). */
interface Settings {
  maxRows: number;
  keepCompleted: number;
  concurrency: number;
  rateLimit: number;
  backoff: { initialMs: number; maxMs: number };
  maxAttempts: number;
  /** 0 = no age limit. */
  maxAgeMs: number;
}

function settingsOf(cfg: DeliverySettings): Settings {
  return {
    maxRows: cfg.maxJournalRows ?? DEFAULT_MAX_JOURNAL_ROWS,
    keepCompleted: cfg.keepCompleted ?? DEFAULT_KEEP_COMPLETED,
    concurrency: Math.max(1, Math.trunc(cfg.concurrency)),
    rateLimit: Math.max(0, Math.trunc(cfg.rateLimit ?? 0)),
    backoff: {
      initialMs: Math.max(1, cfg.backoffInitial / 1e6),
      maxMs: Math.max(1, cfg.backoffMax / 1e6),
    },
    maxAttempts: cfg.maxAttempts,
    maxAgeMs: Math.max(0, Math.ceil((cfg.maxAge ?? 0) / 1e6)),
  };
}

function transportOf(webhook: DeliveryWebhookSettings): Transport {
  return createTransport({
    verificationMode: webhook.verificationMode,
    caFile: webhook.caFile,
    ...(webhook.timeout > 0 ? { connectTimeoutMs: Math.ceil(webhook.timeout / 1e6) } : {}),
  });
}

export function createDelivery(deps: DeliveryDeps): DeliveryService {
  const { logger } = deps;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  let cfg = settingsOf(deps.config.delivery);
  let webhook = deps.config.webhook;
  const ownTransport = deps.transport === undefined;
  let transport: Transport = deps.transport ?? transportOf(webhook);

  // Without `[delivery] journal` the same table lives in an in-memory database: one code path.
  // (Whether to journal is fixed for the life of the service: it decides where rows live.)
  let memoryDb: Database.Database | undefined;
  let journalDb = deps.store.db;
  if (!deps.config.delivery.journal) {
    memoryDb = new Database(":memory:");
    createDeliveryJournalTables(memoryDb);
    journalDb = memoryDb;
  }
  const journal = new DeliveryJournalRepository(journalDb, deps.sealer);
  const metrics = new MetricsRegistry();

  let state: "new" | "running" | "stopped" = "new";
  /** Sleeping retries by delivery id; stop() wakes them all, delete() its own. */
  const sleepers = new Map<number, () => void>();
  /** Pending rows deleted through the API: their runs end without recording anything. */
  const cancelled = new Set<number>();
  const lanes = new Map<string, Lane>();
  /**
   * Runs started and not over (waiting for a slot, sleeping or attempting), counting a chain's
   * next run from when the one before it ends; `whenNoneActive` waiters hear when it is 0.
   */
  let active = 0;
  let noneActiveWaiters: (() => void)[] = [];
  const whenNoneActive = (): Promise<void> =>
    active === 0 ? Promise.resolve() : new Promise((r) => noneActiveWaiters.push(r));
  let pending = journal.pendingCount();
  let refusedSinceLog = 0;
  let lastRefusalLog = -Infinity;
  let completedSincePrune = 0;
  /** While a prune is under way (in steps): the id below which completed rows go. */
  let pruneCut: number | undefined;
  let completedSinceStep = 0;
  let abandoned = false;
  /** Rows with an origin that start() did not schedule (holdExternal), by id. */
  const parked = new Set<number>();
  /** Event ids of external rows accepted and not yet written (the journal cannot see them yet). */
  const unwrittenExternal = new Set<string>();
  /** External event ids settled whose outcome is not written yet (the journal still says pending). */
  const settledUnwritten = new Map<string, "delivered" | "failed">();
  /** When an accepted external row was made (its journal `created_ms`). */
  const createdAt = new WeakMap<NewDelivery, number>();
  const settledListeners: ((eventId: string, status: "delivered" | "failed") => void)[] = [];
  const finishedListeners: ((f: FinishedDelivery) => void)[] = [];
  /** Tells the onFinished listeners (connector activity) how a notification ended. */
  const finished = (f: FinishedDelivery): void => {
    for (const l of finishedListeners) {
      try {
        l(f);
      } catch (e) {
        logger.log("error", "delivery: finished listener failed", { error: coerceError(e).message });
      }
    }
  };
  /** hold(): external rows start no attempt; attempts of external rows under way. */
  let externalHeld = false;
  let externalAttempts = 0;

  // Group commit: the new rows and outcomes of one event-loop turn are one transaction,
  // written when the turn ends (setImmediate). A new row's first attempt starts after that
  // commit; a crash before it loses only notifications whose caller has not seen a turn end.
  // An outcome not yet written leaves its row pending, so after a crash the notification is
  // sent again (at-least-once). A longer window (10 ms) drained storms faster but let more
  // duplicates follow a crash: once per turn is the pinned design.
  /** Accepted, not yet written (their caller had no transaction open). */
  let unwritten: NewDelivery[] = [];
  /** Written (committed, or inside the caller's transaction), not yet scheduled. */
  let written: DeliveryRecord[] = [];
  let unflushed: [number, AttemptUpdate][] = [];
  let flushTimer: NodeJS.Immediate | undefined;
  let flushRetry: NodeJS.Timeout | undefined;
  /** Inserts the buffered rows into the transaction open now (the caller's or flush's). */
  const writeBuffered = (): void => {
    let i = 0;
    try {
      for (; i < unwritten.length; i++) {
        const row = unwritten[i]!;
        const rec = journal.insert(row, createdAt.get(row) ?? now());
        dispatchTrace?.inserted(row, rec.eventId);
        written.push(rec);
        if (row.origin !== undefined && row.eventId !== undefined) unwrittenExternal.delete(row.eventId);
      }
    } finally {
      unwritten = i === unwritten.length ? [] : unwritten.slice(i);
    }
  };
  const flush = (): void => {
    if (flushTimer !== undefined) clearImmediate(flushTimer);
    flushTimer = undefined;
    if (unwritten.length + unflushed.length + written.length === 0) return;
    const updates = unflushed;
    unflushed = [];
    settledUnwritten.clear();
    const before = written.length;
    const rows = unwritten;
    try {
      journal.transaction(() => {
        writeBuffered();
        journal.updateMany(updates);
      });
    } catch (e) {
      // Rolled back: the rows wait in memory for the next try (not sent before they are
      // written); the outcomes are dropped, so those rows stay pending and are re-sent.
      written.length = before;
      unwritten = rows;
      metrics.journalErrors++;
      logger.log("error", "delivery journal write failed; will try again", {
        rows: rows.length,
        outcomes: updates.length,
        error: coerceError(e).message,
      });
      flushRetry ??= setTimeout(() => {
        flushRetry = undefined;
        flush();
      }, 1000).unref();
    }
    const ready = written;
    written = [];
    // Before start() the rows wait for its replay; after stop() for the next start.
    if (state === "running") for (const rec of ready) schedule(rec);
  };
  const soon = (): void => {
    flushTimer ??= setImmediate(flush);
  };
  // Rows written inside a caller's transaction are committed when its synchronous work ends:
  // they start from a microtask then instead of waiting for the turn's flush (a loop phase
  // later, behind whatever I/O is pending: the dispatch trace showed it as a step of its own).
  // Still inside a transaction (one spanning turns), they wait for the flush as before.
  let afterCommitQueued = false;
  const startAfterCommit = (): void => {
    if (afterCommitQueued) return;
    afterCommitQueued = true;
    queueMicrotask(() => {
      afterCommitQueued = false;
      if (journalDb.inTransaction || state !== "running" || written.length === 0) return;
      const ready = written;
      written = [];
      for (const rec of ready) schedule(rec);
    });
  };
  const record = (id: number, u: AttemptUpdate): void => {
    unflushed.push([id, u]);
    soon();
  };

  /** The lane found last: a handler's notifications come in runs, and a key is a string to build. */
  let lastLane: Lane | undefined;
  const laneFor = (rec: DeliveryRecord): Lane => {
    const last = lastLane;
    if (
      last !== undefined &&
      rec.handler !== "" &&
      last.handler === rec.handler &&
      last.topic === rec.topic &&
      last.queue.rateLimit === cfg.rateLimit
    )
      return last;
    const lane = laneForKey(rec);
    // An origin lane's handler is its origin, which a handler id could equal: never reused so.
    lastLane = rec.handler !== "" ? lane : undefined;
    return lane;
  };
  const laneForKey = (rec: DeliveryRecord): Lane => {
    // Unidentified requests (no `delivery` metadata) get one lane per origin.
    const key = rec.handler !== "" ? `h\0${rec.topic}\0${rec.handler}` : `o\0${originOf(rec.url)}`;
    let lane = lanes.get(key);
    // A lane made under an older rate-limit is replaced once it is idle (reconfigure()).
    if (lane !== undefined && lane.queue.rateLimit !== cfg.rateLimit && laneIdle(lane)) lane = undefined;
    if (lane === undefined) {
      lane = {
        topic: rec.topic,
        handler: rec.handler !== "" ? rec.handler : originOf(rec.url),
        queue: new Slots(cfg.concurrency, cfg.rateLimit),
        retrying: 0,
        chains: new Map(),
        chained: 0,
      };
      lanes.set(key, lane);
    }
    return lane;
  };

  const finish = (
    rec: DeliveryRecord,
    status: DeliveryStatus,
    attempts: number,
    lastStatus: number,
    err: string,
  ): void => {
    record(rec.id, {
      status,
      attempts,
      lastError: err,
      lastStatus,
      nextRetryMs: 0,
      updatedMs: now(),
    });
    pending = Math.max(0, pending - 1);
    metrics.count(rec.topic, rec.handler, status === "delivered" ? "delivered" : "failed");
    finished({ topic: rec.topic, handler: rec.handler, ok: status === "delivered", error: err });
    if (rec.origin !== undefined) {
      settledUnwritten.set(rec.eventId, status === "delivered" ? "delivered" : "failed");
      for (const l of settledListeners) {
        try {
          l(rec.eventId, status === "delivered" ? "delivered" : "failed");
        } catch (e) {
          logger.log("error", "delivery: settled listener failed", { error: coerceError(e).message });
        }
      }
    }
    // Pruned in steps: every max(100, keep/10) completions the cut is found (a walk of `keep`
    // index entries), then every PRUNE_STEP / 2 completions at most PRUNE_STEP rows below it
    // go, until none are left. Deleting keep/10 rows at once held the event loop for 5–50 ms
    // every keep/10 notifications (every second at 1k alerts/s with the default 10,000).
    if (pruneCut === undefined && ++completedSincePrune >= Math.max(100, Math.ceil(cfg.keepCompleted / 10))) {
      completedSincePrune = 0;
      pruneCut = journal.pruneCut(cfg.keepCompleted);
      completedSinceStep = PRUNE_STEP;
    }
    if (pruneCut !== undefined && ++completedSinceStep >= PRUNE_STEP / 2) {
      completedSinceStep = 0;
      flush();
      if (journal.pruneBelow(pruneCut, PRUNE_STEP) < PRUNE_STEP) pruneCut = undefined;
    }
  };

  const attempt = async (rec: DeliveryRecord): Promise<Outcome> => {
    dispatchTrace?.step(rec.eventId, "tx");
    try {
      // The record is the request (method, url, headers, body, timeoutMs, tls): no copy per attempt.
      const res = await transport.send(rec);
      if (res.status >= 200 && res.status < 300) return { kind: "delivered", status: res.status };
      const error = `HTTP ${res.status}${res.body !== "" ? ": " + res.body.slice(0, 200) : ""}`;
      if (!isRetryableStatus(res.status)) return { kind: "permanent", status: res.status, error };
      return {
        kind: "retry",
        status: res.status,
        error,
        retryAfterMs: parseRetryAfter(res.headers["retry-after"], now()),
      };
    } catch (e) {
      const err = coerceError(e);
      const code = err instanceof TickdError ? err.code : undefined;
      const error = code !== undefined ? `${code}: ${err.message}` : err.message;
      if (!isRetryableErrorCode(code)) return { kind: "permanent", status: 0, error };
      return { kind: "retry", status: 0, error, retryAfterMs: undefined };
    }
  };

  /** One attempt in one of the lane's slots; undefined when dropped (deleted, stopped). */
  const attemptInSlot = async (
    rec: DeliveryRecord,
    lane: Lane,
    holding: boolean,
  ): Promise<Outcome | undefined> => {
    const external = rec.origin !== undefined;
    for (;;) {
      if (external && externalHeld) {
        // The dispatcher is handing its partitions over: no new attempt (outside any slot).
        const woke = await sleep(HOLD_POLL_MS, rec.id, sleepers);
        if (!woke || cancelled.has(rec.id) || state !== "running") return undefined;
        continue;
      }
      // false: stop() came first; the row stays pending. (A run started by its slot holds it.)
      if (holding) holding = false;
      else if (!(await lane.queue.acquire())) return undefined;
      try {
        if (external && externalHeld) continue;
        if (cancelled.has(rec.id) || state !== "running") return undefined;
        if (!external) return await attempt(rec);
        externalAttempts++;
        try {
          return await attempt(rec);
        } finally {
          externalAttempts--;
        }
      } finally {
        lane.queue.release();
      }
    }
  };

  /**
   * One notification's whole life (see {@link life}), then the next of its chain (`key`, ""
   * for none) starts. Never rejects.
   */
  const run = async (rec: DeliveryRecord, lane: Lane, key: string, holding: boolean): Promise<void> => {
    try {
      await life(rec, lane, holding);
    } catch (e) {
      // Only the journal can throw here (closed store, disk full); the row stays pending.
      logger.log("error", "delivery journal write failed", {
        delivery: rec.id,
        handler: rec.handler,
        error: coerceError(e).message,
      });
    }
    ended(lane, key);
  };

  /** A run is over: the next of its chain starts, or it leaves `active`. */
  const ended = (lane: Lane, key: string): void => {
    const waiting = key === "" ? undefined : lane.chains.get(key);
    if (waiting !== undefined && waiting.length > 0) {
      // The successor inherits this run's place in `active`; started from a microtask (as a
      // promise chain did), so a long chain that ends at once (stopped) does not recurse.
      const next = waiting.shift()!;
      if (waiting.length === 0) lane.chains.set(key, NO_SUCCESSORS);
      lane.chained--;
      queueMicrotask(() => launch(next, lane, key));
      return;
    }
    if (waiting !== undefined) lane.chains.delete(key);
    if (--active === 0 && noneActiveWaiters.length > 0) {
      const waiters = noneActiveWaiters;
      noneActiveWaiters = [];
      for (const w of waiters) w();
    }
  };

  /**
   * Starts a run counted in `active`. A notification due now (not a cluster one, which may be
   * held) waits for its slot as a plain queue entry, and its run starts holding the slot.
   */
  const launch = (rec: DeliveryRecord, lane: Lane, key: string): void => {
    if (rec.origin === undefined && rec.nextRetryMs <= now()) {
      if (lane.queue.enter(new SlotWait(rec, lane, key, slotted))) void run(rec, lane, key, true);
      return;
    }
    void run(rec, lane, key, false);
  };
  /** A queued notification's slot came (its run starts), or the slots closed (stop: it ends). */
  const slotted = (w: SlotWait, ok: boolean): void => {
    if (ok) void run(w.rec, w.lane, w.key, true);
    else ended(w.lane, w.key);
  };

  /** Wait for the slot (unless `holding` it), attempt, record, maybe sleep and again. */
  const life = async (rec: DeliveryRecord, lane: Lane, holding: boolean): Promise<void> => {
    let attempts = rec.attempts;
    let nextRetryMs = rec.nextRetryMs;
    // max-age counts from the journal write, or from the retry API's re-queue.
    const since = rec.requeuedMs > 0 ? rec.requeuedMs : rec.createdMs;
    for (;;) {
      if (cancelled.delete(rec.id) || state !== "running") {
        if (holding) lane.queue.release();
        return;
      }
      const wait = nextRetryMs - now();
      if (wait > 0) {
        if (holding) lane.queue.release();
        holding = false;
        lane.retrying++;
        const woke = await sleep(wait, rec.id, sleepers);
        lane.retrying--;
        if (cancelled.delete(rec.id) || !woke || state !== "running") return;
      }
      const out = await attemptInSlot(rec, lane, holding);
      holding = false;
      // Given up on by stop(), or deleted meanwhile: the row is left as it is (or gone).
      if (cancelled.delete(rec.id) || abandoned || out === undefined) return;
      attempts++;
      if (out.kind === "delivered") {
        finish(rec, "delivered", attempts, out.status, "");
        return;
      }
      const fields = {
        delivery: rec.id,
        handler: rec.handler,
        topic: rec.topic,
        kind: rec.kind,
        alert: rec.alertId,
        url: rec.urlRedacted,
        attempts,
      };
      const { maxAttempts, maxAgeMs } = cfg;
      const deadline = maxAgeMs > 0 ? since + maxAgeMs : Infinity;
      const giveUp =
        out.kind === "permanent"
          ? "not retryable"
          : !attemptsLeft(attempts, maxAttempts)
            ? "max-attempts reached"
            : now() >= deadline
              ? "max-age reached"
              : undefined;
      if (giveUp !== undefined) {
        finish(rec, "failed", attempts, out.status, out.error);
        logger.log("error", "notification failed permanently", {
          ...fields,
          status: out.status,
          error: out.error,
          reason: giveUp,
        });
        return;
      }
      // The last attempt is made at the deadline, not after it.
      const delay = Math.max(
        0,
        Math.min(
          (out.kind === "retry" ? out.retryAfterMs : undefined) ??
            backoffDelayMs(attempts, cfg.backoff, random),
          deadline - now(),
        ),
      );
      nextRetryMs = now() + delay;
      record(rec.id, {
        status: "retrying",
        attempts,
        lastError: out.error,
        lastStatus: out.status,
        nextRetryMs,
        updatedMs: now(),
      });
      metrics.count(rec.topic, rec.handler, "retried");
      logger.log("warn", "notification attempt failed; will retry", {
        ...fields,
        status: out.status,
        error: out.error,
        retryInMs: delay,
      });
    }
  };

  const schedule = (rec: DeliveryRecord): void => {
    dispatchTrace?.step(rec.eventId, "sch");
    rec.headers = withEventId(rec.headers, rec.eventId);
    const lane = laneFor(rec);
    // Unidentified requests are not ordered; concurrency 1 orders the whole lane.
    const key = cfg.concurrency === 1 ? WHOLE_LANE : rec.alertId;
    if (key !== "") {
      const waiting = lane.chains.get(key);
      if (waiting !== undefined) {
        // Waits for the alert's notification under way (and those before it).
        if (waiting === NO_SUCCESSORS) lane.chains.set(key, [rec]);
        else waiting.push(rec);
        lane.chained++;
        return;
      }
      lane.chains.set(key, NO_SUCCESSORS);
    }
    active++;
    launch(rec, lane, key);
  };

  const refuse = (req: HttpRequest): never => {
    metrics.refused++;
    refusedSinceLog++;
    const t = now();
    if (t - lastRefusalLog >= REFUSAL_LOG_INTERVAL_MS) {
      logger.log("error", "delivery journal is full: notifications refused", {
        refused: refusedSinceLog,
        maxJournalRows: cfg.maxRows,
        handler: req.delivery?.handler ?? "",
        topic: req.delivery?.topic ?? "",
        alert: req.delivery?.alertId ?? "",
      });
      lastRefusalLog = t;
      refusedSinceLog = 0;
    }
    throw new TickdError(
      DeliveryCodes.FULL,
      `delivery journal is full (${cfg.maxRows} pending notifications); notification refused`,
    );
  };

  const sender: HttpSender = {
    journaled: true,
    refuse(meta, error) {
      // The handler logged it; this row makes it visible in /tickd/v1/deliveries and /metrics.
      const code = error instanceof TickdError ? error.code : "";
      const reason =
        code !== "" && !error.message.startsWith(code) ? `${code}: ${error.message}` : error.message;
      journal.insertRefused(
        {
          handler: meta.handler,
          topic: meta.topic,
          alertId: meta.alertId,
          kind: meta.kind,
          url: "",
          urlRedacted: "",
        },
        redactSecrets(reason, meta.secrets ?? []),
        now(),
      );
      metrics.count(meta.topic, meta.handler, "failed");
      finished({
        topic: meta.topic,
        handler: meta.handler,
        ok: false,
        error: redactSecrets(reason, meta.secrets ?? []),
      });
    },
    send(req) {
      try {
        if (pending >= cfg.maxRows) refuse(req);
        const row = rowOf(req);
        dispatchTrace?.accepted(row, row.alertId);
        if (journalDb.inTransaction) {
          // Part of the caller's commit (an alert storm's batch, with its alert states); the
          // rows buffered before it go first, so the journal keeps the order they were sent.
          writeBuffered();
          const rec = journal.insert(row, now());
          dispatchTrace?.inserted(row, rec.eventId);
          written.push(rec);
          startAfterCommit();
        } else unwritten.push(row);
        pending++;
        soon();
        return Promise.resolve({ status: ACCEPTED_STATUS, body: "" });
      } catch (e) {
        if (e instanceof TickdError) return Promise.reject(e);
        return Promise.reject(
          new TickdError(DeliveryCodes.JOURNAL, `cannot journal notification: ${coerceError(e).message}`, {
            cause: e,
          }),
        );
      }
    },
  };

  /** A pending row just deleted: its run (if any) ends at its next step; a sleeping retry is woken. */
  const cancelPending = (id: number): void => {
    if (!parked.delete(id)) {
      cancelled.add(id);
      sleepers.get(id)?.();
    }
    pending = Math.max(0, pending - 1);
  };

  const external: ExternalDeliveries = {
    accept(req, n) {
      if (unwrittenExternal.has(n.eventId)) return "sending";
      // Settled already: "sending" would wait for a settle that has happened.
      const settled = settledUnwritten.get(n.eventId);
      if (settled !== undefined) return settled;
      const known = journal.findExternal(n.eventId);
      if (known !== undefined) {
        if (known.status === "delivered" || known.status === "failed") return known.status;
        // Parked since the last start: its record came back to this instance, so send it now.
        if (parked.delete(known.id) && state === "running") schedule(known);
        return "sending" satisfies ExternalState;
      }
      const row: NewDelivery = { ...rowOf(req), eventId: n.eventId, origin: n.origin };
      createdAt.set(row, Math.min(n.createdMs, now()));
      unwrittenExternal.add(n.eventId);
      unwritten.push(row);
      pending++;
      soon();
      return "journaled";
    },
    reject(meta, n, reason) {
      if (unwrittenExternal.has(n.eventId) || journal.findExternal(n.eventId) !== undefined) return;
      journal.insertRefused(
        { ...meta, url: "", urlRedacted: "", eventId: n.eventId, origin: n.origin },
        reason,
        Math.min(n.createdMs, now()),
      );
      metrics.count(meta.topic, meta.handler, "failed");
    },
    onSettled(listener) {
      settledListeners.push(listener);
    },
    release(origin) {
      flush();
      let n = 0;
      for (const rec of journal.pendingOf(origin)) {
        if (!journal.delete(rec.id)) continue;
        cancelPending(rec.id);
        n++;
      }
      return n;
    },
    hold(on) {
      externalHeld = on;
    },
    attempting: () => externalAttempts,
    releaseParked() {
      let n = 0;
      for (const id of [...parked]) {
        if (journal.delete(id)) n++;
        cancelPending(id);
      }
      return n;
    },
    flush,
  };

  const idle = async (): Promise<void> => {
    for (;;) {
      flush();
      // Every chain entry has its run counted in `active`.
      if (active === 0) {
        flush();
        return;
      }
      await whenNoneActive();
    }
  };

  const service: DeliveryService = {
    sender,
    direct: { send: (req) => transport.send(req) },
    onFinished(listener) {
      finishedListeners.push(listener);
    },
    start() {
      if (state === "running") return;
      // Buffered rows are written first (not scheduled: the replay below picks them up).
      flush();
      state = "running";
      journal.pruneCompleted(cfg.keepCompleted);
      const rows = journal.pending();
      pending = rows.length;
      if (rows.length > 0) logger.log("info", "replaying delivery journal", { pending: rows.length });
      for (const rec of rows) {
        if (deps.holdExternal === true && rec.origin !== undefined) parked.add(rec.id);
        else schedule(rec);
      }
    },
    async stop(opts = {}) {
      if (state === "stopped") return;
      state = "stopped";
      for (const w of [...sleepers.values()]) w();
      for (const l of lanes.values()) l.queue.close();
      flush();
      const drained = whenNoneActive().then(() => true);
      const graceMs = opts.graceMs ?? DEFAULT_STOP_GRACE_MS;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs)));
      const inTime = await Promise.race([drained, late]);
      clearTimeout(timer);
      if (!inTime) {
        abandoned = true;
        logger.log("warn", "delivery stop: attempts still in flight were abandoned; they stay journaled", {
          inFlight: active,
          graceMs,
        });
      }
      lanes.clear();
      lastLane = undefined;
      if (flushRetry !== undefined) clearTimeout(flushRetry);
      flushRetry = undefined;
      // Abandoned attempts record nothing from now on; what was recorded before is written.
      flush();
      if (ownTransport) {
        if (inTime) await transport.close();
        else await transport.destroy();
      }
      if (inTime) memoryDb?.close();
    },
    routes: [],
    metrics: () => {
      flush();
      return metrics.render(lanes.values(), journal.counts(), cfg.maxRows) + (transport.metrics?.() ?? "");
    },
    retry(id) {
      flush();
      const rec = journal.get(id);
      if (rec === undefined) throw notFound(id);
      if (rec.status !== "failed") {
        throw new TickdError(
          DeliveryCodes.CONFLICT,
          `delivery ${id} is ${rec.status}, not failed: only a failed delivery can be retried`,
        );
      }
      if (rec.method === "") {
        throw new TickdError(
          DeliveryCodes.CONFLICT,
          `delivery ${id} was refused before a request was built (${rec.lastError}); there is nothing to re-send: fix the handler or config, later alerts will be sent`,
        );
      }
      if (pending >= cfg.maxRows) {
        throw new TickdError(
          DeliveryCodes.FULL,
          `delivery journal is full (${cfg.maxRows} pending notifications); retry later`,
        );
      }
      const again = journal.requeue(id, now());
      if (again === undefined) throw notFound(id);
      pending++;
      logger.log("info", "failed notification re-queued", {
        delivery: id,
        handler: again.handler,
        topic: again.topic,
        alert: again.alertId,
      });
      if (state === "running") schedule(again);
      return again;
    },
    remove(id) {
      flush();
      const rec = journal.get(id);
      if (rec === undefined || !journal.delete(id)) throw notFound(id);
      if (rec.status === "queued" || rec.status === "retrying") cancelPending(id);
      return rec;
    },
    reconfigure(config) {
      const w = config.webhook;
      const tlsChanged =
        w.verificationMode !== webhook.verificationMode ||
        w.caFile !== webhook.caFile ||
        w.timeout !== webhook.timeout;
      // Built first: an unreadable ca-file throws here and nothing changes.
      const next = ownTransport && tlsChanged ? transportOf(w) : undefined;
      const nextCfg = settingsOf(config.delivery);
      cfg = nextCfg;
      for (const l of lanes.values()) l.queue.concurrency = cfg.concurrency;
      if (next !== undefined) {
        const old = transport;
        transport = next;
        void old.close().catch(() => undefined);
      }
      webhook = w;
    },
    idle,
    pendingCount: () => pending,
    external,
  };
  service.routes.push(
    ...createDeliveryRoutes({
      journal,
      beforeRead: flush,
      metrics: () => service.metrics(),
      direct: service.direct,
      retry: (id) => service.retry(id),
      remove: (id) => service.remove(id),
      ...(deps.testHandler !== undefined ? { testHandler: deps.testHandler } : {}),
    }),
  );
  return service;
}

/** A notification waiting in its lane's slots queue (see Slots.enter). */
class SlotWait implements SlotWaiter {
  constructor(
    readonly rec: DeliveryRecord,
    readonly lane: Lane,
    readonly key: string,
    private readonly granted: (w: SlotWait, ok: boolean) => void,
  ) {}

  slot(ok: boolean): void {
    this.granted(this, ok);
  }
}

function notFound(id: number): TickdError {
  return new TickdError(DeliveryCodes.NOT_FOUND, `no delivery ${id}`);
}

/** `text` with every non-empty string of `secrets` replaced by `<redacted>`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s !== "") out = out.split(s).join("<redacted>");
  return out;
}

const EVENT_ID_LOWER = EVENT_ID_HEADER.toLowerCase();

/**
 * The request's headers plus {@link EVENT_ID_HEADER} (a copy: the handler's object and the
 * journaled JSON stay as they were). A handler's own header of that name, in any case, is
 * replaced: the id is the journal's.
 */
function withEventId(headers: Record<string, string>, eventId: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(headers)) {
    if (k.length !== EVENT_ID_LOWER.length || k.toLowerCase() !== EVENT_ID_LOWER) out[k] = headers[k]!;
  }
  out[EVENT_ID_HEADER] = eventId;
  return out;
}

function laneIdle(l: Lane): boolean {
  return l.queue.size + l.queue.pending + l.chains.size + l.retrying === 0;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** Resolves true after `ms`, false when woken early through `sleepers`. The timer never keeps the process alive. */
function sleep(ms: number, id: number, sleepers: Map<number, () => void>): Promise<boolean> {
  return new Promise((resolve) => {
    const wakeUp = (): void => {
      clearTimeout(t);
      sleepers.delete(id);
      resolve(false);
    };
    const t = setTimeout(() => {
      sleepers.delete(id);
      resolve(true);
    }, ms);
    t.unref();
    sleepers.set(id, wakeUp);
  });
}

const NO_SECRETS: readonly string[] = [];
/**
 * Redacted URLs by URL and secrets: a handler posts to the same few URLs, and parsing each
 * one again cost more than the rest of the row. Without a secret (most requests: a handler's
 * unset secrets are "") the key is the URL itself, with no key to build per notification; with
 * secrets it is a JSON array (a `[`, which no URL starts with).
 */
const redactedUrls = new Map<string, string>();

function redactedUrl(url: string, secrets: readonly string[]): string {
  let none = true;
  for (const s of secrets) if (s !== "") none = false;
  const key = none ? url : JSON.stringify([url, ...secrets]);
  let r = redactedUrls.get(key);
  if (r === undefined) {
    r = redactUrl(url, none ? NO_SECRETS : secrets);
    if (redactedUrls.size >= 1024) redactedUrls.clear();
    redactedUrls.set(key, r);
  }
  return r;
}

/** The journal row of a request, from what its handler says of it (`delivery` meta). */
function rowOf(req: HttpRequest): NewDelivery {
  const meta = req.delivery;
  return {
    handler: meta?.handler ?? "",
    topic: meta?.topic ?? "",
    alertId: meta?.alertId ?? "",
    kind: meta?.kind ?? "http",
    method: req.method,
    url: req.url,
    urlRedacted: redactedUrl(req.url, meta?.secrets ?? NO_SECRETS),
    headers: req.headers,
    body: req.body,
    timeoutMs: req.timeoutMs,
    ...(req.tls !== undefined ? { tls: req.tls } : {}),
  };
}
