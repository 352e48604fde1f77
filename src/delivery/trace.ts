/**
 * Dispatch trace, for finding what a notification waits on between `/write` and the wire
 * (the dispatch bench's latency breakdown). Off unless `TICKD_TRACE_DISPATCH=<file>` is set:
 * then every journaled notification made during a `/write` gets one JSON line in that file
 * when its first attempt is answered, with wall-clock ms (`performance.timeOrigin + now()`,
 * comparable across processes on one machine) at each step:
 *   w0 the write's request handler starts · w1 its body is read · acc the handler's send()
 *   journals the row · w2 the write is handled (its store commit done) · sch the group commit
 *   schedules the row · tx the attempt takes its slot and hands the request to undici ·
 *   wire undici writes it to a socket · hdr the response status arrives.
 * Lines are buffered and appended once a second (and at exit). Cost when off: one
 * `undefined` check per step. The trace lives on the main thread only: the wire thread
 * (wire-thread.ts) stamps its steps and sends the times back with the answer.
 */
import { appendFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";

export interface TraceLine {
  alert: string;
  w0: number;
  w1: number;
  acc: number;
  w2: number;
  sch: number;
  tx: number;
  wire: number;
  hdr: number;
}

const wall = (): number => performance.timeOrigin + performance.now();

export class DispatchTrace {
  /** The write being handled now (its steps so far); rows accepted meanwhile belong to it. */
  private write: { w0: number; w1: number; rows: TraceLine[] } | undefined;
  /** Accepted rows by the object the delivery layer carries (row, then record), then by event id. */
  private readonly byRow = new WeakMap<object, TraceLine>();
  private readonly byEventId = new Map<string, TraceLine>();
  private buffered: string[] = [];

  constructor(private readonly file: string) {
    setInterval(() => this.drain(), 1000).unref();
    process.once("exit", () => this.drain());
  }

  /** Now, as the trace's clock reads it. */
  now(): number {
    return wall();
  }

  /** The write's synchronous part begins (it started at w0 and had its body read at w1). */
  writeStart(w0: number, w1: number): void {
    this.write = { w0, w1, rows: [] };
  }

  writeEnd(): void {
    const w = this.write;
    this.write = undefined;
    if (w === undefined) return;
    const t = wall();
    for (const l of w.rows) l.w2 = t;
  }

  /** A row journaled (or buffered) by a handler's send(); only rows made inside a write are traced. */
  accepted(row: object, alert: string): void {
    const w = this.write;
    if (w === undefined) return;
    const l: TraceLine = { alert, w0: w.w0, w1: w.w1, acc: wall(), w2: 0, sch: 0, tx: 0, wire: 0, hdr: 0 };
    w.rows.push(l);
    this.byRow.set(row, l);
  }

  /** The row's record now exists (inserted): from here on it is found by its event id. */
  inserted(row: object, eventId: string): void {
    const l = this.byRow.get(row);
    if (l !== undefined) this.byEventId.set(eventId, l);
  }

  /** `when`: a time stamped elsewhere (the wire thread's), default now. */
  step(eventId: string, at: "sch" | "tx" | "wire", when?: number): void {
    const l = this.byEventId.get(eventId);
    if (l !== undefined && l[at] === 0) l[at] = when ?? wall();
  }

  answered(eventId: string, when?: number): void {
    const l = this.byEventId.get(eventId);
    if (l === undefined) return;
    l.hdr = when ?? wall();
    this.byEventId.delete(eventId);
    this.buffered.push(JSON.stringify(l));
  }

  private drain(): void {
    if (this.buffered.length === 0) return;
    const text = this.buffered.join("\n") + "\n";
    this.buffered = [];
    appendFileSync(this.file, text);
  }
}

const file = process.env["TICKD_TRACE_DISPATCH"];
/** The process's trace, or undefined (the normal case, and in worker threads). */
export const dispatchTrace: DispatchTrace | undefined =
  isMainThread && file !== undefined && file !== "" ? new DispatchTrace(file) : undefined;

/** What the transport records of a request: its bytes reach a socket, its status arrives. */
export interface WireSteps {
  step(eventId: string, at: "wire"): void;
  answered(eventId: string): void;
}
