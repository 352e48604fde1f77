/**
 * The delivery journal's SQLite work alone, driven as the daemon drives it in a storm, to
 * iterate on the store without HTTP in the way. Figures only.
 * - journal-store.cpu-per-notification: µs of CPU (process.cpuUsage: every thread, so the
 *   checkpointer's too) per notification for: the alert's state-change history row and the
 *   journal insert, 50 per transaction (a write's batch); the first attempt's `delivered`
 *   outcome, 32 per transaction (a turn's group commit); the prune of completed rows every
 *   1,000 outcomes, keeping 10,000 (the daemon's defaults). 10 rounds of 2,000 distinct
 *   alerts on a file store in WAL mode with the background checkpointer, as the daemon opens
 *   it; the first round is a warm-up. No baseline: compare builds (bench/ab.ts) or commits.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AlertEvent } from "../src/core/alert-event.js";
import { HistoryService } from "../src/oncall/history.js";
import { DeliveryJournalRepository, type DeliveryRecord } from "../src/store/delivery-journal.js";
import { openStore } from "../src/store/index.js";
import type { Bench, BenchResult } from "./harness.js";

const ALERTS = 2000;
const ROUNDS = 10;
const PER_WRITE = 50;
const PER_TURN = 32;
const KEEP_COMPLETED = 10_000;
const PRUNE_EVERY = 1000;

/** About the size of a Kapacitor `.post()` body for one alert. */
const BODY = JSON.stringify({
  id: "cpu:nil",
  message: "cpu is CRITICAL",
  details: "",
  time: "2026-12-06T06:00:00Z",
  duration: 0,
  level: "CRITICAL",
  data: {
    series: [
      {
        name: "cpu",
        tags: { host: "host-0000" },
        columns: ["time", "usage_idle", "t"],
        values: [["2026-12-06T06:00:00Z", 5, 1796536800000]],
      },
    ],
  },
  previousLevel: "OK",
  recoverable: true,
}).padEnd(480, " ");

function run(): BenchResult[] {
  const dir = mkdtempSync(join(tmpdir(), "tickd-journal-bench-"));
  const store = openStore(join(dir, "tickd.db"), { backgroundCheckpoint: {} });
  try {
    let t = Date.now();
    const now = (): number => t;
    const history = new HistoryService({
      db: store.db,
      retentionMs: 0,
      logger: { log: () => undefined },
      now,
    });
    const journal = new DeliveryJournalRepository(store.db);
    let sincePrune = 0;
    const round = (r: number): void => {
      const recs: DeliveryRecord[] = [];
      for (let w = 0; w < ALERTS; w += PER_WRITE) {
        t++;
        store.batch(() => {
          for (let i = w; i < w + PER_WRITE; i++) {
            const alertId = `cpu:host=h${r}-${i}`;
            const event = {
              state: { id: alertId, level: 3, message: "cpu is CRITICAL" },
              data: { taskName: "cpu" },
            } as unknown as AlertEvent;
            history.recordState("main:cpu:alert2", event, 0);
            recs.push(
              journal.insert(
                {
                  handler: "tick:post0",
                  topic: "main:cpu:alert2",
                  alertId,
                  kind: "post",
                  method: "POST",
                  url: "http://127.0.0.1:9999/hook",
                  urlRedacted: "http://127.0.0.1:9999/hook",
                  headers: { "Content-Type": "application/json" },
                  body: BODY,
                  timeoutMs: 0,
                },
                t,
              ),
            );
          }
        });
      }
      for (let i = 0; i < recs.length; i += PER_TURN) {
        t++;
        journal.transaction(() => {
          journal.updateMany(
            recs.slice(i, i + PER_TURN).map((rec) => [
              rec.id,
              {
                status: "delivered",
                attempts: 1,
                lastError: "",
                lastStatus: 200,
                nextRetryMs: 0,
                updatedMs: t,
              },
            ]),
          );
        });
        sincePrune += Math.min(PER_TURN, recs.length - i);
        if (sincePrune >= PRUNE_EVERY) {
          sincePrune = 0;
          journal.pruneCompleted(KEEP_COMPLETED);
        }
      }
    };
    round(0);
    const before = process.cpuUsage();
    for (let r = 1; r < ROUNDS; r++) round(r);
    const cpu = process.cpuUsage(before);
    const us = (cpu.user + cpu.system) / ((ROUNDS - 1) * ALERTS);
    return [{ name: "journal-store.cpu-per-notification", value: us, unit: "µs" }];
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const benches: Bench[] = [{ name: "journal-store", run }];
