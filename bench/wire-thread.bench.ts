/**
 * What the wire thread (src/delivery/wire-thread.ts) costs the main thread. Figures only;
 * 127.0.0.1 only. The sink runs in its own process so its CPU is not counted.
 * - wire.thread.main-cpu-per-request: µs of this process's main-thread CPU (run time,
 *   /proc/self/task/<pid>/schedstat) per request sent through the wire thread: the hand-off
 *   and the answer. Baseline wire.inline.main-cpu-per-request: the same requests through
 *   createTransport() on the main thread (undici, syscalls and parsing included).
 * - wire.{thread,inline}.process-cpu-per-request: the same with every thread counted.
 * - wire.thread.requests-per-second, baseline inline: 20,000 requests, 64 in flight.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createTransport, type Transport } from "../src/delivery/index.js";
import { createThreadTransport } from "../src/delivery/wire-thread.js";
import type { HttpRequest } from "../src/handlers/types.js";
import type { Bench, BenchResult } from "./harness.js";

const N = 20_000;
const IN_FLIGHT = 64;

const SINK = `
const http = require("node:http");
const s = http.createServer((req, res) => { req.resume(); req.on("end", () => res.end("ok")); });
s.listen(0, "127.0.0.1", () => process.stdout.write(String(s.address().port) + "\\n"));
`;

/** Nanoseconds a thread has run (/proc/…/schedstat): the tick counts of /proc/…/stat are 10 ms. */
function runNs(path: string): number {
  const text = readFileSync(path, "latin1");
  return Number(text.slice(0, text.indexOf(" ")));
}

/** CPU seconds of this process's main thread (tid = pid), or of all its threads. */
function cpuSeconds(tid?: number): number {
  if (tid !== undefined) return runNs(`/proc/self/task/${tid}/schedstat`) / 1e9;
  let ns = 0;
  for (const t of readdirSync("/proc/self/task")) {
    try {
      ns += runNs(`/proc/self/task/${t}/schedstat`);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1e9;
}

/** A body like a post handler's alert JSON (~700 bytes). */
function request(url: string, i: number): HttpRequest {
  return {
    method: "POST",
    url,
    headers: {
      "Content-Type": "application/json",
      "X-Tickd-Event-Id": `01JF${String(i).padStart(22, "0")}`,
    },
    body: JSON.stringify({
      id: `cpu:host=h${i}`,
      message: `cpu:host=h${i} is CRITICAL`,
      details: "",
      time: "2026-12-06T12:00:00Z",
      duration: 0,
      level: "CRITICAL",
      data: {
        series: [
          {
            name: "cpu",
            tags: { host: `h${i}` },
            columns: ["time", "v"],
            values: [["2026-12-06T12:00:00Z", 95]],
          },
        ],
      },
      previousLevel: "OK",
      recoverable: true,
      pad: "x".repeat(300),
    }),
    timeoutMs: 10_000,
  };
}

async function drive(t: Transport, url: string, n: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      const res = await t.send(request(url, next++));
      if (res.status !== 200) throw new Error(`sink answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

async function measure(
  make: () => Transport,
  url: string,
): Promise<{ mainUs: number; processUs: number; rate: number }> {
  const t = make();
  try {
    await drive(t, url, 2000); // warm-up: JIT, connections, the worker
    const main0 = cpuSeconds(process.pid);
    const all0 = cpuSeconds();
    const t0 = performance.now();
    await drive(t, url, N);
    const ms = performance.now() - t0;
    return {
      mainUs: ((cpuSeconds(process.pid) - main0) * 1e6) / N,
      processUs: ((cpuSeconds() - all0) * 1e6) / N,
      rate: (N * 1000) / ms,
    };
  } finally {
    await t.close();
  }
}

async function run(): Promise<BenchResult[]> {
  const sink = spawn(process.execPath, ["-e", SINK], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      sink.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
      sink.once("exit", (code) => reject(new Error(`sink exited (${code})`)));
    });
    const url = `http://127.0.0.1:${port}/hook`;
    // Alternate, best of three each (CPU time is what matters; it moves little with load).
    const inline: { mainUs: number; processUs: number; rate: number }[] = [];
    const thread: typeof inline = [];
    for (let r = 0; r < 3; r++) {
      inline.push(await measure(() => createTransport(), url));
      thread.push(await measure(() => createThreadTransport(), url));
    }
    const min = (xs: typeof inline, k: "mainUs" | "processUs"): number => Math.min(...xs.map((x) => x[k]));
    const max = (xs: typeof inline): number => Math.max(...xs.map((x) => x.rate));
    return [
      {
        name: "wire.thread.main-cpu-per-request",
        value: min(thread, "mainUs"),
        unit: "µs",
        baseline: { name: "wire.inline.main-cpu-per-request", value: min(inline, "mainUs") },
      },
      {
        name: "wire.thread.process-cpu-per-request",
        value: min(thread, "processUs"),
        unit: "µs",
        baseline: { name: "wire.inline.process-cpu-per-request", value: min(inline, "processUs") },
      },
      {
        name: "wire.thread.requests-per-second",
        value: max(thread),
        unit: "req/s",
        baseline: { name: "wire.inline.requests-per-second", value: max(inline) },
      },
    ];
  } finally {
    sink.kill();
  }
}

export const benches: Bench[] = [{ name: "wire-thread", run }];
