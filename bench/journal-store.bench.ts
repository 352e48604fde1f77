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
 * - journal-store.new-alert.cpu-per-notification: the same, plus everything else the daemon's
 *   store writes for a new alert in the same write's batch: the alert state (whether it has a
 *   row, answered by the task's group keys read at its start as the task manager does, and its
 *   upsert), the topic event and the on-call alert row (labels and the event as JSON,
 *   about 1.1 KB with the `.post()` body's details; the labels' JSON made once, as the on-call
 *   service makes it to tell a change of labels). Baseline: the same work on a store at
 *   schema version 13 (before topic events and on-call alerts left WITHOUT ROWID), same run.
 * - journal-store.prune-step.cpu-per-row: µs of CPU per row removed by the delivery service's
 *   stepped prune (pruneBelow of at most 100 rows below the cut, the cut found as the service
 *   finds it, keeping 10,000), each step after 100 more notifications were delivered; only
 *   the steps are timed. No baseline: compare builds.
 * - journal-store.new-alert.wal-pages-per-notification: pages appended to the WAL per
 *   notification by those commits (the -shm header's frame count around each commit), with
 *   the same baseline.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AlertEvent } from "../src/core/alert-event.js";
import { HistoryService } from "../src/oncall/history.js";
import { onCallPersistence } from "../src/oncall/store.js";
import {
  DeliveryJournalRepository,
  type AttemptUpdate,
  type DeliveryRecord,
} from "../src/store/delivery-journal.js";
import { groupKey, MIGRATIONS, openStore } from "../src/store/index.js";
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

/** Kapacitor's default details for such an alert: its template data as HTML-escaped JSON. */
const details = (host: string): string =>
  JSON.stringify({
    Name: "cpu",
    TaskName: "cpu",
    Group: `host=${host}`,
    Tags: { host },
    ServerInfo: { Hostname: "localhost", ClusterID: "", ServerID: "" },
    ID: `cpu:host=${host}`,
    Fields: { usage_idle: 5, t: 1796536800000 },
    Level: "CRITICAL",
    Time: "2026-12-06T06:00:00Z",
    Duration: 0,
    Message: `cpu:host=${host} is CRITICAL`,
  }).replaceAll('"', "&#34;") + "\n";

interface Options {
  /** Also the alert state, topic event and on-call alert writes of each new alert. */
  full: boolean;
  /** The schema to measure on; default the newest. */
  schemaVersion?: number;
}

/** A first attempt's outcome: delivered, HTTP 200. */
function delivered(t: number): AttemptUpdate {
  return { status: "delivered", attempts: 1, lastError: "", lastStatus: 200, nextRetryMs: 0, updatedMs: t };
}

/** WAL frames so far: mxFrame of the wal-index header in the -shm file (native byte order). */
function walFrames(fd: number, buf: Buffer): number {
  readSync(fd, buf, 0, 4, 16);
  return buf.readUInt32LE(0);
}

