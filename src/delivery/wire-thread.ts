/**
 * A {@link Transport} whose undici client runs in a worker thread (wire-worker.ts): writing
 * requests, socket syscalls and response parsing cost the other core, while this thread keeps
 * the journal and the engine and pays only a hand-off (a few µs per request, bench
 * `delivery.wire-thread`). The requests of one event-loop turn go to the worker in one message,
 * its answers of one turn come back in one; ids match them up.
 *
 * Same contract as createTransport(): resolves with status, headers and body; rejects with
 * a TickdError whose code and message are the worker's (E_HANDLER_TIMEOUT, E_HANDLER_SEND,
 * E_DELIVERY_CONFIG); the dispatch trace gets the worker's "wire"/"answered" times.
 *
 * States. open: no worker until the first send(); a worker (one "generation") serves sends
 * until it dies or the transport ends. A worker that dies unasked (a bug, OOM) fails every
 * request it held with E_HANDLER_SEND (the outcome is unknown: the journal retries it, so
 * at-least-once), is logged and counted, and the next send() starts a new one.
 * closing (close()): the worker finishes its requests in flight, then ends → closed.
 * closed (also destroy(), which fails the requests in flight at once): send() rejects.
 * The worker holds the process open only while requests are in flight.
 */
import { Worker } from "node:worker_threads";

import { TickdError } from "../core/errors.js";
import { compiledWorker } from "../core/worker-file.js";
import type { EngineLogger } from "../engine/context.js";
import { HandlerCodes, type HttpRequest } from "../handlers/types.js";
import { dispatchTrace } from "./trace.js";
import {
  checkTransportOptions,
  type Transport,
  type TransportOptions,
  type TransportResponse,
} from "./transport.js";
import { EVENT_ID_HEADER } from "./types.js";
import type { FromWorker, ToWorker, WireAnswer, WireRequest, WireSetup } from "./wire-thread-protocol.js";

/** Counts shared by the wire threads of one daemon (a reconfigure makes a new one). */
export class WireThreadStats {
  /** Workers that ended without being asked to. */
  deaths = 0;

  render(): string {
    return (
      [
        "# HELP tickd_delivery_wire_thread_deaths_total Times the delivery wire thread (the HTTP client's worker) ended unasked; the requests it held were failed with E_HANDLER_SEND and retried.",
        "# TYPE tickd_delivery_wire_thread_deaths_total counter",
        `tickd_delivery_wire_thread_deaths_total ${this.deaths}`,
      ].join("\n") + "\n"
    );
  }
}

export interface WireThreadDeps {
  logger?: EngineLogger;
  stats?: WireThreadStats;
}

export interface ThreadTransport extends Transport {
  /** Requests handed to the worker and not yet answered. */
  readonly inFlight: number;
  /** Messages with requests posted to a worker so far (one per event-loop turn that sent). */
  readonly handoffs: number;
  /** Test hook: ends the current worker as a crash would (counted, its requests failed). */
  terminateWorker(): Promise<void>;
}

interface Pending {
  resolve: (r: TransportResponse) => void;
  reject: (e: TickdError) => void;
  /** The event id, when the dispatch trace is on. */
  traced: string | undefined;
}

/** One worker and what it holds. */
interface Generation {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Requests of this turn, not yet posted. */
  queue: WireRequest[];
  /** Set when we end it (close, destroy): its exit is no death. */
  ending: boolean;
  failure: Error | undefined;
  /** Resolves when the worker says its requests are done and its pools closed. */
  closed: Promise<void>;
  onClosed: () => void;
  exited: Promise<void>;
}

