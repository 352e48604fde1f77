/**
 * Topic handlers defined through the API (`define-topic-handler`, POST/PUT/PATCH
 * …/topics/<t>/handlers). Handler files from handlers/ are loaded at start and not stored.
 * `options` is kept exactly as given (bigints and non-finite floats included, see codec.ts);
 * validating it against the kind's schema is the caller's job, before put().
 */
import type Database from "better-sqlite3";
import { encodeJson, objectFromDb, textFromDb } from "./codec.js";

export interface TopicHandlerRecord {
  topic: string;
  id: string;
  kind: string;
  options: Record<string, unknown>;
  /** The match expression, "" when none. */
  match: string;
}

interface TopicHandlerRow {
  topic: unknown;
  id: unknown;
  kind: unknown;
  options: unknown;
  match: unknown;
}

const COLUMNS = "topic, id, kind, options, match";

export class TopicHandlerRepository {
  private readonly putStmt: Database.Statement<[string, string, string, string, string]>;
  private readonly getStmt: Database.Statement<[string, string], TopicHandlerRow>;
  private readonly listStmt: Database.Statement<[string], TopicHandlerRow>;
  private readonly listAllStmt: Database.Statement<[], TopicHandlerRow>;
  private readonly deleteStmt: Database.Statement<[string, string]>;
  private readonly deleteTopicStmt: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.putStmt = db.prepare<[string, string, string, string, string]>(
      `INSERT INTO topic_handlers (${COLUMNS}) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (topic, id) DO UPDATE SET kind = excluded.kind, options = excluded.options,
         match = excluded.match`,
    );
    this.getStmt = db.prepare<[string, string], TopicHandlerRow>(
      `SELECT ${COLUMNS} FROM topic_handlers WHERE topic = ? AND id = ?`,
    );
    this.listStmt = db.prepare<[string], TopicHandlerRow>(
      `SELECT ${COLUMNS} FROM topic_handlers WHERE topic = ? ORDER BY id`,
    );
    this.listAllStmt = db.prepare<[], TopicHandlerRow>(
      `SELECT ${COLUMNS} FROM topic_handlers ORDER BY topic, id`,
    );
    this.deleteStmt = db.prepare<[string, string]>("DELETE FROM topic_handlers WHERE topic = ? AND id = ?");
    this.deleteTopicStmt = db.prepare<[string]>("DELETE FROM topic_handlers WHERE topic = ?");
  }

  /** Inserts or replaces the handler (topic, id). */
  put(h: TopicHandlerRecord): void {
    this.putStmt.run(h.topic, h.id, h.kind, encodeJson(h.options, `options of handler "${h.id}"`), h.match);
  }

  get(topic: string, id: string): TopicHandlerRecord | undefined {
    const row = this.getStmt.get(topic, id);
    return row === undefined ? undefined : decodeHandler(row);
  }

  /** One topic's handlers, sorted by id. */
  list(topic: string): TopicHandlerRecord[] {
    return this.listStmt.all(topic).map(decodeHandler);
  }

  /** Every stored handler, sorted by topic, then id (for loading at start). */
  listAll(): TopicHandlerRecord[] {
    return this.listAllStmt.all().map(decodeHandler);
  }

  /** True when a handler was deleted. */
  delete(topic: string, id: string): boolean {
    return this.deleteStmt.run(topic, id).changes > 0;
  }

  /** Returns how many handlers were deleted. */
  deleteTopic(topic: string): number {
    return this.deleteTopicStmt.run(topic).changes;
  }
}

function decodeHandler(r: TopicHandlerRow): TopicHandlerRecord {
  const id = textFromDb(r.id, "handler id");
  return {
    topic: textFromDb(r.topic, "handler topic"),
    id,
    kind: textFromDb(r.kind, `kind of handler "${id}"`),
    options: objectFromDb(r.options, `options of handler "${id}"`),
    match: textFromDb(r.match, `match of handler "${id}"`),
  };
}
