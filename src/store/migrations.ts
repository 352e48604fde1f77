/**
 * Schema migrations: an ordered list, version n at index n-1, each applied once.
 *
 * `schema_migrations(version, applied_at)` records what a database file has. Opening a file
 * runs every missing migration, each in its own IMMEDIATE transaction together with its
 * `schema_migrations` row, so a crash mid-migration leaves the previous version intact and a
 * second process opening the same file waits, re-reads the version and skips what the first
 * one applied. A file whose version is newer than this list is refused before anything is
 * written: an older tickd must not run on a schema it does not understand.
 *
 * Never edit a released migration; append a new one.
 */
import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import { TickdError } from "../core/errors.js";
import { StoreErrorCodes } from "./errors.js";

export interface Migration {
  version: number;
  /** Short description, for the error messages and the reader. */
  name: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "tasks, topic events, alert states, topic handlers, kv",
    up(db) {
      db.exec(`
        CREATE TABLE tasks (
          id           TEXT PRIMARY KEY NOT NULL,
          template_id  TEXT NOT NULL DEFAULT '',
          type         TEXT NOT NULL CHECK (type IN ('stream', 'batch')),
          dbrps        TEXT NOT NULL DEFAULT '[]',
          script       TEXT NOT NULL,
          status       TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
          vars         TEXT NOT NULL DEFAULT '{}',
          error        TEXT NOT NULL DEFAULT '',
          created      INTEGER NOT NULL,
          modified     INTEGER NOT NULL,
          last_enabled INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;

        CREATE TABLE topic_events (
          topic    TEXT NOT NULL,
          event_id TEXT NOT NULL,
          level    INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
          message  TEXT NOT NULL,
          details  TEXT NOT NULL,
          time     INTEGER NOT NULL,
          duration INTEGER NOT NULL,
          PRIMARY KEY (topic, event_id)
        ) WITHOUT ROWID;

        CREATE TABLE alert_states (
          task            TEXT NOT NULL,
          node            TEXT NOT NULL,
          group_key       TEXT NOT NULL,
          event_id        TEXT NOT NULL,
          level           INTEGER NOT NULL CHECK (level BETWEEN 0 AND 3),
          prev            INTEGER NOT NULL CHECK (prev BETWEEN 0 AND 3),
          first_triggered INTEGER NOT NULL,
          last_triggered  INTEGER NOT NULL,
          flapping        INTEGER NOT NULL CHECK (flapping IN (0, 1)),
          history         BLOB,
          PRIMARY KEY (task, node, group_key)
        ) WITHOUT ROWID;

        CREATE TABLE topic_handlers (
          topic   TEXT NOT NULL,
          id      TEXT NOT NULL,
          kind    TEXT NOT NULL CHECK (kind <> ''),
          options TEXT NOT NULL DEFAULT '{}',
          match   TEXT NOT NULL DEFAULT '',
          PRIMARY KEY (topic, id)
        ) WITHOUT ROWID;

        CREATE TABLE kv (
          key   TEXT PRIMARY KEY NOT NULL,
          value TEXT NOT NULL
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    name: "delivery journal",
    up(db) {
      createDeliveryTables(db);
    },
  },
  {
    version: 3,
    name: "delivery journal: per-request TLS options, re-queue time",
    up(db) {
      upgradeDeliveryTables(db);
    },
  },
  {
    version: 4,
    name: "delivery journal: event id per notification",
    up(db) {
      addDeliveryEventIds(db);
    },
  },
  {
    version: 5,
    name: "on-call: silences, current alerts with labels, acknowledgements, held notifications",
    up(db) {
      createOnCallTables(db);
    },
  },
  {
    version: 6,
    name: "task templates",
    up(db) {
      db.exec(`
        CREATE TABLE templates (
          id       TEXT PRIMARY KEY NOT NULL,
          type     TEXT NOT NULL CHECK (type IN ('stream', 'batch')),
          script   TEXT NOT NULL,
          created  INTEGER NOT NULL,
          modified INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX tasks_template ON tasks (template_id);
      `);
    },
  },
  {
    version: 7,
    name: "on-call history: state changes and delivery attempts",
    up(db) {
      createHistoryTables(db);
    },
  },
  {
    version: 8,
    name: "delivery journal: origin of notifications read from a cluster's notifications topic",
    up(db) {
      addDeliveryOrigin(db);
    },
  },
  {
    version: 9,
    name: "connectors (secrets sealed), persistent auto-resolve timers",
    up(db) {
      createConnectorTables(db);
    },
  },
  {
    version: 10,
    name: "last event and last error of connectors and inbound integration sources",
    up(db) {
      createActivityTable(db);
    },
  },
  {
    version: 11,
    name: "on-call history: the task of a new row is found through the alert index",
    up(db) {
      lookUpHistoryTaskByAlert(db);
    },
  },
  {
    version: 12,
    name: "on-call history: a notification's first outcome folded into its journaled row",
    up(db) {
      foldFirstOutcomes(db);
    },
  },
  {
    version: 13,
    name: "on-call history: delivery rows written by the journal, not by triggers",
    up(db) {
      dropHistoryTriggers(db);
    },
  },
  {
    version: 14,
    name: "topic events and on-call alerts in rowid tables (no overflow page per row)",
    up(db) {
      rowidEventTables(db);
    },
  },
];

/**
 * Version 14. `topic_events` and `oncall_alerts` were WITHOUT ROWID tables, whose rows live
 * in the key's b-tree, where SQLite keeps at most about 1,000 bytes of a row on its 4 KB leaf
 * page and puts the rest on an overflow page of its own. An on-call alert row (labels and the
 * whole event as JSON, about 1.1 KB for a one-series `.post()` alert) thus took a nearly empty
 * 4 KB page per alert, written to the WAL with each new alert and zeroed again
 * (`secure_delete`) at each replace; a topic event's row (its `details`, Kapacitor's HTML of
 * the template data) goes over the limit as soon as an alert has a few fields. In rowid tables
 * a row can fill most of a page and the rows of a commit sit side by side; the primary key
 * stays as it was, now a separate index of the short keys. Same columns, same constraints,
 * every row copied.
 */
export function rowidEventTables(db: Database.Database): void {
  db.exec(`
    ALTER TABLE topic_events RENAME TO topic_events_v13;
    CREATE TABLE topic_events (
      topic    TEXT NOT NULL,
      event_id TEXT NOT NULL,
      level    INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
      message  TEXT NOT NULL,
      details  TEXT NOT NULL,
      time     INTEGER NOT NULL,
      duration INTEGER NOT NULL,
      PRIMARY KEY (topic, event_id)
    );
    INSERT INTO topic_events (topic, event_id, level, message, details, time, duration)
      SELECT topic, event_id, level, message, details, time, duration FROM topic_events_v13
      ORDER BY topic, event_id;
    DROP TABLE topic_events_v13;

    ALTER TABLE oncall_alerts RENAME TO oncall_alerts_v13;
    CREATE TABLE oncall_alerts (
      topic    TEXT NOT NULL,
      alert_id TEXT NOT NULL,
      labels   TEXT NOT NULL,
      event    TEXT NOT NULL,
      PRIMARY KEY (topic, alert_id)
    );
    INSERT INTO oncall_alerts (topic, alert_id, labels, event)
      SELECT topic, alert_id, labels, event FROM oncall_alerts_v13 ORDER BY topic, alert_id;
    DROP TABLE oncall_alerts_v13;
  `);
}

/**
 * Version 13. The journal's two history triggers cost a trigger program run per journal insert
 * and update (about 10 µs for an empty one) and re-read rows the journal had at hand. The
 * journal (src/store/delivery-journal.ts) now writes the same rows, by the same rules (folding
 * included), in the same transaction as its own write. Rows already written stay as they are.
 */
export function dropHistoryTriggers(db: Database.Database): void {
  db.exec(`
    DROP TRIGGER alert_history_journaled;
    DROP TRIGGER alert_history_attempt;
  `);
}

/**
 * Version 12. The history row of a notification's first outcome (delivered, for nearly every
 * notification) was an INSERT at a random place of `alert_history_alert`, a page of its own
 * in each group commit: about a third of the journal's SQLite work in a storm. That outcome
 * now goes into the notification's journaled row instead (`outcome_ms` > 0 marks such a row,
 * whose status, attempt, http_status and error are then the outcome's; the journaled step is
 * queued, attempt 0, no status, no error) when that row is still the alert's newest (so an
 * alert's history keeps its order exactly) and records nothing but the journaling (not a
 * re-queue after a failure, which carries that failure). Any other step is a row of its own,
 * as before. src/oncall/history.ts shows a folded row as its two entries.
 */
export function foldFirstOutcomes(db: Database.Database): void {
  db.exec(`
    ALTER TABLE alert_history ADD COLUMN outcome_ms INTEGER NOT NULL DEFAULT 0;
    DROP TRIGGER alert_history_attempt;
    CREATE TRIGGER alert_history_attempt AFTER UPDATE OF status, attempts ON deliveries
      WHEN NEW.status <> OLD.status OR NEW.attempts <> OLD.attempts BEGIN
      UPDATE alert_history SET status = NEW.status, attempt = NEW.attempts,
        http_status = NEW.last_status, error = NEW.last_error, outcome_ms = NEW.updated_ms
      WHERE OLD.status = 'queued' AND OLD.attempts = 0 AND OLD.last_status = 0 AND OLD.last_error = ''
        AND id = (SELECT id FROM alert_history WHERE alert_id = NEW.alert_id ORDER BY id DESC LIMIT 1)
        AND type = 'delivery' AND delivery_id = NEW.id AND status = 'queued' AND outcome_ms = 0;
      -- changes(): the rows the UPDATE above changed (statements of this trigger only).
      INSERT INTO alert_history (time_ms, topic, alert_id, task, type, handler, delivery_id, status,
        attempt, http_status, error, target)
      SELECT NEW.updated_ms, NEW.topic, NEW.alert_id, ${HISTORY_TASK_LOOKUP("NEW.topic", "NEW.alert_id")},
        'delivery', NEW.handler, NEW.id, NEW.status, NEW.attempts, NEW.last_status, NEW.last_error,
        NEW.url_redacted
      WHERE changes() = 0;
    END;
  `);
}

/**
 * The task a new delivery or note row of an alert takes: that of the alert's newest row in
 * the same topic. Every row copies it from the newest state row when it is written, so the
 * newest row of any type carries the newest state row's task, and the lookup is one step back
 * through `alert_history_alert` instead of a seek in an index of its own.
 */
export const HISTORY_TASK_LOOKUP = (topic: string, alertId: string): string =>
  `COALESCE((SELECT task FROM alert_history WHERE alert_id = ${alertId} AND topic = ${topic}
    ORDER BY id DESC LIMIT 1), '')`;

/**
 * Version 11. `alert_history_task` (topic, alert_id, type, id) served only the task lookup
 * of migration 7's triggers, yet cost a b-tree insert at a random place for each history row
 * (three per notification: the state change, journaled, the attempt), a WAL page per row and
 * commit. The triggers now look the task up as {@link HISTORY_TASK_LOOKUP} says, through
 * `alert_history_alert`, which every history row enters anyway; the index goes.
 */
export function lookUpHistoryTaskByAlert(db: Database.Database): void {
  const deliveryRow = (time: string): string => `
    INSERT INTO alert_history (time_ms, topic, alert_id, task, type, handler, delivery_id, status,
      attempt, http_status, error, target)
    VALUES (${time}, NEW.topic, NEW.alert_id, ${HISTORY_TASK_LOOKUP("NEW.topic", "NEW.alert_id")},
      'delivery', NEW.handler, NEW.id, NEW.status, NEW.attempts, NEW.last_status, NEW.last_error,
      NEW.url_redacted);`;
  db.exec(`
    DROP TRIGGER alert_history_journaled;
    DROP TRIGGER alert_history_attempt;
    DROP INDEX alert_history_task;
    ${historyTriggers(deliveryRow)}
  `);
}

/**
 * Version 10. `activity` (src/store/activity.ts): the last event and the last error of each
 * connector (`scope` 'connector') and inbound integration source ('integration') for the
 * console. `last_error` is a short message, never a secret. Times are Unix ms, NULL = never.
 */
export function createActivityTable(db: Database.Database): void {
  db.exec(`
    CREATE TABLE activity (
      scope         TEXT NOT NULL CHECK (scope IN ('connector', 'integration')),
      name          TEXT NOT NULL,
      last_event_ms INTEGER,
      last_error_ms INTEGER,
      last_error    TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (scope, name)
    ) WITHOUT ROWID;
  `);
}

/**
 * Version 8. `connectors` (src/connectors/store.ts): Kibana-style reusable destinations;
 * `config` is JSON, `secrets` the sealed JSON of the secrets ("" = none; never clear text).
 * `auto_resolve` (src/integrations/auto-resolve.ts): when an incoming alert whose vendor never
 * resolves it (Elasticsearch Watcher) is due to be resolved, so the timer survives a restart.
 * Times are Unix ms.
 */
export function createConnectorTables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE connectors (
      id         TEXT PRIMARY KEY NOT NULL,
      name       TEXT NOT NULL,
      type_id    TEXT NOT NULL,
      config     TEXT NOT NULL DEFAULT '{}',
      secrets    TEXT NOT NULL DEFAULT '',
      created_ms INTEGER NOT NULL,
      updated_ms INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE auto_resolve (
      topic    TEXT NOT NULL,
      alert_id TEXT NOT NULL,
      alert    TEXT NOT NULL,
      due_ms   INTEGER NOT NULL,
      PRIMARY KEY (topic, alert_id)
    ) WITHOUT ROWID;
  `);
}

/**
 * On-call state (src/oncall, DESIGN §12). Times are Unix ms. `oncall_alerts` holds each
 * non-OK alert's labels and last event (JSON) so a re-send after a silence survives a restart;
 * `oncall_holds` the level each handler last got for an alert a silence held back.
 */
export function createOnCallTables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE silences (
      id           TEXT PRIMARY KEY NOT NULL,
      matchers     TEXT NOT NULL,
      starts_at    INTEGER NOT NULL,
      ends_at      INTEGER NOT NULL,
      updated_at   INTEGER NOT NULL,
      created_by   TEXT NOT NULL,
      comment      TEXT NOT NULL,
      snooze_topic TEXT NOT NULL DEFAULT '',
      snooze_alert TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID;

    CREATE TABLE oncall_alerts (
      topic    TEXT NOT NULL,
      alert_id TEXT NOT NULL,
      labels   TEXT NOT NULL,
      event    TEXT NOT NULL,
      PRIMARY KEY (topic, alert_id)
    ) WITHOUT ROWID;

    CREATE TABLE oncall_acks (
      topic    TEXT NOT NULL,
      alert_id TEXT NOT NULL,
      level    INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
      acked_by TEXT NOT NULL,
      comment  TEXT NOT NULL,
      at_ms    INTEGER NOT NULL,
      PRIMARY KEY (topic, alert_id)
    ) WITHOUT ROWID;

    CREATE TABLE oncall_holds (
      topic      TEXT NOT NULL,
      alert_id   TEXT NOT NULL,
      handler    TEXT NOT NULL,
      sent_level INTEGER NOT NULL CHECK (sent_level BETWEEN 0 AND 3),
      PRIMARY KEY (topic, alert_id, handler)
    ) WITHOUT ROWID;
  `);
}

/**
 * The delivery journal (src/store/delivery-journal.ts): one row per outgoing notification,
 * written before its first attempt. Also used on its own for an in-memory journal when
 * `[delivery] journal = false`, so the table is created by this function. Times are Unix ms.
 */
export function createDeliveryTables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE deliveries (
      id            INTEGER PRIMARY KEY,
      handler       TEXT NOT NULL,
      topic         TEXT NOT NULL,
      alert_id      TEXT NOT NULL,
      kind          TEXT NOT NULL,
      method        TEXT NOT NULL,
      url           TEXT NOT NULL,
      url_redacted  TEXT NOT NULL,
      headers       TEXT NOT NULL DEFAULT '{}',
      body          TEXT NOT NULL,
      timeout_ms    INTEGER NOT NULL,
      status        TEXT NOT NULL CHECK (status IN ('queued', 'retrying', 'delivered', 'failed')),
      attempts      INTEGER NOT NULL DEFAULT 0,
      last_error    TEXT NOT NULL DEFAULT '',
      last_status   INTEGER NOT NULL DEFAULT 0,
      next_retry_ms INTEGER NOT NULL DEFAULT 0,
      created_ms    INTEGER NOT NULL,
      updated_ms    INTEGER NOT NULL
    );
    CREATE INDEX deliveries_status ON deliveries (status, id);
  `);
}

/**
 * Version 3 of the journal: `tls` (the handler's TLS options as JSON, "" for the `[webhook]`
 * defaults) so a replay uses the same verification, and `requeued_ms` (when a failed row was
 * re-queued through the retry API, 0 if never) from which `[delivery] max-age` counts.
 */
export function upgradeDeliveryTables(db: Database.Database): void {
  db.exec(`
    ALTER TABLE deliveries ADD COLUMN tls TEXT NOT NULL DEFAULT '';
    ALTER TABLE deliveries ADD COLUMN requeued_ms INTEGER NOT NULL DEFAULT 0;
  `);
}

/**
 * Version 4 of the journal: `event_id`, the notification's `X-Tickd-Event-Id` (a random UUID
 * chosen when the row is inserted, so every retry and every replay after a restart sends the
 * same one). Rows journaled by an older tickd get theirs here, before they are replayed.
 */
export function addDeliveryEventIds(db: Database.Database): void {
  db.exec("ALTER TABLE deliveries ADD COLUMN event_id TEXT NOT NULL DEFAULT ''");
  const ids = db.prepare("SELECT id FROM deliveries WHERE event_id = ''").pluck().all() as number[];
  const set = db.prepare("UPDATE deliveries SET event_id = ? WHERE id = ?");
  for (const id of ids) set.run(randomUUID(), id);
}

/**
 * Version 6: `alert_history` (src/oncall/history.ts), one row per alert state change
 * (`type` 'state', written by the topic service's hook), per delivery step (`type`
 * 'delivery': journaled, each attempt's outcome, re-queued) and per on-call note ('note':
 * ack, snooze, silence). Delivery rows come from triggers on the journal, so the delivery
 * layer needs no hook and every attempt is recorded in the same transaction as its outcome.
 * A delivery row takes the task of the alert's newest state row. Times are Unix ms.
 */
export function createHistoryTables(db: Database.Database): void {
  const deliveryRow = (time: string): string => `
    INSERT INTO alert_history (time_ms, topic, alert_id, task, type, handler, delivery_id, status,
      attempt, http_status, error, target)
    VALUES (${time}, NEW.topic, NEW.alert_id,
      COALESCE((SELECT task FROM alert_history WHERE topic = NEW.topic AND alert_id = NEW.alert_id
        AND type = 'state' ORDER BY id DESC LIMIT 1), ''),
      'delivery', NEW.handler, NEW.id, NEW.status, NEW.attempts, NEW.last_status, NEW.last_error,
      NEW.url_redacted);`;
  db.exec(`
    CREATE TABLE alert_history (
      id             INTEGER PRIMARY KEY,
      time_ms        INTEGER NOT NULL,
      topic          TEXT NOT NULL,
      alert_id       TEXT NOT NULL,
      task           TEXT NOT NULL DEFAULT '',
      type           TEXT NOT NULL CHECK (type IN ('state', 'delivery', 'note')),
      level          INTEGER NOT NULL DEFAULT 0,
      previous_level INTEGER NOT NULL DEFAULT 0,
      message        TEXT NOT NULL DEFAULT '',
      handler        TEXT NOT NULL DEFAULT '',
      delivery_id    INTEGER NOT NULL DEFAULT 0,
      status         TEXT NOT NULL DEFAULT '',
      attempt        INTEGER NOT NULL DEFAULT 0,
      http_status    INTEGER NOT NULL DEFAULT 0,
      error          TEXT NOT NULL DEFAULT '',
      target         TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX alert_history_time ON alert_history (time_ms);
    CREATE INDEX alert_history_alert ON alert_history (alert_id, id);
    -- The triggers' task lookup: one seek, however many delivery rows the alert has.
    CREATE INDEX alert_history_task ON alert_history (topic, alert_id, type, id);
    ${historyTriggers(deliveryRow)}
  `);
}

/**
 * The journal's two history triggers: a delivery row when a notification is journaled and one
 * for each attempt's outcome. `row(time)` is the INSERT, so each migration keeps its own lookup.
 */
function historyTriggers(row: (time: string) => string): string {
  return `CREATE TRIGGER alert_history_journaled AFTER INSERT ON deliveries BEGIN
      ${row("NEW.created_ms")}
    END;
    CREATE TRIGGER alert_history_attempt AFTER UPDATE OF status, attempts ON deliveries
      WHEN NEW.status <> OLD.status OR NEW.attempts <> OLD.attempts BEGIN
      ${row("NEW.updated_ms")}
    END;`;
}

/**
 * Version 8 of the journal: `origin`, where a notification made by another cluster member
 * was read (`<notifications topic>/<partition>`; "" for the notifications of this instance),
 * and an index on the event ids of those rows: the cluster dispatcher (src/cluster) looks a
 * record's event id up before it journals it, so a record read twice is not sent twice.
 */
export function addDeliveryOrigin(db: Database.Database): void {
  db.exec(`
    ALTER TABLE deliveries ADD COLUMN origin TEXT NOT NULL DEFAULT '';
    CREATE INDEX deliveries_external_event ON deliveries (event_id) WHERE origin <> '';
  `);
}

/** The journal table at the newest version (the in-memory journal of `[delivery] journal = false`). */
export function createDeliveryJournalTables(db: Database.Database): void {
  createDeliveryTables(db);
  upgradeDeliveryTables(db);
  addDeliveryEventIds(db);
  addDeliveryOrigin(db);
}

/** The version this build writes. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

/** The version recorded in the file, 0 for a new (or pre-migration) database. */
export function currentSchemaVersion(db: Database.Database): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (table === undefined) return 0;
  const row = db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Brings `db` to the newest version of `migrations`; returns the version it ends at.
 * `where` names the file in errors.
 */
export function migrate(
  db: Database.Database,
  where: string,
  migrations: readonly Migration[] = MIGRATIONS,
): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new TickdError(
        StoreErrorCodes.SCHEMA,
        `migration list is out of order: entry ${i} has version ${m.version}, expected ${i + 1}`,
      );
    }
  });
  const latest = migrations.length;
  refuseNewer(currentSchemaVersion(db), latest, where);

  const apply = db.transaction((m: Migration): void => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY NOT NULL,
      applied_at TEXT NOT NULL
    )`);
    // Re-read under the write lock: another process may have migrated meanwhile.
    const now = currentSchemaVersion(db);
    refuseNewer(now, latest, where);
    if (now >= m.version) return;
    try {
      m.up(db);
    } catch (e) {
      throw new TickdError(
        StoreErrorCodes.STORE,
        `${where}: migration ${m.version} (${m.name}) failed: ${(e as Error).message}`,
        { cause: e },
      );
    }
    db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(
      m.version,
      new Date().toISOString(),
    );
  });

  for (const m of migrations) {
    if (currentSchemaVersion(db) >= m.version) continue;
    apply.immediate(m);
  }
  return currentSchemaVersion(db);
}

function refuseNewer(found: number, known: number, where: string): void {
  if (found > known) {
    throw new TickdError(
      StoreErrorCodes.SCHEMA,
      `${where} has schema version ${found}, but this tickd only knows versions up to ${known}: ` +
        `it was written by a newer tickd. Run that version, or restore a backup made for this one; ` +
        `the file was left untouched.`,
    );
  }
}
