/**
 * A small key-value table for daemon state that fits no other table (InfluxDB subscription
 * tokens, the instance id, …). Use a `section:` prefix per owner so keys cannot collide.
 */
import type Database from "better-sqlite3";
import { decodeJson, encodeJson } from "./codec.js";

export class KvRepository {
  private readonly getStmt: Database.Statement<[string], { value: string }>;
  private readonly putStmt: Database.Statement<[string, string]>;
  private readonly deleteStmt: Database.Statement<[string]>;
  private readonly fromStmt: Database.Statement<[string], { key: string; value: string }>;

  constructor(db: Database.Database) {
    this.getStmt = db.prepare<[string], { value: string }>("SELECT value FROM kv WHERE key = ?");
    this.putStmt = db.prepare<[string, string]>(
      "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
    this.deleteStmt = db.prepare<[string]>("DELETE FROM kv WHERE key = ?");
    this.fromStmt = db.prepare<[string], { key: string; value: string }>(
      "SELECT key, value FROM kv WHERE key >= ? ORDER BY key",
    );
  }

  get(key: string): string | undefined {
    return this.getStmt.get(key)?.value;
  }

  put(key: string, value: string): void {
    this.putStmt.run(key, value);
  }

  /** True when the key existed. */
  delete(key: string): boolean {
    return this.deleteStmt.run(key).changes > 0;
  }

  /** Entries whose key starts with `prefix` ("" = all), sorted by key. */
  list(prefix = ""): { key: string; value: string }[] {
    const out: { key: string; value: string }[] = [];
    // Keys sharing a prefix are contiguous in key order: scan from the prefix, stop at the first miss.
    for (const row of this.fromStmt.iterate(prefix)) {
      if (!row.key.startsWith(prefix)) break;
      out.push(row);
    }
    return out;
  }

  /** A JSON value (bigint-safe, see codec.ts); undefined when the key is absent. */
  getJson(key: string): unknown {
    const text = this.get(key);
    return text === undefined ? undefined : decodeJson(text, `kv "${key}"`);
  }

  putJson(key: string, value: unknown): void {
    this.put(key, encodeJson(value, `kv "${key}"`));
  }
}
