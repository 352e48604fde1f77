/**
 * The delivery journal: one row per outgoing HTTP notification (DESIGN §8).
 *
 * States: queued → (retrying ↔ attempt)* → delivered | failed. A row is inserted before the
 * first attempt; `queued` and `retrying` rows are "pending" and are what a restart replays.
 * `delivered` and `failed` rows are kept for the deliveries API until pruned (oldest first).
 * Times are Unix ms. The request (headers included, which may carry credentials) is stored as
 * sent so a replay needs nothing but this row; the API shows only `url_redacted`.
 *
 * `event_id` names the notification for receivers (the delivery layer sends it as
 * `X-Tickd-Event-Id`): a random UUID chosen at insert and stored with the row, so it is the
 * same on every retry and after a restart, and unique across databases — a cluster dispatcher
 * that journals a notification produced elsewhere passes the producer's id in instead, with
 * the `origin` it was read from (`<topic>/<partition>`; "" = made by this instance).
 *
 * On-call history (src/oncall/history.ts): on a database that has `alert_history` (the
 * daemon's store, not the in-memory journal of `[delivery] journal = false`), each insert and
 * each change of status or attempt count also writes the alert's delivery history row, in the
 * same statement group as the journal write (migration 13 replaced SQLite triggers, which cost
 * a trigger program run and a re-read of the row per statement). A first outcome is folded into
 * the journaled row as migration 12 describes; see {@link DeliveryHistoryWriter}.
 */
import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import { HISTORY_TASK_LOOKUP } from "./migrations.js";

export type DeliveryStatus = "queued" | "retrying" | "delivered" | "failed";

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ["queued", "retrying", "delivered", "failed"];

/** What the sender knows when it journals a request. */
export interface NewDelivery {
  handler: string;
  topic: string;
  alertId: string;
  kind: string;
  method: string;
  url: string;
  /** The URL with secrets removed, for the API and logs. */
  urlRedacted: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** The handler's TLS options (JSON-able); absent = the `[webhook]` defaults. */
  tls?: { verificationMode?: "full" | "certificate" | "none"; caFile?: string };
  /** The notification's event id when it already has one; absent = a new random UUID. */
  eventId?: string;
  /**
   * Where a notification made by another cluster member was read: `<topic>/<partition>` of
   * the notifications topic. Absent or "" = made by this instance (single-node behaviour).
   */
  origin?: string;
}

export interface DeliveryRecord extends NewDelivery {
  id: number;
  eventId: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string;
  /** 0 when no response arrived. */
  lastStatus: number;
  /** Unix ms of the next attempt; 0 when none is planned. */
  nextRetryMs: number;
  createdMs: number;
  updatedMs: number;
  /** When the retry API re-queued it (max-age counts from here), 0 if never. */
  requeuedMs: number;
}

export interface DeliveryListOptions {
  handler?: string;
  status?: DeliveryStatus;
  /** Newest first; default 100. */
  limit?: number;
}

/** An attempt's outcome as recorded. */
export interface AttemptUpdate {
  status: DeliveryStatus;
  attempts: number;
  lastError: string;
  lastStatus: number;
  nextRetryMs: number;
  updatedMs: number;
}

interface Row {
  id: number;
  handler: string;
  topic: string;
  alert_id: string;
  kind: string;
  method: string;
  url: string;
  url_redacted: string;
  headers: string;
  body: string;
  timeout_ms: number;
  status: DeliveryStatus;
  attempts: number;
  last_error: string;
  last_status: number;
  next_retry_ms: number;
  created_ms: number;
  updated_ms: number;
  tls: string;
  requeued_ms: number;
  event_id: string;
  origin: string;
}

/**
 * Seals the request's URL and headers (where credentials travel: a VictorOps API key in the
 * path, `Authorization`) before they are written, and opens them when read (src/secrets/).
 * A value it cannot open replays with the redacted URL and no headers.
 */
export interface JournalSealer {
  seal(text: string): string;
  open(text: string): string;
}

function openOr(sealer: JournalSealer | undefined, text: string, fallback: string): string {
  if (sealer === undefined) return text;
  try {
    return sealer.open(text);
  } catch {
    return fallback;
  }
}

