/**
 * Persisted topic state (Kapacitor's `[alert] persist-topics`): the newest non-OK event state
 * per (topic, event id). States: absent (OK or never seen) → stored (INFO/WARNING/CRITICAL,
 * overwritten on every later non-OK event) → absent again when an OK event arrives. On start
 * the topics reload these so `GET /topics/<t>/events` and alert levels survive a restart.
 */
import type Database from "better-sqlite3";
import { Level } from "../core/types.js";
import { intFromDb, nsFromDb, nsToDb, textFromDb, timeFromDb, timeToDb } from "./codec.js";

export interface TopicEventRecord {
  topic: string;
  eventId: string;
  level: Level;
  message: string;
  details: string;
  /** ns since the epoch. */
  time: bigint;
  /** ns. */
  duration: number;
}

interface TopicEventRow {
  topic: unknown;
  event_id: unknown;
  level: unknown;
  message: unknown;
  details: unknown;
  time: unknown;
  duration: unknown;
}

const COLUMNS = "topic, event_id, level, message, details, time, duration";

export class TopicEventRepository {
  private readonly putStmt: Database.Statement<unknown[]>;
  private readonly getStmt: Database.Statement<[string, string], TopicEventRow>;
  private readonly deleteStmt: Database.Statement<[string, string]>;
  private readonly listTopicStmt: Database.Statement<[string], TopicEventRow>;
  private readonly listAllStmt: Database.Statement<[], TopicEventRow>;
  private readonly deleteTopicStmt: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.putStmt = db.prepare(
      `INSERT INTO topic_events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (topic, event_id) DO UPDATE SET level = excluded.level, message = excluded.message,
         details = excluded.details, time = excluded.time, duration = excluded.duration`,
    );
    this.getStmt = db
      .prepare<[string, string], TopicEventRow>(
        `SELECT ${COLUMNS} FROM topic_events WHERE topic = ? AND event_id = ?`,
      )
      .safeIntegers();
    this.deleteStmt = db.prepare<[string, string]>(
      "DELETE FROM topic_events WHERE topic = ? AND event_id = ?",
    );
    this.listTopicStmt = db
      .prepare<[string], TopicEventRow>(
        `SELECT ${COLUMNS} FROM topic_events WHERE topic = ? ORDER BY event_id`,
      )
      .safeIntegers();
    this.listAllStmt = db
      .prepare<[], TopicEventRow>(`SELECT ${COLUMNS} FROM topic_events ORDER BY topic, event_id`)
      .safeIntegers();
    this.deleteTopicStmt = db.prepare<[string]>("DELETE FROM topic_events WHERE topic = ?");
  }

  /**
   * Stores the event's state. An OK state is never stored — Kapacitor's rule — so putting
   * one deletes the entry instead, and callers can hand every event to put().
   */
  put(e: TopicEventRecord): void {
    if (e.level === Level.OK) {
      this.deleteStmt.run(e.topic, e.eventId);
      return;
    }
    this.putStmt.run(
      e.topic,
      e.eventId,
      e.level,
      e.message,
      e.details,
      timeToDb(e.time, "event time"),
      nsToDb(e.duration, "event duration"),
    );
  }

  get(topic: string, eventId: string): TopicEventRecord | undefined {
    const row = this.getStmt.get(topic, eventId);
    return row === undefined ? undefined : decodeEvent(row);
  }

  /** True when an entry was deleted. */
  delete(topic: string, eventId: string): boolean {
    return this.deleteStmt.run(topic, eventId).changes > 0;
  }

  /** Sorted by event id. */
  listTopic(topic: string): TopicEventRecord[] {
    return this.listTopicStmt.all(topic).map(decodeEvent);
  }

  /** Sorted by topic, then event id. */
  listAll(): TopicEventRecord[] {
    return this.listAllStmt.all().map(decodeEvent);
  }

  /** Returns how many entries were deleted. */
  deleteTopic(topic: string): number {
    return this.deleteTopicStmt.run(topic).changes;
  }
}

function decodeEvent(r: TopicEventRow): TopicEventRecord {
  return {
    topic: textFromDb(r.topic, "topic"),
    eventId: textFromDb(r.event_id, "event id"),
    level: intFromDb(r.level, "event level") as Level,
    message: textFromDb(r.message, "event message"),
    details: textFromDb(r.details, "event details"),
    time: timeFromDb(r.time, "event time"),
    duration: nsFromDb(r.duration, "event duration"),
  };
}