function measure(opts: Options): { us: number; pages: number } {
  const dir = mkdtempSync(join(tmpdir(), "tickd-journal-bench-"));
  const path = join(dir, "tickd.db");
  const store = openStore(path, {
    backgroundCheckpoint: {},
    ...(opts.schemaVersion !== undefined ? { migrations: MIGRATIONS.slice(0, opts.schemaVersion) } : {}),
  });
  // A first read in WAL mode creates the -shm file.
  store.db.prepare("SELECT COUNT(*) FROM kv").get();
  const shm = openSync(`${path}-shm`, "r");
  const buf = Buffer.alloc(4);
  let pages = 0;
  const counted = (fn: () => void): void => {
    const before = walFrames(shm, buf);
    fn();
    const after = walFrames(shm, buf);
    // A WAL the checkpointer had fully copied restarts at frame 0 with the next commit.
    pages += after >= before ? after - before : after;
  };
  try {
    const oncall = onCallPersistence(store.db);
    const stored = store.alertStates.groupKeys("cpu");
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
        counted(() =>
          store.batch(() => {
            for (let i = w; i < w + PER_WRITE; i++) {
              const host = `h${r}-${i}`;
              const alertId = `cpu:host=${host}`;
              const event = {
                state: { id: alertId, level: 3, message: "cpu is CRITICAL" },
                data: { taskName: "cpu" },
              } as unknown as AlertEvent;
              if (opts.full) newAlert(store, oncall, stored, host, BigInt(t) * 1_000_000n);
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
          }),
        );
      }
      for (let i = 0; i < recs.length; i += PER_TURN) {
        t++;
        counted(() =>
          journal.transaction(() => {
            journal.updateMany(recs.slice(i, i + PER_TURN).map((rec) => [rec.id, delivered(t)]));
          }),
        );
        sincePrune += Math.min(PER_TURN, recs.length - i);
        if (sincePrune >= PRUNE_EVERY) {
          sincePrune = 0;
          counted(() => journal.pruneCompleted(KEEP_COMPLETED));
        }
      }
    };
    round(0);
    pages = 0;
    const before = process.cpuUsage();
    for (let r = 1; r < ROUNDS; r++) round(r);
    const cpu = process.cpuUsage(before);
    const n = (ROUNDS - 1) * ALERTS;
    return { us: (cpu.user + cpu.system) / n, pages: pages / n };
  } finally {
    closeSync(shm);
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The delivery service's stepped prune: µs of CPU per row removed (see the header). */
function measurePruneSteps(): number {
  const dir = mkdtempSync(join(tmpdir(), "tickd-journal-bench-"));
  const store = openStore(join(dir, "tickd.db"), { backgroundCheckpoint: {} });
  try {
    const journal = new DeliveryJournalRepository(store.db);
    const headers = { "Content-Type": "application/json" };
    let t = Date.now();
    const deliver = (n: number): void =>
      store.batch(() => {
        t++;
        const ids: number[] = [];
        for (let i = 0; i < n; i++) {
          ids.push(
            journal.insert(
              {
                handler: "tick:post0",
                topic: "main:cpu:alert2",
                alertId: `cpu:host=h${t}-${i}`,
                kind: "post",
                method: "POST",
                url: "http://127.0.0.1:9999/hook",
                urlRedacted: "http://127.0.0.1:9999/hook",
                headers,
                body: BODY,
                timeoutMs: 0,
              },
              t,
            ).id,
          );
        }
        journal.updateMany(ids.map((id) => [id, delivered(t)]));
      });
    const STEP = 100;
    for (let i = 0; i < (KEEP_COMPLETED * 1.2) / STEP; i++) deliver(STEP);
    let cpu = 0;
    let rows = 0;
    for (let i = 0; i < 300; i++) {
      deliver(STEP);
      const cut = journal.pruneCut(KEEP_COMPLETED);
      if (cut === undefined) continue;
      const before = process.cpuUsage();
      rows += journal.pruneBelow(cut, STEP);
      const c = process.cpuUsage(before);
      cpu += c.user + c.system;
    }
    return cpu / rows;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the alert node, the topic and the on-call service write for a new alert's event. */
function newAlert(
  store: ReturnType<typeof openStore>,
  oncall: ReturnType<typeof onCallPersistence>,
  stored: Set<string>,
  host: string,
  timeNs: bigint,
): void {
  const id = `cpu:host=${host}`;
  const topic = "main:cpu:alert2";
  const message = `${id} is CRITICAL`;
  if (stored.delete(groupKey("alert2", `host=${host}`)))
    store.alertStates.get("cpu", "alert2", `host=${host}`);
  store.alertStates.put({
    task: "cpu",
    node: "alert2",
    group: `host=${host}`,
    eventId: id,
    state: { level: 3, prev: 0, firstTriggered: timeNs, lastTriggered: timeNs, flapping: false },
  });
  const state = { id, message, details: details(host), time: timeNs, duration: 0, level: 3 as const };
  store.topicEvents.put({ topic, eventId: id, ...state });
  const labels = { alertname: "cpu", host, level: "CRITICAL", task: "cpu", topic };
  // The on-call service has the labels' JSON already (it tells a change of labels).
  const labelsJson = JSON.stringify(labels);
  oncall.putAlert(
    {
      topic,
      id,
      labels,
      event: {
        topic,
        state,
        data: {
          name: "cpu",
          taskName: "cpu",
          category: "",
          group: `host=${host}`,
          tags: { host },
          fields: { usage_idle: 5, t: 1796536800000 },
          series: [
            {
              name: "cpu",
              tags: { host },
              columns: ["time", "t", "usage_idle"],
              values: [[timeNs, 1796536800000, 5]],
            },
          ],
          recoverable: true,
        },
      },
    },
    labelsJson,
  );
}

function run(): BenchResult[] {
  const journalOnly = measure({ full: false });
  const pruneStep = measurePruneSteps();
  // Alternated, so that neither schema has the quieter half of the run.
  const oldRuns: { us: number; pages: number }[] = [];
  const newRuns: { us: number; pages: number }[] = [];
  for (let i = 0; i < 2; i++) {
    oldRuns.push(measure({ full: true, schemaVersion: 13 }));
    newRuns.push(measure({ full: true }));
  }
  const best = (rs: { us: number; pages: number }[]) => ({
    us: Math.min(...rs.map((r) => r.us)),
    pages: Math.min(...rs.map((r) => r.pages)),
  });
  const [o, v] = [best(oldRuns), best(newRuns)];
  return [
    { name: "journal-store.cpu-per-notification", value: journalOnly.us, unit: "µs" },
    { name: "journal-store.prune-step.cpu-per-row", value: pruneStep, unit: "µs" },
    {
      name: "journal-store.new-alert.cpu-per-notification",
      value: v.us,
      unit: "µs",
      baseline: { name: "journal-store.new-alert.schema-13", value: o.us },
    },
    {
      name: "journal-store.new-alert.wal-pages-per-notification",
      value: v.pages,
      unit: "pages",
      baseline: { name: "journal-store.new-alert.schema-13", value: o.pages },
    },
  ];
}

export const benches: Bench[] = [{ name: "journal-store", run }];