function fromRow(r: Row, sealer?: JournalSealer): DeliveryRecord {
  let headers: Record<string, string> = {};
  try {
    headers = JSON.parse(openOr(sealer, r.headers, "{}")) as Record<string, string>;
  } catch {
    // a damaged header column replays without headers rather than not at all
  }
  let tls: DeliveryRecord["tls"];
  if (r.tls !== "") {
    try {
      tls = JSON.parse(r.tls) as DeliveryRecord["tls"];
    } catch {
      // a damaged tls column replays with the [webhook] defaults
    }
  }
  return {
    ...(tls !== undefined ? { tls } : {}),
    ...(r.origin !== "" ? { origin: r.origin } : {}),
    id: r.id,
    eventId: r.event_id,
    handler: r.handler,
    topic: r.topic,
    alertId: r.alert_id,
    kind: r.kind,
    method: r.method,
    url: openOr(sealer, r.url, r.url_redacted),
    urlRedacted: r.url_redacted,
    headers,
    body: r.body,
    timeoutMs: r.timeout_ms,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    lastStatus: r.last_status,
    nextRetryMs: r.next_retry_ms,
    createdMs: r.created_ms,
    updatedMs: r.updated_ms,
    requeuedMs: r.requeued_ms,
  };
}

interface OldState {
  alert_id: string;
  status: DeliveryStatus;
  attempts: number;
  last_status: number;
  last_error: string;
}

/**
 * The delivery rows of `alert_history`, written from here instead of triggers (migration 13),
 * with the same content and rules: a journaled row when a notification is inserted; at a
 * change of status or attempt count, the first outcome folded into the journaled row when that
 * row is still its alert's newest, else a row of its own.
 *
 * `fresh` remembers the rows this process journaled that have no outcome written yet (their
 * alert id): for those the previous state is known (queued, attempt 0, no error) without a
 * read. A row not in it (replayed after a restart, re-queued, or whose outcome write was rolled
 * back) is read before its update. Entries go at the first outcome or delete; rows that never
 * get one are pending rows, so it holds at most the pending rows.
 */
class DeliveryHistoryWriter {
  private readonly journaledStmt: Database.Statement;
  private readonly foldStmt: Database.Statement;
  private readonly stepStmt: Database.Statement;
  private readonly oldStmt: Database.Statement<[number], OldState>;
  private readonly fresh = new Map<number, string>();

  constructor(db: Database.Database) {
    this.journaledStmt = db.prepare(
      `INSERT INTO alert_history (time_ms, topic, alert_id, task, type, handler, delivery_id, status, target)
       VALUES (?, ?, ?, ${HISTORY_TASK_LOOKUP("?", "?")}, 'delivery', ?, ?, 'queued', ?)`,
    );
    this.foldStmt = db.prepare(
      `UPDATE alert_history SET status = ?, attempt = ?, http_status = ?, error = ?, outcome_ms = ?
       WHERE id = (SELECT id FROM alert_history WHERE alert_id = ? ORDER BY id DESC LIMIT 1)
         AND type = 'delivery' AND delivery_id = ? AND status = 'queued' AND outcome_ms = 0`,
    );
    this.stepStmt = db.prepare(
      `INSERT INTO alert_history (time_ms, topic, alert_id, task, type, handler, delivery_id, status,
         attempt, http_status, error, target)
       SELECT @time, d.topic, d.alert_id, ${HISTORY_TASK_LOOKUP("d.topic", "d.alert_id")}, 'delivery',
         d.handler, d.id, d.status, d.attempts, d.last_status, d.last_error, d.url_redacted
       FROM deliveries d WHERE d.id = @id`,
    );
    this.oldStmt = db.prepare<[number], OldState>(
      "SELECT alert_id, status, attempts, last_status, last_error FROM deliveries WHERE id = ?",
    );
  }

  /** After the journal insert of row `id`. */
  journaled(id: number, d: NewDelivery, nowMs: number): void {
    // The task lookup takes alert id, then topic (HISTORY_TASK_LOOKUP's order).
    this.journaledStmt.run(nowMs, d.topic, d.alertId, d.alertId, d.topic, d.handler, id, d.urlRedacted);
    this.fresh.set(id, d.alertId);
  }

