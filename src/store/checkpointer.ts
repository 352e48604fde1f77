/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT
 * that crosses `wal_autocheckpoint` pages: on the thread that writes, so an alert storm's
 * write or a delivery outcome now and then waited tens of ms (hundreds on a busy disk) for
 * pages to be copied into the main file and fsynced. Here a worker thread with its own
 * connection to the same file runs a PASSIVE checkpoint every `intervalMs`: it copies what
 * no reader still needs and never blocks the writer, which only appends to the WAL.
 *
 * States: running → stopped. `stop()` waits (bounded) until the worker has closed its
 * connection, so the store's own close afterwards is the last one and checkpoints the rest.
 * If the worker fails or exits early, the main connection's automatic checkpoint is set back
 * to SQLite's default and works as before (`onFallback`). Durability is unchanged: a commit
 * is in the WAL either way, and the WAL is replayed on the next open after a crash.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";

/** What the main connection's automatic checkpoint is raised to meanwhile: a safety net. */
export const BACKGROUND_AUTOCHECKPOINT_PAGES = 10_000;
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;
const DEFAULT_INTERVAL_MS = 100;
const STOP_WAIT_MS = 5000;

/** Runs in the worker (CommonJS, eval'd): checkpoints on a timer until told to stop. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.sqlite);
const done = new Int32Array(workerData.done);
const db = new Database(workerData.path, { timeout: workerData.busyMs });
const timer = setInterval(() => db.pragma("wal_checkpoint(PASSIVE)"), workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  db.close();
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): void;
}

export function startCheckpointer(
  db: Database.Database,
  path: string,
  opts: { busyTimeoutMs: number; intervalMs?: number; onFallback?: (reason: string) => void },
): Checkpointer {
  const done = new SharedArrayBuffer(4);
  const flag = new Int32Array(done);
  let stopped = false;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      sqlite: createRequire(import.meta.url).resolve("better-sqlite3"),
      path,
      busyMs: opts.busyTimeoutMs,
      intervalMs: opts.intervalMs ?? DEFAULT_INTERVAL_MS,
      done,
    },
  });
  // Never keeps the process alive; the daemon stops it through the store's close().
  worker.unref();
  db.pragma(`wal_autocheckpoint = ${BACKGROUND_AUTOCHECKPOINT_PAGES}`);
  const fallBack = (reason: string): void => {
    if (stopped) return;
    stopped = true;
    if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    opts.onFallback?.(reason);
  };
  worker.on("error", (e) => fallBack(e.message));
  worker.on("exit", (code) => fallBack(`checkpoint worker exited (${code})`));
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      worker.postMessage("stop");
      Atomics.wait(flag, 0, 0, STOP_WAIT_MS);
      if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    },
  };
}
