/**
 * An experiment for the dispatch bench, never part of tickd: loaded into the daemon with
 * `--import` (TICKD_BENCH_NO_STORE_WRITES=1), it turns every prepared SQLite statement that
 * writes (INSERT, UPDATE, DELETE, the store's BEGIN and COMMIT) into a no-op once the process
 * gets SIGUSR2, which the bench sends when the daemon is ready. Reads still run against what
 * was written before; better-sqlite3's own transaction wrappers still open and close (empty)
 * transactions.
 *
 * What it answers: how fast tickd's dispatch could be if its storage cost nothing at all. That
 * is an upper bound for any redesign of the journal, the history or the on-call rows, so it
 * tells whether such a redesign alone can reach a target. A daemon run so loses everything on a
 * crash; the figures are labelled `…no-store-writes` and are not tickd's.
 *
 * States: off (every statement runs) → on at SIGUSR2 (writes return "0 rows changed" and a
 * made-up rowid); never back.
 */
import { createRequire } from "node:module";

interface StatementLike {
  readonly reader: boolean;
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
}
interface DatabaseCtor {
  prototype: { prepare(sql: string): StatementLike };
}

const Database = createRequire(import.meta.url)("better-sqlite3") as DatabaseCtor;
let on = false;
/** Made-up rowids, far above any real one so that they never meet a row. */
let rowid = 1_000_000_000;
process.on("SIGUSR2", () => {
  on = true;
  process.stderr.write("no-store-writes: SQLite writes are off from now on\n");
});

const prepare = Database.prototype.prepare;
const patched = new WeakSet<object>();
Database.prototype.prepare = function (this: unknown, sql: string): StatementLike {
  const statement = prepare.call(this, sql);
  // The statement class is native and shared: patch its prototype once.
  const proto = Object.getPrototypeOf(statement) as StatementLike;
  if (!patched.has(proto)) {
    patched.add(proto);
    const run = proto.run;
    proto.run = function (this: StatementLike, ...params: unknown[]) {
      if (on && !this.reader) return { changes: 0, lastInsertRowid: ++rowid };
      return run.apply(this, params);
    };
  }
  return statement;
};