  /** Runs `write` (the journal UPDATE of row `id` to `u`) and records the step it makes. */
  updated(id: number, u: AttemptUpdate, write: () => void): void {
    let alertId = this.fresh.get(id);
    let changed: boolean;
    let foldable: boolean;
    if (alertId !== undefined) {
      this.fresh.delete(id);
      changed = u.status !== "queued" || u.attempts !== 0;
      foldable = true;
      write();
    } else {
      const old = this.oldStmt.get(id);
      write();
      if (old === undefined) return;
      alertId = old.alert_id;
      changed = u.status !== old.status || u.attempts !== old.attempts;
      foldable =
        old.status === "queued" && old.attempts === 0 && old.last_status === 0 && old.last_error === "";
    }
    if (!changed) return;
    if (
      foldable &&
      this.foldStmt.run(u.status, u.attempts, u.lastStatus, u.lastError, u.updatedMs, alertId, id).changes > 0
    )
      return;
    this.stepStmt.run({ id, time: u.updatedMs });
  }

  /** After a change of row `id` made elsewhere (a re-queue): a row of its own. */
  step(id: number, timeMs: number): void {
    this.fresh.delete(id);
    this.stepStmt.run({ id, time: timeMs });
  }

  forget(id: number): void {
    this.fresh.delete(id);
  }
}

/** Whether `db` keeps delivery history and its triggers are gone (schema version ≥ 13). */
function historyFromJs(db: Database.Database): boolean {
  const names = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE (type = 'table' AND name = 'alert_history') OR (type = 'trigger' AND name = 'alert_history_journaled')",
    )
    .pluck()
    .all() as string[];
  return names.includes("alert_history") && !names.includes("alert_history_journaled");
}

