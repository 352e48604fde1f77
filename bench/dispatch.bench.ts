/**
 * Dispatch side by side with Prometheus Alertmanager (issue 14). Figures only; 127.0.0.1 only.
 *
 * Both daemons run as their own processes on free ports and post to the same local webhook
 * sink (this process), so neither shares a thread with the sink or the feeder.
 * - dispatch.tickd: notifications/s from the first write until the sink has all 2,000: the
 *   built `tickd` (dist/, journal on, default `[delivery]`) with one `.post()` task,
 *   `.groupBy('host')`, fed 2,000 hosts above the threshold as line protocol, 40 writes of
 *   50 points (one CRITICAL alert per host, one notification each).
 *   Baseline dispatch.alertmanager: Debian's `prometheus-alertmanager` with
 *   `group_by: ['...']` and `group_wait: 0s` (one notification per alert), fed the same
 *   2,000 distinct alerts as 40 POSTs of 50 to /api/v2/alerts; notifications counted as
 *   alerts in the webhooks it sends. Best of three rounds each, fresh alert names per round.
 * - dispatch.tickd.cpu-per-notification: µs of CPU (user + system, all threads, from
 *   /proc/<pid>/stat) the tickd process spent per notification in its cheapest round; baseline
 *   the same for Alertmanager. CPU time hardly moves with the load of other processes, so this
 *   ratio holds on a busy machine where the rates do not.
 * - dispatch.tickd.main-thread-cpu-per-notification: the same for tickd's main thread alone
 *   (/proc/<pid>/task/<pid>/stat), the one that limits its rate (the wire thread sends).
 * - dispatch.bare-sender (bench/bare-sender.ts): the floor. A process that only sends, with
 *   tickd's HTTP client (undici, 32 in flight), the bytes of one of tickd's notifications, 2,000
 *   times to the same sink: requests/s and µs CPU per request, best of three rounds like the
 *   others. The sink, the feeder and the senders share this machine's cores, so this is the most
 *   any Node sender reaches here; tickd's figures less this one are tickd's own work.
 * - dispatch.cpu-budget-at-2x: the µs of CPU per notification this machine has in all (its cores'
 *   time divided by the rate) at twice Alertmanager's best rate; baseline what tickd's cheapest
 *   round used, tickd and the sink + feeder together. A rate needs no more CPU per notification
 *   than the cores give, so tickd at 2× needs its figure at or under the budget (necessary, not
 *   sufficient). dispatch.main-thread-budget-at-2x: the same for the main thread alone, which
 *   runs on one core (1 s / twice the rate), against tickd's main thread.
 * - dispatch.latency-{1k,5k}.p50/p99: ms from the write leaving this process to the sink
 *   having the notification, through tickd, at an offered 1k and 5k alerts/s for 2 s (one
 *   write per 10 ms tick, each point a new host; the write's time travels as a field).
 * With TICKD_BENCH_TRACE=1 the daemon runs with TICKD_TRACE_DISPATCH (src/delivery/trace.ts)
 * and each latency run also prints where a notification's time went, step by step (p50, p99,
 * and the mean of the slowest 1%), joined with the sink's arrival per host;
 * TICKD_BENCH_TRACE_DUMP=<prefix> also writes those rows as JSON (<prefix>-l1000-json, …) and
 * TICKD_BENCH_DAEMON_OUT=<file> appends the daemon's stdout there (e.g. with `--trace-gc` in
 * TICKD_BENCH_NODE_FLAGS), for lining stalls up with the slow notifications.
 * TICKD_BENCH_NO_STORE_WRITES=1 loads bench/no-store-writes.ts into the daemon: once it is
 * ready, its SQLite writes do nothing. The figures (named `….no-store-writes`) are then how fast
 * tickd would be if storage were free, an upper bound for any redesign of it.
 * TICKD_BENCH_EXTRA_CONF appends TOML lines to the daemon's config (`\n` between lines), e.g.
 * '[delivery]\n  journal = false' to see what the durable journal costs.
 * This process is one end of every latency: before each latency run it collects its own
 * garbage (it runs with --expose-gc), so that its young generation, filled by the rounds
 * before, is not scavenged mid-run (10–20 ms pauses, seen as the `in`/`sink` steps of the
 * slowest notifications).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { request as undiciRequest } from "undici";
import type { Bench, BenchResult } from "./harness.js";

const ALERTS = 2000;
const WRITES = 40;
const ROUNDS = 3;
const PER_WRITE = ALERTS / WRITES;
/** dist/bench/ → dist/src/cli/tickd.js */
const TICKD = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "cli", "tickd.js");
const BARE_SENDER = join(dirname(fileURLToPath(import.meta.url)), "bare-sender.js");