export function createThreadTransport(
  opts: TransportOptions = {},
  deps: WireThreadDeps = {},
): ThreadTransport {
  // Fail at creation as createTransport() does: an unreadable ca-file, a missing build.
  checkTransportOptions(opts);
  const file = compiledWorker(import.meta.url, "src/delivery", "wire-worker", "delivery wire worker");
  const setup: WireSetup = { options: opts, trace: dispatchTrace !== undefined };
  const stats = deps.stats ?? new WireThreadStats();
  let state: "open" | "closing" | "closed" = "open";
  let gen: Generation | undefined;
  let nextId = 0;
  let closing: Promise<void> | undefined;
  let handoffs = 0;

  const flush = (g: Generation): void => {
    if (g.queue.length === 0) return;
    const reqs = g.queue;
    g.queue = [];
    handoffs++;
    g.worker.postMessage({ t: "send", reqs } satisfies ToWorker);
  };

  const settle = (g: Generation, a: WireAnswer): void => {
    const p = g.pending.get(a.id);
    if (p === undefined) return;
    g.pending.delete(a.id);
    if (p.traced !== undefined) {
      if (a.wire !== undefined) dispatchTrace?.step(p.traced, "wire", a.wire);
      if (a.hdr !== undefined) dispatchTrace?.answered(p.traced, a.hdr);
    }
    if ("status" in a) p.resolve({ status: a.status, headers: a.headers, body: a.body });
    else p.reject(new TickdError(a.code, a.message));
  };

  const onMessage = (g: Generation, m: FromWorker): void => {
    if (m.t === "closed") {
      g.onClosed();
      return;
    }
    for (const a of m.list) settle(g, a);
    if (g.pending.size === 0) g.worker.unref();
  };

  const onExit = (g: Generation, code: number): void => {
    if (gen === g) gen = undefined;
    const held = g.pending.size;
    if (!g.ending) {
      stats.deaths++;
      deps.logger?.log("error", "delivery wire thread died; the requests it held are retried", {
        exitCode: code,
        inFlight: held,
        ...(g.failure !== undefined ? { error: g.failure.message } : {}),
      });
    }
    g.onClosed();
    if (held === 0) return;
    const why = g.failure !== undefined ? `: ${g.failure.message}` : "";
    const err = new TickdError(
      HandlerCodes.SEND,
      `the wire thread ended (exit code ${code}${why}) with the request in flight; outcome unknown`,
    );
    const list = [...g.pending.values()];
    g.pending.clear();
    for (const p of list) p.reject(err);
  };

  const spawn = (): Generation => {
    const worker = new Worker(file, { workerData: setup });
    // Held open only while requests are in flight (send() refs it).
    worker.unref();
    let onClosed = (): void => undefined;
    const closed = new Promise<void>((resolve) => (onClosed = resolve));
    const g: Generation = {
      worker,
      pending: new Map(),
      queue: [],
      ending: false,
      failure: undefined,
      closed,
      onClosed,
      exited: Promise.resolve(),
    };
    g.exited = new Promise((resolve) => {
      worker.on("exit", (code) => {
        onExit(g, code);
        resolve();
      });
    });
    worker.on("message", (m: FromWorker) => onMessage(g, m));
    worker.on("error", (e) => (g.failure = e));
    return g;
  };

  /** Ends a worker; resolves once its exit was handled. */
  const end = async (g: Generation): Promise<void> => {
    await g.worker.terminate();
    await g.exited;
  };

  return {
    get inFlight() {
      return gen?.pending.size ?? 0;
    },
    get handoffs() {
      return handoffs;
    },
    send(req: HttpRequest): Promise<TransportResponse> {
      if (state !== "open") {
        return Promise.reject(new TickdError(HandlerCodes.SEND, "the HTTP transport is closed"));
      }
      const g = (gen ??= spawn());
      const id = nextId++;
      return new Promise<TransportResponse>((resolve, reject) => {
        if (g.pending.size === 0) g.worker.ref();
        g.pending.set(id, {
          resolve,
          reject,
          traced: dispatchTrace !== undefined ? req.headers[EVENT_ID_HEADER] : undefined,
        });
        // Only the wire fields: a journal record passed as the request carries more.
        g.queue.push({
          id,
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: req.body,
          timeoutMs: req.timeoutMs,
          ...(req.tls !== undefined ? { tls: req.tls } : {}),
        });
        // The rest of this turn's requests join the same message.
        if (g.queue.length === 1) setImmediate(() => flush(g));
      });
    },
    close() {
      if (closing !== undefined) return closing;
      if (state === "closed") return Promise.resolve();
      state = "closing";
      closing = (async () => {
        const g = gen;
        if (g !== undefined) {
          g.ending = true;
          flush(g);
          g.worker.ref();
          g.worker.postMessage({ t: "close" } satisfies ToWorker);
          await g.closed;
          await end(g);
        }
        state = "closed";
      })();
      return closing;
    },
    async destroy() {
      state = "closed";
      const g = gen;
      if (g === undefined) return;
      g.ending = true;
      const list = [...g.pending.values()];
      g.pending.clear();
      const err = new TickdError(HandlerCodes.SEND, "the HTTP transport was destroyed");
      for (const p of list) p.reject(err);
      await end(g);
    },
    metrics: () => stats.render(),
    async terminateWorker() {
      const g = gen;
      if (g !== undefined) await end(g);
    },
  };
}
