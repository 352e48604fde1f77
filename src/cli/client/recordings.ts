/**
 * tickctl's recording and replay commands, as Kapacitor's CLI: `record stream -task ID
 * -duration 1m`, `record batch -task ID (-start T [-stop T] | -past 1h)`, `record query
 * -query 'SELECT …' -type stream|batch`, `replay -task ID -recording RID [-real-clock] [-rec-time]`, `list
 * recordings|replays`, `delete recordings|replays`. Without `-no-wait` a command waits until
 * the recording or replay is no longer running and fails when it failed.
 */
import { parseTickDuration } from "../../core/go-format.js";
import { humanBytes } from "../../expr/functions.js";
import { globMatch } from "../../store/glob.js";
import { printJson, runClient, seg, UsageError, type ApiClient, type ClientOptions } from "./api.js";
import { formatRfc822, padRight } from "./format.js";

const RECORDINGS = "/kapacitor/v1/recordings";
const REPLAYS = "/kapacitor/v1/replays";
const POLL_MS = 250;

interface Run {
  id: string;
  status: string;
  error?: string;
  type?: string;
  size?: number;
  date?: string;
  task?: string;
  recording?: string;
  clock?: string;
}

async function waitDone(api: ApiClient, path: string): Promise<Run> {
  for (;;) {
    const res = await api.get(path);
    const run = res.body as Run;
    if (res.status !== 202 && run.status !== "running") return run;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function finished(run: Run, what: string): void {
  if (run.status === "failed") throw new Error(`${what} ${run.id} failed: ${run.error ?? ""}`);
}

export interface RecordStreamOptions {
  task: string;
  duration: string;
  noWait: boolean;
  recordingId?: string;
}

/** `tickctl record stream`: prints the recording id. */
export function runRecordStream(o: RecordStreamOptions, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    let ns: number;
    try {
      ns = parseTickDuration(o.duration);
    } catch (e) {
      throw new UsageError(`invalid -duration ${JSON.stringify(o.duration)}: ${(e as Error).message}`);
    }
    if (ns <= 0) throw new UsageError("-duration must be more than 0");
    const stop = new Date(Date.now() + ns / 1e6).toISOString();
    const res = await api.request("POST", `${RECORDINGS}/stream`, {
      task: o.task,
      stop,
      ...(o.recordingId !== undefined ? { id: o.recordingId } : {}),
    });
    const rec = res.body as Run;
    if (!o.noWait) finished(await waitDone(api, `${RECORDINGS}/${seg(rec.id)}`), "recording");
    opts.out(`${rec.id}\n`);
    return 0;
  });
}

export interface RecordBatchOptions {
  task: string;
  /** RFC3339, or computed from `past`. */
  start?: string;
  stop?: string;
  /** A duration back from now (Kapacitor's -past), instead of -start/-stop. */
  past?: string;
  cluster?: string;
  noWait: boolean;
  recordingId?: string;
}

/** `tickctl record batch`: a batch task's queries over a past range; prints the recording id. */
export function runRecordBatch(o: RecordBatchOptions, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    let start = o.start;
    let stop = o.stop;
    if (o.past !== undefined) {
      if (start !== undefined || stop !== undefined)
        throw new UsageError("give either -past or -start/-stop, not both");
      let ns: number;
      try {
        ns = parseTickDuration(o.past);
      } catch (e) {
        throw new UsageError(`invalid -past ${JSON.stringify(o.past)}: ${(e as Error).message}`);
      }
      if (ns <= 0) throw new UsageError("-past must be more than 0");
      const now = Date.now();
      start = new Date(now - ns / 1e6).toISOString();
      stop = new Date(now).toISOString();
    }
    if (start === undefined) throw new UsageError("give -start (RFC3339) or -past");
    const res = await api.request("POST", `${RECORDINGS}/batch`, {
      task: o.task,
      start,
      ...(stop !== undefined ? { stop } : {}),
      ...(o.cluster !== undefined ? { cluster: o.cluster } : {}),
      ...(o.recordingId !== undefined ? { id: o.recordingId } : {}),
    });
    return finishRecording(api, res.body as Run, o.noWait, opts);
  });
}

export interface RecordQueryOptions {
  query: string;
  type: string;
  cluster?: string;
  noWait: boolean;
  recordingId?: string;
}

