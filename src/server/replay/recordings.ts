/**
 * Kapacitor's recordings and replays (client/API.md "Recordings", "Replays").
 *
 * Batch recordings (`record batch`: a batch task's queries over a past range; `record query
 * -type batch`) run their queries against InfluxDB and keep the batches in `<id>.brpl`
 * (batch-recording.ts); a query recorded as a stream keeps its points in `.srpl`. Their
 * replays feed the recorded batches to a fresh instance of a batch task in place of its
 * queries.
 *
 * A stream recording captures every point written for a task's databases and retention
 * policies until its stop time, into `<storage dir>/recordings/<id>.srpl` (Kapacitor's
 * format: database, retention policy, one line-protocol point per record, times in ns). A
 * replay runs a finished recording through a fresh instance of a task (TaskManager.replay):
 * `fast` feeds it at once, `real` waits out the gaps between points; times are the
 * recording's with `recording-time`, else shifted so the first point is now.
 *
 * States: recording running → finished | failed; replay running → finished | failed. The
 * metadata is kept in the store's kv table (`recording:<id>`, `replay:<id>`); a recording or
 * replay still running when the daemon stops is marked failed at the next start.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { open, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { coerceError, TickdError } from "../../core/errors.js";
import { formatPoint } from "../../core/line-protocol.js";
import { parseSrpl } from "../../core/srpl.js";
import type { Point } from "../../core/types.js";
import type { InfluxAccess } from "../../engine/context.js";
import type { BatchMsg } from "../../engine/messages.js";
import type { KvRepository } from "../../store/kv.js";
import type { TaskManager } from "../task-manager.js";
import { batchesOf, batchQueries, brplLine, parseBrpl, queryDbrp, shiftBatch } from "./batch-recording.js";
import { byTime, timeFromMs } from "../../core/time.js";

export type RunStatus = "running" | "finished" | "failed";

export interface RecordingRecord {
  id: string;
  type: "stream" | "batch";
  size: number;
  /** RFC3339 time the recording finished (or started, while running). */
  date: string;
  error: string;
  status: RunStatus;
  progress: number;
}

/**
 * A recording as kept in the kv table. `srpl: "ns"` marks a stream recording whose points
 * carry ns times (Kapacitor's recordings do: replay's `precision = "n"`); recordings made
 * before tickd wrote ns have none and keep being read in seconds. Not part of the API answer.
 */
interface StoredRecording extends RecordingRecord {
  srpl?: "ns";
}

/** The API view of a stored recording. */
function publicRecording(r: StoredRecording): RecordingRecord {
  const { srpl: _srpl, ...pub } = r;
  return pub;
}

export interface ReplayRecord {
  id: string;
  task: string;
  recording: string;
  clock: "fast" | "real";
  "recording-time": boolean;
  status: RunStatus;
  progress: number;
  error: string;
  date: string;
}

const ID_RE = /^[-._\p{L}0-9]+$/u;
const REC = "recording:";
const REP = "replay:";

export class RecordingError extends TickdError {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(status === 404 ? "E_NOT_FOUND" : "E_INVALID", message);
  }
}

export interface RecordingDeps {
  kv: KvRepository;
  tasks: TaskManager;
  dir: string;
  /** InfluxDB, for batch and query recordings (without it they are refused). */
  influx?: InfluxAccess;
  now?: () => number;
  logger: { log(level: "info" | "error", msg: string, fields?: Record<string, unknown>): void };
}

export class Recordings {
  private readonly now: () => number;
  /** Running stream recordings: their stop function. */
  private readonly active = new Map<string, () => Promise<void>>();

  constructor(private readonly d: RecordingDeps) {
    this.now = d.now ?? Date.now;
    mkdirSync(d.dir, { recursive: true });
    // Whatever was running when the daemon last stopped did not finish.
    for (const prefix of [REC, REP]) {
      for (const { key, value } of d.kv.list(prefix)) {
        const r = JSON.parse(value) as { status: RunStatus; error: string };
        if (r.status === "running") {
          d.kv.put(
            key,
            JSON.stringify({ ...r, status: "failed", error: "tickd stopped before it finished" }),
          );
        }
      }
    }
  }

  private file(id: string, type: "stream" | "batch" = "stream"): string {
    return join(this.d.dir, `${id}.${type === "batch" ? "brpl" : "srpl"}`);
  }

  private newId(id: unknown, prefix: string): string {
    if (id === undefined || id === "") return randomUUID();
    if (typeof id !== "string" || !ID_RE.test(id))
      throw new RecordingError(400, `invalid id ${JSON.stringify(id)}`);
    if (this.d.kv.get(prefix + id) !== undefined)
      throw new RecordingError(400, `${prefix.slice(0, -1)} ${id} already exists`);
    return id;
  }

