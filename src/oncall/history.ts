/**
 * On-call history (DESIGN §12): every alert state change and every delivery step per alert,
 * kept for `[alert] history-retention`.
 *
 * Rows live in `alert_history` (migration 6 in src/store/migrations.ts). Three writers:
 * - state changes: the topic service calls `recordState` when an event's level differs from
 *   the previous level in that topic (silenced events included: they still change state);
 * - delivery steps: the delivery journal (src/store/delivery-journal.ts) writes a row at each
 *   insert (queued, or a refused notification) and each change of status or attempt count, so
 *   every attempt is recorded in the same transaction as its outcome without a hook in the
 *   delivery layer (SQLite triggers did this up to schema version 12);
 *   such a row (and a note) takes the task of the alert's newest row in its topic, which is
 *   the task of its newest state change (migration 11);
 * - notes: `note` for on-call actions (ack, snooze, silence) by whoever performs them.
 * A timer deletes rows older than the retention; reads never return them either.
 *
 * Folded rows (migration 12): a notification's first outcome is written into its journaled
 * row rather than as a row of its own when that row is still its alert's newest (so nothing
 * of that alert was recorded in between) and shows only the journaling. Such a row
 * (`outcome_ms` > 0) holds two steps: journaled (queued, attempt 0, at `time_ms`) and the
 * outcome (its status, attempt, HTTP status and error, at `outcome_ms`). Entry ids: an entry's
 * id is twice its row's id, plus one for a folded row's outcome. So ids are stable (a row's
 * id never changes; folding only adds the odd one) and unique, and id order stays the
 * listing order: newest row first, a folded row's outcome just before its journaling. An
 * alert's history keeps its exact order; across alerts, a folded outcome is listed with its
 * journaling rather than among the rows written while it was in flight. A filter on time
 * applies to each step's own time; `limit` counts entries.
 */
import type Database from "better-sqlite3";
import type { AlertEvent } from "../core/alert-event.js";
import { coerceError } from "../core/errors.js";
import type { Level } from "../core/types.js";
import { HISTORY_TASK_LOOKUP } from "../store/migrations.js";

export type HistoryType = "state" | "delivery" | "note";

const LEVEL_NAMES = ["OK", "INFO", "WARNING", "CRITICAL"] as const;
export type LevelName = (typeof LEVEL_NAMES)[number];

/** One history entry as the API shows it; fields that do not apply to its type are absent. */
export interface HistoryEntry {
  id: number;
  /** RFC 3339 (ms). */
  time: string;
  type: HistoryType;
  topic: string;
  alert_id: string;
  task: string;
  /** state: the new and the previous level. */
  level?: LevelName;
  previous_level?: LevelName;
  /** state: the event message; note: the note text. */
  message?: string;
  /** delivery: the journal row, handler, its status after this step and the attempt count. */
  delivery_id?: number;
  handler?: string;
  /** delivery: queued | retrying | delivered | failed; note: what was done (ack, snooze, …). */
  status?: string;
  attempt?: number;
  /** delivery: the endpoint's HTTP status, 0 when none arrived. */
  http_status?: number;
  error?: string;
  /** delivery: the URL with secrets removed. */
  target?: string;
}

export interface HistoryQuery {
  topic?: string;
  alertId?: string;
  task?: string;
  type?: HistoryType;
  /** Unix ms, inclusive. */
  sinceMs?: number;
  /** Unix ms, inclusive. */
  untilMs?: number;
  /** Newest first; default 100. */
  limit?: number;
}

export interface HistoryLogger {
  log(level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>): void;
}

export interface HistoryOptions {
  db: Database.Database;
  /** `[alert] history-retention`, ms; 0 keeps everything. */
  retentionMs: number;
  logger: HistoryLogger;
  now?: () => number;
  /** How often old rows are pruned; default a minute. */
  pruneEveryMs?: number;
}

interface Row {
  id: number;
  time_ms: number;
  topic: string;
  alert_id: string;
  task: string;
  type: HistoryType;
  level: number;
  previous_level: number;
  message: string;
  handler: string;
  delivery_id: number;
  status: string;
  attempt: number;
  http_status: number;
  error: string;
  target: string;
  /** Unix ms of a folded first outcome; 0 = the row is one step. */
  outcome_ms: number;
}

const levelName = (l: number): LevelName => LEVEL_NAMES[l] ?? "OK";

/** A row's entries, newest first: one, or a folded row's outcome and then its journaling. */
function toEntries(r: Row): HistoryEntry[] {
  if (r.type !== "delivery" || !(r.outcome_ms > 0)) return [toEntry(r, 2 * r.id, r.time_ms)];
  return [
    toEntry(r, 2 * r.id + 1, r.outcome_ms),
    toEntry({ ...r, status: "queued", attempt: 0, http_status: 0, error: "" }, 2 * r.id, r.time_ms),
  ];
}

function toEntry(r: Row, id: number, timeMs: number): HistoryEntry {
  const base = {
    id,
    time: new Date(timeMs).toISOString(),
    type: r.type,
    topic: r.topic,
    alert_id: r.alert_id,
    task: r.task,
  };
  switch (r.type) {
    case "state":
      return {
        ...base,
        level: levelName(r.level),
        previous_level: levelName(r.previous_level),
        message: r.message,
      };
    case "delivery":
      return {
        ...base,
        delivery_id: r.delivery_id,
        handler: r.handler,
        status: r.status,
        attempt: r.attempt,
        http_status: r.http_status,
        error: r.error,
        target: r.target,
      };
    default:
      return {
        ...base,
        status: r.status,
        message: r.message,
        ...(r.handler !== "" ? { handler: r.handler } : {}),
      };
  }
}

