/**
 * Where connectors are kept. One interface, {@link ConnectorStore}, with every write going
 * through create/update/delete, so cluster mode can put a replicating store in front of the
 * SQLite one (DESIGN §11: connectors live in the config topic, SQLite is the local cache).
 * Secrets cross this interface sealed only (src/secrets/): a store never sees clear text.
 */
import type Database from "better-sqlite3";
import { TickdError } from "../core/errors.js";
import { encodeJson, intFromDb, objectFromDb, textFromDb } from "../store/codec.js";
import { StoreErrorCodes } from "../store/errors.js";

export interface StoredConnector {
  readonly id: string;
  readonly name: string;
  /** Kibana's `connector_type_id`: `.webhook`, `.victorops`, … */
  readonly typeId: string;
  readonly config: Record<string, unknown>;
  /** The sealed JSON of the secrets object; "" when the connector has none. */
  readonly secrets: string;
  readonly createdMs: number;
  readonly updatedMs: number;
}

export interface ConnectorStore {
  get(id: string): StoredConnector | undefined;
  /** Every connector, sorted by id. */
  list(): StoredConnector[];
  /** Throws E_STORE_CONFLICT when the id exists. */
  create(c: StoredConnector): void;
  /** Replaces an existing connector; false when there is none. */
  update(c: StoredConnector): boolean;
  /** False when there was none. */
  delete(id: string): boolean;
}

interface Row {
  id: unknown;
  name: unknown;
  type_id: unknown;
  config: unknown;
  secrets: unknown;
  created_ms: unknown;
  updated_ms: unknown;
}

const COLUMNS = "id, name, type_id, config, secrets, created_ms, updated_ms";

/** The connectors table of the daemon's SQLite file (migration 9). */
export class SqliteConnectorStore implements ConnectorStore {
  private readonly getStmt: Database.Statement<[string], Row>;
  private readonly listStmt: Database.Statement<[], Row>;
  private readonly insertStmt: Database.Statement<[string, string, string, string, string, number, number]>;
  private readonly updateStmt: Database.Statement<[string, string, string, string, number, string]>;
  private readonly deleteStmt: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.getStmt = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM connectors WHERE id = ?`);
    this.listStmt = db.prepare<[], Row>(`SELECT ${COLUMNS} FROM connectors ORDER BY id`);
    this.insertStmt = db.prepare(`INSERT INTO connectors (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.updateStmt = db.prepare(
      "UPDATE connectors SET name = ?, type_id = ?, config = ?, secrets = ?, updated_ms = ? WHERE id = ?",
    );
    this.deleteStmt = db.prepare<[string]>("DELETE FROM connectors WHERE id = ?");
  }

  get(id: string): StoredConnector | undefined {
    const r = this.getStmt.get(id);
    return r === undefined ? undefined : decode(r);
  }

  list(): StoredConnector[] {
    return this.listStmt.all().map(decode);
  }

  create(c: StoredConnector): void {
    if (this.getStmt.get(c.id) !== undefined) {
      throw new TickdError(StoreErrorCodes.CONFLICT, `connector ${JSON.stringify(c.id)} exists`);
    }
    this.insertStmt.run(
      c.id,
      c.name,
      c.typeId,
      encodeJson(c.config, `config of connector "${c.id}"`),
      c.secrets,
      c.createdMs,
      c.updatedMs,
    );
  }

  update(c: StoredConnector): boolean {
    return (
      this.updateStmt.run(
        c.name,
        c.typeId,
        encodeJson(c.config, `config of connector "${c.id}"`),
        c.secrets,
        c.updatedMs,
        c.id,
      ).changes > 0
    );
  }

  delete(id: string): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }
}

function decode(r: Row): StoredConnector {
  const id = textFromDb(r.id, "connector id");
  return {
    id,
    name: textFromDb(r.name, `name of connector "${id}"`),
    typeId: textFromDb(r.type_id, `type of connector "${id}"`),
    config: objectFromDb(r.config, `config of connector "${id}"`),
    secrets: textFromDb(r.secrets, `secrets of connector "${id}"`),
    createdMs: intFromDb(r.created_ms, `created time of connector "${id}"`),
    updatedMs: intFromDb(r.updated_ms, `updated time of connector "${id}"`),
  };
}