  /** POST /recordings/stream `{task, stop, id?}`: records until `stop` (RFC3339). */
  async recordStream(body: { task?: unknown; stop?: unknown; id?: unknown }): Promise<RecordingRecord> {
    if (typeof body.task !== "string" || body.task === "")
      throw new RecordingError(400, "must provide task id");
    const task = this.d.tasks.get(body.task);
    if (task === undefined) throw new RecordingError(404, `unknown task ${JSON.stringify(body.task)}`);
    if (task.type !== "stream")
      throw new RecordingError(400, `task ${task.id} is a batch task: record it with batch`);
    if (typeof body.stop !== "string") throw new RecordingError(400, "must provide stop time (RFC3339)");
    const stopAt = Date.parse(body.stop);
    if (Number.isNaN(stopAt)) throw new RecordingError(400, `invalid stop time ${JSON.stringify(body.stop)}`);
    const id = this.newId(body.id, REC);
    const dbrps = new Set(task.dbrps.map((d) => `${d.db}\u0000${d.rp}`));
    const startedAt = this.now();
    const rec: StoredRecording = {
      id,
      type: "stream",
      size: 0,
      date: new Date(startedAt).toISOString(),
      error: "",
      status: "running",
      progress: 0,
      srpl: "ns",
    };
    this.save(rec);

    const fh = await open(this.file(id), "w", 0o600);
    let chunks: string[] = [];
    let writing = Promise.resolve();
    const flush = (): void => {
      if (chunks.length === 0) return;
      const text = chunks.join("");
      chunks = [];
      writing = writing.then(() => fh.write(text).then(() => undefined));
    };
    const off = this.d.tasks.onWrite((db, rp, points) => {
      if (dbrps.size > 0 && !dbrps.has(`${db}\u0000${rp}`)) return;
      for (const p of points) {
        try {
          chunks.push(`${db}\n${rp}\n${srplLine(p)}\n`);
        } catch (e) {
          // Runs on the write path: never throw there. The point is named in the log.
          this.d.logger.log("error", `recording ${id}: point not recorded: ${coerceError(e).message}`);
        }
      }
      if (chunks.length >= 1000) flush();
    });
    const ticker = setInterval(flush, 200);
    ticker.unref();
    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopped ??= (async () => {
        clearTimeout(timer);
        clearInterval(ticker);
        off();
        flush();
        this.active.delete(id);
        try {
          await writing;
          await fh.close();
          const size = (await stat(this.file(id))).size;
          this.save({
            ...rec,
            size,
            status: "finished",
            progress: 1,
            date: new Date(this.now()).toISOString(),
          });
        } catch (e) {
          this.save({ ...rec, status: "failed", progress: 1, error: coerceError(e).message });
        }
      })());
    const timer = setTimeout(() => void stop(), Math.max(0, stopAt - startedAt));
    timer.unref();
    this.active.set(id, stop);
    return publicRecording(rec);
  }

  getRecording(id: string): RecordingRecord | undefined {
    const r = this.stored(id);
    return r === undefined ? undefined : publicRecording(r);
  }

  private stored(id: string): StoredRecording | undefined {
    const v = this.d.kv.get(REC + id);
    return v === undefined ? undefined : (JSON.parse(v) as StoredRecording);
  }

  listRecordings(): RecordingRecord[] {
    return this.d.kv
      .list(REC)
      .map((e) => publicRecording(JSON.parse(e.value) as StoredRecording))
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  }

  async deleteRecording(id: string): Promise<void> {
    await this.active.get(id)?.();
    this.d.kv.delete(REC + id);
    await rm(this.file(id), { force: true });
    await rm(this.file(id, "batch"), { force: true });
  }

  /** POST /replays `{task, recording, clock?, recording-time?, id?}`. */
  replay(body: {
    task?: unknown;
    recording?: unknown;
    clock?: unknown;
    "recording-time"?: unknown;
    id?: unknown;
  }): ReplayRecord {
    if (typeof body.task !== "string" || body.task === "")
      throw new RecordingError(400, "must provide task id");
    if (typeof body.recording !== "string" || body.recording === "")
      throw new RecordingError(400, "must provide recording id");
    const task = this.d.tasks.get(body.task);
    if (task === undefined) throw new RecordingError(404, `unknown task ${JSON.stringify(body.task)}`);
    const rec = this.getRecording(body.recording);
    if (rec === undefined)
      throw new RecordingError(404, `unknown recording ${JSON.stringify(body.recording)}`);
    if (rec.status !== "finished")
      throw new RecordingError(400, `recording ${rec.id} is ${rec.status}, not finished`);
    if (rec.type !== task.type)
      throw new RecordingError(400, `cannot replay a ${rec.type} recording to ${task.type} task ${task.id}`);
    const clock = body.clock ?? "fast";
    if (clock !== "fast" && clock !== "real")
      throw new RecordingError(400, `invalid clock ${JSON.stringify(clock)}: use fast or real`);
    const recTime = body["recording-time"] ?? false;
    if (typeof recTime !== "boolean") throw new RecordingError(400, "recording-time must be true or false");
    const id = this.newId(body.id, REP);
    const r: ReplayRecord = {
      id,
      task: task.id,
      recording: rec.id,
      clock,
      "recording-time": recTime,
      status: "running",
      progress: 0,
      error: "",
      date: new Date(this.now()).toISOString(),
    };
    this.d.kv.put(REP + id, JSON.stringify(r));
    void this.run(r).then(
      () => this.d.kv.put(REP + id, JSON.stringify({ ...r, status: "finished", progress: 1 })),
      (e: unknown) => {
        const error = coerceError(e).message;
        this.d.logger.log("error", `replay ${id} failed: ${error}`, { task: r.task, recording: r.recording });
        this.d.kv.put(REP + id, JSON.stringify({ ...r, status: "failed", progress: 1, error }));
      },
    );
    return r;
  }

  private async run(r: ReplayRecord): Promise<void> {
    const rec = this.stored(r.recording);
    if (rec?.type === "batch") return this.runBatch(r);
    const text = await readFile(this.file(r.recording), "utf8");
    const points = parseSrpl(text, `recording ${r.recording}`, rec?.srpl === "ns" ? "ns" : "s");
    const first = points[0]?.point.time;
    const shift = r["recording-time"] || first === undefined ? 0n : timeFromMs(this.now()) - first;
    const now = this.now;
    const realClock = r.clock === "real";
    async function* feed(): AsyncGenerator<{ db: string; rp: string; point: Point }> {
      const started = now();
      for (const p of points) {
        if (realClock && first !== undefined) {
          const due = started + Number(p.point.time - first) / 1e6;
          const wait = due - now();
          if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        }
        yield { ...p, point: shift === 0n ? p.point : { ...p.point, time: p.point.time + shift } };
      }
    }
    await this.d.tasks.replay(r.task, feed());
  }

  private async runBatch(r: ReplayRecord): Promise<void> {
    const text = await readFile(this.file(r.recording, "batch"), "utf8");
    const batches = parseBrpl(text, `recording ${r.recording}`);
    const first = batches.reduce<bigint | undefined>(
      (m, b) => (m === undefined || b.batch.time < m ? b.batch.time : m),
      undefined,
    );
    const shift = r["recording-time"] || first === undefined ? 0n : timeFromMs(this.now()) - first;
    const now = this.now;
    const realClock = r.clock === "real";
    async function* feed(): AsyncGenerator<{ source: number; batch: BatchMsg }> {
      const started = now();
      for (const b of batches) {
        if (realClock && first !== undefined) {
          const wait = started + Number(b.batch.time - first) / 1e6 - now();
          if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        }
        yield { source: b.source, batch: shiftBatch(b.batch, shift) };
      }
    }
    await this.d.tasks.replayBatches(r.task, feed());
  }

  /**
   * POST /recordings/batch `{task, start, stop?, id?, cluster?}`: runs the batch task's queries
   * for every tick in [start, stop] (RFC3339; stop defaults to now) against InfluxDB.
   */
  recordBatch(body: {
    task?: unknown;
    start?: unknown;
    stop?: unknown;
    id?: unknown;
    cluster?: unknown;
  }): RecordingRecord {
    if (typeof body.task !== "string" || body.task === "")
      throw new RecordingError(400, "must provide task id");
    const task = this.d.tasks.get(body.task);
    if (task === undefined) throw new RecordingError(404, `unknown task ${JSON.stringify(body.task)}`);
    if (task.type !== "batch")
      throw new RecordingError(400, `task ${task.id} is a stream task: record it with stream`);
    const start = this.time(body.start, "start");
    if (start === undefined) throw new RecordingError(400, "must provide start time (RFC3339)");
    const stop = this.time(body.stop, "stop") ?? this.now();
    if (stop <= start) throw new RecordingError(400, "stop time must be after start time");
    const cluster = this.cluster(body.cluster);
    let queries;
    try {
      queries = batchQueries(this.d.tasks.graphOf(task.id), timeFromMs(start), timeFromMs(stop));
    } catch (e) {
      throw new RecordingError(400, coerceError(e).message);
    }
    const influx = this.influx();
    return this.runRecording(body.id, "batch", async (out) => {
      for (const q of queries) {
        const series = await influx.query(cluster ?? q.cluster, q.query);
        for (const b of batchesOf(q, series)) await out(brplLine(q.source, b));
      }
    });
  }

  /**
   * POST /recordings/query `{query, type, id?, cluster?}`: runs one InfluxQL query and keeps
   * its answer as a stream recording (points written to the query's "db"."rp") or a batch
   * recording (one batch per series, for a task's first `|query()`).
   */
  recordQuery(body: { query?: unknown; type?: unknown; id?: unknown; cluster?: unknown }): RecordingRecord {
    if (typeof body.query !== "string" || body.query.trim() === "")
      throw new RecordingError(400, "must provide query");
    const query = body.query;
    const type = body.type;
    if (type !== "stream" && type !== "batch")
      throw new RecordingError(400, `invalid type ${JSON.stringify(type)}: use stream or batch`);
    const cluster = this.cluster(body.cluster);
    let dbrp: { db: string; rp: string } | undefined;
    if (type === "stream") {
      try {
        dbrp = queryDbrp(query);
      } catch (e) {
        throw new RecordingError(400, coerceError(e).message);
      }
    }
    const influx = this.influx();
    const stop = timeFromMs(this.now());
    return this.runRecording(body.id, type, async (out) => {
      const series = await influx.query(cluster, query);
      if (dbrp !== undefined) {
        const points = series.flatMap((x) => x.points).sort(byTime);
        for (const p of points) await out(`${dbrp.db}\n${dbrp.rp}\n${srplLine(p)}\n`);
        return;
      }
      const groupedByTime = /\bgroup\s+by\b[^;]*\btime\s*\(/i.test(query);
      for (const b of batchesOf({ stop, groupedByTime, byName: false }, series)) await out(brplLine(0, b));
    });
  }

  private time(v: unknown, what: string): number | undefined {
    if (v === undefined || v === "") return undefined;
    const ms = typeof v === "string" ? Date.parse(v) : NaN;
    if (Number.isNaN(ms))
      throw new RecordingError(400, `invalid ${what} time ${JSON.stringify(v)}: use RFC3339`);
    return ms;
  }

  private cluster(v: unknown): string | undefined {
    if (v === undefined || v === "") return undefined;
    if (typeof v !== "string") throw new RecordingError(400, "cluster must be a string");
    return v;
  }

  private influx(): InfluxAccess {
    if (this.d.influx === undefined)
      throw new RecordingError(
        400,
        "InfluxDB is not configured: add an enabled [[influxdb]] section to record queries",
      );
    return this.d.influx;
  }

  /**
   * Creates a recording, answers at once (status running) and fills its file in the
   * background with `fill`; finished with its size, or failed with the error.
   */
  private runRecording(
    idIn: unknown,
    type: "stream" | "batch",
    fill: (out: (text: string) => Promise<void>) => Promise<void>,
  ): RecordingRecord {
    const id = this.newId(idIn, REC);
    const rec: StoredRecording = {
      id,
      type,
      size: 0,
      date: new Date(this.now()).toISOString(),
      error: "",
      status: "running",
      progress: 0,
      ...(type === "stream" ? { srpl: "ns" as const } : {}),
    };
    this.save(rec);
    const path = this.file(id, type);
    void (async () => {
      const fh = await open(path, "w", 0o600);
      try {
        await fill(async (text) => {
          await fh.write(text);
        });
      } finally {
        await fh.close();
      }
      return (await stat(path)).size;
    })().then(
      (size) =>
        this.save({
          ...rec,
          size,
          status: "finished",
          progress: 1,
          date: new Date(this.now()).toISOString(),
        }),
      (e: unknown) => {
        const error = coerceError(e).message;
        this.d.logger.log("error", `recording ${id} failed: ${error}`);
        this.save({ ...rec, status: "failed", progress: 1, error });
      },
    );
    return publicRecording(rec);
  }

  getReplay(id: string): ReplayRecord | undefined {
    const v = this.d.kv.get(REP + id);
    return v === undefined ? undefined : (JSON.parse(v) as ReplayRecord);
  }

  listReplays(): ReplayRecord[] {
    return this.d.kv
      .list(REP)
      .map((e) => JSON.parse(e.value) as ReplayRecord)
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  }

  deleteReplay(id: string): void {
    this.d.kv.delete(REP + id);
  }

  /** Finishes running recordings (daemon stop): what they caught so far is kept. */
  async close(): Promise<void> {
    await Promise.all([...this.active.values()].map((stop) => stop()));
  }

  private save(r: StoredRecording): void {
    this.d.kv.put(REC + r.id, JSON.stringify(r));
  }
}

/**
 * One point of a recording as `.srpl` line protocol, in ns as Kapacitor records (its
 * hand-written test data, read by `tickctl test`, is in seconds).
 */
function srplLine(p: Point): string {
  return formatPoint(p, "ns");
}