export class DeliveryJournalRepository {
  private readonly insertStmt: Database.Statement;
  private readonly updateStmt: Database.Statement;
  private readonly getStmt: Database.Statement<[number], Row>;
  private readonly pendingStmt: Database.Statement<[], Row>;
  private readonly countStmt: Database.Statement<[], { status: DeliveryStatus; n: number }>;
  private readonly pruneCutStmt: Database.Statement<[number], number>;
  private readonly pruneStmt: Database.Statement<[number]>;
  private readonly pruneLastStmt: Database.Statement<[number, number, number], number>;
  private readonly externalStmt: Database.Statement<[string], Row>;
  private readonly requeueStmt: Database.Statement;
  private readonly deleteStmt: Database.Statement<[number]>;
  private readonly history: DeliveryHistoryWriter | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly sealer?: JournalSealer,
  ) {
    // Positional parameters: no parameter object per row (named ones cost a spread of the
    // notification and a property lookup per column on the storm's hottest statements).
    this.insertStmt = db.prepare(
      `INSERT INTO deliveries (handler, topic, alert_id, kind, method, url, url_redacted, headers, body,
         timeout_ms, tls, event_id, origin, status, attempts, created_ms, updated_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?)`,
    );
    this.updateStmt = db.prepare(
      `UPDATE deliveries SET status = ?, attempts = ?, last_error = ?, last_status = ?,
         next_retry_ms = ?, updated_ms = ?
       WHERE id = ?`,
    );
    this.getStmt = db.prepare<[number], Row>("SELECT * FROM deliveries WHERE id = ?");
    this.pendingStmt = db.prepare<[], Row>(
      "SELECT * FROM deliveries WHERE status IN ('queued', 'retrying') ORDER BY id",
    );
    this.countStmt = db.prepare<[], { status: DeliveryStatus; n: number }>(
      "SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status",
    );
    // Uses the partial index of migration 8 (origin <> '').
    this.externalStmt = db.prepare<[string], Row>(
      "SELECT * FROM deliveries WHERE event_id = ? AND origin <> '' ORDER BY id DESC LIMIT 1",
    );
    // Completed rows beyond the newest `keep` go, oldest first; pending rows are never pruned.
    // The keep-th newest completed id is the cut: everything completed below it goes. (A
    // `NOT IN (newest keep)` subquery built a temporary tree of `keep` ids on every prune,
    // a stall of tens of ms on the event loop mid-storm.) One index walk per status, merged
    // in id order: `status IN (…) ORDER BY id` sorted every completed id in a temporary tree.
    this.pruneCutStmt = db
      .prepare<[number], number>(
        `SELECT id FROM deliveries WHERE status = 'delivered'
         UNION ALL SELECT id FROM deliveries WHERE status = 'failed'
         ORDER BY id DESC LIMIT 1 OFFSET ?`,
      )
      .pluck();
    this.pruneStmt = db.prepare<[number]>(
      "DELETE FROM deliveries WHERE status IN ('delivered', 'failed') AND id < ?",
    );
    // The oldest `limit` of them only: the limit-th oldest id (the same merged walk, upwards)
    // bounds pruneStmt. A `DELETE … WHERE id IN (that walk)` cost 30–50% more per row (its
    // ids went through a temporary table first; journal-store.prune-step.cpu-per-row).
    this.pruneLastStmt = db
      .prepare<[number, number, number], number>(
        `SELECT id FROM deliveries WHERE status = 'delivered' AND id < ?
         UNION ALL SELECT id FROM deliveries WHERE status = 'failed' AND id < ?
         ORDER BY id LIMIT 1 OFFSET ?`,
      )
      .pluck();
    this.requeueStmt = db.prepare(
      `UPDATE deliveries SET status = 'queued', attempts = 0, next_retry_ms = 0, requeued_ms = ?,
         updated_ms = ? WHERE id = ? AND status = 'failed'`,
    );
    this.deleteStmt = db.prepare<[number]>("DELETE FROM deliveries WHERE id = ?");
    this.history = historyFromJs(db) ? new DeliveryHistoryWriter(db) : undefined;
  }

  /** Journals a request as `queued`; returns its record. */
  insert(d: NewDelivery, nowMs: number): DeliveryRecord {
    const eventId = d.eventId ?? randomUUID();
    const headers = JSON.stringify(d.headers);
    const info = this.insertStmt.run(
      d.handler,
      d.topic,
      d.alertId,
      d.kind,
      d.method,
      this.sealer?.seal(d.url) ?? d.url,
      d.urlRedacted,
      this.sealer?.seal(headers) ?? headers,
      d.body,
      d.timeoutMs,
      d.tls !== undefined ? JSON.stringify(d.tls) : "",
      eventId,
      d.origin ?? "",
      nowMs,
      nowMs,
    );
    const id = Number(info.lastInsertRowid);
    if (this.history !== undefined) {
      try {
        this.history.journaled(id, d, nowMs);
      } catch (e) {
        // One write as the trigger was: inside a caller's batch (which commits what was
        // written before a throw) a journal row must not outlive its failed history row.
        this.deleteStmt.run(id);
        throw e;
      }
    }
    // Fields listed, not `{ ...d, … }`: keys added after a spread gave every record its own
    // hidden class (~0.5 KB each, kept while the notification is pending) and made the
    // delivery service's reads of a record megamorphic.
    const rec: DeliveryRecord = {
      handler: d.handler,
      topic: d.topic,
      alertId: d.alertId,
      kind: d.kind,
      method: d.method,
      url: d.url,
      urlRedacted: d.urlRedacted,
      headers: d.headers,
      body: d.body,
      timeoutMs: d.timeoutMs,
      id,
      eventId,
      status: "queued",
      attempts: 0,
      lastError: "",
      lastStatus: 0,
      nextRetryMs: 0,
      createdMs: nowMs,
      updatedMs: nowMs,
      requeuedMs: 0,
    };
    if (d.tls !== undefined) rec.tls = d.tls;
    if (d.origin !== undefined) rec.origin = d.origin;
    return rec;
  }

  /**
   * Journals a notification that was refused before any request existed (service disabled,
   * URL not allowed, template error): a `failed` row with no attempt, `method` "" and the
   * reason as `lastError`, so it shows in the deliveries API and metrics like any failure.
   */
  insertRefused(
    d: Omit<NewDelivery, "method" | "headers" | "body" | "timeoutMs">,
    error: string,
    nowMs: number,
  ): DeliveryRecord {
    const u: AttemptUpdate = {
      status: "failed",
      attempts: 0,
      lastError: error,
      lastStatus: 0,
      nextRetryMs: 0,
      updatedMs: nowMs,
    };
    return this.db.transaction(() => {
      const rec = this.insert({ ...d, method: "", headers: {}, body: "", timeoutMs: 0 }, nowMs);
      this.update(rec.id, u);
      return { ...rec, ...u };
    })();
  }

  update(id: number, u: AttemptUpdate): void {
    const write = (): void =>
      void this.updateStmt.run(
        u.status,
        u.attempts,
        u.lastError,
        u.lastStatus,
        u.nextRetryMs,
        u.updatedMs,
        id,
      );
    if (this.history === undefined) write();
    else this.history.updated(id, u, write);
  }

  /** Runs fn in one transaction (a savepoint inside an open one): the journal's group commit. */
  transaction(fn: () => void): void {
    this.db.transaction(fn)();
  }

  /** Several updates in one transaction (one WAL commit instead of one each). */
  updateMany(updates: readonly (readonly [number, AttemptUpdate])[]): void {
    this.db.transaction(() => {
      for (const [id, u] of updates) this.update(id, u);
    })();
  }

  /**
   * A failed row back to `queued` with a fresh attempt count and max-age (the retry API).
   * Returns the row as re-queued, or undefined when it is not (or no longer) failed.
   */
  requeue(id: number, nowMs: number): DeliveryRecord | undefined {
    const changed = this.db.transaction(() => {
      const n = this.requeueStmt.run(nowMs, nowMs, id).changes;
      if (n > 0) this.history?.step(id, nowMs);
      return n;
    })();
    return changed === 0 ? undefined : this.get(id);
  }

  /** Removes one row; false when there was none. */
  delete(id: number): boolean {
    this.history?.forget(id);
    return this.deleteStmt.run(id).changes > 0;
  }

  get(id: number): DeliveryRecord | undefined {
    const r = this.getStmt.get(id);
    return r === undefined ? undefined : fromRow(r, this.sealer);
  }

  /** The row journaled for a notification read from a cluster's notifications topic, if any. */
  findExternal(eventId: string): DeliveryRecord | undefined {
    const r = this.externalStmt.get(eventId);
    return r === undefined ? undefined : fromRow(r, this.sealer);
  }

  /** The queued or retrying rows read from `origin`, oldest first. */
  pendingOf(origin: string): DeliveryRecord[] {
    return (
      this.db
        .prepare("SELECT * FROM deliveries WHERE origin = ? AND status IN ('queued', 'retrying') ORDER BY id")
        .all(origin) as Row[]
    ).map((r) => fromRow(r, this.sealer));
  }

  /** Every queued or retrying row, oldest first: what a restart replays. */
  pending(): DeliveryRecord[] {
    return this.pendingStmt.all().map((r) => fromRow(r, this.sealer));
  }

  /** Queued plus retrying rows. */
  pendingCount(): number {
    const c = this.counts();
    return c.queued + c.retrying;
  }

  /** Rows per status (statuses without rows are 0). */
  counts(): Record<DeliveryStatus, number> {
    const out: Record<DeliveryStatus, number> = { queued: 0, retrying: 0, delivered: 0, failed: 0 };
    for (const r of this.countStmt.all()) out[r.status] = r.n;
    return out;
  }

  list(opts: DeliveryListOptions = {}): DeliveryRecord[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (opts.handler !== undefined) {
      where.push("handler = ?");
      params.push(opts.handler);
    }
    if (opts.status !== undefined) {
      where.push("status = ?");
      params.push(opts.status);
    }
    params.push(Math.max(0, Math.trunc(opts.limit ?? 100)));
    const sql = `SELECT * FROM deliveries ${where.length > 0 ? "WHERE " + where.join(" AND ") : ""} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params) as Row[]).map((r) => fromRow(r, this.sealer));
  }

  /**
   * Keeps the newest `keep` completed rows; returns how many were removed. With `limit`, only
   * the oldest `limit` of those beyond `keep` go now (the delivery service prunes so, a step
   * at a time, so that no step holds the event loop for long; the next step goes on).
   */
  pruneCompleted(keep: number, limit = Infinity): number {
    const cut = this.pruneCut(keep);
    return cut === undefined ? 0 : this.pruneBelow(cut, limit);
  }

  /**
   * The id below which completed rows are beyond the newest `keep` (undefined: none are). It
   * walks `keep` index entries: callers that prune in steps find it once for several steps.
   */
  pruneCut(keep: number): number | undefined {
    const k = Math.max(0, Math.trunc(keep));
    return k === 0 ? Number.MAX_SAFE_INTEGER : this.pruneCutStmt.get(k - 1);
  }

  /** Removes the oldest `limit` completed rows with ids below `cut`; returns how many went. */
  pruneBelow(cut: number, limit = Infinity): number {
    if (limit === Infinity) return this.pruneStmt.run(cut).changes;
    const n = Math.max(0, Math.trunc(limit));
    if (n === 0) return 0;
    // Fewer than `n` below the cut: all of them go.
    const last = this.pruneLastStmt.get(cut, cut, n - 1);
    return this.pruneStmt.run(last === undefined ? cut : last + 1).changes;
  }
}
