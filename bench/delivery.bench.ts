/**
 * Delivery throughput and latency (issue: delivery guarantees). Figures only; 127.0.0.1 only.
 * - delivery.throughput: notifications/s journaled (SQLite file, WAL) and delivered to a local
 *   receiver, 8 handlers × concurrency 4; baseline: the same requests sent straight through
 *   the transport with the same parallelism (no journal, no queues).
 * - delivery.latency-{1k,10k}.p50/p99: ms from `sender.send` to the receiver having the body,
 *   at an offered load of 1k and 10k notifications/s for 2 s each.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDelivery, createTransport, type DeliveryService } from "../src/delivery/index.js";
import { openStore, type Store } from "../src/store/index.js";
import type { Bench, BenchResult } from "./harness.js";

const HANDLERS = 8;

interface Rx {
  url: string;
  received: number;
  latencies: number[];
  close(): Promise<void>;
}

async function receiver(): Promise<Rx> {
  const rx: Rx = { url: "", received: 0, latencies: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const t = performance.now();
      const sent = (JSON.parse(Buffer.concat(chunks).toString()) as { t: number }).t;
      rx.received++;
      rx.latencies.push(t - sent);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  rx.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  rx.close = () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(() => r()));
  };
  return rx;
}

function setup(): { dir: string; store: Store; svc: DeliveryService } {
  const dir = mkdtempSync(join(tmpdir(), "tickd-bench-delivery-"));
  const store = openStore(join(dir, "tickd.db"));
  const svc = createDelivery({
    store,
    logger: { log: () => undefined },
    config: {
      delivery: { maxAttempts: 5, backoffInitial: 10e6, backoffMax: 1e9, concurrency: 4, journal: true },
      webhook: { verificationMode: "full", caFile: "", timeout: 10e9 },
    },
  });
  svc.start();
  return { dir, store, svc };
}

function request(url: string, i: number): Parameters<DeliveryService["sender"]["send"]>[0] {
  return {
    method: "POST",
    url,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ id: `alert-${i}`, t: performance.now() }),
    timeoutMs: 10_000,
    delivery: { handler: `h${i % HANDLERS}`, topic: "bench", alertId: `alert-${i}`, kind: "post" },
  };
}

async function teardown(s: { dir: string; store: Store; svc: DeliveryService }, rx: Rx): Promise<void> {
  await s.svc.stop();
  s.store.close();
  await rx.close();
  rmSync(s.dir, { recursive: true, force: true });
}

async function throughput(n: number): Promise<number> {
  const rx = await receiver();
  const s = setup();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await s.svc.sender.send(request(rx.url, i));
  await s.svc.idle();
  const rate = (rx.received * 1000) / (performance.now() - t0);
  await teardown(s, rx);
  return rate;
}

async function rawThroughput(n: number): Promise<number> {
  const rx = await receiver();
  const t = createTransport({ connectTimeoutMs: 10_000 });
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) await t.send(request(rx.url, next++));
  };
  await Promise.all(Array.from({ length: HANDLERS * 4 }, worker));
  const rate = (rx.received * 1000) / (performance.now() - t0);
  await t.close();
  await rx.close();
  return rate;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Offers `perSecond` notifications/s for `seconds`, in 10 ms ticks; returns [p50, p99] ms. */
async function latency(perSecond: number, seconds: number): Promise<[number, number]> {
  const rx = await receiver();
  const s = setup();
  const perTick = Math.max(1, Math.round(perSecond / 100));
  const ticks = seconds * 100;
  const start = performance.now();
  let i = 0;
  for (let k = 0; k < ticks; k++) {
    for (let j = 0; j < perTick; j++) await s.svc.sender.send(request(rx.url, i++));
    const due = start + (k + 1) * 10;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await s.svc.idle();
  const sorted = rx.latencies.slice().sort((a, b) => a - b);
  await teardown(s, rx);
  return [percentile(sorted, 50), percentile(sorted, 99)];
}

export const benches: Bench[] = [
  {
    name: "delivery",
    async run(): Promise<BenchResult[]> {
      const n = 20_000;
      await throughput(2000); // warm-up
      const raw = await rawThroughput(n);
      const rate = await throughput(n);
      const [p50at1k, p99at1k] = await latency(1000, 2);
      const [p50at10k, p99at10k] = await latency(10_000, 2);
      return [
        {
          name: "delivery.throughput",
          value: rate,
          unit: "notifications/s",
          baseline: { name: "raw loopback HTTP (same transport, no journal)", value: raw },
        },
        { name: "delivery.latency-1k.p50", value: p50at1k, unit: "ms" },
        { name: "delivery.latency-1k.p99", value: p99at1k, unit: "ms" },
        { name: "delivery.latency-10k.p50", value: p50at10k, unit: "ms" },
        { name: "delivery.latency-10k.p99", value: p99at10k, unit: "ms" },
      ];
    },
  },
];
