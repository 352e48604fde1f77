/**
 * Alert storm through the daemon (figures only; 127.0.0.1 only).
 * - alert-storm.events: alert events/s when 5,000 groups go CRITICAL and back to OK together,
 *   written 1,000 points at a time through a daemon on a file store: alert state, topic event
 *   and one journaled `post` notification per event. Each write is followed by one turn of
 *   the event loop, so the time includes the handlers journaling (what an HTTP /write or a
 *   Kafka batch costs before the next one). Best of six rounds (three storms, three
 *   recoveries).
 *   Baseline alert-storm.engine-only: the same writes into a TaskManager on an in-memory store
 *   whose alert sink only counts (what the engine itself costs per event).
 * The notifications are then delivered to a local receiver; the drain time goes to stderr.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { loadConfig } from "../src/config/index.js";
import type { Point } from "../src/core/types.js";
import { startDaemon } from "../src/server/daemon.js";
import { createLogger } from "../src/server/logger.js";
import { openStore } from "../src/store/index.js";
import { benchTaskManager, type Bench, type BenchResult } from "./harness.js";

const HOSTS = 5000;
const ROUNDS = 6;
const CHUNK = 1000;
const SCRIPT = `dbrp "telegraf"."autogen"
stream |from().measurement('cpu').groupBy('host') |alert().crit(lambda: "v" > 90).topic('cpu')`;

type Write = (db: string, rp: string, points: readonly Point[]) => void;

/** Best events/s over the rounds; every round flips every group, so one event per point. */
async function storm(write: Write): Promise<number> {
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const v = round % 2 === 0 ? 95 : 10;
    const start = performance.now();
    for (let b = 0; b < HOSTS; b += CHUNK) {
      const points: Point[] = [];
      for (let h = b; h < b + CHUNK; h++)
        points.push({
          name: "cpu",
          tags: { host: `h${h}` },
          fields: { v },
          time: BigInt(round + 1) * 1_000_000_000n,
        });
      write("telegraf", "autogen", points);
      await new Promise((r) => setImmediate(r));
    }
    best = Math.max(best, (HOSTS * 1000) / (performance.now() - start));
  }
  return best;
}

async function engineOnly(): Promise<number> {
  const store = openStore(":memory:");
  try {
    const tm = benchTaskManager(store, SCRIPT, () => undefined);
    return await storm((db, rp, p) => tm.write(db, rp, p));
  } finally {
    store.close();
  }
}

async function throughDaemon(): Promise<number> {
  let received = 0;
  const events = new Set<unknown>();
  const rx = createServer((req, res) => {
    events.add(req.headers["x-tickd-event-id"]);
    req.resume();
    req.on("end", () => {
      received++;
      res.end();
    });
  });
  await new Promise<void>((r) => rx.listen(0, "127.0.0.1", () => r()));
  const dir = mkdtempSync(join(tmpdir(), "tickd-bench-storm-"));
  try {
    mkdirSync(join(dir, "tasks"));
    mkdirSync(join(dir, "handlers"));
    writeFileSync(join(dir, "tasks", "cpu.tick"), SCRIPT);
    const port = (rx.address() as AddressInfo).port;
    writeFileSync(
      join(dir, "handlers", "post.yaml"),
      `topic: cpu\nid: hook\nkind: post\noptions:\n  url: http://127.0.0.1:${port}/hook\n`,
    );
    const { config } = loadConfig({ env: {} });
    const daemon = await startDaemon({
      config: {
        ...config,
        http: { ...config.http, bindAddress: "127.0.0.1:0" },
        storage: { ...config.storage, dir: join(dir, "data") },
        load: {
          ...config.load,
          enabled: true,
          tasksDir: join(dir, "tasks"),
          handlersDir: join(dir, "handlers"),
        },
        influxdb: [],
        kafkaInput: [],
      },
      logger: createLogger({ level: "silent" }),
      version: "bench",
    });
    try {
      const rate = await storm((db, rp, p) => daemon.tasks.write(db, rp, p));
      const start = performance.now();
      const deadline = start + 120_000;
      while (received < HOSTS * ROUNDS && performance.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      process.stderr.write(
        `alert-storm: ${received} of ${HOSTS * ROUNDS} notifications delivered ` +
          `(${events.size} distinct X-Tickd-Event-Id) ` +
          `${Math.round(performance.now() - start)} ms after the last write\n`,
      );
      return rate;
    } finally {
      await daemon.stop();
    }
  } finally {
    rx.closeAllConnections();
    await new Promise((r) => rx.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(): Promise<BenchResult[]> {
  const engine = await engineOnly();
  const daemon = await throughDaemon();
  return [
    {
      name: "alert-storm.events",
      value: daemon,
      unit: "events/s",
      baseline: { name: "alert-storm.engine-only", value: engine },
    },
  ];
}

export const benches: Bench[] = [{ name: "alert-storm", run }];