export const MAX_HISTORY_LIMIT = 10_000;

export class HistoryService {
  private readonly db: Database.Database;
  private readonly retentionMs: number;
  private readonly logger: HistoryLogger;
  private readonly now: () => number;
  private readonly insertState: Database.Statement;
  private readonly insertNote: Database.Statement;
  private readonly pruneStmt: Database.Statement<[number]>;
  private timer: NodeJS.Timeout | undefined;
  private readonly pruneEveryMs: number;

  constructor(opts: HistoryOptions) {
    this.db = opts.db;
    this.retentionMs = opts.retentionMs;
    this.logger = opts.logger;
    this.now = opts.now ?? Date.now;
    this.pruneEveryMs = opts.pruneEveryMs ?? 60_000;
    // Positional parameters: a storm writes one per new alert, and a named-parameter object
    // costs an allocation and a property lookup per column (as the journal's statements note).
    this.insertState = this.db.prepare(
      `INSERT INTO alert_history (time_ms, topic, alert_id, task, type, level, previous_level, message)
       VALUES (?, ?, ?, ?, 'state', ?, ?, ?)`,
    );
    this.insertNote = this.db.prepare(
      `INSERT INTO alert_history (time_ms, topic, alert_id, task, type, status, message, handler)
       VALUES (@time, @topic, @alertId, ${HISTORY_TASK_LOOKUP("@topic", "@alertId")},
         'note', @status, @message, @by)`,
    );
    this.pruneStmt = this.db.prepare<[number]>("DELETE FROM alert_history WHERE time_ms < ?");
  }

  /** Prunes now and then every `pruneEveryMs` until `stop()`. */
  start(): void {
    this.prune();
    if (this.retentionMs <= 0) return;
    this.timer = setInterval(() => this.prune(), this.pruneEveryMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Deletes rows older than the retention; returns how many went. */
  prune(): number {
    if (this.retentionMs <= 0) return 0;
    try {
      return this.pruneStmt.run(this.now() - this.retentionMs).changes;
    } catch (e) {
      this.logger.log("error", "history: pruning failed", { error: coerceError(e).message });
      return 0;
    }
  }

  /**
   * The topic service's hook: one row when the level changed. Never throws into the event
   * path (a failed write is logged).
   */
  recordState(topic: string, event: AlertEvent, previousLevel: Level): void {
    if (event.state.level === previousLevel) return;
    try {
      const s = event.state;
      this.insertState.run(this.now(), topic, s.id, event.data.taskName, s.level, previousLevel, s.message);
    } catch (e) {
      this.logger.log("error", "history: failed to record a state change", {
        topic,
        event: event.state.id,
        error: coerceError(e).message,
      });
    }
  }

  /** An on-call action on an alert (`status`: ack, unack, snooze, silenced, …). */
  note(topic: string, alertId: string, status: string, message: string, by = ""): void {
    try {
      this.insertNote.run({ time: this.now(), topic, alertId, status, message, by });
    } catch (e) {
      this.logger.log("error", "history: failed to record a note", {
        topic,
        event: alertId,
        error: coerceError(e).message,
      });
    }
  }

  /** Newest first. */
  list(q: HistoryQuery = {}): HistoryEntry[] {
    const where: string[] = [];
    const args: Record<string, unknown> = {};
    const eq = (col: string, key: string, v: string | undefined): void => {
      if (v === undefined || v === "") return;
      where.push(`${col} = @${key}`);
      args[key] = v;
    };
    eq("topic", "topic", q.topic);
    eq("alert_id", "alertId", q.alertId);
    eq("task", "task", q.task);
    eq("type", "type", q.type);
    let since = q.sinceMs;
    if (this.retentionMs > 0) since = Math.max(since ?? 0, this.now() - this.retentionMs);
    const until = q.untilMs;
    if (since !== undefined || until !== undefined) {
      // A row qualifies when one of its steps does (a folded row has two times).
      const within = (col: string): string =>
        [since !== undefined ? `${col} >= @since` : "", until !== undefined ? `${col} <= @until` : ""]
          .filter((c) => c !== "")
          .join(" AND ");
      where.push(`((${within("time_ms")}) OR (outcome_ms > 0 AND ${within("outcome_ms")}))`);
      if (since !== undefined) args["since"] = since;
      if (until !== undefined) args["until"] = until;
    }
    const limit = Math.min(Math.max(1, q.limit ?? 100), MAX_HISTORY_LIMIT);
    // Each row gives at least one entry in range, so `limit` rows are enough.
    args["limit"] = limit;
    const sql =
      "SELECT * FROM alert_history" +
      (where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "") +
      " ORDER BY id DESC LIMIT @limit";
    const inRange = (e: HistoryEntry): boolean => {
      const t = Date.parse(e.time);
      return (since === undefined || t >= since) && (until === undefined || t <= until);
    };
    return (this.db.prepare(sql).all(args) as Row[]).flatMap(toEntries).filter(inRange).slice(0, limit);
  }
}
