import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { TickdError } from "../../../src/core/errors.js";
import {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  openStore,
  StoreErrorCodes,
  type Migration,
} from "../../../src/store/index.js";
import { sampleTask, useTempDir } from "./helpers.js";

const tmp = useTempDir();

function tables(db: Database.Database): string[] {
  return (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]
  ).filter((n) => !n.startsWith("sqlite_"));
}

function versions(path: string): number[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT version FROM schema_migrations ORDER BY version").pluck().all() as number[];
  } finally {
    db.close();
  }
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function thrown(fn: () => unknown): TickdError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TickdError);
    return e as TickdError;
  }
  throw new Error("expected a TickdError");
}

/** The newest version this build knows; test migrations come after it. */
const N = MIGRATIONS.length;
/** [1, 2, …, n] */
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

const addColumn: Migration = {
  version: N + 1,
  name: "tasks.owner",
  up(db) {
    db.exec("ALTER TABLE tasks ADD COLUMN owner TEXT NOT NULL DEFAULT ''");
  },
};

describe("openStore: schema migrations", () => {
  it("creates every table on an empty file and records each version with its time", () => {
    const path = join(tmp.dir(), "tickd.db");
    const s = tmp.track(openStore(path));
    expect(s.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(tables(s.db)).toEqual([
      "activity",
      "alert_history",
      "alert_states",
      "auto_resolve",
      "connectors",
      "deliveries",
      "kv",
      "oncall_acks",
      "oncall_alerts",
      "oncall_holds",
      "schema_migrations",
      "silences",
      "tasks",
      "templates",
      "topic_events",
      "topic_handlers",
    ]);
    const rows = s.db.prepare("SELECT version, applied_at FROM schema_migrations ORDER BY version").all() as {
      version: number;
      applied_at: string;
    }[];
    expect(rows.map((r) => r.version)).toEqual(upTo(N));
    for (const r of rows) expect(Number.isNaN(Date.parse(r.applied_at))).toBe(false);
  });

  it("creates missing parent directories", () => {
    const path = join(tmp.dir(), "a", "b", "tickd.db");
    tmp.track(openStore(path)).close();
    expect(existsSync(path)).toBe(true);
  });

  it("reopening is idempotent: no migration re-runs and the data stays", () => {
    const path = join(tmp.dir(), "tickd.db");
    const first = openStore(path);
    first.tasks.put(sampleTask("cpu"));
    first.close();
    const second = tmp.track(openStore(path));
    expect(second.schemaVersion).toBe(N);
    expect(second.tasks.get("cpu")?.id).toBe("cpu");
    second.close();
    expect(versions(path)).toEqual(upTo(N));
  });

  it("applies only the missing migrations of a longer list", () => {
    const path = join(tmp.dir(), "tickd.db");
    openStore(path).close();
    const s = tmp.track(openStore(path, { migrations: [...MIGRATIONS, addColumn] }));
    expect(s.schemaVersion).toBe(N + 1);
    expect(s.db.prepare("SELECT owner FROM tasks").all()).toEqual([]);
    s.close();
    expect(versions(path)).toEqual(upTo(N + 1));
  });

  it("refuses a newer schema, naming both versions, and leaves the file untouched", () => {
    const path = join(tmp.dir(), "tickd.db");
    const newer = openStore(path, { migrations: [...MIGRATIONS, addColumn] });
    newer.tasks.put(sampleTask("cpu"));
    newer.close();
    const before = sha256(path);

    const err = thrown(() => openStore(path));
    expect(err.code).toBe(StoreErrorCodes.SCHEMA);
    expect(err.message).toContain(`schema version ${N + 1}`);
    expect(err.message).toContain(`up to ${N}`);
    expect(err.message).toContain(path);

    expect(sha256(path)).toBe(before);
    // The newer build still opens it, data intact.
    const again = tmp.track(openStore(path, { migrations: [...MIGRATIONS, addColumn] }));
    expect(again.tasks.get("cpu")?.script).toBe(sampleTask("cpu").script);
  });

  it("rolls a failing migration back completely and keeps the previous version", () => {
    const path = join(tmp.dir(), "tickd.db");
    openStore(path).close();
    const broken: Migration = {
      version: N + 1,
      name: "half done",
      up(db) {
        db.exec("CREATE TABLE half (x INTEGER)");
        throw new Error("boom");
      },
    };
    const err = thrown(() => openStore(path, { migrations: [...MIGRATIONS, broken] }));
    expect(err.code).toBe(StoreErrorCodes.STORE);
    expect(err.message).toContain(`migration ${N + 1} (half done) failed: boom`);
    expect(versions(path)).toEqual(upTo(N));
    const db = new Database(path, { readonly: true });
    expect(tables(db)).not.toContain("half");
    db.close();
  });

  it("rejects a migration list that is not numbered 1..n", () => {
    const err = thrown(() =>
      openStore(join(tmp.dir(), "x.db"), { migrations: [...MIGRATIONS, { ...addColumn, version: N + 2 }] }),
    );
    expect(err.code).toBe(StoreErrorCodes.SCHEMA);
  });

  it("reports a file that is not a database as E_STORE, naming the path", () => {
    const path = join(tmp.dir(), "notes.db");
    writeFileSync(path, "this is not sqlite, just some text long enough to have a header............");
    const err = thrown(() => openStore(path));
    expect(err.code).toBe(StoreErrorCodes.STORE);
    expect(err.message).toContain(path);
  });

  it("works in memory", () => {
    const s = tmp.track(openStore(":memory:"));
    s.tasks.put(sampleTask("m"));
    expect(s.tasks.list().map((t) => t.id)).toEqual(["m"]);
  });
});

describe("openStore: connection settings", () => {
  it("uses WAL, synchronous=NORMAL, foreign keys and a busy timeout", () => {
    const path = join(tmp.dir(), "tickd.db");
    const s = tmp.track(openStore(path, { busyTimeoutMs: 2500 }));
    expect(s.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(s.db.pragma("synchronous", { simple: true })).toBe(1);
    expect(s.db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(s.db.pragma("busy_timeout", { simple: true })).toBe(2500);
    // WAL is a property of the file: another connection sees it too.
    const other = new Database(path, { readonly: true });
    expect(other.pragma("journal_mode", { simple: true })).toBe("wal");
    other.close();
  });

  it("close() is idempotent", () => {
    const s = openStore(join(tmp.dir(), "tickd.db"));
    s.close();
    expect(() => s.close()).not.toThrow();
  });

  it("transaction() commits together or rolls back together", () => {
    const s = tmp.track(openStore(join(tmp.dir(), "tickd.db")));
    expect(() =>
      s.transaction(() => {
        s.tasks.put(sampleTask("a"));
        s.kv.put("k", "v");
        throw new Error("abort");
      }),
    ).toThrow("abort");
    expect(s.tasks.get("a")).toBeUndefined();
    expect(s.kv.get("k")).toBeUndefined();
    const n = s.transaction(() => {
      s.tasks.put(sampleTask("a"));
      s.kv.put("k", "v");
      return 2;
    });
    expect(n).toBe(2);
    expect(s.tasks.get("a")?.id).toBe("a");
    expect(s.kv.get("k")).toBe("v");
  });

  it("batch() commits its writes once, and keeps them when fn throws", () => {
    const path = join(tmp.dir(), "tickd.db");
    const s = tmp.track(openStore(path));
    const other = new Database(path, { readonly: true });
    try {
      const seen = s.batch(() => {
        s.kv.put("a", "1");
        s.kv.put("b", "2");
        // Not committed yet: another connection still sees nothing.
        return [s.db.inTransaction, other.prepare("SELECT COUNT(*) FROM kv").pluck().get()];
      });
      expect(seen).toEqual([true, 0]);
      expect(other.prepare("SELECT COUNT(*) FROM kv").pluck().get()).toBe(2);
    } finally {
      other.close();
    }
    expect(() =>
      s.batch(() => {
        s.kv.put("c", "3");
        throw new Error("engine failed half-way");
      }),
    ).toThrow("engine failed half-way");
    expect(s.db.inTransaction).toBe(false);
    expect(s.kv.get("c")).toBe("3");
  });

  it("batch() inside a transaction is part of it, and survives SQLite rolling back on its own", () => {
    const s = tmp.track(openStore(join(tmp.dir(), "tickd.db")));
    expect(() =>
      s.transaction(() => {
        s.batch(() => s.kv.put("inner", "1"));
        throw new Error("abort");
      }),
    ).toThrow("abort");
    expect(s.kv.get("inner")).toBeUndefined();
    // As after SQLITE_FULL: the transaction is gone before batch() would commit it.
    s.batch(() => {
      s.kv.put("lost", "1");
      s.db.exec("ROLLBACK");
    });
    expect(s.db.inTransaction).toBe(false);
    expect(s.kv.get("lost")).toBeUndefined();
    s.batch(() => s.kv.put("next", "1"));
    expect(s.kv.get("next")).toBe("1");
  });
});