const wallMs = (): number => performance.timeOrigin + performance.now();

interface Sink {
  port: number;
  /** Notifications per path (an Alertmanager webhook counts its alerts). */
  count: Map<string, number>;
  latencies: number[];
  /** Per host tag, when its write left (its `t`) and its notification arrived (wall ms). */
  arrivals: Map<string, { sent: number; at: number }>;
  /** The first body tickd sent (the bare sender sends these bytes). */
  tickdBody: string | undefined;
  waitFor(path: string, n: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const count = new Map<string, number>();
  const latencies: number[] = [];
  const arrivals = new Map<string, { sent: number; at: number }>();
  let tickdBody: string | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const now = wallMs();
      const path = req.url ?? "";
      const text = Buffer.concat(chunks).toString();
      if (path === "/tickd" && tickdBody === undefined) tickdBody = text;
      const body = JSON.parse(text) as {
        alerts?: unknown[];
        data?: { series?: { columns: string[]; values: unknown[][] }[] };
      };
      const n = path === "/am" ? (body.alerts?.length ?? 0) : 1;
      count.set(path, (count.get(path) ?? 0) + n);
      const s = body.data?.series?.[0];
      const col = s?.columns.indexOf("t") ?? -1;
      if (s !== undefined && col >= 0) latencies.push(now - Number(s.values[0]?.[col]));
      const host = (s as { tags?: Record<string, string> } | undefined)?.tags?.["host"];
      if (host !== undefined && col >= 0) arrivals.set(host, { sent: Number(s!.values[0]?.[col]), at: now });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    count,
    latencies,
    arrivals,
    get tickdBody() {
      return tickdBody;
    },
    async waitFor(path, n, timeoutMs) {
      const end = performance.now() + timeoutMs;
      while ((count.get(path) ?? 0) < n) {
        if (performance.now() > end) return false;
        await new Promise((r) => setTimeout(r, 1));
      }
      return true;
    },
    close() {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function post(url: string, body: string, contentType: string): Promise<void> {
  const res = await undiciRequest(url, { method: "POST", headers: { "content-type": contentType }, body });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`POST ${url}: ${res.statusCode} ${text}`);
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc: every thread, or with
 * `tid` (the pid for the main thread) that thread alone.
 */
function cpuSeconds(pid: number, tid?: number): number {
  // Fields after the ")" that ends the command name: state is the 3rd field, utime the 14th.
  const stat = readFileSync(
    tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`,
    "utf8",
  );
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}
/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

/**
 * Runs a round and returns its rate and the µs of CPU per notification in it: `proc`'s, all
 * threads and its main thread alone (tickd's bottleneck; the wire thread sends), and this
 * process's (the sink and the feeder, which share the machine's cores).
 */
async function measured(
  proc: Proc,
  round: () => Promise<number>,
): Promise<{ rate: number; us: number; mainUs: number; benchUs: number }> {
  const pid = proc.child.pid!;
  const cpu0 = cpuSeconds(pid);
  const main0 = cpuSeconds(pid, pid);
  const own0 = process.cpuUsage();
  const rate = await round();
  const own = process.cpuUsage(own0);
  return {
    rate,
    us: ((cpuSeconds(pid) - cpu0) * 1e6) / ALERTS,
    mainUs: ((cpuSeconds(pid, pid) - main0) * 1e6) / ALERTS,
    benchUs: (own.user + own.system) / ALERTS,
  };
}

interface Proc {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Resolves when `probe` answers or rejects when the process exits first or time runs out. */
async function ready(child: ChildProcess, what: string, probe: () => Promise<boolean>, out: () => string) {
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${out()}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not ready in 30 s:\n${out()}`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await done;
  };
}

function alertmanagerBinary(): string {
  for (const name of ["prometheus-alertmanager", "alertmanager"]) {
    try {
      return execFileSync("which", [name], { encoding: "utf8" }).trim();
    } catch {
      // the next name
    }
  }
  throw new Error(
    "Alertmanager is not installed: bash scripts/services.sh up (or apt-get install prometheus-alertmanager)",
  );
}

async function startAlertmanager(dir: string, sinkPort: number): Promise<Proc> {
  const port = await freePort();
  writeFileSync(
    join(dir, "alertmanager.yml"),
    [
      "route:",
      "  receiver: sink",
      "  group_by: ['...']",
      "  group_wait: 0s",
      "  group_interval: 1h",
      "  repeat_interval: 1h",
      "receivers:",
      "  - name: sink",
      "    webhook_configs:",
      `      - url: 'http://127.0.0.1:${sinkPort}/am'`,
      "        send_resolved: false",
      "",
    ].join("\n"),
  );
  let out = "";
  const child = spawn(
    alertmanagerBinary(),
    [
      `--config.file=${join(dir, "alertmanager.yml")}`,
      `--storage.path=${join(dir, "am-data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await ready(
    child,
    "alertmanager",
    async () => (await fetch(`${url}/-/ready`)).ok,
    () => out,
  );
  return { url, child, stop: stopper(child) };
}

const TRACE = process.env["TICKD_BENCH_TRACE"] === "1";
/** bench/no-store-writes.ts: tickd with storage that costs nothing, an upper bound. */
const NO_STORE_WRITES = process.env["TICKD_BENCH_NO_STORE_WRITES"] === "1";
const NO_STORE_WRITES_MODULE = join(dirname(fileURLToPath(import.meta.url)), "no-store-writes.js");

async function startTickd(dir: string, sinkPort: number): Promise<Proc> {
  mkdirSync(join(dir, "tasks"));
  mkdirSync(join(dir, "handlers"));
  writeFileSync(
    join(dir, "tasks", "cpu.tick"),
    `dbrp "telegraf"."autogen"
stream |from().measurement('cpu').groupBy('host') |alert().crit(lambda: "v" > 90).post('http://127.0.0.1:${sinkPort}/tickd')
`,
  );
  writeFileSync(
    join(dir, "tickd.conf"),
    [
      "[http]",
      '  bind-address = "127.0.0.1:0"',
      "[storage]",
      `  dir = ${JSON.stringify(join(dir, "data"))}`,
      "[load]",
      "  enabled = true",
      `  tasks-dir = ${JSON.stringify(join(dir, "tasks"))}`,
      `  handlers-dir = ${JSON.stringify(join(dir, "handlers"))}`,
      "[logging]",
      '  file = "STDOUT"',
      '  level = "INFO"',
      ...(process.env["TICKD_BENCH_EXTRA_CONF"] ?? "").split("\\n"),
      "",
    ].join("\n"),
  );
  let out = "";
  let port = 0;
  const child = spawn(
    process.execPath,
    [
      "--max-semi-space-size=32",
      ...(NO_STORE_WRITES ? ["--import", NO_STORE_WRITES_MODULE] : []),
      // e.g. TICKD_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the daemon
      ...(process.env["TICKD_BENCH_NODE_FLAGS"] ?? "").split(" ").filter((f) => f !== ""),
      TICKD,
      "-config",
      join(dir, "tickd.conf"),
    ],
    {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      ...(TRACE ? { env: { ...process.env, TICKD_TRACE_DISPATCH: join(dir, "trace.jsonl") } } : {}),
    },
  );
  const tee = process.env["TICKD_BENCH_DAEMON_OUT"];
  child.stdout?.on("data", (d: Buffer) => {
    if (tee !== undefined && tee !== "") appendFileSync(tee, d);
    if (port !== 0) return;
    out += d.toString();
    const m = /"msg":"ready"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"msg":"ready"/.exec(out);
    if (m !== null) port = Number(m[1] ?? m[2]);
  });
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  await ready(
    child,
    "tickd",
    () => Promise.resolve(port !== 0),
    () => out,
  );
  if (NO_STORE_WRITES) child.kill("SIGUSR2");
  return { url: `http://127.0.0.1:${port}`, child, stop: stopper(child) };
}

function lines(round: string, from: number, n: number, t?: number): string {
  let s = "";
  for (let h = from; h < from + n; h++)
    s += `cpu,host=${round}-h${h} v=95${t !== undefined ? `,t=${t}` : ""}\n`;
  return s;
}

async function tickdRound(tickd: Proc, sink: Sink, round: number): Promise<number> {
  const before = sink.count.get("/tickd") ?? 0;
  const start = performance.now();
  for (let w = 0; w < WRITES; w++)
    await post(
      `${tickd.url}/write?db=telegraf&rp=autogen`,
      lines(`r${round}`, w * PER_WRITE, PER_WRITE),
      "text/plain",
    );
  if (!(await sink.waitFor("/tickd", before + ALERTS, 120_000)))
    throw new Error(`tickd delivered ${(sink.count.get("/tickd") ?? 0) - before} of ${ALERTS}`);
  return (ALERTS * 1000) / (performance.now() - start);
}

async function alertmanagerRound(am: Proc, sink: Sink, round: number): Promise<number> {
  const before = sink.count.get("/am") ?? 0;
  const startsAt = new Date().toISOString();
  const start = performance.now();
  for (let w = 0; w < WRITES; w++) {
    const alerts = [];
    for (let h = w * PER_WRITE; h < (w + 1) * PER_WRITE; h++)
      alerts.push({ labels: { alertname: "cpu", host: `r${round}-h${h}` }, startsAt });
    await post(`${am.url}/api/v2/alerts`, JSON.stringify(alerts), "application/json");
  }
  if (!(await sink.waitFor("/am", before + ALERTS, 120_000)))
    throw new Error(`alertmanager delivered ${(sink.count.get("/am") ?? 0) - before} of ${ALERTS}`);
  return (ALERTS * 1000) / (performance.now() - start);
}

interface BareSender extends Proc {
  /** Sends `n` requests; resolves when every answer is in (the sink has counted them). */
  round(n: number): Promise<void>;
}

/** The floor (bench/bare-sender.ts): tickd's HTTP client alone, sending tickd's bytes. */
async function startBareSender(dir: string, sink: Sink): Promise<BareSender> {
  if (sink.tickdBody === undefined) throw new Error("bare sender: tickd has sent no body yet");
  const bodyFile = join(dir, "tickd-body.json");
  writeFileSync(bodyFile, sink.tickdBody);
  const child = spawn(process.execPath, [BARE_SENDER, `http://127.0.0.1:${sink.port}/bare`, bodyFile], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let sent = 0;
  let waiting: (() => void) | undefined;
  child.stdout?.on("data", (d: Buffer) => {
    sent += d.toString().split("sent\n").length - 1;
    waiting?.();
  });
  let rounds = 0;
  return {
    url: "",
    child,
    stop: async () => {
      child.stdin?.end();
      await stopper(child)();
    },
    round: (n) =>
      new Promise<void>((resolve, reject) => {
        const want = ++rounds;
        const onExit = (code: number | null): void => reject(new Error(`bare sender exited with ${code}`));
        child.once("exit", onExit);
        waiting = () => {
          if (sent < want) return;
          child.off("exit", onExit);
          resolve();
        };
        child.stdin?.write(`${n}\n`);
      }),
  };
}

async function bareRound(bare: BareSender, sink: Sink): Promise<number> {
  const before = sink.count.get("/bare") ?? 0;
  const start = performance.now();
  await bare.round(ALERTS);
  if (!(await sink.waitFor("/bare", before + ALERTS, 120_000)))
    throw new Error(`bare sender delivered ${(sink.count.get("/bare") ?? 0) - before} of ${ALERTS}`);
  return (ALERTS * 1000) / (performance.now() - start);
}

/** The steps of src/delivery/trace.ts, plus the bench's own ends (sent, at). */
const STEPS: [string, string, string][] = [
  ["in", "sent", "w0"],
  ["body", "w0", "w1"],
  ["engine", "w1", "acc"],
  ["commit", "acc", "w2"],
  ["flush", "w2", "sch"],
  ["slot", "sch", "tx"],
  ["socket", "tx", "wire"],
  ["sink", "wire", "at"],
];

/** Prints where the latency run's notifications spent their time (TICKD_BENCH_TRACE=1). */
async function traceBreakdown(file: string, sink: Sink, prefix: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 1500)); // the trace appends once a second
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    process.stderr.write(`trace: no ${file}\n`);
    return;
  }
  const rows: Record<string, number>[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const { alert, ...steps } = JSON.parse(line) as Record<string, number> & { alert: string };
    const host = /host=([^,]+)/.exec(alert)?.[1];
    if (host === undefined || !host.startsWith(prefix)) continue;
    const a = sink.arrivals.get(host);
    if (a !== undefined) rows.push({ ...steps, sent: a.sent, at: a.at });
  }
  if (rows.length === 0) return;
  const dump = process.env["TICKD_BENCH_TRACE_DUMP"];
  if (dump !== undefined && dump !== "") writeFileSync(`${dump}-${prefix}json`, JSON.stringify(rows));
  const total = (r: Record<string, number>): number => r["at"]! - r["sent"]!;
  rows.sort((a, b) => total(a) - total(b));
  const slow = rows.slice(Math.floor(rows.length * 0.99));
  const fmt = (v: number): string => v.toFixed(2).padStart(8);
  let out = `trace ${prefix} (${rows.length} notifications, ms)   p50      p99  slowest-1%-mean\n`;
  for (const [name, from, to] of [...STEPS, ["total", "sent", "at"] as [string, string, string]]) {
    const d = rows.map((r) => r[to]! - r[from]!).sort((a, b) => a - b);
    const mean = slow.reduce((acc, r) => acc + r[to]! - r[from]!, 0) / slow.length;
    out += `  ${name.padEnd(8)} ${fmt(percentile(d, 50))} ${fmt(percentile(d, 99))} ${fmt(mean)}\n`;
  }
  process.stderr.write(out);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Offers `perSecond` alerts/s to tickd for `seconds` in 10 ms ticks; returns [p50, p99] ms. */
async function latency(
  tickd: Proc,
  sink: Sink,
  perSecond: number,
  seconds: number,
): Promise<[number, number]> {
  sink.latencies.length = 0;
  (globalThis as { gc?: () => void }).gc?.();
  const before = sink.count.get("/tickd") ?? 0;
  const perTick = Math.max(1, Math.round(perSecond / 100));
  const ticks = seconds * 100;
  const start = performance.now();
  for (let k = 0; k < ticks; k++) {
    await post(
      `${tickd.url}/write?db=telegraf&rp=autogen`,
      lines(`l${perSecond}`, k * perTick, perTick, wallMs()),
      "text/plain",
    );
    const wait = start + (k + 1) * 10 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  if (!(await sink.waitFor("/tickd", before + ticks * perTick, 120_000)))
    throw new Error(
      `latency run: tickd delivered ${(sink.count.get("/tickd") ?? 0) - before} of ${ticks * perTick}`,
    );
  const sorted = sink.latencies.slice().sort((a, b) => a - b);
  return [percentile(sorted, 50), percentile(sorted, 99)];
}

async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "tickd-bench-dispatch-"));
  const sink = await startSink();
  const procs: Proc[] = [];
  try {
    mkdirSync(join(dir, "tickd"));
    const am = await startAlertmanager(dir, sink.port);
    procs.push(am);
    const tickd = await startTickd(join(dir, "tickd"), sink.port);
    procs.push(tickd);
    // Warm-up round for each (JIT, connections, SQLite pages), then alternate.
    await alertmanagerRound(am, sink, 100);
    await tickdRound(tickd, sink, 100);
    const bare = await startBareSender(dir, sink);
    procs.push(bare);
    await bareRound(bare, sink);
    const amRates: number[] = [];
    const tickdRates: number[] = [];
    const amCpu: number[] = [];
    const tickdCpu: number[] = [];
    const bareRates: number[] = [];
    const bareCpu: number[] = [];
    /** µs of this process (sink + feeder) per notification, in each round of each sender. */
    const benchCpu: string[] = [];
    const tickdMainCpu: number[] = [];
    /** µs of CPU per notification of tickd and this process together, in each tickd round. */
    const tickdMachineCpu: number[] = [];
    const bareMachineCpu: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const a = await measured(am, () => alertmanagerRound(am, sink, r));
      amRates.push(a.rate);
      amCpu.push(a.us);
      const t = await measured(tickd, () => tickdRound(tickd, sink, r));
      tickdRates.push(t.rate);
      tickdCpu.push(t.us);
      tickdMainCpu.push(t.mainUs);
      tickdMachineCpu.push(t.us + t.benchUs);
      const b = await measured(bare, () => bareRound(bare, sink));
      benchCpu.push([a.benchUs, t.benchUs, b.benchUs].map(Math.round).join("/"));
      bareRates.push(b.rate);
      bareCpu.push(b.us);
      bareMachineCpu.push(b.us + b.benchUs);
    }
    const cores = availableParallelism();
    /** 1 s over twice Alertmanager's best rate: one core's budget per notification, in µs. */
    const mainBudget = 1e6 / (2 * Math.max(...amRates));
    const budget = cores * mainBudget;
    process.stderr.write(
      `dispatch rounds (notifications/s): tickd ${tickdRates.map(Math.round).join(", ")}; ` +
        `alertmanager ${amRates.map(Math.round).join(", ")}; bare sender ${bareRates.map(Math.round).join(", ")}\n` +
        `dispatch rounds (µs CPU/notification): tickd ${tickdCpu.map(Math.round).join(", ")}; ` +
        `alertmanager ${amCpu.map(Math.round).join(", ")}; bare sender ${bareCpu.map(Math.round).join(", ")}; ` +
        `sink+feeder (alertmanager/tickd/bare) ${benchCpu.join(", ")}\n` +
        `dispatch rounds (µs main-thread CPU/notification): tickd ${tickdMainCpu.map(Math.round).join(", ")}\n` +
        `dispatch at 2× alertmanager: ${Math.round(budget)} µs CPU/notification for the whole machine ` +
        `(${cores} cores); used: tickd + sink + feeder ${tickdMachineCpu.map(Math.round).join(", ")}; ` +
        `bare sender + sink + feeder ${bareMachineCpu.map(Math.round).join(", ")}\n`,
    );
    const traceFile = join(dir, "tickd", "trace.jsonl");
    const [p50at1k, p99at1k] = await latency(tickd, sink, 1000, 2);
    if (TRACE) await traceBreakdown(traceFile, sink, "l1000-");
    const [p50at5k, p99at5k] = await latency(tickd, sink, 5000, 2);
    if (TRACE) await traceBreakdown(traceFile, sink, "l5000-");
    const results: BenchResult[] = [
      {
        name: "dispatch.tickd",
        value: Math.max(...tickdRates),
        unit: "notifications/s",
        baseline: { name: "dispatch.alertmanager", value: Math.max(...amRates) },
      },
      {
        name: "dispatch.tickd.cpu-per-notification",
        value: Math.min(...tickdCpu),
        unit: "µs",
        baseline: { name: "dispatch.alertmanager.cpu-per-notification", value: Math.min(...amCpu) },
      },
      {
        name: "dispatch.bare-sender",
        value: Math.max(...bareRates),
        unit: "requests/s",
        baseline: { name: "dispatch.alertmanager", value: Math.max(...amRates) },
      },
      {
        name: "dispatch.bare-sender.cpu-per-request",
        value: Math.min(...bareCpu),
        unit: "µs",
        baseline: { name: "dispatch.tickd.cpu-per-notification", value: Math.min(...tickdCpu) },
      },
      {
        name: "dispatch.tickd.main-thread-cpu-per-notification",
        value: Math.min(...tickdMainCpu),
        unit: "µs",
      },
      {
        name: "dispatch.cpu-budget-at-2x",
        value: budget,
        unit: "µs",
        baseline: {
          name: "dispatch.tickd.machine-cpu-per-notification",
          value: Math.min(...tickdMachineCpu),
        },
      },
      {
        name: "dispatch.main-thread-budget-at-2x",
        value: mainBudget,
        unit: "µs",
        baseline: {
          name: "dispatch.tickd.main-thread-cpu-per-notification",
          value: Math.min(...tickdMainCpu),
        },
      },
      { name: "dispatch.latency-1k.p50", value: p50at1k, unit: "ms" },
      { name: "dispatch.latency-1k.p99", value: p99at1k, unit: "ms" },
      { name: "dispatch.latency-5k.p50", value: p50at5k, unit: "ms" },
      { name: "dispatch.latency-5k.p99", value: p99at5k, unit: "ms" },
    ];
    // Not tickd's figures: named so that they are never read as such.
    return NO_STORE_WRITES ? results.map((r) => ({ ...r, name: `${r.name}.no-store-writes` })) : results;
  } finally {
    for (const p of procs) await p.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const benches: Bench[] = [{ name: "dispatch", run }];