/** `tickctl record query`: one InfluxQL query as a stream or batch recording; prints the id. */
export function runRecordQuery(o: RecordQueryOptions, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    if (o.type !== "stream" && o.type !== "batch")
      throw new UsageError(`invalid -type ${JSON.stringify(o.type)}: use stream or batch`);
    const res = await api.request("POST", `${RECORDINGS}/query`, {
      query: o.query,
      type: o.type,
      ...(o.cluster !== undefined ? { cluster: o.cluster } : {}),
      ...(o.recordingId !== undefined ? { id: o.recordingId } : {}),
    });
    return finishRecording(api, res.body as Run, o.noWait, opts);
  });
}

async function finishRecording(
  api: ApiClient,
  rec: Run,
  noWait: boolean,
  opts: ClientOptions,
): Promise<number> {
  if (!noWait) finished(await waitDone(api, `${RECORDINGS}/${seg(rec.id)}`), "recording");
  opts.out(`${rec.id}\n`);
  return 0;
}

export interface ReplayOptions {
  task: string;
  recording: string;
  realClock: boolean;
  recTime: boolean;
  noWait: boolean;
  replayId?: string;
}

/** `tickctl replay`: prints the replay id. */
export function runReplay(o: ReplayOptions, opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const res = await api.request("POST", REPLAYS, {
      task: o.task,
      recording: o.recording,
      clock: o.realClock ? "real" : "fast",
      "recording-time": o.recTime,
      ...(o.replayId !== undefined ? { id: o.replayId } : {}),
    });
    const rep = res.body as Run;
    if (!o.noWait) finished(await waitDone(api, `${REPLAYS}/${seg(rep.id)}`), "replay");
    opts.out(`${rep.id}\n`);
    return 0;
  });
}

async function list(api: ApiClient, path: string, key: string, patterns: readonly string[]): Promise<Run[]> {
  const all = ((await api.get(path)).body as Record<string, Run[] | undefined>)[key] ?? [];
  return patterns.length === 0 ? all : all.filter((r) => patterns.some((p) => globMatch(p, r.id)));
}

/** `tickctl list recordings [ids…]`: ID, Type, Status, Size, Date. */
export function runListRecordings(patterns: readonly string[], opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const rs = await list(api, RECORDINGS, "recordings", patterns);
    if (opts.json) {
      printJson(opts, rs);
      return 0;
    }
    const w = Math.max(2, ...rs.map((r) => r.id.length)) + 1;
    let out = `${padRight("ID", w)}${padRight("Type", 8)}${padRight("Status", 10)}${padRight("Size", 10)}${padRight("Date", 23)}\n`;
    for (const r of rs) {
      const size = humanBytes(BigInt(Math.max(0, Math.trunc(r.size ?? 0))));
      out += `${padRight(r.id, w)}${padRight(r.type ?? "", 8)}${padRight(r.status, 10)}${padRight(size, 10)}${padRight(formatRfc822(r.date), 23)}\n`;
    }
    opts.out(out);
    return 0;
  });
}

/** `tickctl list replays [ids…]`: ID, Task, Recording, Status, Clock, Date. */
export function runListReplays(patterns: readonly string[], opts: ClientOptions): Promise<number> {
  return runClient(opts, async (api) => {
    const rs = await list(api, REPLAYS, "replays", patterns);
    if (opts.json) {
      printJson(opts, rs);
      return 0;
    }
    const wId = Math.max(2, ...rs.map((r) => r.id.length)) + 1;
    const wTask = Math.max(4, ...rs.map((r) => (r.task ?? "").length)) + 1;
    const wRec = Math.max(9, ...rs.map((r) => (r.recording ?? "").length)) + 1;
    let out = `${padRight("ID", wId)}${padRight("Task", wTask)}${padRight("Recording", wRec)}${padRight("Status", 9)}${padRight("Clock", 8)}${padRight("Date", 23)}\n`;
    for (const r of rs) {
      out += `${padRight(r.id, wId)}${padRight(r.task ?? "", wTask)}${padRight(r.recording ?? "", wRec)}${padRight(r.status, 9)}${padRight(r.clock ?? "", 8)}${padRight(formatRfc822(r.date), 23)}\n`;
    }
    opts.out(out);
    return 0;
  });
}

/** `tickctl delete recordings|replays <ids or globs…>`. */
export function runDeleteRuns(
  kind: "recordings" | "replays",
  ids: readonly string[],
  opts: ClientOptions,
): Promise<number> {
  return runClient(opts, async (api) => {
    const base = kind === "recordings" ? RECORDINGS : REPLAYS;
    for (const r of await list(api, base, kind, ids)) await api.request("DELETE", `${base}/${seg(r.id)}`);
    return 0;
  });
}
