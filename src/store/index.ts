/**
 * The daemon's SQLite state: one file (`[storage] dir`/tickd.db by the daemon's choice of
 * path), opened once, used synchronously from the main thread.
 *
 * Durability: WAL journal with `synchronous = NORMAL`. A committed write survives the process
 * being killed (SIGKILL, OOM, crash) because it is in the WAL file, which the next open
 * replays; only an OS crash or power loss can take back the last few commits, a trade worth
 * making for alert state written on every change. `busy_timeout` lets a second process (a
 * `tickctl` reading the file, a backup) wait for a lock instead of failing.
 *
 * Times are ns `number`s and int64 values `bigint`s on the way in and out: see codec.ts.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { TickdError } from "../core/errors.js";
import { AlertStateRepository } from "./alert-states.js";
import { startCheckpointer, type Checkpointer } from "./checkpointer.js";
import { StoreErrorCodes } from "./errors.js";
import { KvRepository } from "./kv.js";
import { migrate, MIGRATIONS, type Migration } from "./migrations.js";
import { TaskRepository } from "./tasks.js";
import { TopicEventRepository } from "./topic-events.js";
import { TopicHandlerRepository } from "./topic-handlers.js";

export { StoreErrorCodes } from "./errors.js";
export { compileGlob, globMatch, type GlobMatcher } from "./glob.js";
export { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from "./migrations.js";
export type { AlertStateKey, AlertStateRecord, AlertStateRepository } from "./alert-states.js";
export { groupKey } from "./alert-states.js";
export type { KvRepository } from "./kv.js";
export type { TaskListOptions, TaskRecord, TaskRepository, TaskStatus } from "./tasks.js";
export type { TopicEventRecord, TopicEventRepository } from "./topic-events.js";
export type { TopicHandlerRecord, TopicHandlerRepository } from "./topic-handlers.js";

export interface OpenStoreOptions {
  /** How long a statement waits for another connection's lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** The migration list; tests pass their own, the daemon never does. */
  migrations?: readonly Migration[];
  /**
   * WAL checkpoints in a worker thread instead of inside the writer's commits (the daemon's
   * choice; see checkpointer.ts). Ignored for ":memory:". `onFallback` hears when the worker
   * failed and the writer checkpoints itself again.
   */
  backgroundCheckpoint?: { onFallback?: (reason: string) => void };
}

export interface Store {
  /** The file path, or ":memory:". */
  readonly path: string;
  /** The schema version after opening (= the newest this build knows). */
  readonly schemaVersion: number;
  readonly tasks: TaskRepository;
  readonly topicEvents: TopicEventRepository;
  readonly alertStates: AlertStateRepository;
  readonly topicHandlers: TopicHandlerRepository;
  readonly kv: KvRepository;
  /**
   * The connection, for modules that own tables of their own (their migrations go in
   * migrations.ts). Prefer the repositories.
   */
  readonly db: Database.Database;
  /** Runs fn in one transaction (nested calls become savepoints); a throw rolls it all back. */
  transaction<T>(fn: () => T): T;
  /**
   * Runs fn with all its writes in one commit: one WAL append for an alert storm instead of
   * one per alert state, topic event and journaled notification. Unlike transaction(), a
   * throw still commits what fn wrote before it, because the in-memory state those rows
   * mirror has already moved on. Inside a transaction or batch, fn simply runs.
   */
  batch<T>(fn: () => T): T;
  /** Idempotent. Checkpoints the WAL into the main file. */
  close(): void;
}

export function openStore(path: string, opts: OpenStoreOptions = {}): Store {
  const memory = path === ":memory:";
  const where = memory ? "the in-memory store" : `store ${path}`;
  if (!memory && path !== "") {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (e) {
      throw new TickdError(
        StoreErrorCodes.STORE,
        `cannot create the directory of ${where}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  if (!memory && path !== "") restrictFile(path);
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: opts.busyTimeoutMs ?? 5000 });
  } catch (e) {
    throw new TickdError(StoreErrorCodes.STORE, `cannot open ${where}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`);
    db.pragma("foreign_keys = ON");
    // Deleted and overwritten content is zeroed, so a secret replaced by its sealed form (or a
    // deleted connector) leaves nothing readable in free pages of the file.
    db.pragma("secure_delete = ON");
    const schemaVersion = migrate(db, where, opts.migrations ?? MIGRATIONS);
    // After the version check, which is the first read (a non-database file fails there): the
    // journal-mode switch writes the file header, and a refused file must be left as it was.
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    const checkpointer =
      opts.backgroundCheckpoint !== undefined && !memory && path !== ""
        ? startCheckpointer(db, path, {
            busyTimeoutMs: Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000)),
            ...(opts.backgroundCheckpoint.onFallback !== undefined
              ? { onFallback: opts.backgroundCheckpoint.onFallback }
              : {}),
          })
        : undefined;
    return new SqliteStore(path, db, schemaVersion, checkpointer);
  } catch (e) {
    db.close();
    if (e instanceof TickdError) throw e;
    throw new TickdError(StoreErrorCodes.STORE, `cannot open ${where}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/**
 * The state holds credentials (sealed, but still): the file is created readable by its owner
 * only, and an existing file is narrowed to that. SQLite gives its -wal and -shm files the
 * database file's permissions.
 */
function restrictFile(path: string): void {
  try {
    closeSync(openSync(path, "a", 0o600));
    chmodSync(path, 0o600);
  } catch {
    // Reported by the open below when it matters (a read-only directory, say).
  }
}

class SqliteStore implements Store {
  readonly tasks: TaskRepository;
  readonly topicEvents: TopicEventRepository;
  readonly alertStates: AlertStateRepository;
  readonly topicHandlers: TopicHandlerRepository;
  readonly kv: KvRepository;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;

  constructor(
    readonly path: string,
    readonly db: Database.Database,
    readonly schemaVersion: number,
    private readonly checkpointer?: Checkpointer,
  ) {
    this.tasks = new TaskRepository(db);
    this.topicEvents = new TopicEventRepository(db);
    this.alertStates = new AlertStateRepository(db);
    this.topicHandlers = new TopicHandlerRepository(db);
    this.kv = new KvRepository(db);
    this.begin = db.prepare("BEGIN");
    this.commit = db.prepare("COMMIT");
    this.rollback = db.prepare("ROLLBACK");
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  batch<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    this.begin.run();
    try {
      return fn();
    } finally {
      // SQLite may have rolled back already (disk full, I/O error): nothing left to commit.
      if (this.db.inTransaction) {
        try {
          this.commit.run();
        } catch (e) {
          // Never leave the connection inside a transaction nobody will commit.
          if (this.db.inTransaction) this.rollback.run();
          // eslint-disable-next-line no-unsafe-finally -- a failed commit must reach the caller
          throw e;
        }
      }
    }
  }

  close(): void {
    // The worker's connection goes first, so this one is the last and checkpoints the rest.
    this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }
}
