/**
 * The worker-thread half of the wire-thread transport (wire-thread.ts): the undici transport
 * (transport.ts) runs here, so request writing, socket syscalls and response parsing use
 * another core than the journal and the engine. Requests arrive in batches; the answers of
 * one event-loop turn go back as one message.
 */
import { parentPort, workerData } from "node:worker_threads";

import { coerceError, TickdError } from "../core/errors.js";
import { HandlerCodes } from "../handlers/types.js";
import type { WireSteps } from "./trace.js";
import { createTransport } from "./transport.js";
import { EVENT_ID_HEADER } from "./types.js";
import type { FromWorker, ToWorker, WireAnswer, WireRequest, WireSetup } from "./wire-thread-protocol.js";

const port = parentPort;
if (port === null) throw new Error("wire-worker: must run as a worker thread");
const setup = workerData as WireSetup;
const post = (m: FromWorker): void => port.postMessage(m);

const wall = (): number => performance.timeOrigin + performance.now();
/** Trace times by event id until the request's answer takes them. */
const stamps = new Map<string, { wire?: number; hdr?: number }>();
const steps: WireSteps | undefined = setup.trace
  ? {
      step(eventId) {
        const s = stamps.get(eventId);
        if (s === undefined) stamps.set(eventId, { wire: wall() });
        else s.wire ??= wall();
      },
      answered(eventId) {
        const s = stamps.get(eventId);
        if (s === undefined) stamps.set(eventId, { hdr: wall() });
        else s.hdr = wall();
      },
    }
  : undefined;

const transport = createTransport(setup.options, steps);

let answers: WireAnswer[] = [];
let flushQueued = false;
/** Requests sent and not yet answered; close() waits for none. */
let inFlight = 0;
let drained: (() => void) | undefined;

function flush(): void {
  flushQueued = false;
  if (answers.length === 0) return;
  const list = answers;
  answers = [];
  post({ t: "answers", list });
}

function answer(a: WireAnswer, req: WireRequest): void {
  if (steps !== undefined) {
    const id = req.headers[EVENT_ID_HEADER];
    const s = id !== undefined ? stamps.get(id) : undefined;
    if (s !== undefined) {
      stamps.delete(id!);
      if (s.wire !== undefined) a.wire = s.wire;
      if (s.hdr !== undefined) a.hdr = s.hdr;
    }
  }
  answers.push(a);
  if (--inFlight === 0) drained?.();
  if (!flushQueued) {
    flushQueued = true;
    setImmediate(flush);
  }
}

function start(req: WireRequest): void {
  inFlight++;
  transport.send(req).then(
    (res) => answer({ id: req.id, status: res.status, headers: res.headers, body: res.body }, req),
    (e: unknown) => {
      const err = coerceError(e);
      const code = err instanceof TickdError ? err.code : HandlerCodes.SEND;
      answer({ id: req.id, code, message: err.message }, req);
    },
  );
}

port.on("message", (m: ToWorker) => {
  switch (m.t) {
    case "send":
      for (const r of m.reqs) start(r);
      return;
    case "close":
      void (async () => {
        await transport.close().catch(() => undefined);
        if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
        flush();
        post({ t: "closed" });
      })();
  }
});
